# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One small function per Workspace App API operation the collection uses.

Names follow the official SDK's operation names; paths and fields are the
service's (see the API reference). Paging and retries live in the client.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from urllib.parse import quote

SERVERS = "/v1/{project_id}/app-servers"
ACCESS_AGENT = SERVERS + "/access-agent"
SERVER_GROUPS = "/v1/{project_id}/app-server-groups"
SESSIONS = "/v1/{project_id}/session"


def _flag(value):
    """The API takes booleans in query strings as ``true``/``false``."""
    if value is None:
        return None
    return "true" if value else "false"


def list_servers(client, server_group_id=None, server_name=None, server_id=None, maintain_status=None):
    """``GET /v1/{project_id}/app-servers``, every page."""
    return client.paginate(SERVERS, {
        "server_group_id": server_group_id,
        "server_name": server_name,
        "server_id": server_id,
        "maintain_status": _flag(maintain_status),
    })


def list_server_hda_details(client, server_group_id=None, server_name=None):
    """``GET …/app-servers/access-agent/list``: each server's ``current_version``."""
    return client.paginate(ACCESS_AGENT + "/list", {"server_group_id": server_group_id, "server_name": server_name})


def show_access_agent_latest_version(client):
    """The tenant-wide latest HDA version."""
    return (client.get(ACCESS_AGENT + "/latest-version") or {}).get("latest_version")


def list_access_agent_latest_version(client):
    """Latest HDA version per HDA type (``SBC``, ``OA_APP``, ``PT_APP``) as a dict."""
    items = (client.get(ACCESS_AGENT + "/actions/show-latest-version") or {}).get("items") or []
    return dict((item.get("hda_type"), item.get("latest_version")) for item in items)


def batch_upgrade_hda_version(client, server_ids):
    """``PATCH …/access-agent/actions/upgrade`` for 1..20 servers; returns the job id."""
    return (client.request("PATCH", ACCESS_AGENT + "/actions/upgrade", body={"items": list(server_ids)}) or {}).get("job_id")


def batch_change_server_image(client, server_ids, image_id, image_type, os_type, image_product_id=None,
                              update_access_agent=None):
    """``POST …/app-servers/actions/batch-change-image``; one ``{server_id, job_id, error_code, error_message}`` per server."""
    body = {"server_ids": list(server_ids), "image_id": image_id, "image_type": image_type, "os_type": os_type}
    if image_product_id is not None:
        body["image_product_id"] = image_product_id
    if update_access_agent is not None:
        body["update_access_agent"] = update_access_agent
    return (client.request("POST", SERVERS + "/actions/batch-change-image", body=body) or {}).get("items") or []


def batch_update_tsvi(client, items):
    """``PATCH …/app-servers/actions/batch-update-tsvi`` for 1..20 ``{id, enable}`` items; returns the job id."""
    return (client.request("PATCH", SERVERS + "/actions/batch-update-tsvi", body={"items": list(items)}) or {}).get("job_id")


def batch_reinstall_server(client, server_ids, update_access_agent=None):
    """``POST …/app-servers/actions/batch-reinstall`` (BatchReinstallServerReq); one ServerJobInfo
    ``{server_id, job_id, error_code, error_message}`` per server, as for the image change."""
    body = {"server_ids": list(server_ids)}
    if update_access_agent is not None:
        body["update_access_agent"] = bool(update_access_agent)
    return (client.request("POST", SERVERS + "/actions/batch-reinstall", body=body) or {}).get("items") or []


def reinstall_server(client, server_id, update_access_agent=None):
    """``POST …/app-servers/{server_id}/actions/reinstall`` (ReinstallServerReq); returns the job id."""
    body = {} if update_access_agent is None else {"update_access_agent": bool(update_access_agent)}
    path = "%s/%s/actions/reinstall" % (SERVERS, quote(server_id, safe=""))
    return (client.request("POST", path, body=body) or {}).get("job_id")


def batch_rejoin_domain(client, server_ids):
    """``PATCH …/app-servers/actions/batch-rejoin-domain`` (BatchRejoinDomainReq) for 1..20 servers; returns the one
    job id (its sub jobs name the servers)."""
    return (client.request("PATCH", SERVERS + "/actions/batch-rejoin-domain",
                           body={"items": list(server_ids)}) or {}).get("job_id")


