"""The HTML docs site (``make docs``: scripts/docs_site.py) has a page for every module, plugin and role.

The site is built once, offline, with Sphinx warnings as errors; each page must carry its plugin's
short_description, as read from the plugin's own documentation here.
"""

import ast
import html
import os
import re
import subprocess
import sys

import pytest
import yaml

from tests.harness import COLLECTIONS_ROOT, REPO_ROOT

COLLECTION_DIR = os.path.join("collections", "huaweicloud", "workspace_app")


def _python_doc(path):
    """The DOCUMENTATION of a plugin written in Python, read without importing it."""
    with open(path) as handle:
        tree = ast.parse(handle.read(), path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "DOCUMENTATION" for target in node.targets):
            return yaml.safe_load(node.value.value)
    return None


def _documented():
    """{page file name: short_description} for every module, plugin and role of the collection."""
    pages = {}
    for plugin_type, directory in (("module", "modules"), ("inventory", "inventory"), ("filter", "filter")):
        folder = os.path.join(REPO_ROOT, "plugins", directory)
        for name in sorted(os.listdir(folder)):
            base, ext = os.path.splitext(name)
            if ext == ".py" and not base.startswith("_"):
                doc = _python_doc(os.path.join(folder, name))
            elif ext in (".yml", ".yaml"):
                with open(os.path.join(folder, name)) as handle:
                    doc = yaml.safe_load(handle)["DOCUMENTATION"]
            else:
                continue
            if doc:  # a filter file without DOCUMENTATION is documented by its .yml
                pages["%s_%s.html" % (doc.get("name", base), plugin_type)] = doc["short_description"]
    for role in sorted(os.listdir(os.path.join(REPO_ROOT, "roles"))):
        with open(os.path.join(REPO_ROOT, "roles", role, "meta", "argument_specs.yml")) as handle:
            specs = yaml.safe_load(handle)["argument_specs"]
        pages["%s_role.html" % role] = specs["main"]["short_description"]
    return pages


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    dest = tmp_path_factory.mktemp("docs")
    process = subprocess.run([sys.executable, os.path.join(REPO_ROOT, "scripts", "docs_site.py"), "--dest", str(dest),
                              "--collections-path", COLLECTIONS_ROOT],
                             capture_output=True, text=True, timeout=300, check=False)
    assert process.returncode == 0, process.stdout[-4000:] + process.stderr[-4000:]
    return os.path.join(str(dest), "html")


SMART_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def _read(site, *parts):
    """A page's text with entities decoded and Sphinx's smart quotes made plain again."""
    with open(os.path.join(site, *parts), encoding="utf-8") as handle:
        return html.unescape(handle.read()).translate(SMART_QUOTES)


def test_every_module_plugin_and_role_has_a_page_with_its_short_description(site):
    pages = _documented()
    assert len([page for page in pages if page.endswith("_module.html")]) == 26  # 22, and issue 30's 4
    assert {"app_servers_inventory.html", "read_by_id_filter.html", "rolling_update_role.html"} <= set(pages)
    index = _read(site, COLLECTION_DIR, "index.html")
    for page, short_description in pages.items():
        assert os.path.isfile(os.path.join(site, COLLECTION_DIR, page)), page
        assert short_description in _read(site, COLLECTION_DIR, page), page
        assert 'href="%s#' % page in index, page  # listed on the collection's page
    assert os.path.isfile(os.path.join(site, "index.html"))
    assert "/issues/new" in index  # docs/docsite/links.yml


def test_modules_with_an_action_plugin_say_so_and_links_to_ansible_core_point_to_docs_ansible_com(site):
    for name in sorted(os.listdir(os.path.join(REPO_ROOT, "plugins", "action"))):
        if name.endswith(".py"):
            page = _read(site, COLLECTION_DIR, name[:-3] + "_module.html")
            assert "This module has a corresponding" in page, name
            assert "https://docs.ansible.com/projects/ansible/devel/plugins/action.html#action-plugins" in page, name


def test_the_guides_of_docs_are_pages_linked_from_the_front_page(site):
    front = _read(site, "index.html")
    for guide in ("tutorial", "architecture", "playbooks"):
        with open(os.path.join(REPO_ROOT, "docs", guide + ".md"), encoding="utf-8") as handle:
            title = handle.readline().lstrip("#").strip()
        assert title in _read(site, "guides", guide + ".html"), guide
        assert 'href="guides/%s.html"' % guide in front, guide
    # links to the repository's other files lead to them on GitHub
    assert "/blob/main/roles/rolling_update/README.md" in _read(site, "guides", "playbooks.html")


def test_the_front_page_is_the_collections_own_with_the_tutorial_first(site):
    """The front page says what the collection does and names its module families, each module linked to its page;
    where to start, in this order: the tutorial, the guides, the collection's index (sphinx-init's placeholder
    text is gone, its index links stay)."""
    front = _read(site, "index.html")
    assert "Welcome to my Ansible collection" not in front
    assert "Huawei Cloud Workspace Application Streaming" in front
    for family in ("Server fleet and jobs", "Sessions and power", "Apps, app groups and authorizations",
                   "Golden images and repair", "Schedules, policies and tags", "Info modules", "The inventory plugin",
                   "The role", "The playbooks"):
        assert family in front, family
    body = front[front.index('itemprop="articleBody"'):] if 'itemprop="articleBody"' in front else front
    links = re.findall(r'href="([^"#]+)[^"]*"', body)
    pages = [link for link in links if link.startswith(("guides/", "collections/"))]
    assert pages[0] == "guides/tutorial.html", pages[:5]
    first = {page: pages.index(page) for page in ("guides/tutorial.html", "guides/playbooks.html",
                                                  "guides/architecture.html", "collections/index.html")}
    assert first["guides/tutorial.html"] < min(first["guides/playbooks.html"], first["guides/architecture.html"])
    assert max(first["guides/playbooks.html"], first["guides/architecture.html"]) < first["collections/index.html"]
    for name in sorted(os.listdir(os.path.join(REPO_ROOT, "plugins", "modules"))):
        if name.endswith(".py"):
            assert "%s/%s_module.html" % (COLLECTION_DIR, name[:-3]) in links, name
    for page in ("app_servers_inventory.html", "rolling_update_role.html"):
        assert "%s/%s" % (COLLECTION_DIR, page) in links, page
    # sphinx-init's indexes are still linked: the plugin indexes and the environment variables
    assert any(link.startswith("collections/index_") for link in links), links
    assert "collections/environment_variables.html" in links, links
