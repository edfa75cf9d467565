"""A big send's notification is stored as JSON between batches; it must come back whole."""

from __future__ import annotations

from datetime import UTC, datetime

from notification_center.notifications.service import Draft
from notification_center.scheduling import bulk_sends


def test_a_draft_survives_the_round_trip_through_json():
    draft = Draft(
        title="Deploy <b>at</b> 17:00",
        content="body",
        type="warning",
        priority="high",
        category="ops",
        url="https://example.com/x",
        actions=({"id": "ack", "label": "Ack"},),
        group_key="deploys",
        expires_at=datetime(2027, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
        send_id="send_abc",
    )
    assert bulk_sends._draft_from_json(bulk_sends._draft_to_json(draft)) == draft


def test_a_plain_draft_keeps_its_defaults():
    draft = Draft(title="x", send_id="send_1")
    assert bulk_sends._draft_from_json(bulk_sends._draft_to_json(draft)) == draft