def list_server_groups(client, server_group_id=None, server_group_name=None, app_type=None):
    """``GET /v1/{project_id}/app-server-groups``, every page (summary fields only)."""
    return client.paginate(SERVER_GROUPS, {
        "server_group_id": server_group_id,
        "server_group_name": server_group_name,
        "app_type": app_type,
    })


def show_server_group(client, server_group_id):
    """``GET …/app-server-groups/{id}``: the detail fields (``ip_virtual``, ``route_policy`` …) included."""
    return client.get("%s/%s" % (SERVER_GROUPS, quote(server_group_id, safe="")))


def show_job_detail(client, job_id):
    """``GET /v2/{project_id}/job/{job_id}``: a job with its sub jobs."""
    return client.get("/v2/{project_id}/job/%s" % quote(job_id, safe=""))


def update_server_group(client, server_group_id, changes):
    """``PATCH …/app-server-groups/{id}`` with only the fields to change (the service answers ``null``)."""
    return client.request("PATCH", "%s/%s" % (SERVER_GROUPS, quote(server_group_id, safe="")), body=dict(changes))


def batch_change_server_maintain_mode(client, server_ids, maintain_status):
    """``PATCH …/app-servers/actions/batch-maint`` for 1..20 servers; synchronous, the service answers an empty body."""
    return client.request("PATCH", SERVERS + "/actions/batch-maint",
                          body={"items": list(server_ids), "maintain_status": bool(maintain_status)})


def list_sessions(client, app_server_group_id=None, user_name=None, session_state=None):
    """``GET /v1/{project_id}/session/list-sessions``, every page; ``session_state`` a list (sent comma-separated)."""
    return client.paginate(SESSIONS + "/list-sessions", {
        "app_server_group_id": app_server_group_id,
        "user_name": user_name,
        "session_state": ",".join(session_state) if session_state else None,
    })


def logoff_user_session(client, session_ids, message_type, delay_time, message=None, title=None):
    """``POST /v1/{project_id}/session/logoff`` for 1..999 sessions: a pop-up, then the sign-out ``delay_time``
    seconds later (the service answers an empty body)."""
    body = {"session_ids": list(session_ids), "message_type": message_type, "delay_time": delay_time}
    if message is not None:
        body["message"] = message
    if title is not None:
        body["title"] = title
    return client.request("POST", SESSIONS + "/logoff", body=body)


def batch_start_server(client, server_ids):
    """``PATCH …/app-servers/actions/batch-start`` for 1..20 servers (no job: each server's ``vm_status`` shows it)."""
    return client.request("PATCH", SERVERS + "/actions/batch-start", body={"items": list(server_ids)})


def batch_stop_server(client, server_ids, stop_type):
    """``PATCH …/app-servers/actions/batch-stop`` (``SOFT``/``HARD``) for 1..20 servers (no job)."""
    return client.request("PATCH", SERVERS + "/actions/batch-stop", body={"items": list(server_ids), "type": stop_type})


def batch_reboot_server(client, server_ids, reboot_type):
    """``PATCH …/app-servers/actions/batch-reboot`` (``SOFT``/``HARD``) for 1..20 servers (no job)."""
    return client.request("PATCH", SERVERS + "/actions/batch-reboot",
                          body={"items": list(server_ids), "type": reboot_type})


def create_app_servers(client, body):
    """``POST …/app-servers/actions/create`` (CreateAppServerReq: ``subscription_num`` servers of a group); returns
    the job id (a pay-per-use create; a yearly/monthly one answers an ``order_id`` instead, returned as None)."""
    return (client.request("POST", SERVERS + "/actions/create", body=dict(body)) or {}).get("job_id")


def batch_delete_server(client, server_ids):
    """``POST …/app-servers/actions/batch-delete`` for 1..20 servers; returns the job id."""
    return (client.request("POST", SERVERS + "/actions/batch-delete", body={"items": list(server_ids)}) or {}).get("job_id")


# -- server group lifecycle and scaling policy --
SCALING_POLICY = "/v1/{project_id}/scaling-policy"


def create_server_group(client, body):
    """``POST /v1/{project_id}/app-server-groups`` with a CreateServerGroupReq; returns the new group (its list
    fields, ``id`` among them)."""
    return client.request("POST", SERVER_GROUPS, body=dict(body)) or {}


