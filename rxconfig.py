"""Reflex configuration; every value comes from notification_center.settings."""

import reflex as rx

from notification_center.settings import get_settings

settings = get_settings()

config = rx.Config(
    app_name="notification_center",
    db_url=settings.db_url,
    redis_url=settings.redis_url,
    frontend_port=settings.port,
    backend_port=settings.port,
    trusted_proxy_hops=settings.trusted_proxy_hops,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
