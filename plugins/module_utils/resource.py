# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The resource engine: one resource (a server group, an app group, ...) as desired state.

A resource module only *declares* (:class:`Resource`): how the resource is found (by id, or by exact name with
ambiguity failing and listing the candidates), which options are compared and how (:class:`Field`: only the options
the user set; dict options per sub-field, sent merged), what a create carries and needs, which settings only a
create can give, the sub-resources sent by calls of their own (:class:`Part`: a scaling policy, tags) and the calls
that create, update and delete. :class:`Converge` runs it the same way for all of them:

* find -> plan: ``create`` / ``update`` of only the differing fields and parts / ``delete`` / nothing;
* check mode and ``--diff`` report that plan, nothing is sent;
* every call is landed by the one recovery rule (:func:`~.recovery.land_one`): an answer that does not tell is
  settled by reading the resource again;
* a re-read verifies the change (a field the service accepted but shows otherwise is a warning), and the resource
  after the change is returned under the module's result key.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.disruption import Disruption
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ApiError, TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.fields import (
    mismatches, plan_fields, plan_sub_fields, same, shows_nested)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.recovery import (
    CONTESTED_STATUSES, land_one, uncertain)

LISTED_SHOWN = 20  # resources a message lists
# Refusals of a create or a delete that the resource read again settles, whatever their error code (no code of the
# service is confirmed; busy may be a 400 as well as a 409): the read tells whether it is there, with what. The
# recovery rule's own set (one definition).
REREAD_STATUSES = CONTESTED_STATUSES
PRESENT = "present"
ABSENT = "absent"
# What the API accepts for the name of a server group and of an app group (CreateServerGroupReq, CreateAppGroupReq):
# letters of any script (Chinese included), digits, "_" and "-".
NAME_RE = re.compile(r"[\w-]{1,64}")
NAME_RULE = "1 to 64 letters (any script), digits, underscores (_) or hyphens (-), no spaces"


def describe(records, shown=LISTED_SHOWN):
    """``a (id1), b (id2), ...`` for messages: the first ``shown`` records by name and id."""
    text = ", ".join("%s (%s)" % (record.get("name"), record.get("id")) for record in records[:shown])
    return text + (", ..." if len(records) > shown else "")


def noun_of(kind):
    """The short word for a kind in messages: ``group`` of ``server group``."""
    return kind.split()[-1]


def label(record):
    """``'design' (7f6b…)``: how messages name one resource."""
    return "%r (%s)" % (record.get("name"), record.get("id"))


def exact(records, name, kind, option, id_option):
    """The one record of ``records`` named exactly ``name`` (None when none is); several fail, listing them."""
    named = [record for record in records if record.get("name") == name]
    if len(named) > 1:
        raise TargetError("%s: %d %ss are named %r (%s); use %s to pick one"
                          % (option, len(named), kind, name, describe(named), id_option))
    return named[0] if named else None


def named_in_order(records, name=None):
    """The ``records`` named exactly ``name`` (every one when None), by name then id: how an info module lists what
    the API's name filter, which matches parts of names, answered."""
    return sorted((record for record in records if name is None or record.get("name") == name),
                  key=lambda record: (record.get("name") or "", record.get("id") or ""))


def find_by_id_or_name(kind, show, search, resource_id=None, name=None, renamed_to=None, option="name",
                       id_option=None, missing_ok=False, everything=None):
    """A resource's record by id (``show(id)``; it raises a 404 when there is none) or by exact name
    (``search(name)``: the API's name filter, which may match parts of names; then ``show`` of the one found), or by
    ``renamed_to`` when an earlier run renamed it. With ``missing_ok`` a resource that does not exist is None instead
    of a failure naming the resources with similar names (or, without any, all of them: ``everything()``)."""
    if resource_id:
        try:
            return show(resource_id)
        except ApiError as exc:
            if exc.status != 404:
                raise
            if missing_ok:
                return None
            raise TargetError("%s: no %s with id %r (%s)" % (id_option or option, kind, resource_id, exc.error_code))
    listed = search(name)
    found = exact(listed, name, kind, option, id_option)
    if found is None and renamed_to:
        found = exact(search(renamed_to), renamed_to, kind, option, id_option)
    if found is not None:
        return show(found["id"])
    if missing_ok:
        return None
    candidates = listed or (everything() if everything else [])
    noun = noun_of(kind)
    raise TargetError("%s: no %s is named %r; %s" % (
        option, kind, name, "%ss with similar names: %s" % (noun, describe(listed)) if listed else
        "existing %ss: %s" % (noun, describe(candidates) or "none")))


