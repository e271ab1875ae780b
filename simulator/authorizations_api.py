"""Handlers of the authorization endpoints (``/v1/{project_id}/app-groups/authorizations``,
``.../actions/list-authorizations``, ``.../actions/batch-delete-authorization``) and the authorization mails
(``/v1/{project_id}/mails``). The model is :mod:`.authorizations`."""

ROUTES = []
