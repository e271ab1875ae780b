"""Authorizations of accounts (users, user groups) on app groups, the tenant's directory and the authorization
mails.

:class:`Authorizations` is one part of :class:`~simulator.state.FleetState`; its tables are made by
:meth:`~simulator.app_groups.AppGroups._init_app_tables`:

* ``_directory``: the users and user groups the tenant's directory knows, ``(account_type, key) -> entry`` with
  ``id``, ``account``, ``account_type``, ``domain``, ``platform_type`` (users keyed by name, user groups by id).
  A default directory (:data:`DEFAULT_DIRECTORY`: three users and one user group) is there as soon as it is first
  used, so the default simulator can grant; ``add_directory_accounts`` adds more (``count=1000`` makes a thousand
  users cheaply: ids are derived from the names, no random draw).
* ``_authorizations``: Authorization records (``authorization_type`` ``APP_GROUP``) in grant order. A grant is the
  cross product of its ``app_group_ids`` and ``accounts``: every known account on every existing group. An account
  the directory does not know, or a group that does not exist, is answered 200 and not stored (what the real
  service does, ``service-behaviour.md``); a user group is known by its id only (the SDK: "对于用户组类型，必须传入
  用户组ID"); a pair already granted is not stored twice, and every such attempt counts in
  :attr:`duplicate_grants` (tests assert "nothing granted twice" with it).
* ``_mails``: AuthorizationMail records; ``send_authorized_mails`` records one ``ADD_GROUP_AUTHORIZATION`` mail,
  ``SUCCESS``, per authorization id it knows (the others are left out, 200).
"""

import hashlib

# (account_type, account name, domain, platform_type): what the default simulator's directory knows
DEFAULT_DIRECTORY = (
    ("USER", "alice", "example.com", "LOCAL"),
    ("USER", "bob", "example.com", "LOCAL"),
    ("USER", "carol", "example.com", "LOCAL"),
    ("USER_GROUP", "app-users", "example.com", "LOCAL"),
)
ACCOUNT_TYPES = ("USER", "USER_GROUP")
PLATFORM_TYPES = ("AD", "LOCAL", "SYSTEM")
AUTHORIZATION_FIELDS = ("id", "account_id", "account", "app_group_id", "app_group_name", "authorization_type",
                        "account_type", "platform_type", "domain", "create_at")


def account_id_for(account_type, name):
    """A directory entry's id, derived from its type and name (stable, and no draw from the fleet's generator)."""
    return hashlib.md5(("%s/%s" % (account_type, name)).encode("utf-8")).hexdigest()


