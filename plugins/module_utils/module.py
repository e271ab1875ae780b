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
import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.validation import check_type_dict

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import client as client_utils
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.connection import resolve_connection
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import (
    ApiError, ConfigurationError, TargetError, api_error_message)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.operation import (
    PROGRESS_FILE_ENV, Outcome, ProgressLines, Rollout)

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

WAIT_ARGS = dict(
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=3600),
    poll_interval=dict(type="float", default=15),
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
# A day: longer waits are better split into tasks that re-run (a re-run resumes waiting for the same jobs).
MAX_WAIT_TIMEOUT = 86400
MAX_POLL_INTERVAL = 3600


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
    return _rule(option, lambda v: not v.strip(), lambda v: "must not be empty")


def at_most_characters(option, maximum):
    return _rule(option, lambda v: len(v) > maximum,
                 lambda v: "is %d characters long; the most allowed is %d" % (len(v), maximum))


def matches(option, pattern, what, rule_text):
    return _rule(option, lambda v: not pattern.fullmatch(v), lambda v: "%r is not a valid %s; use %s" % (v, what, rule_text))


CONNECTION_RULES = (above("request_timeout", 0, "seconds"), at_least("max_retries", 0))


def no_wait_by_timeout(params):
    if params.get("wait_timeout") == 0 and params.get("wait"):
        raise TargetError("wait_timeout: 0 would time out at once; to submit without waiting set wait: false (a later "
                          "run of the same task waits for the jobs it started)")


WAIT_RULES = (at_least("wait_timeout", 0, "seconds"), no_wait_by_timeout,
              in_range("wait_timeout", 0, MAX_WAIT_TIMEOUT, "seconds"), above("poll_interval", 0, "seconds"),
              _rule("poll_interval", lambda v: v > MAX_POLL_INTERVAL,
                    lambda v: "%s is out of range; allowed values are up to %d (seconds)" % (v, MAX_POLL_INTERVAL)))


class CollectionAnsibleModule(AnsibleModule):
    """``AnsibleModule`` that names the option when a dict option with sub-options is given a non-dict.

    ansible-core (2.16-2.19) lists the sub-options' no_log values before it checks types, and fails such a
    value there with a bare "dictionary requested, could not parse JSON or key=value" that names no option.
    This uses only public parts (``fail_json``, ``params``, ``argument_spec``) to say which option it was; any
    other failure passes through unchanged.
    """

    BARE_DICT_ERROR = "dictionary requested, could not parse JSON or key=value"

    def fail_json(self, msg, **kwargs):
        if self.BARE_DICT_ERROR in str(msg) and isinstance(getattr(self, "argument_spec", None), dict):
            named = self.misgiven_dicts()
            if named:
                msg = "; ".join("argument '%s' is of type %s and we were unable to convert to dict: %s"
                                % (name, type(value).__name__, msg) for name, value in named)
        super(CollectionAnsibleModule, self).fail_json(msg=msg, **kwargs)

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


class OperationModule(WorkspaceAppModule):
    """The module of a batch :class:`~.operation.Operation`: its declared options on top of the targets (and the
    wait options, for operations that start jobs), run through the engine."""

    def __init__(self, operation_class):
        spec = copy.deepcopy(TARGET_ARGS)
        kwargs = dict(TARGET_KWARGS)
        if operation_class.group_targets:
            del spec["server_ids"]
            kwargs = dict(GROUP_TARGET_KWARGS)
        rules = [in_range("batch_size", 1, operation_class.max_batch_size), not_blank("server_group_name"),
                 not_blank("server_group_id")]
        if not operation_class.kind.synchronous:
            spec.update(copy.deepcopy(WAIT_ARGS))
            rules.extend(WAIT_RULES)
        spec.update(copy.deepcopy(operation_class.options))
        for key, value in operation_class.module_kwargs.items():
            # the operation's constraints come on top of the targets' (mutually_exclusive of both, ...)
            kwargs[key] = list(kwargs.get(key) or []) + list(value) if isinstance(value, list) else value
        self.argument_spec, self.module_kwargs = spec, kwargs
        self.rules = tuple(rules) + tuple(operation_class.rules)
        super(OperationModule, self).__init__()
        self.operation = operation_class(self)

    def run(self):
        return Rollout(self.operation, ProgressLines(os.environ.get(PROGRESS_FILE_ENV))).run()


def run_operation(operation_class):
    """A batch operation's ``main()``."""
    OperationModule(operation_class).execute()