class Field:
    """One setting of a resource: option ``option`` is the API's ``field``.

    ``update``: sent by the update call when it differs (else it can only be given at create: ``create_only``);
    ``create``: carried by the create request; ``nullable``: a text the service omits when empty (absent equals
    ``""``); ``sub_keys``: a dict compared per sub-field and sent merged with the current sub-fields; ``wire``:
    the option's value as the API carries it; ``shown``: what a record shows for it (None: the read does not show
    it, so it is not compared).
    """

    def __init__(self, option, field=None, update=True, create=True, nullable=False, sub_keys=None, wire=None,
                 shown=None):
        self.option = option
        self.field = field or option
        self.update = update
        self.create = create
        self.nullable = nullable
        self.sub_keys = sub_keys
        self.wire = wire or (lambda value: value)
        self.shown = shown or (lambda record: record.get(self.field))


def without_none(value):
    """A dict option's set sub-options (a list of dicts: each one's)."""
    if isinstance(value, dict):
        return dict((key, sub) for key, sub in value.items() if sub is not None)
    if isinstance(value, list):
        return [without_none(item) for item in value]
    return value


class Part:
    """A sub-resource sent by calls of its own (a scaling policy), declared by its option.

    ``plan(record, params)`` -> a :class:`PartChange` or None; ``send(context, record_id, change)``;
    ``shows(record, change)``: whether a re-read shows it (``read(context, record)`` the part's current value).
    """

    option = None

    def read(self, context, record):
        return record.get(self.option)

    def plan(self, current, params):
        raise NotImplementedError

    def send(self, context, record_id, change):
        raise NotImplementedError

    def shows(self, current, change):
        raise NotImplementedError


class PartChange:
    """What a run does to a part: ``after`` (None: removed), compared with ``before``; ``shown`` is what the
    resource's record shows after it."""

    def __init__(self, before, after, shown=None):
        self.before = before
        self.after = after
        self.shown = after if shown is None else shown


