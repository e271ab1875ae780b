"""Published applications of the app groups, and what a group's image offers to publish."""


class PublishedApps:
    """Applications published, updated, enabled, disabled and unpublished (a part of ``FleetState``; its tables are
    made by :meth:`~simulator.app_groups.AppGroups._init_app_tables`)."""
