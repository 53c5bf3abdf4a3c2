"""Webhooks on the web: the ``/api/v1/webhooks`` routes and the settings page."""
