"""Every module's operation or resource is declared as its engine needs (checked when the module is built too, so a
missing pairing fails here, not at wait time), and a bad declaration is named."""

import importlib
import os

import pytest

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import (
    AppliedAtOnce, JobKind, SettlesLater)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import declared_well
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.operation import Operation
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.resource import Field, Resource

MODULES_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "modules")
MODULES = sorted(name[:-3] for name in os.listdir(MODULES_DIR) if name.endswith(".py") and name != "__init__.py")


def declarations_of(name):
    module = importlib.import_module("ansible_collections.huaweicloud.workspace_app.plugins.modules." + name)
    return [value for value in vars(module).values() if isinstance(value, type) and value not in (Operation, Resource)
            and issubclass(value, (Operation, Resource))]


def test_every_module_is_found():
    assert len(MODULES) == 26  # 22, and issue 30's schedule task and policy group modules and their info modules
    engine_modules = [name for name in MODULES if declarations_of(name)]
    assert engine_modules == ["app_application", "app_group", "app_group_authorization", "app_image_server",
                              "app_policy_group", "app_schedule_task", "app_server_fleet",
                              "app_server_group", "app_server_hda_upgrade", "app_server_image",
                              "app_server_maintenance", "app_server_power", "app_server_reinstall",
                              "app_server_rejoin_domain", "app_server_tsvi", "app_session_logoff"]


@pytest.mark.parametrize("name", MODULES)
def test_every_declaration_is_complete(name):
    for declarations in declarations_of(name):
        assert declarations.declaration_errors() == [], declarations.__name__
        declared_well(declarations)


class Planned(Operation):
    def plan_server(self, server):
        return None

    def send(self, items):
        return {}


def errors_of(**attributes):
    return type("Bad", (Planned,), attributes).declaration_errors()


def test_a_wait_on_state_without_its_reads_is_refused():
    errors = errors_of(kind=SettlesLater())
    assert any("nothing proves the change" in error for error in errors)
    assert any("declare reached and one of them" in error for error in errors)
    assert any("by accepted(item, record): declare it" in error for error in errors)
    good = errors_of(kind=SettlesLater(), observe=staticmethod(lambda record: {}),
                     reached=lambda self, planned, after: True, accepted=lambda self, item, record: True)
    assert good == []


def test_a_change_applied_at_once_needs_observe_and_reached():
    assert any("AppliedAtOnce" in error for error in errors_of(kind=AppliedAtOnce(), unverified="x"))
    with pytest.raises(TypeError, match="Bad: .*AppliedAtOnce"):
        declared_well(type("Bad", (Planned,), dict(kind=AppliedAtOnce(), unverified="x")))


def test_a_job_kind_needs_a_proof_or_a_reason():
    assert errors_of(kind=JobKind("X", "x")) == [
        "nothing proves the change: declare observe (or read_states/read_after), or say why not in unverified"]
    assert errors_of(kind=JobKind("X", "x"), unverified="the job's outcome is the proof") == []
    assert errors_of(kind=None, unverified="x")[0].startswith("kind must be")
    bare = type("Bare", (Operation,), dict(kind=JobKind("X", "x"), unverified="x", send=Planned.send))
    assert "plan_item (plan_server, for servers) is not declared" in bare.declaration_errors()


def test_a_resource_names_only_options_it_has():
    class Thing(Resource):
        kind, result_key, id_option = "thing", "thing", "thing_id"
        options = dict(colour=dict(type="str"))
        fields = (Field("colour"), Field("size"))
        create_required = ("colour", "weight")
        together = ("colour", "shape")
    errors = Thing.declaration_errors()
    assert "show is not declared" in errors and "send_delete is not declared" in errors
    assert "size is declared but is no option of the module" in errors
    assert "weight is declared but is no option of the module" in errors
    assert "together names shape, which is no field" in errors


@pytest.mark.parametrize("name", MODULES)
def test_the_wait_options_of_a_kind_are_documented_by_its_fragment(name):
    import yaml
    from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.module import JOB_WAIT, wait_spec

    module = importlib.import_module("ansible_collections.huaweicloud.workspace_app.plugins.modules." + name)
    fragments = yaml.safe_load(module.DOCUMENTATION).get("extends_documentation_fragment") or []
    for declarations in declarations_of(name):
        # a resource that waits for jobs of its own (app_image_server's create) declares the job wait options
        spec = wait_spec(declarations.kind) if issubclass(declarations, Operation) else (
            JOB_WAIT if "wait" in declarations.options else None)
        if spec is not None:
            assert spec.fragment in fragments, (name, spec.fragment)
        else:
            assert not any(fragment.startswith("huaweicloud.workspace_app.wait") for fragment in fragments), name
