"""The two writers frame the core's events (api/event_source.py) the same way: SSE bytes
(api/stream.py) and WebSocket text (StreamEvent.text) carry one envelope and one cursor."""

from __future__ import annotations

import json

from notification_center.api.stream import sse_encoder
from notification_center.realtime import events


def _sse_fields(frame: bytes) -> dict[str, str]:
    fields = {}
    for line in frame.decode().replace("\r\n", "\n").strip().split("\n"):
        name, _, value = line.partition(": ")
        fields[name] = value
    return fields


def test_both_framings_carry_the_same_envelope_and_cursor():
    encode = sse_encoder(3000)
    for event in (
        events.connected_event("7", True),
        events.notification_event({"id": "notif_1", "title": "é <b>"}, "8"),
        events.read_event(["notif_1"], 0, 0),
        events.shared_ping(),
    ):
        sse = _sse_fields(encode(event))
        ws = json.loads(event.text)
        assert json.loads(sse["data"]) == {k: v for k, v in ws.items() if k != "id"}
        assert sse.get("id") == ws.get("id") == event.id


def test_retry_goes_with_connected_only():
    encode = sse_encoder(3000)
    assert _sse_fields(encode(events.connected_event("0", False)))["retry"] == "3000"
    assert "retry" not in _sse_fields(encode(events.notification_event({"id": "n"}, "1")))
