"""extensions/awx: the credential type injects exactly what resolve_connection reads, and the job template
surveys ask for variables that the playbooks use."""

import os
import re

import pytest
import yaml

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import connection
from tests.harness import REPO_ROOT

AWX_DIR = os.path.join(REPO_ROOT, "extensions", "awx")
SURVEY_DIR = os.path.join(AWX_DIR, "surveys")
PLAYBOOK_DIR = os.path.join(REPO_ROOT, "playbooks")
SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}
FIELD_TYPES = {"string", "boolean"}
# the connection options an AWX credential of this type carries (the list)
CREDENTIAL_OPTIONS = {"access_key", "secret_key", "security_token", "region", "project_id"}


def load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def credential_type():
    return load(os.path.join(AWX_DIR, "credential_type.yml"))


def injected_field(template):
    match = re.fullmatch(r"\{\{\s*(\w+)\s*\}\}", template)
    assert match, "an injector must be exactly one input field: %r" % template
    return match.group(1)


def test_credential_type_has_the_awx_shape(credential_type):
    assert set(credential_type) == {"name", "description", "kind", "inputs", "injectors"}
    assert credential_type["kind"] == "cloud"
    fields = credential_type["inputs"]["fields"]
    assert all(set(field) <= {"id", "label", "type", "secret", "help_text", "multiline", "format", "choices"} for field in fields)
    assert all(field["type"] in FIELD_TYPES and field["label"] for field in fields)
    ids = [field["id"] for field in fields]
    assert len(ids) == len(set(ids))
    assert set(credential_type["inputs"]["required"]) <= set(ids)
    assert set(credential_type["injectors"]) == {"env"}


def test_credential_fields_are_the_connection_options_with_their_secrecy(credential_type):
    fields = dict((field["id"], field) for field in credential_type["inputs"]["fields"])
    assert set(fields) == CREDENTIAL_OPTIONS
    for name, field in fields.items():
        assert field.get("secret", False) is (name in connection.SECRET_OPTIONS), name
    # AK/SK and the region are what every module needs; project id is resolved through IAM, a token is optional
    assert set(credential_type["inputs"]["required"]) == {"access_key", "secret_key", "region"}


def test_injected_environment_variables_are_exactly_the_ones_resolve_connection_reads(credential_type):
    env = credential_type["injectors"]["env"]
    injected = dict((injected_field(template), name) for name, template in env.items())
    assert len(injected) == len(env), "one variable per field"
    assert set(injected) == CREDENTIAL_OPTIONS
    for option, variable in injected.items():
        # the first name resolve_connection looks at, so nothing else in the job's environment wins over it
        assert connection.ENVIRONMENT[option][0] == variable, option


def test_resolve_connection_picks_up_what_the_credential_injects(credential_type):
    values = {"access_key": "AKEXAMPLE", "secret_key": "sk-example", "security_token": "token-example",
              "region": "ap-southeast-1", "project_id": "0123456789abcdef0123456789abcdef"}
    environ = dict((name, values[injected_field(template)]) for name, template in credential_type["injectors"]["env"].items())
    settings = connection.resolve_connection({}, environ=environ)
    for option, value in values.items():
        assert settings.values[option] == value
        assert settings.sources[option] == "environment %s" % connection.ENVIRONMENT[option][0]
    assert settings.endpoint == "https://workspace.ap-southeast-1.myhuaweicloud.com"

    # AWX injects optional fields left empty as empty strings: they must count as not set
    environ.update({"HUAWEICLOUD_SDK_SECURITY_TOKEN": "", "HUAWEICLOUD_SDK_PROJECT_ID": ""})
    settings = connection.resolve_connection({}, environ=environ)
    assert settings.values.get("security_token") is None and settings.values.get("project_id") is None


SURVEYS = sorted(name[:-4] for name in os.listdir(SURVEY_DIR) if name.endswith(".yml"))


def test_every_ready_playbook_has_a_survey():
    assert SURVEYS == ["change_image", "hda_upgrade", "hda_upgrade_hosts", "inventory_report", "logoff", "off_hours",
                       "rolling_update", "scale", "server_group", "tsvi"]


@pytest.mark.parametrize("name", SURVEYS)
def test_survey_is_valid_and_asks_only_for_variables_of_its_playbook(name):
    survey = load(os.path.join(SURVEY_DIR, name + ".yml"))
    with open(os.path.join(PLAYBOOK_DIR, name + ".yml"), encoding="utf-8") as handle:
        playbook = handle.read()
    assert survey["name"] and survey["spec"]
    variables = [question["variable"] for question in survey["spec"]]
    assert len(variables) == len(set(variables))
    for question in survey["spec"]:
        assert question["question_name"] and question["type"] in SURVEY_TYPES, question
        assert isinstance(question["required"], bool)
        assert re.search(r"\b%s\b" % question["variable"], playbook), "%s: %s is not used" % (name, question["variable"])
        if question["type"] == "multiplechoice":
            assert question["default"] in question["choices"] + ([""] if not question["required"] else [])
            assert all(isinstance(choice, str) for choice in question["choices"])
        if question["type"] == "integer" and "default" in question:
            assert question["min"] <= question["default"] <= question["max"]
    assert not any(question["type"] == "password" for question in survey["spec"]), "secrets belong in the credential"
