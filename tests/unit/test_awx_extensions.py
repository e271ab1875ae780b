"""extensions/awx: the credential type injects exactly what resolve_connection reads, and the job template
surveys ask for variables that the playbooks use."""

import os
import re
import warnings

import jinja2
import jinja2.meta
import pytest
import yaml

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import connection
from tests.harness import REPO_ROOT, load_script

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
    assert SURVEYS == ["change_image", "check_tenant", "golden_image", "grant_access", "hda_upgrade",
                       "hda_upgrade_hosts", "inventory_report", "logoff", "maintenance_window", "off_hours",
                       "policy_baseline", "publish_apps", "rolling_update", "scale", "server_group", "tsvi"]


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


# -- the project skeleton ---------------------------------------------------------------------------------------
PROJECT_DIR = os.path.join(AWX_DIR, "project")


def awx_project():
    return load_script("awx_project")


def test_project_has_a_wrapper_per_playbook_exactly_as_the_script_writes_it():
    script = awx_project()
    playbooks = sorted(name[:-4] for name in os.listdir(PLAYBOOK_DIR) if name.endswith(".yml"))
    assert sorted(script.playbook_names() + list(script.LEFT_OUT)) == playbooks
    wanted = script.wrappers()
    present = sorted(name for name in os.listdir(PROJECT_DIR) if name.endswith(".yml"))
    assert present == sorted(wanted), "run python scripts/awx_project.py"
    for name, text in wanted.items():
        with open(os.path.join(PROJECT_DIR, name), encoding="utf-8") as handle:
            assert handle.read() == text, "%s differs: run python scripts/awx_project.py" % name
        (play,) = yaml.safe_load(text)
        assert play["ansible.builtin.import_playbook"] == "huaweicloud.workspace_app." + name[:-4]


def test_every_survey_has_its_playbook_in_the_project():
    assert set(SURVEYS) <= set(name[:-4] for name in os.listdir(PROJECT_DIR) if name.endswith(".yml"))


# -- every variable a playbook reads: in its header, in docs/playbooks.md and in its survey ------------------------
# set by Ansible, by a play or task of the playbook, or by the role it runs: not an input
ANSIBLE_VARIABLES = {"omit", "item", "hostvars", "inventory_hostname", "ansible_check_mode", "ansible_play_hosts",
                     "ansible_play_hosts_all", "ansible_play_batch", "groups", "group_names", "play_hosts",
                     "ansible_loop", "ansible_diff_mode", "ansible_verbosity", "lookup", "query", "q", "range",
                     "dict", "now", "undef", "true", "false", "none", "True", "False", "None", "playbook_dir"}
# the connection extra vars every playbook takes (docs/playbooks.md, "Rules shared by every playbook"); AWX sets the
# connection through the credential, so no survey asks for them
CONNECTION_VARIABLES = {"workspace_app_region", "workspace_app_project_id", "workspace_app_endpoint"}
# outputs of the rolling_update role that rolling_update.yml reports
ROLE_OUTPUTS = {"rolling_update_results"}
# host variables of the app_servers inventory that hda_upgrade_hosts.yml reads per host
INVENTORY_HOSTVARS = {"id", "server_group_id", "current_version", "latest_version"}


def templates(node):
    """Every string of a playbook (each may hold Jinja), and every bare expression (when, that, loop)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("when", "that", "failed_when", "changed_when", "until") and not isinstance(value, (dict,)):
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str):
                        yield "{{ %s }}" % item
                continue
            yield from templates(value)
    elif isinstance(node, list):
        for item in node:
            yield from templates(item)
    elif isinstance(node, str):
        yield node


def defined(node):
    """Names a playbook defines itself: vars, set_fact, register, loop_var."""
    names = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("vars", "ansible.builtin.set_fact", "set_fact", "ansible.builtin.set_stats") and \
                    isinstance(value, dict):
                names.update(value.get("data", value) if key.endswith("set_stats") else value)
            elif key == "register":
                names.add(value)
            elif key == "loop_control" and isinstance(value, dict) and "loop_var" in value:
                names.add(value["loop_var"])
            names |= defined(value)
    elif isinstance(node, list):
        for item in node:
            names |= defined(item)
    return names


class Anything(dict):
    """Every filter and test name is known (Ansible's are not Jinja's): only the variables matter here."""

    def __contains__(self, key):
        return True

    def get(self, key, default=None):
        return dict.get(self, key, lambda *args, **kwargs: None)


def read_variables(name):
    with open(os.path.join(PLAYBOOK_DIR, name + ".yml"), encoding="utf-8") as handle:
        plays = yaml.safe_load(handle)
    environment = jinja2.Environment()
    environment.filters = Anything(environment.filters)
    environment.tests = Anything(environment.tests)
    found = set()
    for text in templates(plays):
        if "{" in text:
            with warnings.catch_warnings():  # jinja2 decodes string literals such as '[^,\s]+' with a warning
                warnings.simplefilter("ignore", DeprecationWarning)
                found |= jinja2.meta.find_undeclared_variables(environment.parse(text))
    found -= defined(plays) | ANSIBLE_VARIABLES | ROLE_OUTPUTS
    return found - INVENTORY_HOSTVARS if plays[0].get("hosts") != "localhost" else found


def playbook_section(name):
    """The part of docs/playbooks.md about playbooks/<name>.yml."""
    with open(os.path.join(REPO_ROOT, "docs", "playbooks.md"), encoding="utf-8") as handle:
        text = handle.read()
    start = text.index("## `%s.yml`" % name)
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else len(text)]


def test_shared_rules_document_the_connection_variables():
    with open(os.path.join(REPO_ROOT, "docs", "playbooks.md"), encoding="utf-8") as handle:
        shared = handle.read().split("## Rules shared by every playbook", 1)[1].split("\n## ", 1)[0]
    for variable in CONNECTION_VARIABLES:
        assert "`%s`" % variable in shared, variable


@pytest.mark.parametrize("name", SURVEYS)
def test_every_variable_the_playbook_reads_is_in_its_header_its_docs_and_its_survey(name):
    variables = read_variables(name) - CONNECTION_VARIABLES
    assert variables, "no variable found: the reader is broken"
    with open(os.path.join(PLAYBOOK_DIR, name + ".yml"), encoding="utf-8") as handle:
        header = "".join(line for line in handle if line.startswith("#"))
    section = playbook_section(name)
    with open(os.path.join(REPO_ROOT, "docs", "playbooks.md"), encoding="utf-8") as handle:
        shared = handle.read().split("## Rules shared by every playbook", 1)[1].split("\n## ", 1)[0]
    asked = set(question["variable"] for question in load(os.path.join(SURVEY_DIR, name + ".yml"))["spec"])
    for variable in sorted(variables):
        assert re.search(r"\b%s\b" % variable, header), "%s.yml: %s is not in the header comment" % (name, variable)
        assert "`%s`" % variable in section or "`%s`" % variable in shared, \
            "docs/playbooks.md, %s.yml: %s is not documented" % (name, variable)
        assert variable in asked, "extensions/awx/surveys/%s.yml does not ask for %s" % (name, variable)
