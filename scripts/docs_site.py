#!/usr/bin/env python
"""Build the collection's HTML docs site the way docs.ansible.com renders collections.

    docs_site.py [--dest build/docs] [--collections-path .collections]

1. ``antsibull-docs sphinx-init --use-current`` writes a Sphinx project for huaweicloud.workspace_app
   into DEST/src (conf.py, antsibull-docs.cfg, rst/index.rst);
2. ``antsibull-docs collection --use-current`` renders one RST page per module, plugin and role
   (and the collection's extra docs, docs/docsite/) into DEST/src/rst, as the generated build.sh would;
3. the guides of docs/ (``GUIDES``, Markdown, read by myst-parser) go into DEST/src/rst/guides/, with their
   links to other files of the repository made links to those files on GitHub; the front page (rst/index.rst,
   ``FRONT_PAGE``) is written over sphinx-init's placeholder: what the collection does, its module families with
   links to their pages, where to start (the tutorial first, then the guides, then the indexes sphinx-init made);
4. ``sphinx-build -W --keep-going`` turns them into DEST/html (DEST/html/index.html).

The machine may be offline, so intersphinx fetches nothing: the few ansible-core pages the generated RST
links to (common return values, action plugins, ansible.builtin.async_status, the configuration settings)
come from a small inventory written here (``STAND_IN_TARGETS``) whose links point to docs.ansible.com.
A page that starts linking to another target fails the build (warnings are errors) until the target is
added below.

The collection is found through ``--collections-path`` (``make collections`` links
.collections/ansible_collections/huaweicloud/workspace_app to the repository); the tools come from the
venv of the Python running this script (``make docs``: .venv), then the PATH.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import zlib

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTION = "huaweicloud.workspace_app"
ANSIBLE_DOCS = "https://docs.ansible.com/projects/ansible/devel/"
CORE_CONFIG = "reference_appendices/config.html"

# (name, domain:role, priority, page#anchor, title): the ansible-core targets the generated pages refer to.
STAND_IN_TARGETS = [
    ("ansible_configuration_settings", "std:label", "-1", CORE_CONFIG + "#ansible-configuration-settings",
     "Ansible Configuration Settings"),
    ("common_return_values", "std:label", "-1", "reference_appendices/common_return_values.html#common-return-values",
     "Return Values"),
    ("action_plugins", "std:label", "-1", "plugins/action.html#action-plugins", "Action plugins"),
    ("ansible_collections.ansible.builtin.async_status_module", "std:label", "-1",
     "collections/ansible/builtin/async_status_module.html#ansible-collections-ansible-builtin-async-status-module",
     "ansible.builtin.async_status module"),
] + [
    (name, "std:envvar", "1", CORE_CONFIG + "#envvar-" + name, "-")
    for name in ("ANSIBLE_CACHE_PLUGIN", "ANSIBLE_CACHE_PLUGIN_CONNECTION", "ANSIBLE_CACHE_PLUGIN_PREFIX",
                 "ANSIBLE_CACHE_PLUGIN_TIMEOUT")
]

# The guides of docs/: the tutorial (the front page's "Start here"), then the others, in the order of its "Guides".
GUIDES = ["tutorial.md", "architecture.md", "playbooks.md"]


def module(name):
    """A link to a module's page (the label antsibull-docs gives it; a wrong one fails the build)."""
    return ":ref:`%s <ansible_collections.%s.%s_module>`" % (name, COLLECTION, name)


def modules(*names):
    return ", ".join(module(name) for name in names)