class Resource:
    """What a resource module declares. Subclasses set:

    * ``kind`` (how messages name it: ``server group``), ``result_key`` (``server_group``), ``id_option``
      (``server_group_id``); ``renamable``: ``new_name`` renames it (and a run finds it under either name);
    * ``options`` (its settings' argument spec), ``module_kwargs``, ``rules`` (value checks, see :mod:`.module`),
      ``absent_options`` (the options ``state: absent`` takes besides the identity);
    * ``fields`` (:class:`Field` s), ``together`` (fields sent together when one differs), ``create_required``,
      ``create_defaults`` (option -> value a create uses when it is not set), ``parts`` (:class:`Part` s);
    * ``show(id)`` (None for a 404), ``search(name)``, ``everything()``, ``send_create(body)`` (the new record's
      id), ``send_update(record_id, body)``, ``send_delete(record)``; ``delete_proved_by_read``: a delete answered
      200 is read again (a service that answers 200 whatever it did);

    and may override :meth:`new_record` (what a create makes, for check mode), :meth:`check_existing` (warnings about
    an existing resource), :meth:`created` (wait until a resource this run created is usable),
    :meth:`before_delete` (e.g. refuse a group that still has servers) and :meth:`refused_delete` (the service's
    refusal of a delete, as the user should read it).
    """

    kind = None
    result_key = None
    id_option = None
    renamable = False
    options = {}
    module_kwargs = {}
    rules = ()
    absent_options = ()
    fields = ()
    together = ()
    create_required = ()
    create_defaults = {}
    parts = ()
    # The service answers the delete 200 whatever it did (app groups): the resource is read again after it, and one
    # still there fails the task instead of being reported deleted.
    delete_proved_by_read = False

    @classmethod
    def noun(cls):
        """The short word for it in messages (``group`` of ``server group``)."""
        return noun_of(cls.kind)

    @classmethod
    def declaration_errors(cls):
        """What is wrong with the declarations (empty when nothing is): checked when the module is built."""
        errors = ["%s is not set" % name for name in ("kind", "result_key", "id_option") if not getattr(cls, name)]
        calls = ("show", "search", "send_create", "send_update", "send_delete")
        errors.extend("%s is not declared" % name for name in calls if getattr(cls, name) is getattr(Resource, name))
        options = set(cls.options) | set(["new_name"] if cls.renamable else [])
        named = [field.option for field in cls.fields] + list(cls.create_required) + list(cls.create_defaults) + [
            part.option for part in cls.parts]
        errors.extend("%s is declared but is no option of the module" % option for option in named
                      if option not in options)
        fields = set(field.field for field in cls.fields)
        errors.extend("together names %s, which is no field" % field for field in cls.together if field not in fields)
        return errors

    def __init__(self, context):
        self.context = context  # the module: params, client, check_mode, diff_mode, warn
        self.params = context.params

    @property
    def client(self):
        return self.context.client

    def show(self, resource_id):
        """The resource's record (the API's read of one); a 404 means it does not exist (:meth:`read`)."""
        raise NotImplementedError

    def read(self, resource_id):
        """The resource's record, or None when the service answers 404."""
        try:
            return self.show(resource_id)
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise

    def search(self, name):
        raise NotImplementedError

    def everything(self):
        return []

    def send_create(self, body):
        raise NotImplementedError

    def send_update(self, record_id, body):
        raise NotImplementedError

    def send_delete(self, record):
        raise NotImplementedError

    def find(self, missing_ok):
        return find_by_id_or_name(self.kind, self.show, self.search, self.params[self.id_option],
                                  self.params["name"], self.params.get("new_name"), id_option=self.id_option,
                                  missing_ok=missing_ok, everything=self.everything)

    def new_record(self, body):
        """The resource a create with ``body`` makes, as far as the request tells (check mode shows this)."""
        return copy.deepcopy(body)

    def check_existing(self, record):
        """Warnings (or a failure) about options an existing ``record`` cannot take."""

    def extra_result(self):
        """Result keys of the module's own beside the engine's (the jobs a resource made by jobs started)."""
        return {}

    def created(self, record):
        """The resource this run created (or took as its own after an answer that did not tell), once usable: a
        resource that a job of the service makes (an image server) waits for that job here. ``record`` as read."""
        return record

    def before_delete(self, record, result):
        """Called before ``record`` is deleted (in check mode too); ``result`` may be filled in: what it deletes or
        interrupts first is listed under ``destroys``/``interrupts`` (a run of the batch engine inside it: its
        outcome's ``disruption.result()``), and the engine adds the resource itself after them."""

    def refused_delete(self, record, exc):
        """The service refused the delete (``exc``): raise what the user should read, or return to raise ``exc``.
        ``record`` is the resource as read again after the refusal when its status is one of
        :data:`REREAD_STATUSES` (a 400 or 409: the read, not the error code, says why), else as planned."""

    # -- derived from the declarations ---------------------------------------------------------------------------
    @classmethod
    def create_body(cls, params):
        """The create request the options describe (named ``new_name`` when that is set)."""
        values = dict(params, name=params.get("new_name") or params["name"])
        for option, default in cls.create_defaults.items():
            values[option] = values.get(option) if values.get(option) is not None else default
        body = dict(name=values["name"])
        body.update((field.field, field.wire(without_none(values[field.option]))) for field in cls.fields
                    if field.create and values.get(field.option) is not None)
        return body

    @classmethod
    def missing_for_create(cls, params):
        """The options a create needs that are not set."""
        return [option for option in cls.create_required if params.get(option) is None]

    @classmethod
    def cannot_create(cls, name, missing, similar=()):
        """The failure of a create that lacks the ``missing`` options; ``similar`` the resources a name search
        listed (``name`` may be a typo)."""
        return TargetError("name: %s %r does not exist, so it would be created, and creating a %s needs %s "
                           "(missing: %s)%s" % (cls.kind, name, cls.noun(), ", ".join(cls.create_required),
                                                ", ".join(missing), "; %ss with similar names: %s"
                                                % (cls.noun(), describe(similar)) if similar else ""))

    @classmethod
    def shows_created(cls, record, params):
        """Whether ``record`` shows every setting a create with ``params`` carries that its read shows (what a
        create refused after it was applied leaves: the resource is this run's)."""
        values = dict(params)
        for option, default in cls.create_defaults.items():
            values[option] = values.get(option) if values.get(option) is not None else default
        for field in cls.fields:
            wanted, shown = without_none(values.get(field.option)), field.shown(record)
            if not field.create or wanted is None or shown is None:
                continue
            if not (shows_nested(shown, wanted) if field.sub_keys else same(shown, wanted, field.nullable)):
                return False
        return True

    @classmethod
    def create_only_conflicts(cls, record, params):
        """Create-only options that differ from what ``record`` shows: ``[(option, shown, wanted)]``."""
        conflicts = []
        for field in cls.fields:
            wanted, shown = params.get(field.option), field.shown(record)
            if not field.update and wanted is not None and shown is not None and not same(shown, wanted):
                conflicts.append((field.option, shown, wanted))
        return conflicts

    @classmethod
    def plan_update(cls, record, params):
        """Compare the updatable options that are set with ``record``: a :class:`~.fields.FieldPlan`."""
        scalar = [field for field in cls.fields if field.update and not field.sub_keys]
        desired = dict((field.field, params[field.option]) for field in scalar if params.get(field.option) is not None)
        plan = plan_fields(record, desired, nullable=[field.field for field in scalar if field.nullable],
                           together=cls.together)
        forced = params.get("force_fields") or []
        for field in cls.fields:
            if field.update and field.sub_keys:
                plan_sub_fields(plan, field.field, record.get(field.field), params.get(field.option), field.sub_keys,
                                force=field.option in forced)
        return plan


