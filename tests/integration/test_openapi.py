"""GET /api/openapi.json and GET /api/docs on the app as `make run` serves it."""

from __future__ import annotations

import httpx

from notification_center.api import build_api


def test_the_app_serves_its_openapi_document(app_server):
    r = httpx.get(app_server.url + "/api/openapi.json")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    document = r.json()
    assert document["openapi"] == "3.1.0"
    served = {route.path for route in build_api().routes}
    assert set(document["paths"]) == served
    login = document["paths"]["/api/auth/login"]["post"]
    assert login["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LoginRequest"
    }
    stream = document["paths"]["/api/notifications/stream"]["get"]
    assert "text/event-stream" in stream["responses"]["200"]["content"]
    assert {"401", "429"} <= set(stream["responses"])
    assert {p["name"] for p in stream["parameters"]} == {"Last-Event-ID", "lastEventId"}


def test_the_docs_page_lists_every_route_without_any_script(app_server):
    r = httpx.get(app_server.url + "/api/docs")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    for path in httpx.get(app_server.url + "/api/openapi.json").json()["paths"]:
        assert f"<code>{path}</code>" in r.text
    # Rendered on the server: works under a Content-Security-Policy that allows no inline script.
    assert "<script" not in r.text
    assert 'id="schema-ErrorBody"' in r.text
