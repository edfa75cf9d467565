"""Origin checks, the same-origin build rewrite, CSP hashes and the NC_CORS_ORIGINS setting."""

import base64
import hashlib

import pytest

from notification_center import settings as settings_module
from notification_center.api.origins import OriginPolicy
from notification_center.api.security_headers import inline_script_hashes, security_headers
from notification_center.web_build import is_same_host_api_url, same_origin_env_module


@pytest.mark.parametrize(
    ("origin", "host", "forwarded", "allowed"),
    [
        (None, "app.test:3000", None, True),  # not a browser
        ("http://app.test:3000", "app.test:3000", None, True),
        ("https://app.test", "app.test", None, True),  # TLS ended at a proxy
        ("https://APP.test", "app.test:443", None, True),  # default port, case
        ("http://app.test:3001", "app.test:3000", None, False),  # another port is another origin
        ("http://evil.test", "app.test:3000", None, False),
        ("http://app.test.evil.test", "app.test", None, False),
        ("https://app.test", "127.0.0.1:3000", "app.test", True),  # behind a proxy
        ("https://app.test", "127.0.0.1:3000", "app.test, other.test", True),
        ("http://evil.test", "127.0.0.1:3000", "app.test", False),
        ("null", "app.test", None, False),
        ("file://", "app.test", None, False),
        ("http://app.test:99999", "app.test:99999", None, False),  # malformed port
        ("https://partner.test", "app.test", None, True),  # listed
        ("https://partner.test:8443", "app.test", None, False),
    ],
)
def test_origin_policy(origin, host, forwarded, allowed):
    policy = OriginPolicy(["https://partner.test"])
    assert policy.allows(origin, host, forwarded) is allowed


def test_nc_cors_origins_parsed_and_validated(monkeypatch):
    monkeypatch.setenv("NC_CORS_ORIGINS", " https://A.example.com , http://localhost:5173/ ,")
    assert settings_module.load_settings().cors_origins == ("https://a.example.com", "http://localhost:5173")
    monkeypatch.delenv("NC_CORS_ORIGINS")
    assert settings_module.load_settings().cors_origins == ()


@pytest.mark.parametrize("bad", ["*", "example.com", "https://example.com/path", "ftp://example.com", "https://"])
def test_nc_cors_origins_refuses_non_origins(monkeypatch, bad):
    monkeypatch.setenv("NC_CORS_ORIGINS", f"https://ok.example,{bad}")
    with pytest.raises(ValueError, match="NC_CORS_ORIGINS"):
        settings_module.load_settings()


def test_env_chunk_urls_follow_the_page_origin():
    chunk = (
        "var e={PING:`http://localhost:3000/ping`,EVENT:`ws://localhost:3000/_event`,"
        'UPLOAD:"http://localhost:3000/_upload",OTHER:`http://localhost:30000/x`,TRANSPORT:`websocket`};'
        "export{e as t};"
    )
    source, count = same_origin_env_module(chunk, "http://localhost:3000")
    assert count == 3
    assert "localhost:3000/" not in source
    assert 'EVENT:(window.location.origin.replace(/^http/,"ws")+"/_event")' in source
    assert 'PING:(window.location.origin+"/ping")' in source
    assert "`http://localhost:30000/x`" in source  # another port is not this backend


def test_only_the_placeholder_api_url_is_rewritten():
    assert is_same_host_api_url("http://localhost:3000")
    assert is_same_host_api_url("http://0.0.0.0:8000")
    assert not is_same_host_api_url("https://notify.example.com")


def test_inline_script_hashes_cover_exactly_the_inline_scripts(tmp_path):
    body = "window.x = 1;\r\n  // crlf kept"
    page = tmp_path / "index.html"
    page.write_bytes(
        f'<html><head><script src="/a.js"></script><script>{body}</script>'
        f'<script type="module">import "/b.js";</script></head></html>'.encode()
    )
    expected = {
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"
        for text in (body, 'import "/b.js";')
    }
    assert set(inline_script_hashes([page])) == expected


def test_hsts_only_when_secure():
    assert "Strict-Transport-Security" not in security_headers([], hsts=False).headers
    headers = security_headers(["'sha256-x'"], hsts=True).headers
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "script-src 'self' 'unsafe-eval' 'sha256-x'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
