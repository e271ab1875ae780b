"""Handlers of the published application endpoints (``/v1/{project_id}/app-groups/{app_group_id}/apps...``,
``.../publishable-app``). The model is :mod:`.published_apps`."""

ROUTES = []
