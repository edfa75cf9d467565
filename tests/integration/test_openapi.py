"""GET /api/openapi.json and GET /api/docs on the app as `make run` serves it."""

from __future__ import annotations

import httpx
import pytest

from notification_center.api import api_routes


def test_the_app_serves_its_openapi_document(app_server):
    r = httpx.get(app_server.url + "/api/openapi.json")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    document = r.json()
    assert document["openapi"] == "3.1.0"
    served = {route.path for route in api_routes()}
    assert set(document["paths"]) == served
    login = document["paths"]["/api/auth/login"]["post"]
    assert login["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LoginRequest"
    }
    stream = document["paths"]["/api/notifications/stream"]["get"]
    assert "text/event-stream" in stream["responses"]["200"]["content"]
    assert {"401", "429"} <= set(stream["responses"])
    assert {p["name"] for p in stream["parameters"]} == {"Last-Event-ID", "lastEventId"}
    websocket = document["paths"]["/api/notifications/ws"]["get"]
    assert {"101", "401", "426"} <= set(websocket["responses"])
    assert "4429" in websocket["responses"]["101"]["description"]


def test_the_docs_page_lists_every_route_without_any_script(app_server):
    r = httpx.get(app_server.url + "/api/docs")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    for path in httpx.get(app_server.url + "/api/openapi.json").json()["paths"]:
        assert f"<code>{path}</code>" in r.text
    # Rendered on the server: works under a Content-Security-Policy that allows no inline script.
    assert "<script" not in r.text
    assert 'id="schema-ErrorBody"' in r.text


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/api/auth/logout", "POST"),
        ("GET", "/api/notifications/read-all", "POST"),
        ("PUT", "/api/health", "GET, HEAD"),
    ],
)
def test_a_wrong_method_on_an_api_route_is_a_json_405(app_server, method, path, allow):
    # It used to fall through to Reflex and get the frontend's HTML 404 page.
    r = httpx.request(method, app_server.url + path)
    assert r.status_code == 405
    assert r.headers["allow"] == allow
    assert method in r.json()["error"]


@pytest.mark.parametrize("path", ["/api/nope", "/api/notifications/x%2Fy/read", "/api/auth/login/extra"])
def test_an_unknown_api_path_is_a_json_404(app_server, path):
    r = httpx.post(app_server.url + path)
    assert r.status_code == 404
    assert r.json() == {"error": "no such API route"}


def test_an_id_with_a_line_break_is_a_404_as_documented(app_server):
    # Reflex's outer router never passes such a path on; the document says what comes back.
    r = httpx.post(app_server.url + "/api/notifications/%0Ax/read")
    assert r.status_code == 404
    document = httpx.get(app_server.url + "/api/openapi.json").json()
    media = document["paths"]["/api/notifications/{notification_id}/read"]["post"]["responses"]["404"]["content"]
    assert r.headers["content-type"].split(";")[0] in media
