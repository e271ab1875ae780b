# -*- coding: utf-8 -*-
# Copyright: (c) 2026, huaweicloud.workspace_app contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  region:
    description:
      - Huawei Cloud region, for example V(cn-north-4) or V(ap-southeast-1).
      - Selects the service endpoint (C(appstream.<region>.myhuaweicloud.com) for cn-north-4, cn-east-3, cn-south-1,
        cn-north-9 and cn-southwest-2, C(workspace.<region>.myhuaweicloud.com) elsewhere) and names the project looked
        up in IAM when O(project_id) is not set.
      - If not set, the environment variables E(HUAWEICLOUD_SDK_REGION) and E(HW_REGION_NAME) are used, in that order.
    type: str
  project_id:
    description:
      - Id of the project (region scope) that owns the Workspace resources.
      - If not set, E(HUAWEICLOUD_SDK_PROJECT_ID), E(HW_PROJECT_ID), then C(project_id) in the credentials file are
        used; if none is set, the id is looked up through IAM (C(GET /v3/projects?name=<region>)) and remembered
        on the controller for an hour, so that the later tasks of the run do not ask again (a file in a private
        directory under the temp dir, keyed by a hash of the IAM endpoint, region and access key; nothing secret
        is written; E(WORKSPACE_APP_SHARED_STATE_DIR=off) turns this off).
    type: str
  access_key:
    description:
      - Access key id (AK) for AK/SK request signing (SDK-HMAC-SHA256).
      - If not set, E(HUAWEICLOUD_SDK_AK), E(HW_ACCESS_KEY), then C(ak) in the credentials file are used.
    type: str
    aliases: [ak]
  secret_key:
    description:
      - Secret access key (SK) paired with O(access_key). Never logged or returned.
      - If not set, E(HUAWEICLOUD_SDK_SK), E(HW_SECRET_KEY), then C(sk) in the credentials file are used.
    type: str
    aliases: [sk]
  security_token:
    description:
      - Security token of temporary AK/SK credentials, sent as C(X-Security-Token).
      - If not set, E(HUAWEICLOUD_SDK_SECURITY_TOKEN), E(HW_SECURITY_TOKEN), then C(security_token) in the
        credentials file are used.
    type: str
  auth_token:
    description:
      - An IAM token sent as C(X-Auth-Token) instead of AK/SK signing.
      - If not set, E(HW_AUTH_TOKEN) is used. When a token is available, AK/SK are not needed.
    type: str
  credentials_file:
    description:
      - INI file with a C([basic]) section holding C(ak), C(sk), C(project_id) and C(security_token).
      - If not set, E(HUAWEICLOUD_SDK_CREDENTIALS_FILE), else C(~/.huaweicloud/credentials) when it exists.
      - Values from the file have the lowest precedence (option > environment > file).
    type: path
  endpoint:
    description:
      - Full base URL of the Workspace App API, overriding the one derived from O(region) (private endpoints, a
        test simulator).
      - C(http://) is accepted only for loopback hosts; anything else must use C(https://).
      - If not set, E(HW_WORKSPACE_APP_ENDPOINT) is used.
    type: str
  iam_endpoint:
    description:
      - Base URL of IAM, used only to look up O(project_id).
      - If not set, E(HUAWEICLOUD_SDK_IAM_ENDPOINT), else C(https://iam.<region>.myhuaweicloud.com).
    type: str
  validate_certs:
    description:
      - Verify TLS certificates. Only disable for private endpoints with self-signed certificates.
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds to wait for each HTTP response.
    type: float
    default: 30
  max_retries:
    description:
      - How often one request is retried on throttling (HTTP 429, C(APIG.0308), C(APIGW.0308)), HTTP 5xx and
        connection errors, with jittered exponential backoff that honours C(Retry-After).
      - A throttled answer without C(Retry-After) holds for the window its message names (C(limit:5,time:1 minute)
        holds 60 s, and the tasks of the run then keep to 5 requests a minute together), or backs off 5, 10, 20, 40
        and 60 seconds when it names none; a hold that would pass the task's deadline (its C(wait_timeout)) is not
        made and the task fails saying so. An HTTP 401 is never retried (repeated bad signatures lock the key).
      - Requests that change something are retried only when they provably did not reach the service (the gateway
        throttled them or the connection could not be opened).
    type: int
    default: 5
notes:
  - Option precedence is the option, then the environment variable, then the credentials file.
  - A missing credential fails with a message naming every place that was looked at.
requirements:
  - python >= 3.9
  - requests
"""

    # For modules: the action group that carries the connection options (module_defaults).
    ACTION_GROUP = r"""
attributes:
  action_group:
    description: Use C(group/huaweicloud.workspace_app.workspace_app) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - huaweicloud.workspace_app.workspace_app
notes:
  - Use C(module_defaults) with the action group C(group/huaweicloud.workspace_app.workspace_app) to set the
    connection options once per play.
"""