def delete_server_groups(client, server_group_id):
    """``DELETE …/app-server-groups/{id}`` of a group without servers (the service answers an empty body)."""
    return client.request("DELETE", "%s/%s" % (SERVER_GROUPS, quote(server_group_id, safe="")))


def create_or_update_scaling_policy(client, server_group_id, policy):
    """``PUT /v1/{project_id}/scaling-policy``: the group's whole scaling policy replaced by ``policy``; returns it."""
    body = dict(policy)
    body["server_group_id"] = server_group_id
    return client.request("PUT", SCALING_POLICY, body=body) or {}


def show_scaling_policy(client, server_group_id):
    """``GET /v1/{project_id}/scaling-policy?server_group_id=``: the group's scaling policy."""
    return client.get(SCALING_POLICY, {"server_group_id": server_group_id}) or {}


def delete_scaling_policy(client, server_group_id):
    """``DELETE /v1/{project_id}/scaling-policy?server_group_id=``: the group back to no scaling policy."""
    return client.request("DELETE", SCALING_POLICY, params={"server_group_id": server_group_id})


# -- app groups, published applications, authorizations --
APP_GROUPS = "/v1/{project_id}/app-groups"
MAILS = "/v1/{project_id}/mails"


def _app_group_path(app_group_id, tail=""):
    return "%s/%s%s" % (APP_GROUPS, quote(app_group_id, safe=""), tail)


def list_app_groups(client, name=None, app_group_id=None, server_group_id=None, authorization_type=None,
                    app_type=None):
    """``GET /v1/{project_id}/app-groups``, every page (``name`` matches parts of names)."""
    return client.paginate(APP_GROUPS, {"name": name, "app_group_id": app_group_id,
                                        "app_server_group_id": server_group_id,
                                        "authorization_type": authorization_type, "app_type": app_type})


def show_app_group(client, app_group_id):
    """``GET …/app-groups/{id}`` (a 404 when there is none)."""
    return client.get(_app_group_path(app_group_id)) or {}


def create_app_group(client, body):
    """``POST …/app-groups`` with a CreateAppGroupReq; returns the new group (``id`` among its fields)."""
    return client.request("POST", APP_GROUPS, body=dict(body)) or {}


def update_app_group(client, app_group_id, body):
    """``PATCH …/app-groups/{id}`` (``name``, ``description``, ``app_server_group_id``); returns the group."""
    return client.request("PATCH", _app_group_path(app_group_id), body=dict(body)) or {}


def delete_app_group(client, app_group_id):
    """``DELETE …/app-groups/{id}`` (the service answers 200 whether it existed or not)."""
    return client.request("DELETE", _app_group_path(app_group_id))


def list_published_apps(client, app_group_id, name=None, state=None, app_id=None):
    """``GET …/app-groups/{id}/apps``, every page (``name`` matches parts of names; 200 even for a missing group)."""
    return client.paginate(_app_group_path(app_group_id, "/apps"), {"name": name, "state": state, "app_id": app_id})


def show_publishable_apps(client, app_group_id):
    """``GET …/app-groups/{id}/publishable-app``: ``{count, group_images, items}``, what the group's images offer (a
    404 when the group, its server group or that group's servers are missing)."""
    return client.get(_app_group_path(app_group_id, "/publishable-app")) or {}


def publish_apps(client, app_group_id, apps):
    """``POST …/app-groups/{id}/apps`` with 1..20 PublishApp items; returns the published App records."""
    return (client.request("POST", _app_group_path(app_group_id, "/apps"), body={"items": list(apps)})
            or {}).get("items") or []


def update_app(client, app_group_id, app_id, body):
    """``PATCH …/app-groups/{id}/apps/{app_id}`` (UpdateAppReq); returns the App."""
    return client.request("PATCH", _app_group_path(app_group_id, "/apps/%s" % quote(app_id, safe="")),
                          body=dict(body)) or {}


def unpublish_apps(client, app_group_id, app_ids):
    """``POST …/app-groups/{id}/apps/batch-unpublish`` for 1..50 apps (200 always)."""
    return client.request("POST", _app_group_path(app_group_id, "/apps/batch-unpublish"), body={"ids": list(app_ids)})


