# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the collection expects on the wire: the one registry of the fields and enum values of each record kind it
reads, and :func:`unexpected`, which names what a record holds beyond them.

The fields are a static copy of the attribute names of the official SDK's models (``huaweicloudsdkworkspaceapp``
3.1.219, :data:`SDK_MODELS` says which model each kind was copied from): the collection does not need the SDK at
run time, and ``tests/unit/plugins/module_utils/test_wire.py`` compares the copy with the SDK's models so that it
cannot drift. The enum values are the sets the code decides on (imported from where they live: ``jobs.py``,
``servers.py``, ``sessions.py``), plus the SDK's enums the code does not decide on yet.

Only the top level of a record is checked (a job's sub jobs too): the values the collection acts on live there.
A record whose fields and values are all known yields no finding; nothing here sends a request.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.applications import APP_STATES
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.jobs import KNOWN_JOB_STATUSES
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.schedule_tasks import (
    SCHEDULES as SCHEDULE_WORDS, TASK_TYPES as SCHEDULE_TASK_TYPE_WORDS)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.servers import (
    ENDED_TASK_STATUSES, SERVER_STATUSES)
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.sessions import SESSION_STATES

SDK_VERSION = "3.1.219"

# -- enums -------------------------------------------------------------------------------------------------------
# JobStatus and JobDetailStatus (a job's and a sub job's ``status``, a server record's ``job_status``): every status
# the waiters know, running or ended.
JOB_STATUSES = KNOWN_JOB_STATUSES
# ServerStatus (a server's and an access agent record's ``status``).
SERVER_STATUS_VALUES = frozenset(SERVER_STATUSES)
# AppServerStatus (a server's ``vm_status``).
VM_STATUSES = frozenset([
    "BUILD", "BUILD_FAIL", "REBOOT", "HARD_REBOOT", "REBUILD", "REBUILD_FAIL", "MIGRATING", "RESIZE", "ACTIVE",
    "SHUTOFF", "REVERT_RESIZE", "VERIFY_RESIZE", "ERROR", "DELETING", "FREEZE", "BUILD_IMAGE", "BUILD_SNAPSHOT",
    "RESTORE_SNAPSHOT", "null",
])
# AppServerTaskStatus (a server's ``task_status``): the ended tasks servers.py knows, and the tasks in progress.
TASK_STATUSES = frozenset(ENDED_TASK_STATUSES) | frozenset([
    "scheduling", "block_device_mapping", "networking", "spawning", "rebooting", "reboot_pending", "rebooting_hard",
    "reboot_pending_hard", "reboot_started_hard", "rebuilding", "updating_tsvi", "rebuild_block_device_mapping",
    "rebuild_spawning", "migrating", "resize_prep", "resize_migrating", "resize_migrated", "resize_finish",
    "resize_reverting", "powering-off", "powering-on", "deleting", "rejoining_domain", "source_locking",
    "updating_sid", "upgrading_access_agent", "build_image", "build_snapshot", "restore_snapshot", "installing_app",
])
# JobType (a job's, a sub job's and a server record's ``job_type``).
JOB_TYPES = frozenset([
    "CREATE_SERVER", "DELETE_SERVER", "UPDATE_FREEZE_STATUS", "CREATE_SERVER_IMAGE", "REINSTALL_OS",
    "CHANGE_SERVER_IMAGE", "REJOIN_DOMAIN", "MIGRATE_SERVER", "UPGRADE_ACCESS_AGENT", "UPDATE_SERVER_TSVI",
    "SCHEDULED_TASK", "COLLECT_HDA_LOG", "COLLECT_APS_LOG", "CREATE_SERVER_SNAPSHOT", "DELETE_SERVER_SNAPSHOT",
    "RESTORE_SERVER_SNAPSHOT", "BATCH_INSTALL_APP", "INSTALL_CES_AGENT", "UNINSTALL_CES_AGENT",
])
# AppTypeEnum, OsTypeEnum, StorageFolderMountType, VolumeType, ExtraSessionTypeEnum (a server group's).
APP_TYPES = frozenset(["SESSION_DESKTOP_APP", "COMMON_APP"])
OS_TYPES = frozenset(["Linux", "Windows", "Other"])
STORAGE_MOUNT_POLICIES = frozenset(["USER", "SHARE", "ANY"])
VOLUME_TYPES = frozenset(["ESSD", "SSD", "GPSSD", "SAS", "SATA"])
EXTRA_SESSION_TYPES = frozenset(["GPU", "CPU"])
# AuthorizationTypeEnum (an app group's).
AUTHORIZATION_TYPES = frozenset(["APP", "APP_GROUP"])
# AppStateEnum (a published application's ``state``: enabled NORMAL, disabled FORBIDDEN; applications.py).
APP_STATE_VALUES = frozenset(APP_STATES)
# SessionInfo.session_state (a plain string in the SDK; these are the states the API documents).
SESSION_STATE_VALUES = frozenset(SESSION_STATES)
# AccountTypeEnum, PlatformTypeEnum (an authorization's; a mail record's account_auth_type); the authorization's
# AuthorizationTypeEnum is the app group's (above).
ACCOUNT_TYPES = frozenset(["USER", "USER_GROUP"])
PLATFORM_TYPES = frozenset(["AD", "LOCAL", "SYSTEM"])

# ImageServerStatus (an image server's ``status``; the SDK lists the string "null" too).
IMAGE_SERVER_STATUSES = frozenset(["CREATING", "ACTIVE", "BUILDING", "BUILT", "ERROR", "DELETING", "null"])
# ImageJobType (an image job's and its sub jobs' ``job_type``).
IMAGE_JOB_TYPES = frozenset([
    "CREATE_SERVER", "CREATE_SERVER_IMAGE", "DELETE_SERVER", "BUILD_IMAGE", "GENERATE_IMAGE",
    "DELETE_IMAGE_BUILD_SERVER", "DELETE_IMAGE",
])

# ScheduleTaskStatus, ScheduleTaskTypeEnum, ScheduledTypeEnum (a schedule task's, its executions' and details').
SCHEDULE_TASK_STATUSES = frozenset(["WAITING", "RUNNING", "SUCCESS", "FAILED"])
SCHEDULE_TASK_TYPES = frozenset(SCHEDULE_TASK_TYPE_WORDS.values())
SCHEDULED_TYPES = frozenset(SCHEDULE_WORDS.values())

# -- fields ------------------------------------------------------------------------------------------------------
# Kind -> the SDK models (3.1.219) whose attributes its records may carry: the copy below is their union.
SDK_MODELS = {
    "server_group": ("ServerGroup", "ShowServerGroupResponse"),  # the list's records and a group's detail, merged
    "server": ("AppServer",),
    "access_agent": ("ServerHdaDetails",),
    "job": ("ShowJobDetailResponse",),
    "sub_job": ("JobDetailInfo",),
    "session": ("SessionInfo",),
    "app_group": ("AppGroup", "ShowAppGroupDetailResponse"),  # the list's records and a group's detail, merged
    "app": ("App",),  # a published application (list_published_app, show_app_detail)
    "publishable_app": ("PublishableApp",),  # what an app group's image offers (show_publishable_app)
    "authorization": ("Authorization",),
    "authorization_mail": ("AuthorizationMail",),
    "image_server": ("ImageServer", "ShowImageServerResponse"),  # the list's records and one image server's
    "image_job": ("ShowImageJobResponse", "ImageJobInfo"),  # an image job's detail and the list's records
    "image_sub_job": ("ImageJobDetailInfo",),
    "schedule_task": ("ScheduleTask", "ShowScheduleTaskResponse"),  # the list's records and one task's, merged
    "schedule_task_execution": ("ScheduleTaskExecuteHistory",),
    "schedule_task_detail": ("ScheduleTaskExecuteDetail",),
    "policy_group": ("PolicyGroup",),  # the list's records and a group's read (ShowPolicyGroupResponse.policy_group)
}

APP_FIELDS = frozenset([
    "id", "name", "version", "command_param", "execute_path", "work_path", "icon_path", "icon_index", "description",
    "app_group_id", "state", "tenant_id", "publish_at", "source_type", "publisher", "icon_url", "publishable",
    "sandbox_enable", "is_pre_boot", "pre_launch_policy", "app_extended_info",
])

FIELDS = {
    "server_group": frozenset([
        "id", "name", "description", "image_id", "os_type", "product_id", "subnet_id", "system_disk_type",
        "system_disk_size", "is_vdi", "extra_session_type", "extra_session_size", "app_type", "create_time",
        "update_time", "storage_mount_policy", "enterprise_project_id", "primary_server_group_ids",
        "secondary_server_group_ids", "server_group_status", "site_type", "site_id", "app_server_flavor_count",
        "app_server_count", "app_group_count", "image_name", "product_info", "subnet_name", "scaling_policy", "tags",
        "ou_name", "flavors", "project_name", "image_min_disk", "route_policy", "image_product_id", "image_type",
        "ip_virtual",
    ]),
    "server": frozenset([
        "id", "name", "machine_name", "description", "server_group_id", "flavor", "status", "create_time",
        "update_time", "image_id", "availability_zone", "domain", "ou_name", "sid", "instance_id", "os_version",
        "os_type", "order_id", "maintain_status", "scaling_auto_create", "job_id", "job_type", "job_status",
        "job_time", "resource_pool_id", "resource_pool_type", "host_id", "server_group_name", "product_info",
        "metadata", "session_count", "vm_status", "task_status", "freeze", "host_address", "enterprise_project_id",
        "tags",
    ]),
    "access_agent": frozenset([
        "server_id", "machine_name", "maintain_status", "server_name", "server_group_id", "server_group_name", "sid",
        "session_count", "status", "current_version",
    ]),
    "job": frozenset(["id", "job_type", "begin_time", "end_time", "status", "sub_jobs_total", "sub_jobs"]),
    "sub_job": frozenset([
        "id", "job_type", "job_resource_info", "begin_time", "end_time", "status", "error_code", "error_message",
        "project_id", "job_id",
    ]),
    "session": frozenset([
        "id", "session_stamp", "os_session_id", "protocol_type", "login_user", "session_type", "app_server_group_id",
        "app_server_group_name", "pre_conn_time", "start_time", "end_time", "status_continue_time", "machine_sid",
        "machine_name", "session_state", "app_name", "client_mac", "client_name", "client_ip", "public_ip",
        "client_version", "client_type", "agent_version", "vm_ip", "failed_reason", "failed_code",
        "last_update_status_time", "tenant_id", "primary_server_group_id", "secondary_server_group_id",
    ]),
    "app_group": frozenset([
        "id", "name", "app_server_group_id", "app_server_group_name", "description", "authorization_type",
        "tenant_id", "app_type", "create_at", "app_count", "app_server_group_description",
    ]),
    "app": APP_FIELDS,
    "publishable_app": APP_FIELDS | frozenset(["source_image_ids"]),
    "authorization": frozenset([
        "id", "account_id", "account", "app_id", "app_name", "app_group_id", "app_group_name", "authorization_type",
        "account_type", "platform_type", "domain", "create_at",
    ]),
    "authorization_mail": frozenset([
        "id", "account", "account_auth_type", "account_auth_name", "app_group_id", "app_group_name",
        "mail_send_type", "mail_send_result", "error_msg", "send_at",
    ]),
    "image_server": frozenset([
        "id", "name", "description", "image_ref", "server_group_id", "app_group_id", "server_id", "instance_id",
        "image_id", "status", "authorize_accounts", "create_time", "update_time", "enterprise_project_id",
    ]),
    "image_job": frozenset(["id", "job_type", "begin_time", "end_time", "status", "sub_jobs_total", "sub_jobs"]),
    "image_sub_job": frozenset([
        "id", "job_type", "job_resource_info", "begin_time", "end_time", "status", "job_execute_info", "project_id",
        "job_id",
    ]),
    "schedule_task": frozenset([
        "id", "task_name", "last_status", "task_type", "task_cron", "next_execution_time", "schedule_task_policy",
        "scheduled_type", "day_interval", "week_list", "month_list", "date_list", "time_zone", "scheduled_date",
        "scheduled_time", "expire_time", "description", "is_enable", "create_time", "update_time", "target_infos",
    ]),
    "schedule_task_execution": frozenset([
        "id", "task_id", "task_type", "status", "scheduled_type", "total_count", "success_count", "failed_count",
        "excuting_count", "time_zone", "begin_time", "end_time", "create_time",
    ]),
    "schedule_task_detail": frozenset([
        "id", "execute_id", "server_id", "server_name", "status", "task_type", "time_zone", "begin_time", "end_time",
        "result_code", "result_message",
    ]),
    "policy_group": frozenset([
        "id", "name", "priority", "description", "targets", "policies", "create_time", "update_time",
    ]),
}

# Kind -> {field: (the SDK enum's name, its known values)}.
ENUMS = {
    "server_group": {
        "app_type": ("AppTypeEnum", APP_TYPES),
        "os_type": ("OsTypeEnum", OS_TYPES),
        "storage_mount_policy": ("StorageFolderMountType", STORAGE_MOUNT_POLICIES),
        "system_disk_type": ("VolumeType", VOLUME_TYPES),
        "extra_session_type": ("ExtraSessionTypeEnum", EXTRA_SESSION_TYPES),
    },
    "server": {
        "status": ("ServerStatus", SERVER_STATUS_VALUES),
        "vm_status": ("AppServerStatus", VM_STATUSES),
        "task_status": ("AppServerTaskStatus", TASK_STATUSES),
        "job_status": ("JobStatus", JOB_STATUSES),
        "job_type": ("JobType", JOB_TYPES),
    },
    "access_agent": {
        "status": ("ServerStatus", SERVER_STATUS_VALUES),
    },
    "job": {
        "status": ("JobStatus", JOB_STATUSES),
        "job_type": ("JobType", JOB_TYPES),
    },
    "sub_job": {
        "status": ("JobDetailStatus", JOB_STATUSES),
        "job_type": ("JobType", JOB_TYPES),
    },
    "session": {
        "session_state": ("session_state", SESSION_STATE_VALUES),
    },
    "app_group": {
        "authorization_type": ("AuthorizationTypeEnum", AUTHORIZATION_TYPES),
        "app_type": ("AppTypeEnum", APP_TYPES),
    },
    "app": {"state": ("AppStateEnum", APP_STATE_VALUES)},
    "publishable_app": {"state": ("AppStateEnum", APP_STATE_VALUES)},
    "authorization": {
        "account_type": ("AccountTypeEnum", ACCOUNT_TYPES),
        "platform_type": ("PlatformTypeEnum", PLATFORM_TYPES),
        "authorization_type": ("AuthorizationTypeEnum", AUTHORIZATION_TYPES),
    },
    "authorization_mail": {
        "account_auth_type": ("AccountTypeEnum", ACCOUNT_TYPES),
    },
    "image_server": {"status": ("ImageServerStatus", IMAGE_SERVER_STATUSES)},
    # ImageJobStatus and ImageJobDetailStatus: the statuses the waiters know, as for server jobs
    "image_job": {
        "status": ("ImageJobStatus", JOB_STATUSES),
        "job_type": ("ImageJobType", IMAGE_JOB_TYPES),
    },
    "image_sub_job": {
        "status": ("ImageJobDetailStatus", JOB_STATUSES),
        "job_type": ("ImageJobType", IMAGE_JOB_TYPES),
    },
    "schedule_task": {
        "last_status": ("ScheduleTaskStatus", SCHEDULE_TASK_STATUSES),
        "task_type": ("ScheduleTaskTypeEnum", SCHEDULE_TASK_TYPES),
        "scheduled_type": ("ScheduledTypeEnum", SCHEDULED_TYPES),
    },
    "schedule_task_execution": {
        "status": ("ScheduleTaskStatus", SCHEDULE_TASK_STATUSES),
        "task_type": ("ScheduleTaskTypeEnum", SCHEDULE_TASK_TYPES),
        "scheduled_type": ("ScheduledTypeEnum", SCHEDULED_TYPES),
    },
    "schedule_task_detail": {
        "status": ("ScheduleTaskStatus", SCHEDULE_TASK_STATUSES),
        "task_type": ("ScheduleTaskTypeEnum", SCHEDULE_TASK_TYPES),
    },
}

# Kind -> {field: kind of the records in that list}: checked as records of their own.
NESTED = {"job": {"sub_jobs": "sub_job"}, "image_job": {"sub_jobs": "image_sub_job"}}

KINDS = tuple(sorted(FIELDS))
# How long a value may be in a finding (the rest is cut off: a finding names, it does not copy).
VALUE_MAX = 80


def record_id(kind, record):
    """The id a finding names a record by (an access agent record names its server)."""
    return record.get("server_id" if kind == "access_agent" else "id")


def record_name(kind, record):
    """The name a finding names a record by: its name, a job's type, a sub job's server (an image sub job's resource),
    a session's user."""
    if kind == "access_agent":
        return record.get("server_name")
    if kind in ("job", "image_job"):
        return record.get("job_type")
    if kind in ("sub_job", "image_sub_job"):
        resource = record.get("job_resource_info")
        resource = resource if isinstance(resource, dict) else {}
        return resource.get("resource_name") or resource.get("resource_id")
    if kind == "session":
        return record.get("login_user")
    if kind in ("authorization", "authorization_mail"):
        return record.get("account")
    if kind == "schedule_task":
        return record.get("task_name")
    if kind in ("schedule_task_execution", "schedule_task_detail"):
        return record.get("server_name") or record.get("task_type")
    return record.get("name")


def shown(value):
    """``value`` as a finding shows it: a string as it is, anything else as JSON, cut at VALUE_MAX characters."""
    if not isinstance(value, str):
        try:
            value = json.dumps(value, sort_keys=True, default=str)
        except (TypeError, ValueError):
            value = repr(value)
    return value if len(value) <= VALUE_MAX else value[:VALUE_MAX - 3] + "..."


def finding(kind, record, field, value, why):
    return dict(kind=kind, id=record_id(kind, record), name=record_name(kind, record), field=field,
                value=shown(value), why=why)


def known_value(value, values):
    try:
        return value in values
    except TypeError:  # a list or a dict where a string was expected
        return False


def unexpected(kind, records):
    """The findings on ``records`` (of ``kind``, one of :data:`KINDS`): one ``{kind, id, name, field, value, why}``
    per field the SDK model does not have and per enum value the collection does not know, in record order (fields
    sorted by name; a job's sub jobs after the job). An empty list when all is known. A None or empty value is no
    value: it is not judged."""
    fields, enums, nested = FIELDS[kind], ENUMS.get(kind, {}), NESTED.get(kind, {})
    found = []
    for record in records or ():
        if not isinstance(record, dict):
            continue
        for field in sorted(record):
            value = record[field]
            if field not in fields:
                found.append(finding(kind, record, field, value, "field not in the SDK model %s (%s)"
                                     % (" / ".join(SDK_MODELS[kind]), SDK_VERSION)))
            elif field in enums and value not in (None, "") and not known_value(value, enums[field][1]):
                found.append(finding(kind, record, field, value, "unknown %s value" % enums[field][0]))
        for field, inner in sorted(nested.items()):
            if isinstance(record.get(field), list):
                found.extend(unexpected(inner, record[field]))
    return found
