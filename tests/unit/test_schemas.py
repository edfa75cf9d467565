import pytest
from pydantic import ValidationError

from notification_center.notifications.schemas import SendRequest, describe_errors


def _error(body: dict) -> tuple[str, list[dict]]:
    with pytest.raises(ValidationError) as info:
        SendRequest.model_validate(body)
    return describe_errors(info.value)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"recipients": "all"}, "title"),
        ({"title": "", "recipients": "all"}, "title"),
        ({"title": "   ", "recipients": "all"}, "title"),
        ({"title": "x" * 201, "recipients": "all"}, "title"),
        ({"title": "t", "content": "x" * 5001, "recipients": "all"}, "content"),
        ({"title": "t", "type": "shout", "recipients": "all"}, "type"),
        ({"title": "t", "priority": "meh", "recipients": "all"}, "priority"),
        ({"title": "t"}, "recipients"),
        ({"title": "t", "recipients": []}, "recipients"),
        ({"title": "t", "recipients": "everyone"}, "recipients"),
        ({"title": "t", "recipients": [""]}, "recipients"),
        ({"title": 5, "recipients": "all"}, "title"),
        ({"title": "t", "recipients": "all", "extra": 1}, "extra"),
        # far ahead, at an offset astimezone() cannot carry: a 422 naming it, not an OverflowError
        ({"title": "t", "recipients": "all", "expiresAt": "9999-12-31T23:59:59-14:00"}, "expiresAt"),
        ({"title": "t", "recipients": "all", "expiresAt": "2999-01-01T00:00:00Z"}, "expiresAt"),
    ],
)
def test_invalid_input_names_the_field(body, field):
    message, details = _error(body)
    assert message.startswith(f"{field}:")
    assert details[0]["field"] == field


def test_defaults():
    req = SendRequest.model_validate({"title": "Hi", "recipients": ["alice"]})
    assert (req.content, req.type.value, req.priority.value) == ("", "info", "normal")


def test_limits_are_inclusive():
    req = SendRequest.model_validate({"title": "x" * 200, "content": "y" * 5000, "recipients": "all"})
    assert len(req.title) == 200
