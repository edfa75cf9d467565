"""The WebSocket stream's wire rules (api/ws_protocol.py), apart from any server."""

from __future__ import annotations

import json

import pytest

from notification_center.api import ws_protocol as wp
from notification_center.realtime import events


def text(value) -> dict:
    return {"type": "websocket.receive", "text": value if isinstance(value, str) else json.dumps(value)}


@pytest.mark.parametrize("op", ["read", "seen", "archive"])
def test_action_messages_parse(op):
    parsed = wp.parse(text({"op": op, "id": "notif_1", "ref": 7}))
    assert (parsed.op, parsed.id, parsed.ref) == (op, "notif_1", 7)


@pytest.mark.parametrize("cursor, expected", [(None, None), ("12", "12"), (12, "12"), ("x", "x")])
def test_resume_message_parses_any_cursor_the_core_then_judges(cursor, expected):
    assert wp.parse(text({"op": "resume", "lastEventId": cursor})).last_event_id == expected


@pytest.mark.parametrize(
    "message, detail",
    [
        ("not json", "not JSON"),
        ([1, 2], "not a JSON object"),
        ("null", "not a JSON object"),
        ({"id": "n"}, "op: must be a string"),
        ({"op": 5, "id": "n"}, "op: must be a string"),
        ({"op": "delete", "id": "n"}, 'op: unknown op "delete"'),
        ({"op": "read"}, "id: must be a notification id (a string)"),
        ({"op": "read", "id": 5}, "id: must be a notification id (a string)"),
        ({"op": "read", "id": ""}, "id: must be a notification id (a string)"),
        ({"op": "read", "id": "n" * 65}, "id: must be a notification id (a string)"),
        ({"op": "read", "id": ["n"]}, "id: must be a notification id (a string)"),
        ({"op": "read", "id": "n", "ref": True}, "ref: must be a short string or number"),
        ({"op": "read", "id": "n", "ref": {"a": 1}}, "ref: must be a short string or number"),
        ({"op": "resume", "lastEventId": True}, "lastEventId: must be a string"),
        ({"op": "resume", "lastEventId": [1]}, "lastEventId: must be a string"),
        ("[" * 5000 + "]" * 5000, "message too large"),
    ],
)
def test_malformed_messages_are_refused_with_a_reason(message, detail):
    with pytest.raises(wp.BadMessage) as refused:
        wp.parse(text(message))
    assert refused.value.detail.startswith(detail) or detail == "message too large"


def test_binary_and_oversized_messages():
    with pytest.raises(wp.BadMessage, match="binary"):
        wp.parse({"type": "websocket.receive", "bytes": b"{}"})
    with pytest.raises(wp.BadMessage) as big:
        wp.parse(text("x" * (wp.MAX_MESSAGE_BYTES + 1)))
    assert big.value.reason == "message_too_large"
    with pytest.raises(wp.BadMessage) as wide:  # counted in bytes, not characters
        wp.parse(text("é" * (wp.MAX_MESSAGE_BYTES // 2 + 1)))
    assert wide.value.reason == "message_too_large"


def test_close_frames_name_the_cause_and_fit_in_123_bytes():
    for reason in wp.CLOSE_REASONS:
        code, text_ = wp.close_frame(reason, "x" * 200)
        assert 4000 <= code < 5000
        assert len(text_.encode()) <= 123
    assert wp.close_frame("client_gone") is None and wp.close_frame("send_timeout") is None
    assert wp.close_frame("bad_message", "not JSON") == (4400, "bad message: not JSON")
    assert wp.close_frame("revoked")[0] == wp.UNAUTHENTICATED
    assert wp.close_frame("no such reason") == wp.close_frame("closed")


def test_message_rate_is_a_token_bucket():
    rate = wp.MessageRate(burst=3, per_second=2, now=0.0)
    assert [rate.allow(0.0) for _ in range(4)] == [True, True, True, False]
    assert rate.allow(0.5) and not rate.allow(0.5)  # half a second buys one
    assert [rate.allow(10.0) for _ in range(4)] == [True, True, True, False]  # capped at the burst


def test_replies_carry_the_rest_answer():
    message = wp.ClientMessage("read", id="notif_1", ref="r1")
    assert wp.reply_data(message, {"id": "notif_1"}) == {
        "op": "read",
        "id": "notif_1",
        "ref": "r1",
        "status": 200,
        "notification": {"id": "notif_1"},
    }
    assert wp.reply_data(wp.ClientMessage("seen", id="x"), None)["status"] == 404


def test_websocket_text_is_the_sse_envelope_plus_the_cursor():
    event = events.notification_event({"id": "n"}, "5")
    assert json.loads(event.text) == {**json.loads(event.envelope()), "id": "5"}
    ping = events.ping_event()
    assert "id" not in json.loads(ping.text)
    assert len(ping.text.encode()) < 100