def batch_enable_apps(client, app_group_id, app_ids):
    """``POST …/app-groups/{id}/apps/actions/enable`` for 1..20 apps (state NORMAL)."""
    return client.request("POST", _app_group_path(app_group_id, "/apps/actions/enable"), body={"ids": list(app_ids)})


def batch_disable_apps(client, app_group_id, app_ids):
    """``POST …/app-groups/{id}/apps/actions/disable`` for 1..20 apps (state FORBIDDEN)."""
    return client.request("POST", _app_group_path(app_group_id, "/apps/actions/disable"), body={"ids": list(app_ids)})


def list_app_group_authorizations(client, app_group_id=None, account=None, account_id=None, account_type=None):
    """``GET …/app-groups/actions/list-authorizations``, every page (the key is ``authorizations``)."""
    return client.paginate(APP_GROUPS + "/actions/list-authorizations", {
        "app_group_id": app_group_id, "account": account, "account_id": account_id, "account_type": account_type},
        key="authorizations")


def add_app_group_authorizations(client, app_group_ids, accounts):
    """``POST …/app-groups/authorizations``: every account of ``accounts`` (1..50 AccountInfo) onto every group of
    ``app_group_ids`` (1..10). The service answers 200 for accounts it does not know: read the list back."""
    return client.request("POST", APP_GROUPS + "/authorizations",
                          body={"app_group_ids": list(app_group_ids), "accounts": list(accounts)})


def delete_app_group_authorizations(client, app_group_ids, accounts):
    """``POST …/app-groups/actions/batch-delete-authorization`` (same body as the grant; 200 always)."""
    return client.request("POST", APP_GROUPS + "/actions/batch-delete-authorization",
                          body={"app_group_ids": list(app_group_ids), "accounts": list(accounts)})


def send_authorized_mails(client, record_ids):
    """``POST /v1/{project_id}/mails/actions/send-by-authorization``: the authorization mail of each authorization
    record id."""
    return client.request("POST", MAILS + "/actions/send-by-authorization", body={"records": list(record_ids)})


def list_authorization_mails(client, app_group_id=None, account=None, mail_send_type=None):
    """``GET /v1/{project_id}/mails``, every page (the key is ``records``)."""
    return client.paginate(MAILS, {"app_group_id": app_group_id, "account": account,
                                   "mail_send_type": mail_send_type}, key="records")


# -- image servers and their jobs (the golden image pipeline) --
IMAGE_SERVERS = "/v1/{project_id}/image-servers"
# Image server jobs live apart from the server jobs (``/v2/{project_id}/job``): each endpoint knows only its own.
IMAGE_JOBS = "/v1/{project_id}/image-server-jobs"
IMAGE_SUB_JOBS = "/v1/{project_id}/image-server-sub-jobs"


def _image_server_path(image_server_id, tail=""):
    return "%s/%s%s" % (IMAGE_SERVERS, quote(image_server_id, safe=""), tail)


def list_image_servers(client, server_name=None, server_id=None, enterprise_project_id=None):
    """``GET /v1/{project_id}/image-servers``, every page (``server_name`` matches parts of names)."""
    return client.paginate(IMAGE_SERVERS, {"server_name": server_name, "server_id": server_id,
                                           "enterprise_project_id": enterprise_project_id})


def show_image_server(client, image_server_id):
    """``GET …/image-servers/{server_id}`` (a 404 when there is none)."""
    return client.get(_image_server_path(image_server_id)) or {}


def create_image_server(client, body):
    """``POST …/image-servers`` with a CreateImageServerReq; returns the job id of its CREATE_SERVER image job (the
    image server's id is the job's created resource: :func:`~.jobs.created_resource_id`)."""
    return (client.request("POST", IMAGE_SERVERS, body=dict(body)) or {}).get("job_id")


def update_image_server(client, image_server_id, body):
    """``PATCH …/image-servers/{server_id}`` (``name``, ``description``); the service answers no field."""
    return client.request("PATCH", _image_server_path(image_server_id), body=dict(body))


def attach_image_server_app(client, image_server_id, app_ids):
    """``POST …/image-servers/{server_id}/actions/attach-app`` with the warehouse app ids; returns the ``uri`` the
    service answers (no job id: ``AttachImageServerAppResponse``)."""
    return (client.request("POST", _image_server_path(image_server_id, "/actions/attach-app"),
                           body={"items": list(app_ids)}) or {}).get("uri")


