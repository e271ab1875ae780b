# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Image servers and images (the golden image pipeline): what app_image_server and app_image share.

* :func:`wait_image_job`: one image server job (create, build, delete) waited for on the image job endpoint
  (:data:`~.jobs.IMAGE_JOBS`) under the task's one deadline (``wait_timeout``) and polling budget; a job that ended
  otherwise than SUCCESS fails the task with its sub job's error; a timeout says a re-run resumes the wait.
* :func:`find_image_server`: by id, or by exact name (the API's ``server_name`` filter matches parts of names).
* :func:`running_create_job`: the CREATE_SERVER job still running for an image server (a re-run after a timeout, or
  after a lost create answer, waits for it instead of creating again).
* :func:`image_builds`: the image builds (CREATE_SERVER_IMAGE sub jobs) of one image name, newest first: an image is
  identified by its name, and its build job is the only record that names it before it exists.
* :class:`AttachedApps`: the ``attach_apps`` part of an image server (``attach-app``, read back on
  ``latest-attached-app``): sent only when an app is not listed there yet.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import api
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.errors import TargetError
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import (
    ACTIVE_JOB_STATUSES, IMAGE_JOBS, JobWaiter, WaitTimeout, sub_job_error)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.operation import (
    PROGRESS_FILE_ENV, ProgressLines)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.resource import (
    Part, PartChange, find_by_id_or_name)

CREATE_SERVER_JOB = "CREATE_SERVER"
BUILD_IMAGE_JOB = "CREATE_SERVER_IMAGE"
# ImageServerStatus values while a job of its own changes it (a delete or another build is refused meanwhile)
BUSY_IMAGE_SERVER_STATUSES = frozenset(["CREATING", "BUILDING", "DELETING"])
IMAGE_TYPES = ["gold", "public", "private", "shared", "other"]  # ImageRef.image_type
VOLUME_TYPES = ["ESSD", "SSD", "GPSSD", "SAS", "SATA"]  # VolumeType
MAX_ATTACH_APPS = 100  # an assumption: AttachServerAppReq gives no bound; a longer list is a mistake more likely


def attach_apps_valid(params):
    """``attach_apps``: warehouse app ids, none empty or given twice (checked before any request)."""
    apps = params.get("attach_apps")
    if apps is None:
        return
    if len(apps) > MAX_ATTACH_APPS:
        raise TargetError("attach_apps: %d apps given; at most %d are allowed" % (len(apps), MAX_ATTACH_APPS))
    seen = set()
    for app in apps:
        if not app or app != app.strip():
            raise TargetError("attach_apps: %r is not a warehouse app id (an id is not empty and has no blanks at "
                              "either end)" % app)
        if app in seen:
            raise TargetError("attach_apps: %r is given twice; each app is listed once" % app)
        seen.add(app)


class AttachedApps(Part):
    """The apps attached to an image server (``attach_apps``): read on ``latest-attached-app`` (the ``app_id`` of
    each item). Nothing is sent when it lists every app of ``attach_apps``; otherwise one ``attach-app`` sends the
    ``attach_apps`` list (the listed ones among them too): the list shows the last attach only (an attach replaces
    it), so an attach of the missing apps alone would make the next run find the others missing and send them again.
    Apps listed but not in ``attach_apps`` are never sent (the API has no detach). A record without an id (a create
    planned in check mode) shows the create's own ``attach_apps``."""

    option = "attach_apps"

    def read(self, context, record):
        if not record.get("id"):
            return list(record.get("attach_apps") or [])
        items = api.list_latest_attached_server_app(context.client, record["id"])
        return sorted(set(item.get("app_id") for item in items if item.get("app_id")))

    def plan(self, current, params):
        wanted = list(params["attach_apps"])
        if all(app in current for app in wanted):
            return None
        return PartChange(list(current), wanted)

    def send(self, context, record_id, change):
        api.attach_image_server_app(context.client, record_id, change.after)

    def shows(self, current, change):
        return set(change.after) <= set(current)


def wait_image_job(context, job_id, what):
    """Wait for image job ``job_id`` (``what`` names it in messages: ``the create of image server 'x'``) with the
    task's ``wait_timeout`` and ``poll_interval``; its detail once it ended SUCCESS. Any other end fails the task
    with the first failed sub job's error; the deadline passing fails it saying a re-run resumes the wait."""
    params = context.params
    waiter = JobWaiter(context.client, params["wait_timeout"], params["poll_interval"], endpoint=IMAGE_JOBS,
                       progress=ProgressLines(os.environ.get(PROGRESS_FILE_ENV)).append)
    try:
        result = waiter.wait({job_id: []}, fresh=True)[job_id]
    except WaitTimeout:
        raise TargetError("wait_timeout: timed out after %ss waiting for image job %s (%s); it goes on in the "
                          "service: re-run the task to resume waiting for it (nothing is started twice)"
                          % (params["wait_timeout"], job_id, what))
    if result.status != "SUCCESS":
        subs = (result.detail or {}).get("sub_jobs") or []
        failed = [sub for sub in subs if sub.get("status") != "SUCCESS"] or subs
        code, message = sub_job_error(failed[0]) if failed else (None, None)
        raise TargetError("image job %s (%s) ended %s%s" % (job_id, what, result.status, ": %s %s" % (
            code or "", message or "") if code or message else ""))
    return result.detail


def find_image_server(client, image_server_id=None, name=None, option="name", id_option="image_server_id",
                      missing_ok=False, renamed_to=None):
    """An image server's record by id or exact name (None when there is none and ``missing_ok``)."""
    return find_by_id_or_name(
        "image server", lambda found_id: api.show_image_server(client, found_id),
        lambda text: api.list_image_servers(client, server_name=text), image_server_id, name, renamed_to=renamed_to,
        option=option, id_option=id_option, missing_ok=missing_ok, everything=lambda: api.list_image_servers(client))


def running_create_job(client, image_server_id):
    """The id of the CREATE_SERVER image job still running for ``image_server_id`` (its sub job names it), or None."""
    for sub in api.list_image_sub_jobs(client, job_type=CREATE_SERVER_JOB):
        if ((sub.get("job_resource_info") or {}).get("resource_id") == image_server_id
                and sub.get("status") in ACTIVE_JOB_STATUSES):
            return sub.get("job_id")
    return None


def image_builds(client, name):
    """The CREATE_SERVER_IMAGE sub jobs that build an image named exactly ``name``, newest first (as listed)."""
    return [sub for sub in api.list_image_sub_jobs(client, job_type=BUILD_IMAGE_JOB)
            if (sub.get("job_resource_info") or {}).get("resource_name") == name]
