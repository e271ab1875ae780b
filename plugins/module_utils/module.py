# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module layer: argument specs, value rules, one client, and rendering results and errors.

:class:`WorkspaceAppModule` wraps ``AnsibleModule`` with the shared
connection options; a module implements :meth:`~WorkspaceAppModule.run`.
A batch operation needs no class of its own here: :func:`run_operation`
builds the argument spec from the operation's declarations (targets, wait
options for job kinds, its own options), runs it through the engine
(:class:`~.operation.Rollout`) and renders the :class:`~.operation.Outcome`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import difflib
import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.validation import check_type_dict

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import client as client_utils
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.connection import resolve_connection
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import (
    ApiError, ConfigurationError, PartlyDone, TargetError, api_error_message)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import SettlesLater
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.operation import (
    PROGRESS_FILE_ENV, Outcome, ProgressLines, Rollout)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.resource import ABSENT, PRESENT, Converge
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.servers import ids_given

CONNECTION_ARGS = dict(
    region=dict(type="str"),
    project_id=dict(type="str"),
    access_key=dict(type="str", aliases=["ak"], no_log=False),
    secret_key=dict(type="str", aliases=["sk"], no_log=True),
    security_token=dict(type="str", no_log=True),
    auth_token=dict(type="str", no_log=True),
    credentials_file=dict(type="path"),
    endpoint=dict(type="str"),
    iam_endpoint=dict(type="str"),
    validate_certs=dict(type="bool", default=True),
    request_timeout=dict(type="float", default=30),
    max_retries=dict(type="int", default=5),
)

TARGET_ARGS = dict(
    server_ids=dict(type="list", elements="str"),
    server_group_id=dict(type="str"),
    server_group_name=dict(type="str"),
    batch_size=dict(type="int", default=20),
)
TARGET_KWARGS = dict(
    mutually_exclusive=[("server_ids", "server_group_id", "server_group_name")],
    required_one_of=[("server_ids", "server_group_id", "server_group_name")],
)
# An operation on one server group as a whole (Operation.group_targets): no server_ids.
GROUP_TARGET_KWARGS = dict(
    mutually_exclusive=[("server_group_id", "server_group_name")],
    required_one_of=[("server_group_id", "server_group_name")],
)


# -- value rules: checks the argument spec cannot express, run before any request --------------------------------
def value_of(params, option):
    """The value of ``option``; ``a.b`` is sub-option ``b`` of dict option ``a``."""
    value = params
    for part in option.split("."):
        value = (value or {}).get(part)
    return value


def _rule(option, bad, message):
    def check(params):
        value = value_of(params, option)
        if value is not None and bad(value):
            raise TargetError("%s: %s" % (option, message(value)))
    return check


def above(option, minimum, unit):
    return _rule(option, lambda v: v <= minimum, lambda v: "must be more than %s %s, got %s" % (minimum, unit, v))


def at_least(option, minimum, unit=None):
    return _rule(option, lambda v: v < minimum,
                 lambda v: "must be %s%s or more, got %s" % (minimum, " " + unit if unit else "", v))


def in_range(option, low, high, unit=None):
    return _rule(option, lambda v: not low <= v <= high, lambda v: "%s is out of range; allowed values are %d..%d%s"
                 % (v, low, high, " (%s)" % unit if unit else ""))


def not_blank(option):
    """A string that is not empty or spaces; for a list of strings, none of them."""
    def blank(value):
        return any(not str(item).strip() for item in value) if isinstance(value, list) else not value.strip()
    return _rule(option, blank, lambda v: "must not be empty")


def at_most_characters(option, maximum):
    return _rule(option, lambda v: len(v) > maximum,
                 lambda v: "is %d characters long; the most allowed is %d" % (len(v), maximum))


def matches(option, pattern, what, rule_text):
    return _rule(option, lambda v: not pattern.fullmatch(v), lambda v: "%r is not a valid %s; use %s" % (v, what, rule_text))


CONNECTION_RULES = (above("request_timeout", 0, "seconds"), at_least("max_retries", 0))


def sub_option_set(option, keys):
    """A dict option, when given, sets at least one of its sub-options ``keys``."""
    def check(params):
        given = value_of(params, option)
        if given is not None and all(given.get(key) is None for key in keys):
            raise TargetError("%s: set at least one of %s" % (option, ", ".join(keys)))
    return check


def ids_listed(option):
    """A list of ids, when given, names at least one and has no empty entry (``server_ids=`` is one empty id)."""
    def check(params):
        ids_given(params.get(option), option)
    return check


