"""The launcher rebuilds the frontend when the example-pages setting changes (it changes
which pages are compiled), like any other build input."""

from __future__ import annotations

from notification_center import serve
from notification_center.settings import PROJECT_ROOT, load_settings


def test_example_pages_setting_is_a_build_input(monkeypatch) -> None:
    monkeypatch.delenv("NC_EXAMPLE_PAGES", raising=False)
    without = serve.build_fingerprint(PROJECT_ROOT, 3000, "x")
    assert load_settings().example_pages is False
    monkeypatch.setenv("NC_EXAMPLE_PAGES", "1")
    assert serve.build_fingerprint(PROJECT_ROOT, 3000, "x") != without
    assert load_settings().example_pages is True
