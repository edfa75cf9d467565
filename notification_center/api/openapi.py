"""GET /api/openapi.json (OpenAPI 3.1, built from the served routes) and GET /api/docs.

The document is derived from the `ApiRoute`s themselves (api/spec.py) and the pydantic
models of their bodies (api/bodies.py), so it describes what the app serves, not what
someone remembered to write down: a route without an `Operation`, or with a path
parameter its operation does not declare, stops the document from being built.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute

from notification_center.api.docs_page import render_docs
from notification_center.api.spec import JSON, ApiRoute, ApiWebSocketRoute, Operation, Reply, implied_replies
from notification_center.auth.sessions import cookie_name

TITLE = "Notification Center API"
VERSION = "1.0.0"
SECURITY_SCHEME = "session"
KEY_SCHEME = "apiKey"


def _operation_routes(routes: Sequence[BaseRoute]) -> list[ApiRoute | ApiWebSocketRoute]:
    documented = []
    for route in routes:
        if not isinstance(route, ApiRoute | ApiWebSocketRoute):
            raise TypeError(f"{route!r} has no OpenAPI operation: declare it as an ApiRoute")
        path_params = {p.name for p in route.operation.params if p.location == "path"}
        if path_params != set(route.param_convertors):
            raise ValueError(f"{route.path}: path parameters {sorted(route.param_convertors)} are not all declared")
        documented.append(route)
    return documented


def _model_schemas(
    routes: list[ApiRoute | ApiWebSocketRoute],
) -> tuple[dict[tuple[type[BaseModel], str], Any], dict[str, Any]]:
    """Every body model's reference, and the components holding their schemas."""
    wanted: set[tuple[type[BaseModel], JsonSchemaMode]] = set()
    for route in routes:
        if route.operation.body is not None:
            wanted.add((route.operation.body, "validation"))
        for reply in [*route.operation.replies, *implied_replies(route)]:
            if reply.model is not None:
                wanted.add((reply.model, "serialization"))
    refs, definitions = models_json_schema(
        sorted(wanted, key=lambda item: (item[0].__name__, item[1])), ref_template="#/components/schemas/{model}"
    )
    return dict(refs), definitions.get("$defs", {})


def _responses(replies: list[Reply], refs: dict[tuple[type[BaseModel], str], Any]) -> dict[str, Any]:
    """Replies grouped by status: one status may have several causes (joined) and media types."""
    responses: dict[str, Any] = {}
    for reply in replies:
        entry = responses.setdefault(str(reply.status), {"description": "", "content": {}})
        entry["description"] = "; ".join(d for d in (entry["description"], reply.description) if d)
        if reply.model is not None:
            schema = refs[(reply.model, "serialization")]
        else:
            schema = {"type": "object"} if reply.media_type == JSON else {"type": "string"}
        content = entry["content"].setdefault(reply.media_type, {"schema": schema})
        if content["schema"] != schema:  # one status, two bodies (POST /api/notifications' 202s)
            known = content["schema"].get("oneOf", [content["schema"]])
            content["schema"] = {"oneOf": [*known, schema]} if schema not in known else {"oneOf": known}
        for header in reply.headers:
            entry.setdefault("headers", {})[header] = {"schema": {"type": "string"}}
    return dict(sorted(responses.items()))


def _operation(route: ApiRoute | ApiWebSocketRoute, refs: dict[tuple[type[BaseModel], str], Any]) -> dict[str, Any]:
    operation: Operation = route.operation
    result: dict[str, Any] = {
        "operationId": route.name,
        "summary": operation.summary,
        "tags": [operation.tag],
        "responses": _responses([*operation.replies, *implied_replies(route)], refs),
    }
    if operation.description:
        result["description"] = operation.description
    if operation.params:
        result["parameters"] = [
            {
                "name": p.name,
                "in": p.location,
                "required": p.required or p.location == "path",
                "description": p.description,
                "schema": p.schema,
            }
            for p in operation.params
        ]
    if operation.body is not None:
        schema = refs[(operation.body, "validation")]
        result["requestBody"] = {"required": True, "content": {JSON: {"schema": schema}}}
    if operation.auth == "sender":
        result["security"] = [{SECURITY_SCHEME: []}, {KEY_SCHEME: []}]
    elif operation.auth != "none":
        result["security"] = [{SECURITY_SCHEME: []}]
    return result


def build_document(routes: Sequence[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of these routes (pydantic's JSON Schema is 2020-12, as 3.1)."""
    documented = _operation_routes(routes)
    refs, schemas = _model_schemas(documented)
    paths: dict[str, dict[str, Any]] = {}
    for route in documented:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": "JSON API of the notification center. Errors are "
            '`{"error": message, "field"?: name}`. Sign in with POST /api/auth/login; the '
            f"`{cookie_name()}` cookie it sets authenticates the other routes.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                SECURITY_SCHEME: {"type": "apiKey", "in": "cookie", "name": cookie_name()},
                KEY_SCHEME: {"type": "http", "scheme": "bearer", "description": "an API key (`nck_...`)"},
            },
        },
    }


def documentation_routes(served: Sequence[BaseRoute]) -> list[ApiRoute]:
    """The two routes that describe `served` (and themselves); the document is built once."""
    document: dict[str, Any] = {}

    def current() -> dict[str, Any]:
        if not document:
            document.update(build_document([*served, *own]))
        return document

    async def openapi(_request: Request) -> Response:
        return JSONResponse(current())

    async def docs(_request: Request) -> Response:
        # Rendered here, with no script: the page works under any Content-Security-Policy.
        return HTMLResponse(render_docs(current()))

    own = [
        ApiRoute(
            "/api/openapi.json",
            openapi,
            "GET",
            Operation(
                "This document (OpenAPI 3.1)", "docs", (Reply(200, "the document", model=None),), uses_database=False
            ),
        ),
        ApiRoute(
            "/api/docs",
            docs,
            "GET",
            Operation(
                "This API's documentation as a page",
                "docs",
                (Reply(200, "HTML", None, "text/html"),),
                uses_database=False,
            ),
        ),
    ]
    return own