def listed_are_set(option):
    """Each option named in the list ``option`` (e.g. ``force_fields``) is set."""
    def check(params):
        for listed in params.get(option) or []:
            if params.get(listed) is None:
                raise TargetError("%s: %s is listed but the %s option is not set" % (option, listed, listed))
    return check


def only_with(option, other, value, why):
    """``option`` (a flag) only together with ``other: value``."""
    def check(params):
        if params.get(option) and params.get(other) != value:
            raise TargetError("%s: only with %s: %s (%s)" % (option, other, value, why))
    return check


def absent_takes_only(noun, id_option, absent_options=()):
    """With ``state: absent`` a resource module takes its identity (``id_option`` or ``name``) and
    ``absent_options``; any other option of its own that is set fails, naming it."""
    ignored = set(CONNECTION_ARGS) | set(absent_options) | set([id_option, "name", "state", "force_fields"])

    def check(params):
        if params.get("state") != ABSENT:
            return
        given = sorted(option for option, value in params.items() if option not in ignored and value not in (None, []))
        if given:
            raise TargetError("state: absent deletes the %s and takes only %s or name; remove %s"
                              % (noun, id_option, ", ".join(given)))
    return check


class WaitSpec:
    """The wait options of a module, declared once: their argument spec, their value rules, and which doc fragment
    describes them (``huaweicloud.workspace_app.wait`` for jobs, ``huaweicloud.workspace_app.wait.state`` for a
    state read again). ``wait_option``: whether ``wait`` exists (without it the module always waits, and
    ``wait_timeout`` is at least 1)."""

    max_timeout = 86400  # a day: longer waits are better split into tasks that re-run (a re-run resumes them)
    max_poll_interval = 3600

    def __init__(self, wait_option=True, wait_default=True, timeout_default=3600, poll_default=15.0,
                 fragment="huaweicloud.workspace_app.wait", zero_reads_once=False):
        self.wait_option = wait_option
        self.zero_reads_once = zero_reads_once  # wait_timeout 0 with wait: read once, do not wait (an info module)
        self.wait_default = wait_default
        self.timeout_default = timeout_default
        self.poll_default = poll_default
        self.fragment = fragment

    @classmethod
    def jobs(cls):
        return cls()

    @classmethod
    def state(cls, wait_option=True, wait_default=True, timeout_default=3600, zero_reads_once=False):
        return cls(wait_option, wait_default, timeout_default, fragment="huaweicloud.workspace_app.wait.state",
                   zero_reads_once=zero_reads_once)

    @property
    def options(self):
        return (("wait",) if self.wait_option else ()) + ("wait_timeout", "poll_interval")

    def argument_spec(self, **overrides):
        spec = dict(wait_timeout=dict(type="int", default=self.timeout_default),
                    poll_interval=dict(type="float", default=self.poll_default))
        if self.wait_option:
            spec["wait"] = dict(type="bool", default=self.wait_default)
        spec.update(overrides)
        return spec

    @property
    def rules(self):
        if self.wait_option:
            timeout = (at_least("wait_timeout", 0, "seconds"),) + (() if self.zero_reads_once else (
                no_wait_by_timeout,)) + (in_range("wait_timeout", 0, self.max_timeout, "seconds"),)
        else:
            timeout = (in_range("wait_timeout", 1, self.max_timeout, "seconds"),)
        return timeout + (above("poll_interval", 0, "seconds"), _rule(
            "poll_interval", lambda v: v > self.max_poll_interval,
            lambda v: "%s is out of range; allowed values are up to %d (seconds)" % (v, self.max_poll_interval)))


def no_wait_by_timeout(params):
    if params.get("wait_timeout") == 0 and params.get("wait"):
        raise TargetError("wait_timeout: 0 would time out at once; to submit without waiting set wait: false (a later "
                          "run of the same task waits for the jobs it started)")


JOB_WAIT = WaitSpec.jobs()
STATE_WAIT = WaitSpec.state()


def wait_spec(kind):
    """The wait options of an operation's kind (None: it applies its change at once and has none)."""
    if kind.synchronous:
        return None
    return STATE_WAIT if isinstance(kind, SettlesLater) else JOB_WAIT


