"""App groups: the applications' side of a tenant (what users are offered), on top of the server groups.

:class:`AppGroups` is one part of :class:`~simulator.state.FleetState`. It owns ``_app_groups`` (id -> AppGroup
record in the SDK's wire shape, ``app_count`` kept in step by the published applications) and the tables the
applications and authorizations use (:meth:`_init_app_tables`): ``_apps`` (app group id -> {app id -> App}),
``_authorizations`` (authorization id -> Authorization), ``_directory`` (the users and user groups the tenant's
directory knows) and ``_mails`` (authorization mail records).

* ``add_app_group`` (builder) and ``create_app_group`` (``create_app_group``): a name as the API allows it (1..64
  letters of any script, digits, ``_`` and ``-``), a server group that exists (404 otherwise), ``authorization_type``
  ``APP_GROUP`` and ``app_type`` ``COMMON_APP`` by default. Names need not be unique (the API does not say they
  must; the collection's exact-name lookup fails on duplicates).
* ``update_app_group`` (PATCH): ``name``, ``description``, and ``app_server_group_id``, which the SDK says binds only
  a group that has none ("仅允许未设置的情形下进行绑定"): changing a set one is refused (400).
* ``delete_app_groups`` (``delete_app_group``, ``batch_delete_app_group``): what does not exist is left out, the
  answer is 200 always (``service-behaviour.md``: app group delete answers 200 always); the group's applications
  and authorizations go with it.
"""

from . import errors
from .errors import ApiError, invalid
from .validation import check_group_name

AUTHORIZATION_TYPES = ("APP", "APP_GROUP")
APP_GROUP_FIELDS = ("id", "name", "app_server_group_id", "app_server_group_name", "description",
                    "authorization_type", "tenant_id", "app_type", "create_at", "app_count")


class AppGroups:
    """App groups created, read, updated and deleted (a part of ``FleetState``)."""

    def _init_app_tables(self):
        self._app_groups = {}
        self._apps = {}  # app group id -> {app id: App record}, in publish order
        self._image_apps = {}  # image id -> what it offers to publish (published_apps.set_image_apps)
        self._authorizations = {}  # authorization id -> Authorization record, in grant order
        self._directory = {}  # (account_type, account name) -> directory entry (id, account, domain, ...)
        self._mails = []  # AuthorizationMail records, oldest first

    # ------------------------------------------------------------------ reads

    @property
    def app_groups(self):
        """Live app group records, id -> record."""
        with self.lock:
            return self._app_groups

    def get_app_group(self, app_group_id):
        with self.lock:
            return self._app_groups.get(app_group_id)

    def require_app_group(self, app_group_id):
        """The live record of an app group; 404 when there is none."""
        with self.lock:
            group = self._app_groups.get(app_group_id)
            if group is None:
                raise ApiError(404, errors.APP_GROUP_NOT_FOUND, "app_group_id: %s" % app_group_id)
            return group

    def app_group_view(self, group, detail=False):
        """The AppGroup as the list (or, with ``detail``, the show) answers it."""
        with self.lock:
            view = dict((key, group.get(key)) for key in APP_GROUP_FIELDS)
            view["app_count"] = len(self._apps.get(group["id"], {}))
            server_group = self._groups.get(group.get("app_server_group_id") or "")
            view["app_server_group_name"] = server_group["name"] if server_group else None
            if detail:
                view["app_server_group_description"] = server_group.get("description") if server_group else None
            return dict((key, value) for key, value in view.items() if value is not None)

    # ------------------------------------------------------------------ builders and API

    def _server_group_or_404(self, server_group_id):
        if server_group_id and server_group_id not in self._groups:
            raise ApiError(404, errors.GROUP_NOT_FOUND, "app_server_group_id: %s" % server_group_id)

    def add_app_group(self, name, server_group_id=None, authorization_type="APP_GROUP", app_type="COMMON_APP",
                      description=None, **fields):
        """Add an app group (for tests; no checks but the server group's) and return its live record."""
        with self.lock:
            self._server_group_or_404(server_group_id)
            group = {"id": self._uuid(), "name": name, "app_server_group_id": server_group_id,
                     "description": description, "authorization_type": authorization_type,
                     "tenant_id": self.project_id, "app_type": app_type, "create_at": self.clock.iso()}
            group.update(fields)
            self._app_groups[group["id"]] = group
            self._apps[group["id"]] = {}
            return group

    def create_app_group(self, body):
        """POST /app-groups (body validated by the handler)."""
        with self.lock:
            check_group_name("name", body["name"])
            return self.add_app_group(body["name"], body.get("app_server_group_id"),
                                      body.get("authorization_type") or "APP_GROUP",
                                      body.get("app_type") or "COMMON_APP", body.get("description"))

    def update_app_group(self, app_group_id, body):
        """PATCH /app-groups/{id}: the fields given replace the group's."""
        with self.lock:
            group = self.require_app_group(app_group_id)
            if "name" in body:
                check_group_name("name", body["name"])
            server_group_id = body.get("app_server_group_id")
            if server_group_id:
                self._server_group_or_404(server_group_id)
                if group.get("app_server_group_id") and group["app_server_group_id"] != server_group_id:
                    raise invalid("app_server_group_id can only be bound when the app group has none.")
            for key in ("name", "description", "app_server_group_id"):
                if key in body and body[key] is not None:
                    group[key] = body[key]
            return group

    def delete_app_groups(self, app_group_ids):
        """Delete the app groups that exist (with their applications and authorizations); the others are left out."""
        with self.lock:
            for app_group_id in app_group_ids:
                if self._app_groups.pop(app_group_id, None) is None:
                    continue
                self._apps.pop(app_group_id, None)
                for auth_id in [key for key, auth in self._authorizations.items()
                                if auth["app_group_id"] == app_group_id]:
                    del self._authorizations[auth_id]
