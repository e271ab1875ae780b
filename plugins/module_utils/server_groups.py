# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What server groups have besides their settings: the scaling policy (a :class:`~.resource.Part` of the group),
its tags (a Part too: added, updated and, with purge_tags, removed on an existing group), and the rule that a group
with servers is not deleted."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.fields import (
    flat, merge_nested, shows_nested)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.resource import Part, PartChange, label

FLEET_MODULE = "huaweicloud.workspace_app.app_server_fleet"
MAX_TAGS = 20

# -- scaling policy ------------------------------------------------------------------------------------------------
POLICY_KEYS = ("enable", "max_scaling_amount", "single_expansion_count")
POLICY_PARTS = (
    ("scaling_policy_by_session", ("session_usage_threshold", "shrink_after_session_idle_minutes")),
    ("scaling_policy_by_resource", ("cpu_usage_threshold", "mem_usage_threshold", "gpu_usage_threshold")),
)
POLICY_PERCENTAGES = ("scaling_policy_by_session.session_usage_threshold",
                      "scaling_policy_by_resource.cpu_usage_threshold",
                      "scaling_policy_by_resource.mem_usage_threshold",
                      "scaling_policy_by_resource.gpu_usage_threshold")
# The service's ranges of the server counts (Terraform's docs of the real service; the API pages name none).
POLICY_RANGES = (("max_scaling_amount", 1, 100), ("single_expansion_count", 1, 10))
POLICY_COUNTS = ("scaling_policy_by_session.shrink_after_session_idle_minutes",)
# Required by CreateOrUpdateScalingPolicyReq (the SDK model; server_group_id is the module's).
POLICY_REQUIRED = ("max_scaling_amount", "single_expansion_count",
                   "scaling_policy_by_session.shrink_after_session_idle_minutes")
# What a group without a scaling policy shows.
NO_POLICY = {"enable": False, "max_scaling_amount": 0, "single_expansion_count": 0}


def known_policy(policy):
    """The set fields of ``policy`` that a CreateOrUpdateScalingPolicyReq carries (None values, and fields the
    service may add, left out)."""
    policy = policy or {}
    known = dict((key, policy[key]) for key in POLICY_KEYS if policy.get(key) is not None)
    for part, keys in POLICY_PARTS:
        sub = dict((key, value) for key, value in (policy.get(part) or {}).items() if key in keys and value is not None)
        if sub:
            known[part] = sub
    return known


def wanted_policy(params):
    """The scaling_policy sub-options that are set (None: the option is not set; {}: none, remove the policy)."""
    given = params.get("scaling_policy")
    return None if given is None else known_policy(given)


def has_policy(policy):
    """Whether ``policy`` (a group's ``scaling_policy``) is a policy set on the group rather than the disabled
    default a group without one shows."""
    known = known_policy(policy)
    return bool(known.get("enable") or known.get("max_scaling_amount") or known.get("single_expansion_count")
                or any(part in known for part, _keys in POLICY_PARTS))


def expansion_within_maximum(policy, where="scaling_policy"):
    single, maximum = (policy or {}).get("single_expansion_count"), (policy or {}).get("max_scaling_amount")
    if single is not None and maximum is not None and single > maximum:
        raise TargetError("%s: single_expansion_count %s is more than max_scaling_amount %s" % (where, single, maximum))


def expansion_as_given(params):
    expansion_within_maximum(params.get("scaling_policy"))


class PolicyPlan(PartChange):
    """What a run does to the scaling policy: ``put`` the policy ``after`` or ``delete`` it (``after`` None)."""

    def __init__(self, before, after):
        super(PolicyPlan, self).__init__(before, after, shown=NO_POLICY if after is None else after)

    @property
    def action(self):
        return "delete" if self.after is None else "put"

    def applied(self, current):
        return not has_policy(current) if self.after is None else shows_nested(current, self.after)