class Authorizations:
    """Accounts granted and removed on app groups (a part of ``FleetState``)."""

    # ------------------------------------------------------------------ the directory

    def _known(self):
        """The directory, with the default accounts added the first time it is used."""
        if not self.__dict__.get("_directory_seeded"):
            self._directory_seeded = True
            for account_type, name, domain, platform in DEFAULT_DIRECTORY:
                self._add_directory_entry(account_type, name, domain, platform)
        return self._directory

    def _add_directory_entry(self, account_type, name, domain=None, platform_type="LOCAL", account_id=None):
        if account_type not in ACCOUNT_TYPES:
            raise ValueError("account_type must be one of %s" % ", ".join(ACCOUNT_TYPES))
        if platform_type not in PLATFORM_TYPES:
            raise ValueError("platform_type must be one of %s" % ", ".join(PLATFORM_TYPES))
        entry = {"id": account_id or account_id_for(account_type, name), "account": name,
                 "account_type": account_type, "domain": domain, "platform_type": platform_type}
        key = entry["id"] if account_type == "USER_GROUP" else name
        self._directory[(account_type, key)] = entry
        return entry

    def add_directory_accounts(self, accounts=(), count=0, prefix="user", account_type="USER", domain="example.com",
                               platform_type="LOCAL"):
        """Make accounts known to the directory and return their entries: ``accounts`` (names, or dicts with
        ``account``, ``type``/``account_type``, ``domain``, ``platform_type``, ``id``) and ``count`` more named
        ``<prefix>0000`` ... of ``account_type``."""
        with self.lock:
            self._known()
            made = []
            for given in accounts:
                given = {"account": given} if isinstance(given, str) else dict(given)
                made.append(self._add_directory_entry(
                    given.get("type") or given.get("account_type") or account_type, given["account"],
                    given.get("domain", domain), given.get("platform_type") or platform_type, given.get("id")))
            width = max(4, len(str(max(count - 1, 0))))
            for number in range(count):
                made.append(self._add_directory_entry(account_type, "%s%0*d" % (prefix, width, number), domain,
                                                      platform_type))
            return made

    def directory(self):
        """The directory's entries (copies), users then user groups, by name."""
        with self.lock:
            return sorted((dict(entry) for entry in self._known().values()),
                          key=lambda entry: (entry["account_type"], entry["account"]))

    def find_account(self, info):
        """The directory entry an AccountInfo names, or None: a user by ``id`` (when given) or by name (and
        ``domain`` when given); a user group by ``id`` only."""
        directory = self._known()
        account_type = info.get("account_type") or "USER"
        if account_type == "USER_GROUP":
            entry = directory.get(("USER_GROUP", info.get("id") or ""))
            return entry
        if info.get("id"):
            entry = next((e for (kind, _key), e in directory.items() if kind == "USER" and e["id"] == info["id"]),
                         None)
            if entry is not None and info.get("account") and info["account"] != entry["account"]:
                return None
        else:
            entry = directory.get(("USER", info.get("account") or ""))
        if entry is not None and info.get("domain") and entry.get("domain") and info["domain"] != entry["domain"]:
            return None
        return entry

    # ------------------------------------------------------------------ authorizations

    @property
    def duplicate_grants(self):
        """How many (app group, account) pairs a grant named that were granted already (each attempt counts)."""
        return self.__dict__.get("_duplicate_grants", 0)

    @property
    def authorizations(self):
        """Live Authorization records, id -> record, in grant order."""
        with self.lock:
            return self._authorizations

    def authorization_view(self, record):
        view = dict((key, record.get(key)) for key in AUTHORIZATION_FIELDS)
        group = self._app_groups.get(record["app_group_id"])
        if group is not None:
            view["app_group_name"] = group["name"]
        return dict((key, value) for key, value in view.items() if value is not None)

    def _granted(self):
        """``{(app group id, account type, account id): authorization id}``."""
        return dict(((auth["app_group_id"], auth["account_type"], auth["account_id"]), auth_id)
                    for auth_id, auth in self._authorizations.items())

    def grant(self, app_group_ids, accounts):
        """POST /app-groups/authorizations: every known account on every existing group; returns the records made
        (unknown accounts and groups are left out, a pair already granted is counted in ``duplicate_grants``)."""
        with self.lock:
            granted = self._granted()
            made = []
            entries = [self.find_account(info) for info in accounts]
            for app_group_id in app_group_ids:
                group = self._app_groups.get(app_group_id)
                if group is None:
                    continue
                for entry in entries:
                    if entry is None:
                        continue
                    key = (app_group_id, entry["account_type"], entry["id"])
                    if key in granted:
                        self._duplicate_grants = self.duplicate_grants + 1
                        continue
                    record = {"id": self._authorization_id(), "account_id": entry["id"],
                              "account": entry["account"], "app_group_id": app_group_id,
                              "app_group_name": group["name"], "authorization_type": "APP_GROUP",
                              "account_type": entry["account_type"], "platform_type": entry["platform_type"],
                              "domain": entry.get("domain"), "create_at": self.clock.iso()}
                    self._authorizations[record["id"]] = record
                    granted[key] = record["id"]
                    made.append(record)
            return made

    def _authorization_id(self):
        self._authorization_seq = self.__dict__.get("_authorization_seq", 0) + 1
        return "auth-%08d" % self._authorization_seq

    def revoke(self, app_group_ids, accounts):
        """POST /app-groups/actions/batch-delete-authorization: the pairs named that exist are removed (200 always);
        returns how many went."""
        with self.lock:
            entries = [entry for entry in (self.find_account(info) for info in accounts) if entry is not None]
            wanted = set((group_id, entry["account_type"], entry["id"]) for group_id in app_group_ids
                         for entry in entries)
            gone = [auth_id for auth_id, auth in self._authorizations.items()
                    if (auth["app_group_id"], auth["account_type"], auth["account_id"]) in wanted]
            for auth_id in gone:
                del self._authorizations[auth_id]
            return len(gone)

    def list_authorizations(self, app_group_id=None, account=None, account_id=None, account_type=None):
        """Authorization records matching the filters (exact), in grant order."""
        with self.lock:
            return [auth for auth in self._authorizations.values()
                    if (app_group_id is None or auth["app_group_id"] == app_group_id)
                    and (account is None or auth["account"] == account)
                    and (account_id is None or auth["account_id"] == account_id)
                    and (account_type is None or auth["account_type"] == account_type)]

    # ------------------------------------------------------------------ mails

    @property
    def mails(self):
        """AuthorizationMail records sent, oldest first."""
        with self.lock:
            return list(self._mails)

    def send_authorized_mails(self, record_ids):
        """POST /mails/actions/send-by-authorization: one mail record per authorization id known (the others are
        left out); returns the records made."""
        with self.lock:
            made = []
            for record_id in record_ids:
                auth = self._authorizations.get(record_id)
                if auth is None:
                    continue
                self._mail_seq = self.__dict__.get("_mail_seq", 0) + 1
                group = self._app_groups.get(auth["app_group_id"]) or {}
                mail = {"id": "mail-%08d" % self._mail_seq, "account": auth["account"],
                        "account_auth_type": auth["account_type"], "account_auth_name": auth["account"],
                        "app_group_id": auth["app_group_id"],
                        "app_group_name": group.get("name") or auth.get("app_group_name"),
                        "mail_send_type": "ADD_GROUP_AUTHORIZATION", "mail_send_result": "SUCCESS",
                        "send_at": self.clock.iso()}
                self._mails.append(mail)
                made.append(mail)
            return made
