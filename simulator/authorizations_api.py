"""Handlers of the authorization endpoints (``/v1/{project_id}/app-groups/authorizations``,
``.../actions/list-authorizations``, ``.../actions/batch-delete-authorization``) and the authorization mails
(``/v1/{project_id}/mails``), and the ``/_sim/directory`` control. The model is :mod:`.authorizations`; bodies are
validated against the SDK's request models (``AppGroupAuthorizeReq``, ``ResendAuthorizedMailReq``)."""

from .authorizations import ACCOUNT_TYPES, PLATFORM_TYPES
from .routing import Reply, Route, control, control_body, paged, require_body
from .validation import Field, paging, query_enum

MAX_GROUPS = 10  # AppGroupAuthorizeReq.app_group_ids: "最多同时操作10个"
MAX_ACCOUNTS = 50  # AppGroupAuthorizeReq.accounts: "单次最多允许操作50个用户(组)"
ACCOUNT_MAX_LEN = 64  # guessed: the SDK states no length for AccountInfo.account
MAX_MAIL_RECORDS = 100  # guessed: the SDK states no bound for ResendAuthorizedMailReq.records
MAIL_SEND_TYPES = ("ADD_GROUP_AUTHORIZATION", "DEL_GROUP_AUTHORIZATION", "ADD_GROUP_AUTHORIZATION_SMS",
                   "DEL_GROUP_AUTHORIZATION_SMS")

ACCOUNT_INFO = Field("object", fields={
    "id": Field("str", min_len=1, max_len=64),
    "account": Field("str", min_len=1, max_len=ACCOUNT_MAX_LEN),
    "account_type": Field("str", enum=ACCOUNT_TYPES),
    "domain": Field("str", max_len=255),
    "email": Field("str", max_len=255),
    "telephone_number": Field("str", max_len=32),
    "platform_type": Field("str", enum=PLATFORM_TYPES),
})
AUTHORIZE_SCHEMA = {
    "app_group_ids": Field("list", required=True, min_items=1, max_items=MAX_GROUPS,
                           items=Field("str", min_len=1, max_len=64)),
    "accounts": Field("list", required=True, min_items=1, max_items=MAX_ACCOUNTS, items=ACCOUNT_INFO),
}
MAIL_SCHEMA = {
    "records": Field("list", required=True, min_items=1, max_items=MAX_MAIL_RECORDS, items=Field("str", min_len=1)),
}


def list_app_group_authorization(sim, call):
    """GET /v1/{project_id}/app-groups/actions/list-authorizations: filters ``app_group_id``, ``account``,
    ``account_id`` (exact), ``account_type``; 10 a page by default."""
    q = call.query
    paging(q)
    account_type = query_enum(q, "account_type", ACCOUNT_TYPES)
    state = sim.state
    matches = state.list_authorizations(q.get("app_group_id") or None, q.get("account") or None,
                                        q.get("account_id") or None, account_type)
    page = paged(matches, q)
    return Reply({"count": page["count"], "authorizations": [state.authorization_view(a) for a in page["items"]]})


def add_app_group_authorization(sim, call):
    """POST /v1/{project_id}/app-groups/authorizations: 200 with an empty body, whatever was (not) granted."""
    body = require_body(call, AUTHORIZE_SCHEMA)
    sim.state.grant(body["app_group_ids"], body["accounts"])
    return Reply({})


def batch_delete_app_group_authorization(sim, call):
    """POST /v1/{project_id}/app-groups/actions/batch-delete-authorization: 200 always."""
    body = require_body(call, AUTHORIZE_SCHEMA)
    sim.state.revoke(body["app_group_ids"], body["accounts"])
    return Reply({})


def send_authorized_mail(sim, call):
    """POST /v1/{project_id}/mails/actions/send-by-authorization: ``{records: [authorization id, ...]}``."""
    sim.state.send_authorized_mails(require_body(call, MAIL_SCHEMA)["records"])
    return Reply({})


def list_authorization_mail_record(sim, call):
    """GET /v1/{project_id}/mails: filters ``app_group_id``, ``account``, ``mail_send_type``, ``mail_send_result``
    (exact), newest first (guessed), key ``records``."""
    q = call.query
    paging(q)
    send_type = query_enum(q, "mail_send_type", MAIL_SEND_TYPES)
    result = query_enum(q, "mail_send_result", ("SUCCESS", "FAIL"))
    group_id, account = q.get("app_group_id") or None, q.get("account") or None
    matches = [mail for mail in reversed(sim.state.mails)
               if (group_id is None or mail["app_group_id"] == group_id)
               and (account is None or mail["account"] == account)
               and (send_type is None or mail["mail_send_type"] == send_type)
               and (result is None or mail["mail_send_result"] == result)]
    page = paged(matches, q)
    return Reply({"count": page["count"], "records": page["items"]})


def sim_get_directory(sim, call):
    """GET /_sim/directory: the accounts the directory knows."""
    return Reply(sim.state.directory())


def sim_add_directory(sim, call):
    """POST /_sim/directory: body = ``add_directory_accounts`` keyword arguments (``accounts``, ``count``,
    ``prefix``, ``account_type``, ``domain``, ``platform_type``); answers the entries added."""
    return Reply(control(sim.state.add_directory_accounts, **control_body(call)))


P = "/v1/{project_id}"
ROUTES = [
    Route("GET", P + "/app-groups/actions/list-authorizations", "list_app_group_authorization",
          list_app_group_authorization),
    Route("POST", P + "/app-groups/authorizations", "add_app_group_authorization", add_app_group_authorization),
    Route("POST", P + "/app-groups/actions/batch-delete-authorization", "batch_delete_app_group_authorization",
          batch_delete_app_group_authorization),
    Route("POST", P + "/mails/actions/send-by-authorization", "send_authorized_mail", send_authorized_mail),
    Route("GET", P + "/mails", "list_authorization_mail_record", list_authorization_mail_record),
    Route("GET", "/_sim/directory", "sim_get_directory", sim_get_directory, area="control"),
    Route("POST", "/_sim/directory", "sim_add_directory", sim_add_directory, area="control"),
]
