"""Authorizations of accounts (users, user groups) on app groups, the tenant's directory and the authorization
mails."""


class Authorizations:
    """Accounts granted and removed on app groups (a part of ``FleetState``; its tables are made by
    :meth:`~simulator.app_groups.AppGroups._init_app_tables`)."""
