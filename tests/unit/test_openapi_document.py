"""The OpenAPI document is built from the served routes and cannot leave one out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.responses import JSONResponse
from starlette.routing import Route

from notification_center.api import api_routes, build_api
from notification_center.api.bodies import NotificationBody
from notification_center.api.openapi import build_document
from notification_center.api.spec import ApiRoute, Operation, Reply
from notification_center.notifications.serialize import to_wire


async def _endpoint(_request):
    return JSONResponse({})


def test_every_served_route_and_method_is_documented():
    *routes, fallback = build_api().routes
    assert fallback.path == "/api/{rest:path}"  # the JSON 404/405 for what no route takes, last
    document = build_document(routes)
    served = {(r.path, m.lower()) for r in routes for m in r.methods if m != "HEAD"}
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert served == documented
    assert document["openapi"].startswith("3.1")


def test_every_operation_documents_its_error_answers_with_the_error_body():
    document = build_document(api_routes())
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            if path.startswith("/api/"):
                assert {"400", "413"} <= statuses, (method, path)
            if operation.get("security"):
                assert "401" in statuses, (method, path)
            if "requestBody" in operation:
                assert {"400", "415", "422"} <= statuses, (method, path)
            for status, reply in operation["responses"].items():
                if status.startswith(("4", "5")) and path != "/api/health":
                    schema = reply["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)
    error = document["components"]["schemas"]["ErrorBody"]
    assert error["required"] == ["error"] and "field" in error["properties"]


def test_a_route_without_an_operation_stops_the_document():
    with pytest.raises(TypeError, match="has no OpenAPI operation"):
        build_document([Route("/api/new", _endpoint)])


def test_an_undeclared_path_parameter_stops_the_document():
    operation = Operation("x", "t", (Reply(200, "ok", None),))
    with pytest.raises(ValueError, match="path parameters"):
        build_document([ApiRoute("/api/things/{thing_id}", _endpoint, "GET", operation)])


def test_the_wire_notification_matches_its_schema():
    now = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    row = {
        "id": "notif_1",
        "user_id": "user_1",
        "type": "info",
        "priority": "high",
        "title": "t",
        "content": "",
        "channels": "in_app",
        "status": "sent",
        "created_at": now,
        "updated_at": now,
        "read_at": None,
    }
    NotificationBody.model_validate(to_wire(row), strict=False)
