# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Published applications of an app group as the modules that act on them see them: the group's published apps by
exact name (the API's ``name`` filter matches parts of names, so the group is read once, every page, and matched
here), what the group's image offers (``publishable-app``, its 404s turned into a reason), the application name
rules of PublishApp, the wire's source types, and the item kind of the batch engine (applications, keyed by name).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError, TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.operation import ItemKind

# source_type on the wire (PublishApp, App): 1 is the system's own (reserved), 2 an image application, 3 custom.
SOURCE_TYPES = {"image": 2, "custom": 3}
SOURCE_TYPE_NAMES = {1: "system", 2: "image", 3: "custom"}
APP_STATES = ("NORMAL", "FORBIDDEN")  # AppStateEnum: enabled, disabled

# Per call (the SDK's request models): PublishAppReq.items, UnpublishAppReq.ids, BatchUpdateAppReq.ids.
MAX_PUBLISH = 20
MAX_UNPUBLISH = 50
MAX_STATE_CHANGE = 20

# PublishApp.name: 1..64 visible characters or spaces, not only spaces, none of these.
NAME_MAX = 64
NAME_FORBIDDEN = "^;/~`{}[]<>"


def name_problem(name):
    """Why ``name`` is not an application name PublishApp takes, or None."""
    if not 1 <= len(name) <= NAME_MAX:
        return "is %d characters long; an application name is 1 to %d characters" % (len(name), NAME_MAX)
    if not name.strip():
        return "must not be only spaces"
    if not all(char == " " or char.isprintable() for char in name):
        return "must be visible characters or spaces"
    bad = sorted(set(char for char in name if char in NAME_FORBIDDEN))
    if bad:
        return "%r contains %s; an application name must not contain any of %s" % (
            name, " ".join(bad), " ".join(NAME_FORBIDDEN))
    return None


def source_type_name(value):
    """``image``/``custom`` (``system`` for 1) from the wire's number; the value itself when unknown."""
    return SOURCE_TYPE_NAMES.get(value, value)


def published_by_name(client, app_group_id):
    """``{name: App record}`` of the group's published applications (every page of one listing). A name published
    twice maps to a list of its records (see :func:`ambiguous`)."""
    found = {}
    for record in api.list_published_apps(client, app_group_id):
        name = record.get("name")
        if name in found:
            previous = found[name]
            found[name] = (previous if isinstance(previous, list) else [previous]) + [record]
        else:
            found[name] = record
    return found


def ambiguous(published, names):
    """The names of ``names`` that several published applications have, or []."""
    return sorted(name for name in names if isinstance(published.get(name), list))


def publishable(client, group, option="app_group_id"):
    """What the group's image offers (``{count, group_images, items}``). Its 404 (an empty message at times: the
    group has no server group, or that group no servers) fails naming why."""
    try:
        return api.show_publishable_apps(client, group["id"])
    except ApiError as exc:
        if exc.status != 404:
            raise
        label = "%s (%s)" % (group.get("name"), group["id"])
        if not group.get("app_server_group_id"):
            why = "it has no server group (set one with huaweicloud.workspace_app.app_group server_group_id)"
        else:
            server_group = group.get("app_server_group_name") or group["app_server_group_id"]
            why = "its server group %s has no servers, or is gone" % server_group
        raise TargetError("%s: app group %s offers no image applications: %s (the service answered 404%s)"
                          % (option, label, why, ": %s" % exc.error_msg if exc.error_msg else ""))


class Applications(ItemKind):
    """The published applications of one app group: a report names an application by ``name`` (its identity in the
    group, the key of the run) and ``id`` (the service's, once published). Read again through one listing of the
    group (all pages), matched by exact name."""

    noun = "application"
    result_key = "applications"
    identity = ("name", "id")

    def __init__(self, operation=None):
        self.operation = operation

    def key(self, record):
        return record["name"]

    def label(self, fields):
        return fields.get("name")

    def action(self, item):
        """The result's ``action`` of a submitted application: its call (``publish``, ``update``, ``enable``,
        ``disable``, ``unpublish``)."""
        return item.batch_key

    def reader(self, context):
        return PublishedReader(context.client, self.operation)


class PublishedReader:
    """``read(names)`` -> ``{name: App record}`` of those published now; ``cost`` -> one listing. What it reads is
    what the operation last saw (``operation.shown``): the publish call sends only what that shows unpublished."""

    def __init__(self, client, operation):
        self.client = client
        self.operation = operation

    def read(self, keys):
        published = published_by_name(self.client, self.operation.app_group["id"])
        records = {}
        for key in keys:
            record = published.get(key)
            if isinstance(record, list):
                record = record[0]
            if record:
                records[key] = record
            self.operation.shown[key] = record
        return records

    def cost(self, keys):
        return 1
