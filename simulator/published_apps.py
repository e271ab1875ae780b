"""Published applications of the app groups, and what a group's image offers to publish.

:class:`PublishedApps` is one part of :class:`~simulator.state.FleetState`. Its records live in ``_apps`` (app group
id -> {app id -> App record, in publish order}), made by :meth:`~simulator.app_groups.AppGroups._init_app_tables`
with ``_image_apps`` (image id -> the applications that image offers, set by :meth:`set_image_apps`).

* What an app group may publish from its image (``show_publishable_app``) is derived from its server group: the
  images of that group's servers (``group_images``), each offering its catalogue (:data:`DEFAULT_IMAGE_APPS`, a
  handful of Windows applications, unless a test set another with :meth:`set_image_apps` or ``POST
  /_sim/image-apps``). The answer is a 404 when the app group is missing, and a 404 with an empty message when it
  has no server group or its server group has no servers (Terraform's publishable applications data source).
  An offered application already published in the group shows ``publishable: false`` (a guess).
* ``publish_apps`` (1..20 PublishApp items) publishes all of them or none: a name as PublishApp allows it (1..64
  visible characters or spaces, not only spaces, none of ``^;/~`{}[]<>``), ``source_type`` 2 (an image application:
  its name must be one the group's image offers) or 3 (custom: ``execute_path`` required); 1 is reserved. A name
  already published in the group, or given twice, is refused (400): the service's own check has a ``duplicate``
  rule (``check_publish_app``) and Terraform finds an application by its name in the group.
* ``update_app`` (PATCH, UpdateAppReq), ``batch_set_app_state`` (enable NORMAL / disable FORBIDDEN, 1..20 ids; ids
  not in the group are left out) and ``unpublish_apps`` (1..50 ids, 200 always, unknown ids and groups left out).
"""

import hashlib
import uuid

from . import errors
from .errors import ApiError, invalid

APP_STATES = ("NORMAL", "FORBIDDEN")
SOURCE_TYPES = (2, 3)  # PublishApp.source_type: 1 is reserved by the system ("系统保留不可用")
IMAGE_APP, CUSTOM_APP = 2, 3
NAME_FORBIDDEN = "^;/~`{}[]<>"  # PublishApp.name: "不允许包含如下字符:^;/~`{}[]<>"
NAME_MAX = 64
MAX_PUBLISH = 20  # PublishAppReq.items: "单次最多20个应用"
MAX_UNPUBLISH = 50  # UnpublishAppReq.ids: "单次最多允许操作50个应用"
MAX_STATE_CHANGE = 20  # BatchUpdateAppReq.ids: "单次最多允许操作20条"

# What an image offers unless a test says otherwise (set_image_apps): a handful of Windows applications.
DEFAULT_IMAGE_APPS = (
    {"name": "Notepad", "execute_path": "C:\\Windows\\System32\\notepad.exe", "version": "10.0",
     "publisher": "Microsoft Corporation"},
    {"name": "Calculator", "execute_path": "C:\\Windows\\System32\\calc.exe", "version": "10.0",
     "publisher": "Microsoft Corporation"},
    {"name": "Paint", "execute_path": "C:\\Windows\\System32\\mspaint.exe", "version": "10.0",
     "publisher": "Microsoft Corporation"},
    {"name": "WordPad", "execute_path": "C:\\Program Files\\Windows NT\\Accessories\\wordpad.exe",
     "version": "10.0", "publisher": "Microsoft Corporation"},
    {"name": "Command Prompt", "execute_path": "C:\\Windows\\System32\\cmd.exe", "version": "10.0",
     "publisher": "Microsoft Corporation"},
    {"name": "Windows PowerShell", "execute_path": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
     "version": "5.1", "publisher": "Microsoft Corporation"},
)
# The fields an image's catalogue entry may set (PublishableApp's, less what the simulator fills in).
CATALOGUE_FIELDS = ("name", "version", "command_param", "execute_path", "work_path", "icon_path", "icon_index",
                    "description", "publisher", "sandbox_enable")
# What an App record carries (the SDK's App model); a PublishApp's fields are copied into it.
APP_FIELDS = ("id", "name", "version", "command_param", "execute_path", "work_path", "icon_path", "icon_index",
              "description", "app_group_id", "state", "tenant_id", "publish_at", "source_type", "publisher",
              "icon_url", "publishable", "sandbox_enable", "is_pre_boot", "pre_launch_policy", "app_extended_info")
PUBLISHED_FIELDS = ("name", "version", "command_param", "execute_path", "work_path", "icon_path", "icon_index",
                    "description", "source_type", "publisher", "sandbox_enable", "app_extended_info", "is_pre_boot",
                    "pre_launch_policy")
