# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one thing the collection asks IAM: the project id of a region, when project_id is not set.

The answer is shared by the tasks of a run through the controller's cache (:mod:`.shared_state`), so a play of
many tasks asks IAM once an hour rather than once a task.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import ConfigurationError

PROJECTS_PATH = "/v3/projects"


def lookup_project_id(client, region, iam_endpoint):
    """The id of the one IAM project named ``region``, asked through ``client`` (a :class:`~.client.Client`).

    The client is passed in rather than imported, so that the client can call this without an import cycle.
    """
    # IAM's listing is not project scoped: the project is what is being looked for
    body = client.request("GET", PROJECTS_PATH, params={"name": region}, base=iam_endpoint, project_scoped=False)
    projects = (body or {}).get("projects") or []
    if len(projects) != 1:
        found = ", ".join(p.get("id", "?") for p in projects) or "none"
        raise ConfigurationError(
            "project_id: IAM at %s returned %s project(s) named %r (%s); set project_id explicitly"
            % (iam_endpoint, len(projects), region, found))
    return projects[0]["id"]


def project_id(client, region, iam_endpoint, cache=None, key=None):
    """``(project id, whether it came from the cache)``: ``cache`` (a :class:`~.shared_state.SharedState`, or
    None) holds it under ``key`` when a task of this IAM endpoint, region and credential looked it up less than
    ``shared_state.PROJECT_ID_TTL`` seconds ago; else it is looked up and remembered there."""
    if cache is not None:
        cached = cache.cached_project_id(key)
        if cached:
            return cached, True
    found = lookup_project_id(client, region, iam_endpoint)
    if cache is not None:
        cache.remember_project_id(key, found)
    return found, False