class CollectionAnsibleModule(AnsibleModule):
    """``AnsibleModule`` that names the option when a dict option with sub-options is given a non-dict.

    ansible-core (2.16-2.19) lists the sub-options' no_log values before it checks types, and fails such a
    value there with a bare "dictionary requested, could not parse JSON or key=value" that names no option.
    This uses only public parts (``fail_json``, ``params``, ``argument_spec``) to say which option it was; any
    other failure passes through unchanged.
    """

    BARE_DICT_ERROR = "dictionary requested, could not parse JSON or key=value"
    UNSUPPORTED = "Unsupported parameters"

    def fail_json(self, msg, **kwargs):
        if self.BARE_DICT_ERROR in str(msg) and isinstance(getattr(self, "argument_spec", None), dict):
            named = self.misgiven_dicts()
            if named:
                msg = "; ".join("argument '%s' is of type %s and we were unable to convert to dict: %s"
                                % (name, type(value).__name__, msg) for name, value in named)
        if str(msg).startswith(self.UNSUPPORTED) and isinstance(getattr(self, "argument_spec", None), dict):
            hints = self.unsupported_hints()
            if hints:
                msg = "%s (%s)" % (msg, "; ".join(hints))
        super(CollectionAnsibleModule, self).fail_json(msg=msg, **kwargs)

    def unsupported_hints(self):
        """For an option this module does not have (copied from a related module, or mistyped), the closest name it
        has: ``user_namez: did you mean user_names?``."""
        known = set(self.argument_spec)
        for option in self.argument_spec.values():
            known.update(option.get("aliases") or [])
        hints = []
        for name in sorted(self.params or {}):
            if name in known or name.startswith("_ansible"):
                continue
            close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
            if close:
                hints.append("%s: did you mean %s?" % (name, close[0]))
        return hints

    def misgiven_dicts(self):
        named = []
        for name, option in self.argument_spec.items():
            if option.get("type") != "dict" or not option.get("options"):
                continue
            for key in [name] + list(option.get("aliases") or []):
                value = (self.params or {}).get(key)
                if value is None or isinstance(value, dict):
                    continue
                try:
                    check_type_dict(value)
                except TypeError:
                    named.append((key, value))
        return named


class WorkspaceAppModule:
    """An AnsibleModule with the connection options and the collection's error handling.

    Subclasses set ``argument_spec``, ``module_kwargs`` and ``rules`` (value checks such as :func:`in_range`,
    run before any request), and implement :meth:`run` returning the result dict (or an
    :class:`~.operation.Outcome`).
    """

    argument_spec = {}
    module_kwargs = {}
    rules = ()

    def __init__(self):
        spec = copy.deepcopy(CONNECTION_ARGS)
        spec.update(copy.deepcopy(self.argument_spec))
        self.module = CollectionAnsibleModule(argument_spec=spec, supports_check_mode=True, **self.module_kwargs)
        self.params = self.module.params
        self._client = None

    @property
    def check_mode(self):
        return self.module.check_mode

    @property
    def diff_mode(self):
        return self.module._diff  # pylint: disable=protected-access  # AnsibleModule has no public name for it

    @property
    def client(self):
        if self._client is None:
            settings = resolve_connection(self.params)
            # Secrets read from the environment or the credentials file are not
            # module options, so Ansible does not know to mask them: tell it.
            for secret in settings.secrets:
                self.module.no_log_values.add(secret)
            self._client = client_utils.Client(settings)
        return self._client

    def validate(self):
        """Raise TargetError/ConfigurationError for bad input; runs before any request."""
        for rule in CONNECTION_RULES + tuple(self.rules):
            rule(self.params)

    def run(self):
        raise NotImplementedError

    def warn(self, message):
        self.module.warn(message)

    def fail(self, msg, **result):
        self.module.fail_json(msg=msg, **result)

    def execute(self):
        if not client_utils.HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"),
                                  exception=str(client_utils.REQUESTS_IMPORT_ERROR))
        try:
            self.validate()
            result = self.run()
        except PartlyDone as exc:
            self.fail(str(exc), **exc.result)
        except (ConfigurationError, TargetError) as exc:
            self.fail(str(exc), changed=False)
        except ApiError as exc:
            self.fail(api_error_message(exc), changed=False, error=exc.to_dict())
        if isinstance(result, Outcome):
            self.render(result)
        self.module.exit_json(**result)

    def render(self, outcome):
        for warning in outcome.warnings:
            self.warn(warning)
        result = outcome.result(diff=self.diff_mode)
        if outcome.failed:
            self.fail(outcome.message(), **result)
        self.module.exit_json(**result)

    @classmethod
    def main(cls):
        cls().execute()


