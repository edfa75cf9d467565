"""Reflex configuration; every value comes from notification_center.settings."""

import reflex as rx

from notification_center.settings import get_settings
from notification_center.web_build import SameOriginBackendPlugin

settings = get_settings()

config = rx.Config(
    app_name="notification_center",
    db_url=settings.db_url,
    redis_url=settings.redis_url,
    frontend_port=settings.port,
    backend_port=settings.port,
    trusted_proxy_hops=settings.trusted_proxy_hops,
    telemetry_enabled=False,
    # Reflex's default ("*") answers every origin's credentialed requests: only the app's own
    # origin (which needs no CORS) plus the listed ones may read the API from a browser.
    cors_allowed_origins=settings.cors_origins,
    show_built_with_reflex=False,
    # SameOriginBackendPlugin: pages reach the backend at their own origin (any proxy, no rebuild).
    plugins=[rx.plugins.RadixThemesPlugin(), SameOriginBackendPlugin()],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