# The site's front page: rst/index.rst, written over the placeholder of antsibull-docs' sphinx-init ("Welcome to my
# Ansible collection documentation"). Its tables of contents keep sphinx-init's indexes (the collection's page, the
# plugin indexes, the environment variables), after the tutorial and the guides.
FRONT_PAGE = """
.. _docsite_root_index:

huaweicloud.workspace_app: Huawei Cloud Workspace Application Streaming
=======================================================================

The Ansible collection ``huaweicloud.workspace_app`` runs Huawei Cloud Workspace **Application Streaming** server
fleets, the applications published on them and who may use them, from playbooks, AWX / Automation Controller job
templates and ad hoc ``ansible -m`` runs. Its modules are desired state: each reads what the tenant has, plans only
what differs (``--check --diff`` shows that plan and sends nothing) and applies it through the service's batch and
asynchronous APIs: a few batched calls for a whole fleet, every job waited for with one deadline, a run that was
interrupted resumed rather than repeated, and a second run that changes nothing.

Where to start
--------------

1. :doc:`The tutorial <guides/tutorial>`: from a fresh clone, against the simulator that ships with the
   repository, in about 15 minutes: read the fleet, build a golden image and roll it out with a canary and a drain,
   publish two apps, grant a user group, schedule a nightly restart, apply a policy baseline.
2. The guides: :doc:`guides/playbooks` (every ready-to-use playbook and its variables) and
   :doc:`guides/architecture` (how a task becomes signed requests, batches, jobs and waits; how it is tested).
3. The reference: :ref:`the collection's index <plugins_in_huaweicloud.workspace_app>`, a page per module, plugin
   and role with every option, example and return value (``ansible-doc`` shows the same).

What is in it
-------------

- **Server fleet and jobs**: %(fleet)s.
- **Sessions and power**: %(sessions)s.
- **Apps, app groups and authorizations**: %(apps)s.
- **Golden images and repair**: %(images)s.
- **Schedules, policies and tags**: %(schedules)s; the server groups' tags with %(tags)s.
- **Info modules** (read only): %(info)s.
- **The inventory plugin** :ref:`app_servers <ansible_collections.%(collection)s.app_servers_inventory>`: every
  server an inventory host, grouped by server group, maintenance mode and access agent version.
- **The role** :ref:`rolling_update <ansible_collections.%(collection)s.rolling_update_role>`: changes in waves
  without dropping users (maintenance mode, drain, change, back in service; a canary first).
- **The playbooks** (:doc:`guides/playbooks`): the everyday operations ready to run from the command line or AWX
  surveys, such as the golden image pipeline, rolling updates, publishing, granting access, maintenance windows and a
  policy baseline.

.. toctree::
   :maxdepth: 1
   :caption: Start here:

   guides/tutorial

.. toctree::
   :maxdepth: 1
   :caption: Guides:

%(guides)s

.. toctree::
   :maxdepth: 2
   :caption: Collections:

   collections/index

.. toctree::
   :maxdepth: 1
   :caption: Plugin indexes:
   :glob:

   collections/index_*

.. toctree::
   :maxdepth: 1
   :caption: Reference indexes:

   collections/environment_variables
"""


def front_page():
    return FRONT_PAGE % {
        "collection": COLLECTION,
        "fleet": modules("app_server_fleet", "app_server_group", "app_server_hda_upgrade", "app_server_image",
                         "app_server_tsvi", "app_server_maintenance"),
        "sessions": modules("app_session_logoff", "app_server_power"),
        "apps": modules("app_group", "app_application", "app_group_authorization"),
        "images": modules("app_image_server", "app_image", "app_server_reinstall", "app_server_rejoin_domain"),
        "schedules": modules("app_schedule_task", "app_policy_group"),
        "tags": module("app_server_group"),
        "info": modules("app_server_info", "app_server_group_info", "app_job_info", "app_session_info",
                        "app_group_info", "app_application_info", "app_image_server_info", "app_schedule_task_info",
                        "app_policy_group_info"),
        "guides": "\n".join("   guides/" + os.path.splitext(guide)[0] for guide in GUIDES[1:]),
    }


CONF_OVERRIDES = """
# --- added by scripts/docs_site.py ---
# Offline: no inventory is fetched; ansible-core's targets come from the local stand-in (see docs_site.py).
intersphinx_mapping = {
    'ansible_devel': (%(url)r, %(inventory)r),
}
intersphinx_timeout = 1
# The guides of docs/ are Markdown; their headings get anchors for links such as (#what-the-tasks-...).
extensions.append('myst_parser')
myst_heading_anchors = 3
"""

# A Markdown link to a file of the repository outside docs/: ](../roles/rolling_update/README.md)
REPO_LINK = re.compile(r"\]\(\.\./([^)#\s]+)(#[^)\s]*)?\)")


