"""The launcher rebuilds the frontend when the example-pages setting changes (it changes
which pages are compiled), like any other build input."""

from __future__ import annotations

from notification_center import serve
from notification_center.settings import PROJECT_ROOT, load_settings


def test_example_pages_setting_is_a_build_input(monkeypatch) -> None:
    monkeypatch.delenv("NC_EXAMPLE_PAGES", raising=False)
    without = serve.build_fingerprint(PROJECT_ROOT, "x")
    assert load_settings().example_pages is False
    monkeypatch.setenv("NC_EXAMPLE_PAGES", "1")
    assert serve.build_fingerprint(PROJECT_ROOT, "x") != without
    assert load_settings().example_pages is True


def test_port_and_build_location_are_not_build_inputs() -> None:
    # One build serves on any port (SameOriginBackendPlugin), so the tests' servers share builds.
    base = {"PORT": "3000", "REFLEX_BACKEND_PORT": "3000", "REFLEX_WEB_WORKDIR": "/a", "REFLEX_DB_URL": "sqlite:///a"}
    moved = {"PORT": "4000", "REFLEX_BACKEND_PORT": "4000", "REFLEX_WEB_WORKDIR": "/b", "REFLEX_DB_URL": "sqlite:///b"}
    assert serve.build_fingerprint(PROJECT_ROOT, "x", base) == serve.build_fingerprint(PROJECT_ROOT, "x", moved)
    public = {**base, "REFLEX_API_URL": "https://api.example.org"}
    assert serve.build_fingerprint(PROJECT_ROOT, "x", public) != serve.build_fingerprint(PROJECT_ROOT, "x", base)


def test_what_the_compile_writes_is_not_a_build_input(tmp_path) -> None:
    # Reflex links shared assets into assets/external/ while compiling; if that counted,
    # the first restart after each build would build again.
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "favicon.ico").write_bytes(b"icon")
    before = serve.build_fingerprint(tmp_path, "x", {})
    linked = tmp_path / "assets" / "external" / "notification_center" / "web"
    linked.mkdir(parents=True)
    (linked / "stream.js").write_text("// linked by the compile")
    assert serve.build_fingerprint(tmp_path, "x", {}) == before
    (tmp_path / "assets" / "logo.svg").write_text("<svg/>")
    assert serve.build_fingerprint(tmp_path, "x", {}) != before