def declared_well(declarations):
    """Fail at once (a bug of the module, not of the task) when an operation's or a resource's declarations miss a
    pairing the engine needs."""
    errors = declarations.declaration_errors()
    if errors:
        raise TypeError("%s: %s" % (declarations.__name__, "; ".join(errors)))


def operation_spec(operation_class):
    """The argument spec, the module kwargs and the value rules of a batch operation's module: its declared options
    on top of the targets (and the wait options of its kind)."""
    spec = copy.deepcopy(TARGET_ARGS)
    kwargs = dict(TARGET_KWARGS)
    if operation_class.group_targets:
        del spec["server_ids"]
        kwargs = dict(GROUP_TARGET_KWARGS)
    rules = [in_range("batch_size", 1, operation_class.max_batch_size), not_blank("server_group_name"),
             not_blank("server_group_id")] + ([] if operation_class.group_targets else [ids_listed("server_ids")])
    if not operation_class.server_targets:  # items that are not servers: the operation's options say which
        spec, kwargs, rules = {}, {}, []
    waiting = wait_spec(operation_class.kind)
    if waiting is not None:
        spec.update(waiting.argument_spec())
        rules.extend(waiting.rules)
    spec.update(copy.deepcopy(operation_class.options))
    for key, value in operation_class.module_kwargs.items():
        # the operation's constraints come on top of the targets' (mutually_exclusive of both, ...)
        kwargs[key] = list(kwargs.get(key) or []) + list(value) if isinstance(value, list) else value
    return spec, kwargs, tuple(rules) + tuple(operation_class.rules)


def operation_params(operation_class, module, **values):
    """The parameters of ``operation_class``'s module as if a task gave it ``values`` (the other options at their
    defaults, the connection options of ``module``), checked by its value rules: for an operation run inside another
    module (the fleet emptying a group for app_server_group). An option it does not have is a bug."""
    spec, _kwargs, rules = operation_spec(operation_class)
    unknown = sorted(set(values) - set(spec))
    if unknown:
        raise TypeError("%s has no option %s" % (operation_class.__name__, ", ".join(unknown)))
    params = dict((name, copy.deepcopy(option.get("default"))) for name, option in spec.items())
    params.update((name, module.params.get(name)) for name in CONNECTION_ARGS)
    params.update(values)
    for rule in CONNECTION_RULES + rules:
        rule(params)
    return params


class OperationModule(WorkspaceAppModule):
    """The module of a batch :class:`~.operation.Operation`: its declared options on top of the targets (and the
    wait options, for operations that start jobs), run through the engine."""

    def __init__(self, operation_class):
        declared_well(operation_class)
        self.argument_spec, self.module_kwargs, self.rules = operation_spec(operation_class)
        super(OperationModule, self).__init__()
        self.operation = operation_class(self)

    def run(self):
        return Rollout(self.operation, ProgressLines(os.environ.get(PROGRESS_FILE_ENV))).run()


def run_operation(operation_class):
    """A batch operation's ``main()``."""
    OperationModule(operation_class).execute()


class ResourceModule(WorkspaceAppModule):
    """The module of a :class:`~.resource.Resource`: its identity (``<id_option>`` or ``name``, and ``new_name``
    when it is renamable), ``state`` and its declared options, run through the resource engine."""

    def __init__(self, resource_class):
        declared_well(resource_class)
        spec = {resource_class.id_option: dict(type="str"), "name": dict(type="str"),
                "state": dict(type="str", choices=[PRESENT, ABSENT], default=PRESENT)}
        if resource_class.renamable:
            spec["new_name"] = dict(type="str")
        spec.update(copy.deepcopy(resource_class.options))
        identity = [(resource_class.id_option, "name")]
        kwargs = dict(mutually_exclusive=identity, required_one_of=identity)
        for key, value in resource_class.module_kwargs.items():
            kwargs[key] = list(kwargs.get(key) or []) + list(value) if isinstance(value, list) else value
        self.argument_spec, self.module_kwargs = spec, kwargs
        self.rules = (not_blank(resource_class.id_option),) + tuple(resource_class.rules)
        super(ResourceModule, self).__init__()
        self.resource = resource_class(self)

    def run(self):
        result = Converge(self.resource, self).run()
        result.update(self.resource.extra_result())
        return result


def run_resource(resource_class):
    """A resource module's ``main()``."""
    ResourceModule(resource_class).execute()
