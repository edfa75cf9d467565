"""The dev-mode proxy added to Reflex's Vite config (notification_center/dev_mode.py)."""

from __future__ import annotations

import json
import re

import pytest
import reflex as rx
from reflex.utils.frontend_skeleton import _compile_vite_config

from notification_center.dev_mode import PROXIED, with_dev_proxy


def test_the_vite_config_of_this_reflex_gets_a_proxy_for_the_api_and_the_service_worker() -> None:
    source = _compile_vite_config(rx.config.get_config())
    patched = with_dev_proxy(source, "http://127.0.0.1:8123")
    proxy = json.loads(re.search(r"proxy: (\{.*\}),\n", patched).group(1))
    assert set(proxy) == set(PROXIED)
    assert all(
        entry == {"target": "http://127.0.0.1:8123", "ws": True, "changeOrigin": False} for entry in proxy.values()
    )
    assert patched.replace(re.search(r"\n    // notification-center.*\n    proxy: .*,", patched).group(0), "") == source
    assert with_dev_proxy(patched, "http://127.0.0.1:9999") == patched  # every compile: once only


def test_a_config_without_a_server_block_fails_the_build_loudly() -> None:
    with pytest.raises(RuntimeError, match="server"):
        with_dev_proxy("export default {}", "http://127.0.0.1:8000")
