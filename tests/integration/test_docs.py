"""ansible-doc renders every module of the action group and the role's argument specs (what users read)."""

import json
import os
import subprocess

import yaml

from tests.harness import COLLECTIONS_ROOT, REPO_ROOT, ansible_command

ANSIBLE_DOC = ansible_command("ansible-doc")
COLLECTION = "huaweicloud.workspace_app"


def ansible_doc(*args):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_ROOT, ANSIBLE_NOCOLOR="1")
    process = subprocess.run([ANSIBLE_DOC, "--json"] + list(args), env=env, capture_output=True, text=True,
                             timeout=120, check=False)
    assert process.returncode == 0, process.stderr
    assert "WARNING" not in process.stderr and "ERROR" not in process.stderr, process.stderr
    return json.loads(process.stdout)


def test_every_module_renders_with_options_examples_and_return_values():
    with open(os.path.join(REPO_ROOT, "meta", "runtime.yml")) as handle:
        modules = yaml.safe_load(handle)["action_groups"]["workspace_app"]
    on_disk = sorted(name[:-3] for name in os.listdir(os.path.join(REPO_ROOT, "plugins", "modules"))
                     if name.endswith(".py") and not name.startswith("_"))
    assert sorted(modules) == on_disk  # every module is in the action group, and only modules
    docs = ansible_doc(*["%s.%s" % (COLLECTION, name) for name in modules])
    assert sorted(docs) == sorted("%s.%s" % (COLLECTION, name) for name in modules)
    for name, doc in docs.items():
        assert doc["doc"]["short_description"] and doc["doc"]["description"], name
        assert "access_key" in doc["doc"]["options"] and "secret_key" in doc["doc"]["options"], name
        assert doc["examples"].strip().startswith("- name:"), name
        assert doc["return"], name


def test_the_role_renders_its_argument_specs():
    docs = ansible_doc("-t", "role", "%s.rolling_update" % COLLECTION)
    main = docs["%s.rolling_update" % COLLECTION]["entry_points"]["main"]
    assert main["short_description"]
    options = main["options"]
    # the group by id or by exact name: exactly one of them (checked by the role's first task, not by the spec)
    assert "Exactly one of" in " ".join(options["rolling_update_server_group_id"]["description"])
    assert options["rolling_update_server_group_name"]["description"]
    for name in ("rolling_update_batch_size", "rolling_update_drain_timeout", "rolling_update_on_drain_timeout",
                 "rolling_update_max_fail_percentage", "rolling_update_hda_upgrade", "rolling_update_image",
                 "rolling_update_tsvi"):
        assert options[name]["description"], name


def test_the_inventory_plugin_renders_its_options_and_examples():
    name = "%s.app_servers" % COLLECTION
    doc = ansible_doc("-t", "inventory", name)[name]
    options = doc["doc"]["options"]
    for option in ("plugin", "server_group_ids", "server_group_names", "name", "maintain_status", "status", "hda",
                   "hostnames", "hostvars_prefix", "set_ansible_host", "default_groups",
                   # the modules' connection options, and Ansible's constructed and cache options
                   "region", "access_key", "secret_key", "endpoint", "max_retries",
                   "compose", "groups", "keyed_groups", "strict", "leading_separator",
                   "cache", "cache_plugin", "cache_timeout", "cache_connection"):
        assert options[option]["description"], option
    assert options["plugin"]["required"] is True
    assert "action_group" not in (doc["doc"].get("attributes") or {})  # a module's attribute, not a plugin's
    examples = yaml.safe_load_all(doc["examples"])
    assert all(example["plugin"] == name for example in examples)
