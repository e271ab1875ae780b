# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Desired state for the fields of one resource: compare only what the user set, send only what differs.

:func:`plan_fields` compares desired values with the resource as the service
returns it and yields a :class:`FieldPlan` (the request body and the
field-level diff); :func:`mismatches` checks a re-read against the plan.
The service's types are tolerated (``"80"`` equals 80, ``"true"`` equals
true) and text fields it omits when null count as empty.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy


def same(current, desired, nullable=False):
    """Whether the service's value already is the desired one."""
    if current is None and nullable:
        current = ""
    if isinstance(desired, bool):
        return current is desired or str(current).lower() == str(desired).lower()
    if isinstance(desired, int):
        try:
            return int(current) == desired
        except (TypeError, ValueError):
            return False
    return current == desired


class FieldPlan:
    """What one run sends for a resource: the body and the field-level diff.

    ``unverified`` lists fields sent without being compared (the service does not return them);
    ``not_comparable`` those left out for that reason. ``nullable`` fields treat absent as empty;
    ``partial`` fields are dicts compared key by key.
    """

    def __init__(self, nullable=()):
        self.body = {}
        self.before = {}
        self.after = {}
        self.unverified = []
        self.not_comparable = []
        self.nullable = tuple(nullable)
        self.partial = []
        # field -> (what the record shows after the change, shows(record): whether a record shows it): fields a
        # module compares its own way (a deep subset of a nested dict, a list compared as a set), whose body and diff
        # differ from what the record shows
        self.own = {}

    def add(self, field, before, after):
        self.body[field] = after
        self.before[field] = before
        self.after[field] = after

    def add_own(self, field, before, after, body, shown, shows):
        """A field compared the module's own way: ``before``/``after`` for the diff, ``body`` sent, ``shown`` what
        the record shows after it, ``shows(record)`` whether a re-read shows the change."""
        self.body[field] = body
        self.before[field] = before
        self.after[field] = after
        self.own[field] = (shown, shows)

    def predicted(self, current):
        """``current`` with the body applied, as the service would return it."""
        result = copy.deepcopy(current)
        result.update(copy.deepcopy(self.body))
        for field, (shown, _shows) in self.own.items():
            result[field] = copy.deepcopy(shown)
        return result


def plan_fields(current, desired, nullable=(), together=()):
    """Plan the scalar ``desired`` fields (``{field: value}``, only those the user set) against ``current``.

    When any field of ``together`` differs, all of them that are set are sent (e.g. an image id and its type).
    """
    plan = FieldPlan(nullable)
    differing = [field for field in desired if not same(current.get(field), desired[field], field in plan.nullable)]
    group_differs = any(field in together for field in differing)
    for field in desired:
        if (field in together and group_differs) or field in differing:
            plan.add(field, current.get(field), desired[field])
    return plan


def plan_sub_fields(plan, field, current, wanted, keys, force=False):
    """Add dict ``field`` to ``plan`` when a key of ``wanted`` differs from ``current`` (the current keys merged with
    the wanted ones are sent). A ``current`` of None is unknown: sent only with ``force``, unverified."""
    wanted = dict((key, value) for key, value in (wanted or {}).items() if value is not None)
    if not wanted:
        return
    plan.partial.append(field)
    if current is None:
        if force:
            plan.add(field, None, wanted)
            plan.unverified.append(field)
        else:
            plan.not_comparable.append(field)
        return
    if all(same(current.get(key), value) for key, value in wanted.items()):
        return
    known = dict((key, current[key]) for key in keys if current.get(key) is not None)
    merged = dict(known)
    merged.update(wanted)
    plan.add(field, known, merged)


def mismatches(plan, current):
    """Fields of ``plan`` the re-read ``current`` does not show as sent (unverified ones excepted)."""
    wrong = []
    for field, value in plan.body.items():
        if field in plan.unverified:
            continue
        if field in plan.own:
            if not plan.own[field][1](current):
                wrong.append(field)
        elif field in plan.partial:
            shown = current.get(field) or {}
            if not all(same(shown.get(key), sub) for key, sub in value.items()):
                wrong.append(field)
        elif not same(current.get(field), value, field in plan.nullable):
            wrong.append(field)
    return wrong


def flat(value, prefix=""):
    """``{"a": 1, "b": {"c": 2}}`` -> ``{"a": 1, "b.c": 2}``: a nested dict as its leaves (None values left out)."""
    leaves = {}
    for key, sub in (value or {}).items():
        if isinstance(sub, dict):
            leaves.update(flat(sub, prefix + key + "."))
        elif sub is not None:
            leaves[prefix + key] = sub
    return leaves


def shows_nested(current, wanted):
    """Whether ``current`` (a nested dict as the service returns it) shows every leaf of ``wanted``."""
    shown = flat(current)
    return all(same(shown.get(key), value) for key, value in flat(wanted).items())


def merge_nested(current, wanted):
    """``current`` with ``wanted`` merged in, sub-dict by sub-dict (a new dict; neither is changed)."""
    merged = copy.deepcopy(current or {})
    for key, value in (wanted or {}).items():
        merged[key] = merge_nested(merged.get(key), value) if isinstance(value, dict) else value
    return merged
