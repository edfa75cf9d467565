"""A JSON body validated with a pydantic model, or a 4xx naming the field."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from notification_center.api.deps import ApiError, json_body
from notification_center.notifications.schemas import describe_errors

M = TypeVar("M", bound=BaseModel)


async def model_body(request: Request, model: type[M]) -> M:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise ApiError(422, "body: must be a JSON object", field="body")
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        message, details = describe_errors(exc)
        raise ApiError(422, message, field=details[0]["field"], details=details) from None