UPDATABLE_FIELDS = ("name", "version", "execute_path", "work_path", "description", "command_param", "state",
                    "sandbox_enable", "app_extended_info")
# The 404 of publishable-app when the group has no server group or no servers: "the error message is empty in some
# cases" (Terraform's data source). The code is a guess.
NOTHING_PUBLISHABLE = ("WKS.00211303", "")


def naming_problem(name, forbidden=NAME_FORBIDDEN):
    """Why ``name`` is not a valid application name (PublishApp's rules), or None."""
    if not isinstance(name, str) or not 1 <= len(name) <= NAME_MAX:
        return "name must be 1 to %d characters." % NAME_MAX
    if not name.strip():
        return "name must not be only spaces."
    if not name.isprintable():
        return "name must be visible characters or spaces."
    bad = sorted(set(ch for ch in name if ch in forbidden))
    if bad:
        return "name must not contain %s." % " ".join(bad)
    return None


def catalogue_id(image_id, name):
    """A stable id of an image's offered application (the same on every read)."""
    digest = hashlib.sha256(("%s/%s" % (image_id, name)).encode("utf-8")).hexdigest()
    return str(uuid.UUID(digest[:32]))


class PublishedApps:
    """Applications published, updated, enabled, disabled and unpublished (a part of ``FleetState``; its tables are
    made by :meth:`~simulator.app_groups.AppGroups._init_app_tables`)."""

    # ------------------------------------------------------------------ what images offer

    def set_image_apps(self, image_id, apps):
        """What ``image_id`` offers to publish from now on: a list of ``{name, execute_path, ...}`` (the fields of
        :data:`CATALOGUE_FIELDS`; ``name`` required). Returns the catalogue as stored."""
        if not isinstance(image_id, str) or not image_id:
            raise ValueError("image_id must be a non-empty string")
        if not isinstance(apps, list):
            raise ValueError("apps must be a list of objects")
        catalogue = []
        for app in apps:
            if not isinstance(app, dict) or not isinstance(app.get("name"), str) or not app["name"]:
                raise ValueError("each app is an object with a non-empty name")
            unknown = sorted(set(app) - set(CATALOGUE_FIELDS))
            if unknown:
                raise ValueError("unknown app field(s) %s; known: %s"
                                 % (", ".join(unknown), ", ".join(CATALOGUE_FIELDS)))
            catalogue.append(dict(app))
        with self.lock:
            self._image_apps[image_id] = catalogue
            return [dict(app) for app in catalogue]

    def image_apps(self, image_id):
        """The catalogue ``image_id`` offers (its own, else :data:`DEFAULT_IMAGE_APPS`)."""
        with self.lock:
            catalogue = self._image_apps.get(image_id)
            return [dict(app) for app in (DEFAULT_IMAGE_APPS if catalogue is None else catalogue)]

    def group_images(self, app_group_id):
        """The images of the servers of the app group's server group, in server order; the 404s of
        publishable-app when there is no group, no server group or no server."""
        with self.lock:
            group = self.require_app_group(app_group_id)
            server_group_id = group.get("app_server_group_id")
            if not server_group_id or server_group_id not in self._groups:
                raise ApiError(404, NOTHING_PUBLISHABLE)
            images = []
            for record in self._servers.values():
                if record.get("server_group_id") == server_group_id:
                    image_id = record.get("image_id") or self._groups[server_group_id].get("image_id")
                    if image_id and image_id not in images:
                        images.append(image_id)
            if not images:
                raise ApiError(404, NOTHING_PUBLISHABLE)
            return images

    def publishable_apps(self, app_group_id):
        """``{count, group_images, items}``: each application the group's images offer once (by name), with the
        images offering it (``source_image_ids``) and ``publishable: false`` when it is published in the group."""
        with self.lock:
            images = self.group_images(app_group_id)
            published = set(app["name"] for app in self._apps.get(app_group_id, {}).values())
            offered = {}
            for image_id in images:
                for app in self.image_apps(image_id):
                    item = offered.get(app["name"])
                    if item is None:
                        item = dict(app, id=catalogue_id(image_id, app["name"]), source_type=IMAGE_APP,
                                    app_group_id=app_group_id, tenant_id=self.project_id, source_image_ids=[])
                        item.setdefault("sandbox_enable", False)
                        item["publishable"] = app["name"] not in published
                        offered[app["name"]] = item
                    item["source_image_ids"].append(image_id)
            items = list(offered.values())
            return {"count": len(items), "group_images": images, "items": items}

    # ------------------------------------------------------------------ reads

    def published_apps(self, app_group_id):
        """The live App records of a group, in publish order ([] for a group that does not exist)."""
        with self.lock:
            return list(self._apps.get(app_group_id, {}).values())

    def app_names(self, app_group_id):
        """The names published in a group, in publish order (for tests: "every name once")."""
        return [app["name"] for app in self.published_apps(app_group_id)]

    def require_app(self, app_group_id, app_id):
        with self.lock:
            self.require_app_group(app_group_id)
            app = self._apps.get(app_group_id, {}).get(app_id)
            if app is None:
                raise ApiError(404, errors.APP_NOT_FOUND, "app_id: %s" % app_id)
            return app

    @staticmethod
    def app_view(app):
        """The App as the service answers it (fields without a value left out)."""
        return dict((key, app[key]) for key in APP_FIELDS if app.get(key) is not None)

    # ------------------------------------------------------------------ builders and API

    def check_app_name(self, app_group_id, name):
        """``check_publish_app``: ``{result, validate_rule}`` (``naming`` or ``duplicate`` when it fails)."""
        with self.lock:
            self.require_app_group(app_group_id)
            if naming_problem(name):
                return {"result": False, "validate_rule": "naming"}
            if name in self.app_names(app_group_id):
                return {"result": False, "validate_rule": "duplicate"}
            return {"result": True}

    def publish_apps(self, app_group_id, items):
        """POST /app-groups/{id}/apps: every item published, or none (the first problem is a 400); the new
        records."""
        with self.lock:
            self.require_app_group(app_group_id)
            published = set(self.app_names(app_group_id))
            offered = None
            seen = set()
            for index, item in enumerate(items):
                where = "items[%d]" % index
                problem = naming_problem(item.get("name"))
                if problem:
                    raise invalid("%s.%s" % (where, problem))
                name = item["name"]
                if name in published or name in seen:
                    raise invalid("%s.name: an application named %r is already published in the app group "
                                  "(duplicate)." % (where, name))
                seen.add(name)
                source_type = item.get("source_type")
                if source_type == IMAGE_APP:
                    if offered is None:
                        try:
                            offered = set(app["name"] for app in self.publishable_apps(app_group_id)["items"])
                        except ApiError:
                            offered = set()
                    if name not in offered:
                        raise invalid("%s.name: %r is not an application the app group's image offers."
                                      % (where, name))
                elif source_type == CUSTOM_APP:
                    if not item.get("execute_path"):
                        raise invalid("%s.execute_path is required for a custom application (source_type 3)."
                                      % where)
                else:
                    raise invalid("%s.source_type must be one of 2, 3." % where)
            records = []
            for item in items:
                app = dict((key, item.get(key)) for key in PUBLISHED_FIELDS)
                app.update(id=self._uuid(), app_group_id=app_group_id, state="NORMAL", tenant_id=self.project_id,
                           publish_at=self.clock.iso())
                if app.get("sandbox_enable") is None:
                    app["sandbox_enable"] = False
                self._apps.setdefault(app_group_id, {})[app["id"]] = app
                records.append(app)
            return records

    def update_app(self, app_group_id, app_id, body):
        """PATCH /app-groups/{id}/apps/{app_id}: the fields given replace the app's (UpdateAppReq)."""
        with self.lock:
            app = self.require_app(app_group_id, app_id)
            if body.get("name") is not None:
                problem = naming_problem(body["name"], forbidden="")  # UpdateAppReq states no forbidden characters
                if problem:
                    raise invalid(problem)
                if any(other["name"] == body["name"] and other["id"] != app_id
                       for other in self.published_apps(app_group_id)):
                    raise invalid("name: an application named %r is already published in the app group "
                                  "(duplicate)." % body["name"])
            for key in UPDATABLE_FIELDS:
                if body.get(key) is not None:
                    app[key] = body[key]
            return app

    def set_apps_state(self, app_group_id, app_ids, state):
        """batch enable (NORMAL) / disable (FORBIDDEN): the ids of the group get ``state``; others are left out."""
        with self.lock:
            self.require_app_group(app_group_id)
            apps = self._apps.get(app_group_id, {})
            for app_id in app_ids:
                if app_id in apps:
                    apps[app_id]["state"] = state

    def unpublish_apps(self, app_group_id, app_ids):
        """batch-unpublish: what exists goes; 200 always (Terraform: "In any case, the interface response status
        code is 200")."""
        with self.lock:
            apps = self._apps.get(app_group_id, {})
            for app_id in app_ids:
                apps.pop(app_id, None)