def list_latest_attached_server_app(client, image_server_id):
    """``GET …/image-servers/{server_id}/actions/latest-attached-app``: the ``{id, app_id}`` items of the last
    attach."""
    return (client.get(_image_server_path(image_server_id, "/actions/latest-attached-app")) or {}).get("items") or []


def recreate_server_image(client, image_server_id, name, description=None, execute_sysprep=None):
    """``POST …/image-servers/{server_id}/actions/recreate-image``: an image named ``name`` built from the image
    server; returns the job id (the image's id is the job's created resource once it succeeded).
    ``enterprise_project_id`` is never sent (the SDK: reserved, do not pass)."""
    body = {"name": name}
    if description is not None:
        body["description"] = description
    if execute_sysprep is not None:
        body["execute_sysprep"] = bool(execute_sysprep)
    return (client.request("POST", _image_server_path(image_server_id, "/actions/recreate-image"), body=body)
            or {}).get("job_id")


def batch_delete_image_server(client, image_server_ids, recursive=False):
    """``PATCH …/image-servers/actions/batch-delete`` for 1..20 image servers; ``recursive`` also deletes the server
    group, its servers and the app groups made from them. Returns the job id, or None (the service answers 200
    without one when none of them exists)."""
    return (client.request("PATCH", IMAGE_SERVERS + "/actions/batch-delete",
                           body={"items": list(image_server_ids), "recursive": bool(recursive)}) or {}).get("job_id")


def show_image_job(client, job_id):
    """``GET /v1/{project_id}/image-server-jobs/{job_id}``: an image server job with its sub jobs."""
    return client.get("%s/%s" % (IMAGE_JOBS, quote(job_id, safe="")))


def list_image_jobs(client, status=None, job_type=None):
    """``GET /v1/{project_id}/image-server-jobs``, every page (ImageJobInfo: no sub jobs)."""
    return client.paginate(IMAGE_JOBS, {"status": status, "job_type": job_type})


def list_image_sub_jobs(client, job_id=None, status=None, job_type=None):
    """``GET /v1/{project_id}/image-server-sub-jobs``, every page (ImageJobDetailInfo: each names its resource)."""
    return client.paginate(IMAGE_SUB_JOBS, {"job_id": job_id, "status": status, "job_type": job_type})


# -- Schedule tasks (issue 30) ---------------------------------------------------------------------------------------
SCHEDULE_TASKS = "/v1/{project_id}/schedule-task"


def _schedule_task_path(task_id, tail=""):
    return "%s/%s%s" % (SCHEDULE_TASKS, quote(task_id, safe=""), tail)


def list_schedule_tasks(client, task_name=None, task_type=None):
    """``GET /v1/{project_id}/schedule-task``, every page (``task_name`` matches parts of names). The items carry
    ``is_enable``, ``last_status`` and ``next_execution_time`` but no ``target_infos``."""
    return client.paginate(SCHEDULE_TASKS, {"task_name": task_name, "task_type": task_type})


def show_schedule_task(client, task_id):
    """``GET …/schedule-task/{task_id}``: the task with its ``target_infos`` (no ``is_enable``, no
    ``next_execution_time``)."""
    return client.get(_schedule_task_path(task_id))


def create_schedule_task(client, body):
    """``POST …/schedule-task`` (with the fields the SDK's ``CreateScheduleTaskReq`` lacks and the service takes:
    ``task_name``, ``task_type``, ``target_infos``, ``schedule_task_policy``, ``is_enable``, ``description``);
    returns the new task."""
    return client.request("POST", SCHEDULE_TASKS, body=body) or {}


def update_schedule_task(client, task_id, body):
    """``PATCH …/schedule-task/{task_id}``: the fields given replace the task's."""
    return client.request("PATCH", _schedule_task_path(task_id), body=body) or {}


def delete_schedule_task(client, task_id):
    """``DELETE …/schedule-task/{task_id}``."""
    client.request("DELETE", _schedule_task_path(task_id))


def list_task_execute_history(client, task_id):
    """``GET …/schedule-task/{task_id}/execute-history``, every page: the task's executions."""
    return client.paginate(_schedule_task_path(task_id, "/execute-history"), {})


