import json
import re

from notification_center.realtime import events
from notification_center.timefmt import iso_ms

ISO_MS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _data_line(frame: bytes) -> dict:
    lines = frame.decode().replace("\r\n", "\n").split("\n")
    (data,) = [line for line in lines if line.startswith("data: ")]
    return json.loads(data[len("data: ") :])


def test_envelope_shape_and_timestamp_format():
    frame = events.ping_event().encode()
    body = _data_line(frame)
    assert body["type"] == "ping"
    assert body["data"] == {"message": "ping"}
    assert ISO_MS_Z.match(body["timestamp"])


def test_frame_has_no_event_field_and_ends_with_blank_line():
    frame = events.notification_event({"id": "notif_1", "title": "t"}, "7").encode().decode()
    assert "event:" not in frame
    assert frame.replace("\r\n", "\n").endswith("\n\n")
    assert "id: 7" in frame


def test_ping_frame_is_under_100_bytes():
    assert len(events.ping_event().encode()) < 100


def test_connected_event_carries_cursor_resumed_flag_and_retry():
    frame = events.connected_event("12", resumed=True).encode(retry_ms=3000).decode()
    assert "id: 12" in frame
    assert "retry: 3000" in frame
    assert _data_line(frame.encode())["data"] == {"message": "Connected to notification stream", "resumed": True}


def test_multiline_and_html_text_stays_inside_one_json_data_line():
    frame = events.notification_event({"title": "<b>a</b>\nsecond line"}, "1").encode()
    assert _data_line(frame)["data"]["title"] == "<b>a</b>\nsecond line"


def test_iso_ms_treats_naive_datetimes_as_utc():
    from datetime import datetime

    assert iso_ms(datetime(2024, 1, 1, 0, 0, 0, 123456)) == "2024-01-01T00:00:00.123Z"