def plan_policy(current, wanted):
    """Compare the ``wanted`` sub-options (:func:`wanted_policy`) with the group's ``current`` policy; None when
    nothing is to change. Fails (before anything is sent) when the policy to PUT lacks what the API requires."""
    if wanted is None:
        return None
    exists = has_policy(current)
    if not wanted:
        return PolicyPlan(current, None) if exists else None
    if not exists and wanted == {"enable": False}:
        return None  # no policy is a disabled one already
    if exists and shows_nested(current, wanted):
        return None
    merged = merge_nested(known_policy(current) if exists else {}, wanted)
    missing = [key for key in POLICY_REQUIRED if key not in flat(merged)]
    if missing:
        raise TargetError("scaling_policy: %s needs %s (missing: %s)" % (
            "the group's policy with yours merged in" if exists else
            "the group has no scaling policy yet, and creating one", ", ".join(POLICY_REQUIRED), ", ".join(missing)))
    expansion_within_maximum(merged, "scaling_policy (the group's policy with yours merged in)")
    return PolicyPlan(current, merged)


class ScalingPolicy(Part):
    """The group's auto scaling policy (``PUT``/``DELETE /v1/{project_id}/scaling-policy``), compared per
    sub-option and sent whole (the API replaces the whole policy)."""

    option = "scaling_policy"

    def read(self, context, record):
        """From the group's read, or from the scaling policy read when the group's has none."""
        if "scaling_policy" in record or not record.get("id"):
            return record.get("scaling_policy") or {}
        return api.show_scaling_policy(context.client, record["id"])

    def plan(self, current, params):
        return plan_policy(current, wanted_policy(params))

    def send(self, context, record_id, change):
        if change.action == "delete":
            api.delete_scaling_policy(context.client, record_id)
        else:
            api.create_or_update_scaling_policy(context.client, record_id, change.after)

    def shows(self, current, change):
        return change.applied(current)


# -- tags ----------------------------------------------------------------------------------------------------------
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 255


def tag_dict(tags):
    """The ``tags`` option (a dict, or today's list of ``{key, value}``) or a group's tags as the API answers them
    (``{key, value}``: the group's read and the one-group tag read, whose ``value`` is a single string; ``{key,
    values}``: the list read for all groups, a list) as one ``{key: value}`` dict. None stays None."""
    if tags is None:
        return None
    if isinstance(tags, dict):
        return dict((key, "" if value is None else str(value)) for key, value in tags.items())
    result = {}
    for tag in tags:
        if "values" in tag and "value" not in tag:
            values = tag.get("values")
            value = values[0] if isinstance(values, list) and values else values
        else:
            value = tag.get("value")
        result[tag.get("key")] = "" if value is None else str(value)
    return result


def tag_list(tags):
    """``{key: value}`` as the API's list of ``{key, value}`` (sorted by key)."""
    return [{"key": key, "value": value} for key, value in sorted(tag_dict(tags).items())]


def tag_wire(tags):
    """The ``tags`` option as the create request carries it: a list stays as given, a dict becomes ``{key,
    value}`` items."""
    return tags if isinstance(tags, list) else tag_list(tags)


def tag_set(tags):
    """The tags (any form :func:`tag_dict` reads) as sorted (key, value) pairs."""
    return sorted(tag_dict(tags or []).items())


def tags_differ(group, params):
    """Whether the group's read shows other tags than the ``tags`` option (False when either is absent)."""
    return (params.get("tags") is not None and isinstance(group.get("tags"), (list, dict))
            and tag_set(group["tags"]) != tag_set(params["tags"]))