def write_inventory(path):
    """A Sphinx (version 2) object inventory of STAND_IN_TARGETS."""
    lines = "".join("%s %s %s %s %s\n" % target for target in STAND_IN_TARGETS)
    header = ("# Sphinx inventory version 2\n# Project: Ansible (stand-in of scripts/docs_site.py)\n# Version: devel\n"
              "# The remainder of this file is compressed using zlib.\n")
    with open(path, "wb") as handle:
        handle.write(header.encode("utf-8") + zlib.compress(lines.encode("utf-8")))


def add_guides(rst):
    """docs/ guides into rst/guides/, their links to the repository's other files pointing to GitHub."""
    with open(os.path.join(REPO_ROOT, "galaxy.yml")) as handle:
        blob = yaml.safe_load(handle)["repository"].rstrip("/") + "/blob/main/"
    os.makedirs(os.path.join(rst, "guides"))
    for guide in GUIDES:
        with open(os.path.join(REPO_ROOT, "docs", guide), encoding="utf-8") as handle:
            text = handle.read()
        text = REPO_LINK.sub(lambda match: "](%s%s%s)" % (blob, match.group(1), match.group(2) or ""), text)
        with open(os.path.join(rst, "guides", guide), "w", encoding="utf-8") as handle:
            handle.write(text)
    with open(os.path.join(rst, "index.rst"), "w", encoding="utf-8") as handle:
        handle.write(front_page())


def run(command, cwd, env):
    print("+ " + " ".join(command), flush=True)
    subprocess.run(command, cwd=cwd, env=env, check=True)


def build(dest, collections_path):
    src = os.path.join(dest, "src")
    html = os.path.join(dest, "html")
    for path in (src, html):
        if os.path.lexists(path):
            shutil.rmtree(path)
    os.makedirs(src)
    # The tools of this interpreter's venv first: antsibull-docs runs ansible and ansible-doc from the PATH too.
    bin_dir = os.path.dirname(os.path.abspath(sys.executable))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_NOCOLOR="1",
               PATH=os.pathsep.join([bin_dir, os.environ.get("PATH", "")]))
    run(["antsibull-docs", "sphinx-init", "--use-current", "--fail-on-error", "--dest-dir", src,
         "--project", COLLECTION, "--copyright", "huaweicloud.workspace_app contributors",
         "--title", "huaweicloud.workspace_app collection documentation", COLLECTION], cwd=src, env=env)
    inventory = os.path.join(src, "ansible_devel.inv")
    write_inventory(inventory)
    with open(os.path.join(src, "conf.py"), "a") as handle:
        handle.write(CONF_OVERRIDES % {"url": ANSIBLE_DOCS, "inventory": inventory})
    rst = os.path.join(src, "rst")
    os.chmod(rst, 0o755)  # antsibull-docs wants that directory writable by itself only
    run(["antsibull-docs", "--config-file", "antsibull-docs.cfg", "collection", "--use-current", "--fail-on-error",
         "--cleanup", "everything", "--dest-dir", rst, COLLECTION], cwd=src, env=env)
    add_guides(rst)
    run(["sphinx-build", "-b", "html", "-c", src, "-W", "--keep-going", "-q", "-j", "auto", rst, html],
        cwd=src, env=env)
    return os.path.join(html, "index.html")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--dest", default=os.path.join(REPO_ROOT, "build", "docs"),
                        help="build directory: DEST/src is the Sphinx project, DEST/html the site (default: %(default)s)")
    parser.add_argument("--collections-path", default=os.path.join(REPO_ROOT, ".collections"),
                        help="ANSIBLE_COLLECTIONS_PATH holding ansible_collections/huaweicloud/workspace_app "
                             "(default: %(default)s)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    try:
        index = build(os.path.abspath(args.dest), os.path.abspath(args.collections_path))
    except subprocess.CalledProcessError as error:
        print("docs_site: %s failed (exit %s)" % (error.cmd[0], error.returncode), file=sys.stderr)
        return 1
    print("docs site: %s (%.1f s)" % (index, time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