def list_task_execute_detail(client, execute_history_id):
    """``GET …/schedule-task/{execute_history_id}/execute-detail``, every page: one execution per server."""
    return client.paginate(_schedule_task_path(execute_history_id, "/execute-detail"), {})


def list_future_executions(client, schedule):
    """``POST …/schedule-task/future-executions``: the next (at most 5) execution times of ``schedule`` (the wire's
    schedule fields), in its time zone."""
    return (client.request("POST", SCHEDULE_TASKS + "/future-executions", body=schedule) or {}).get(
        "future_executions") or []


# -- policy groups (issue 30) -----------------------------------------------------------------------------------
POLICY_GROUPS = "/v1/{project_id}/policy-groups"


def _policy_group_path(policy_group_id, tail=""):
    return "%s/%s%s" % (POLICY_GROUPS, quote(policy_group_id, safe=""), tail)


def list_policy_groups(client, name=None):
    """``GET /v1/{project_id}/policy-groups``, every page (``policy_group_name`` filters; exact is kept by the
    caller)."""
    return client.paginate(POLICY_GROUPS, {"policy_group_name": name})


def show_policy_group(client, policy_group_id):
    """``GET …/policy-groups/{id}``: the PolicyGroup (a 404 when there is none)."""
    return (client.get(_policy_group_path(policy_group_id)) or {}).get("policy_group") or {}


def list_policy_of_policy_group(client, policy_group_id):
    """``GET …/policy-groups/{id}/policy``: the group's ``policies`` alone."""
    return (client.get(_policy_group_path(policy_group_id, "/policy")) or {}).get("policies")


def create_policy_group(client, body):
    """``POST …/policy-groups`` with ``{"policy_group": body}`` (PolicyGroupForCreate); returns the new id."""
    return (client.request("POST", POLICY_GROUPS, body={"policy_group": body}) or {}).get("id")


def update_policy_group(client, policy_group_id, body):
    """``PATCH …/policy-groups/{id}`` with ``{"policy_group": body}`` (PolicyGroupForUpdate)."""
    return client.request("PATCH", _policy_group_path(policy_group_id), body={"policy_group": body})


def delete_policy_group(client, policy_group_id):
    """``DELETE …/policy-groups/{id}``."""
    return client.request("DELETE", _policy_group_path(policy_group_id))


# -- server group tags and quota (issue 30) ------------------------------------------------------------------------
SERVER_GROUP_TAGS = "/v1/{project_id}/server-group/tags"


def list_server_group_tags(client):
    """``GET /v1/{project_id}/server-group/tags``: the tags of all groups, each ``{key, values}`` (a list)."""
    return (client.get(SERVER_GROUP_TAGS) or {}).get("tags") or []


def show_server_group_tags(client, server_group_id):
    """``GET /v1/{project_id}/server-group/{server_group_id}/tags``: one group's tags, each ``{key, value}`` (a
    single string, where the list of all groups answers ``values``)."""
    return (client.get("/v1/{project_id}/server-group/%s/tags" % quote(server_group_id, safe="")) or {}).get(
        "tags") or []


def batch_create_server_group_tags(client, server_group_id, tags):
    """``POST …/server-group/tags/batch-create``: add (or overwrite the value of) ``tags`` ({key, value} items)."""
    client.request("POST", SERVER_GROUP_TAGS + "/batch-create",
                   body={"items": [{"server_group_id": server_group_id, "tags": list(tags)}]})


def batch_delete_server_group_tags(client, server_group_id, tags):
    """``DELETE …/server-group/tags/batch-delete``: remove ``tags`` ({key, value} items) from the group."""
    client.request("DELETE", SERVER_GROUP_TAGS + "/batch-delete",
                   body={"items": [{"server_group_id": server_group_id, "tags": list(tags)}]})


def check_quota(client, product_id=None, flavor_id=None, subscription_num=None, disk_size=None, disk_num=None,
                is_period=None):
    """``GET /v1/{project_id}/check/quota``: ``{is_enough, quota_remainder: [{type, remainder, need}]}``."""
    params = dict((key, value) for key, value in (
        ("product_id", product_id), ("flavor_id", flavor_id), ("subscription_num", subscription_num),
        ("disk_size", disk_size), ("disk_num", disk_num),
        ("is_period", None if is_period is None else ("true" if is_period else "false"))) if value is not None)
    return client.get("/v1/{project_id}/check/quota", params) or {}