def tags_valid(params):
    """The ``tags`` option: a dict or a list of ``{key, value}``, at most 20, keys 1 to 128 characters without blanks
    at either end and unique, values up to 255 characters; fails naming the option before anything is sent."""
    tags = params.get("tags")
    if tags is None:
        return
    if isinstance(tags, dict):
        items = list(tags.items())
    elif isinstance(tags, list):
        items = []
        for tag in tags:
            if not isinstance(tag, dict) or set(tag) - set(("key", "value")) or "key" not in tag:
                raise TargetError("tags: each list item is a dict with key and value (allowed keys: key, value), "
                                  "got %r; or give tags as a dict {key: value}" % (tag,))
            items.append((tag.get("key"), tag.get("value")))
    else:
        raise TargetError("tags: a dict {key: value} or a list of {key, value}, got %r" % (tags,))
    if len(items) > MAX_TAGS:
        raise TargetError("tags: %d tags given; a group takes at most %d" % (len(items), MAX_TAGS))
    seen = set()
    for key, value in items:
        key = "" if key is None else str(key)
        if not 1 <= len(key) <= MAX_TAG_KEY or key != key.strip():
            raise TargetError("tags: key %r must be 1 to %d characters, without blanks at either end"
                              % (key, MAX_TAG_KEY))
        if key in seen:
            raise TargetError("tags: key %r is given twice; keys must be unique" % key)
        seen.add(key)
        if value is not None and len(str(value)) > MAX_TAG_VALUE:
            raise TargetError("tags: the value of %r is %d characters long; the most allowed is %d"
                              % (key, len(str(value)), MAX_TAG_VALUE))


def with_tag_dict(group):
    """A group's record with its ``tags`` as a ``{key: value}`` dict (as the modules return them)."""
    if isinstance(group, dict) and isinstance(group.get("tags"), list):
        group = dict(group, tags=tag_dict(group["tags"]))
    return group


class TagsPlan(PartChange):
    """What a run does to a group's tags: ``add`` (new keys and new values) and ``remove`` (keys that go, with
    ``purge_tags``); ``after`` the tags the group has then."""

    def __init__(self, before, after, add, remove):
        super(TagsPlan, self).__init__(before, after)
        self.add = add
        self.remove = remove


def plan_tags(current, wanted, purge):
    """Compare the ``wanted`` tags ({key: value}) with the group's ``current`` ones; None when nothing changes.
    Without ``purge`` keys the task does not name are kept."""
    current = current or {}
    add = dict((key, value) for key, value in wanted.items() if current.get(key) != value)
    remove = dict((key, value) for key, value in current.items() if purge and key not in wanted)
    if not add and not remove:
        return None
    after = dict((key, value) for key, value in current.items() if key not in remove)
    after.update(add)
    if len(after) > MAX_TAGS:
        raise TargetError("tags: the group would have %d tags (its %d with yours added); a group takes at most %d; "
                          "set purge_tags: true or name fewer" % (len(after), len(current), MAX_TAGS))
    return TagsPlan(dict(current), after, add, remove)


class ServerGroupTags(Part):
    """The group's tags (``POST …/server-group/tags/batch-create``, ``DELETE …/batch-delete``), compared per key
    with what the group has; ``purge_tags`` removes the keys the task does not name."""

    option = "tags"

    def read(self, context, record):
        """From the group's read, or from the one-group tag read (its single-string values) when it has none."""
        if isinstance(record.get("tags"), (dict, list)) or not record.get("id"):
            return tag_dict(record.get("tags") or [])
        return tag_dict(api.show_server_group_tags(context.client, record["id"]))

    def plan(self, current, params):
        return plan_tags(current, tag_dict(params["tags"]), params.get("purge_tags"))

    def send(self, context, record_id, change):
        if change.remove:
            api.batch_delete_server_group_tags(context.client, record_id, tag_list(change.remove))
        if change.add:
            api.batch_create_server_group_tags(context.client, record_id, tag_list(change.add))

    def shows(self, current, change):
        return tag_dict(current) == change.after


# -- deleting ------------------------------------------------------------------------------------------------------
def refuse_non_empty(group, refusal=None):
    """Fail when ``group`` (a read of it) still has servers (its ``app_server_count``): before a delete, or after
    the service's ``refusal`` (an ApiError: a 400 or 409, whatever its code, named only as a hint). The one place
    deciding whether a group with servers may go; a group the read shows empty is left to the caller."""
    count = int(group.get("app_server_count") or 0)
    if not count:
        return
    answered = "" if refusal is None else "; the service refused the delete: HTTP %s%s" % (
        refusal.status, " %s" % refusal.error_code if refusal.error_code else "")
    raise TargetError("server group %s still has %d server(s)%s; delete them first (%s count: 0) or set force: true"
                      % (label(group), count, answered, FLEET_MODULE))