class Converge:
    """Runs one :class:`Resource`: find, plan, send (landed), verify, and the result."""

    def __init__(self, resource, context):
        self.resource = resource
        self.context = context
        self.params = context.params

    def run(self):
        resource, params = self.resource, self.params
        # Only a name can be created; an unknown id fails (state present) or is already gone (absent).
        record = resource.find(missing_ok=params["state"] == ABSENT or not params[resource.id_option])
        if params["state"] == ABSENT:
            return self.absent(record)
        if record is None:
            return self.create()
        return self.present(record)

    # -- present -------------------------------------------------------------------------------------------------
    def plan(self, record):
        """The field plan and the part changes for ``record`` (parts whose option is set)."""
        plan = self.resource.plan_update(record, self.params)
        parts = []
        for part in self.resource.parts:
            if self.params.get(part.option) is not None:
                change = part.plan(part.read(self.context, record), self.params)
                if change is not None:
                    parts.append((part, change))
        return plan, parts

    def present(self, record, created=None):
        """Converge an existing ``record``; ``created`` is the create body when this run has just created it."""
        resource = self.resource
        if created is None:
            conflicts = resource.create_only_conflicts(record, self.params)
            if conflicts:
                raise TargetError("; ".join(
                    "%s: cannot be changed after creation; %s %s has %r, wanted %r; create a new %s"
                    % (option, resource.kind, label(record), shown, wanted, resource.noun())
                    for option, shown, wanted in conflicts))
            resource.check_existing(record)
        plan, parts = self.plan(record)
        for field in plan.not_comparable:
            self.context.warn("%s: the service does not return it for this %s (some regions leave it out), so it "
                              "cannot be compared and was not sent; add force_fields: [%s] to send it anyway"
                              % (field, resource.noun(), field))
        for field in plan.unverified:
            self.context.warn("%s: sent without comparing, because the service does not return it for this %s; the "
                              "result cannot be verified. Remove it from force_fields once applied, or every run sends "
                              "it again" % (field, resource.noun()))
        after = record
        if (plan.body or parts) and self.context.check_mode:
            after = self.predicted(record, plan, parts)
        elif plan.body or parts:
            after = self.apply(record["id"], plan, parts)
        return self.result(after, plan, parts, created)

    @staticmethod
    def predicted(record, plan, parts):
        after = plan.predicted(record)
        for part, change in parts:
            after[part.option] = copy.deepcopy(change.shown)
        return after

    def settled(self, record_id, send, applied, what):
        """``send()`` landed (:func:`~.recovery.land_one`): an answer that does not tell is settled by reading the
        resource: ``applied(record)`` True means it was (the read is returned, with a warning), False that it was
        not (sent again), None that the read cannot tell (the error stands)."""
        def settle(exc):
            record = self.resource.read(record_id)
            verdict = applied(record) if record is not None else None
            if verdict is None:
                raise exc
            if verdict:
                self.context.warn("%s; the %s read afterwards shows %s applied" % (exc.message, self.resource.noun(),
                                                                                   what))
                return record
            return None

        def send_only():
            send()  # the service answers these calls with nothing to keep

        return land_one(send_only, settle, self.params["max_retries"])

    def apply(self, record_id, plan, parts):
        """Send the planned fields, then each part; the resource read afterwards, checked against the plan."""
        resource = self.resource
        recovered = None
        if plan.body:
            recovered = self.settled(
                record_id, lambda: resource.send_update(record_id, plan.body),
                lambda shown: None if len(plan.unverified) == len(plan.body) else not mismatches(plan, shown),
                "the change")
        if recovered and not parts:
            return recovered  # the read that settled a lost response is the resource after the change
        for part, change in parts:
            self.settled(record_id, lambda part=part, change=change: part.send(self.context, record_id, change),
                         lambda shown, part=part, change=change: part.shows(part.read(self.context, shown), change),
                         "the %s" % part.option.replace("_", " "))
        record = resource.show(record_id)
        for field in mismatches(plan, record):
            self.context.warn("%s: the service accepted %r but the %s now reports %r"
                              % (field, plan.body[field], resource.noun(), record.get(field)))
        for part, change in parts:
            current = part.read(self.context, record)
            if not part.shows(current, change):
                self.context.warn("%s: the service accepted %r but the %s now reports %r"
                                  % (part.option, change.after, resource.noun(), current))
        return record

    def result(self, record, plan, parts, created=None):
        changes = dict(created or {})
        changes.update(plan.body)
        before, after = dict(plan.before), dict(plan.after)
        for part, change in parts:
            changes[part.option] = after[part.option] = change.after
            before[part.option] = change.before
        result = {"changed": created is not None or bool(changes), self.resource.result_key: record,
                  "changes": changes}
        if self.context.diff_mode:
            result["diff"] = dict(before={}, after=changes) if created is not None else dict(before=before,
                                                                                             after=after)
        return result

    # -- create --------------------------------------------------------------------------------------------------
    def create(self):
        resource = self.resource
        missing = resource.missing_for_create(self.params)
        name = self.params.get("new_name") or self.params["name"]
        if missing:
            raise resource.cannot_create(name, missing, resource.search(self.params["name"]))
        body = resource.create_body(self.params)
        planned = resource.new_record(body)
        if self.context.check_mode:
            plan, parts = self.plan(planned)
            return self.result(self.predicted(planned, plan, parts), plan, parts, created=body)
        record, ours = self.post(body)
        if not ours:  # another run created it meanwhile: an existing resource
            return self.present(record)
        return self.present(resource.created(record), created=body)

    def post(self, body):
        """Create: (its read, whether this run created it). An answer that does not tell (lost, a server error,
        throttled) or a refusal (a 400 or 409, whatever its code: :data:`REREAD_STATUSES`) is settled by reading the
        resources of that name: one there after a lost answer or a server error is the one this run created; after a
        refusal or throttling it is this run's when it shows the create's settings (:meth:`Resource.shows_created`),
        else another's, managed as an existing one. None there: a refusal stands as the service gave it, an answer
        that did not tell means not created, and the create is sent again."""
        resource = self.resource
        read = []

        def settle(exc):
            read.append(exc)
            record = find_by_id_or_name(resource.kind, resource.show, resource.search, name=body["name"],
                                        missing_ok=True)
            if record is None:
                if exc.status in REREAD_STATUSES:
                    raise exc
                return None
            ours = uncertain(exc) or resource.shows_created(record, self.params)
            self.context.warn("%s; %s %s exists now%s and is %s" % (
                exc.message, resource.kind, label(record), "" if uncertain(exc) else
                " with the settings of this create" if ours else " with other settings",
                "taken as the one this task created" if ours else
                "managed as an existing %s" % resource.noun()))
            return record, ours

        try:
            created = land_one(lambda: resource.send_create(body), settle, self.params["max_retries"])
        except ApiError as exc:
            if read or exc.status not in REREAD_STATUSES:
                raise
            created = settle(exc)  # a refusal the recovery rule leaves as it is: the read still tells
        if isinstance(created, tuple):
            return created
        return resource.show(created), True

    # -- absent --------------------------------------------------------------------------------------------------
    def absent(self, record):
        """Delete ``record``: check mode, ``--diff`` and the result list what goes away (``destroys``: what
        :meth:`Resource.before_delete` deletes first, then the resource itself) and what is interrupted
        (``interrupts``: the user sessions on servers deleted with it)."""
        resource = self.resource
        result = {"changed": record is not None, resource.result_key: record, "changes": {}}
        if record is None:
            if self.context.diff_mode:
                result["diff"] = dict(before={}, after={})
            return result
        resource.before_delete(record, result)
        disruption = Disruption.of_result(result)
        goes_with_it = bool(disruption)  # what the diff's before (the resource's id and name) does not show
        disruption.destroy(resource.kind, "%s (%s)" % (record.get("name"), record["id"]))
        result.update(disruption.result())
        if self.context.diff_mode:
            result["diff"] = dict(before=dict(id=record["id"], name=record.get("name")), after={})
            if goes_with_it:
                result["diff"]["prepared"] = disruption.text(self.context.check_mode)
        if not self.context.check_mode:
            self.delete(record)
        return result

    def delete(self, record):
        """The delete, landed: an answer that does not tell, or a refusal (a 400 or 409, whatever its code), is
        settled by reading the resource again: gone is done (a warning names the answer); still there after a
        refusal, :meth:`Resource.refused_delete` says why from that read, else the service's error stands. A delete
        answered 200 (with or without a job id: what the service answers for what is gone) is done."""
        resource = self.resource
        read = {}

        def settle(exc):
            # Whether the resource is still there tells; when it is after an answer that did not tell, it is sent
            # again.
            read["record"] = resource.read(record["id"])
            if read["record"] is None:
                self.context.warn("%s; the %s is gone" % (exc.message, resource.noun()))
                return True
            return None

        try:
            gone = land_one(lambda: resource.send_delete(record), settle, self.params["max_retries"])
        except ApiError as exc:
            if exc.status in REREAD_STATUSES:
                if "record" not in read and settle(exc):
                    return  # refused, but gone: what the task asks
                resource.refused_delete(read["record"], exc)
            else:
                resource.refused_delete(record, exc)
            raise
        if resource.delete_proved_by_read and gone is not True and resource.read(record["id"]) is not None:
            raise TargetError("%s %s is still there after the service answered its delete with success; nothing "
                              "else was changed; run the task again, or look at the %s in the console"
                              % (resource.kind, label(record), resource.noun()))
