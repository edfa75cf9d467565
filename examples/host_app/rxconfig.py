"""A Reflex app of its own that mounts the notification center (README "Add it to your Reflex app")."""

import os

import reflex as rx

config = rx.Config(
    app_name="host_app",
    db_url=os.environ.get("REFLEX_DB_URL", "sqlite:///host_app.db"),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
