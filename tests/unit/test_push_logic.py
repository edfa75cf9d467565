"""The pure parts of Web Push and the delivery drain: payload, headers, answers, backoff,
and the delivery rows' transitions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from notification_center.channels.base import Outcome
from notification_center.preferences.rules import Alerts, effective, push_mode
from notification_center.push import payload, subscriptions
from notification_center.push.sender import outcome_of
from notification_center.scheduling.deliveries import MAX_BACKOFF_SECONDS, backoff, settle

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_payload_carries_title_body_id_url_and_tag():
    row = {"id": "notif_1", "title": "Hi", "content": "there", "url": "https://x.test/a", "group_key": "g"}
    assert json.loads(payload.build_payload(row)) == {
        "title": "Hi",
        "body": "there",
        "id": "notif_1",
        "url": "https://x.test/a",
        "tag": "g",
    }
    bare = json.loads(payload.build_payload({"id": "notif_2", "title": "T", "content": ""}))
    assert (bare["url"], bare["tag"], bare["body"]) == ("/", None, "")


def test_a_long_body_is_cut_to_fit_a_push():
    row = {"id": "notif_1", "title": "t" * 200, "content": "é" * 5000}
    encoded = payload.build_payload(row)
    assert len(encoded) <= payload.MAX_PAYLOAD_BYTES
    assert json.loads(encoded)["body"].endswith("…")


def test_urgency_and_ttl():
    assert [payload.urgency_of(p) for p in ("low", "normal", "high", "urgent", "odd")] == [
        "low",
        "normal",
        "high",
        "high",
        "normal",
    ]
    assert payload.ttl_of(None, NOW, 86400) == 86400
    assert payload.ttl_of(NOW + timedelta(minutes=10), NOW, 86400) == 600
    assert payload.ttl_of((NOW + timedelta(seconds=30)).replace(tzinfo=None), NOW, 5) == 30  # SQLite: naive UTC
    assert payload.ttl_of(NOW - timedelta(seconds=1), NOW, 5) == 0


def test_retry_after_in_seconds_or_as_a_date():
    assert payload.retry_after_seconds("7", NOW) == 7
    assert payload.retry_after_seconds("Tue, 01 Dec 2026 12:00:30 GMT", NOW) == 30
    assert payload.retry_after_seconds("soon", NOW) is None
    assert payload.retry_after_seconds(None, NOW) is None


def test_push_service_answers():
    assert outcome_of(201, "Created", None).ok
    assert outcome_of(410, "Gone", None).gone and not outcome_of(410, "Gone", None).retry
    assert outcome_of(404, "Not Found", None).gone
    busy = outcome_of(429, "Too Many Requests", "5")
    assert busy.retry and busy.retry_after == 5
    assert outcome_of(503, "Service Unavailable", None).retry
    refused = outcome_of(413, "Payload Too Large", None)
    assert not refused.ok and not refused.retry and "413" in refused.error


def test_backoff_doubles_is_capped_and_honours_retry_after():
    assert [backoff(n, 10) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert backoff(40, 10) == MAX_BACKOFF_SECONDS
    assert backoff(1, 10, retry_after=120) == 120
    assert backoff(3, 10, retry_after=1) == 40
    assert backoff(1, 10, retry_after=10**9) == MAX_BACKOFF_SECONDS


OK, GONE, BUSY = Outcome(ok=True), Outcome(ok=False, error="410", gone=True), Outcome(ok=False, error="503", retry=True)


@pytest.mark.parametrize(
    ("outcomes", "attempts", "status", "retries"),
    [
        ([OK], 1, "sent", False),
        ([OK, OK], 1, "sent", False),
        ([], 1, "skipped", False),
        ([GONE], 1, "failed", False),
        ([OK, GONE], 1, "sent", False),
        ([BUSY], 1, "pending", True),
        ([OK, BUSY], 2, "pending", True),  # the one that took it is not sent to again
        ([BUSY], 3, "failed", False),  # max_attempts reached
        ([Outcome(ok=False, error="400")], 1, "failed", False),
    ],
)
def test_delivery_transitions(outcomes, attempts, status, retries):
    state = settle(outcomes, attempts=attempts, max_attempts=3, base=10)
    assert state.status == status
    assert (state.delay is not None) == retries
    if status == "failed":
        assert state.error


def test_push_preference_rules():
    assert Alerts().push == "offline"
    assert push_mode(None, False) == "offline"
    assert push_mode("never", False) == "never"
    assert push_mode("never", True) == "offline"  # critical categories cannot be silenced
    assert push_mode("always", True) == "always"
    assert effective(Alerts(toast=False, push="never"), critical=True) == Alerts()
    assert effective(Alerts(toast=False, push="always"), critical=True) == Alerts(push="always")
    assert Alerts.from_wire({"push": "odd"}).push == "offline"


@pytest.mark.parametrize(
    ("endpoint", "ok"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc", True),
        ("http://fcm.googleapis.com/fcm/send/abc", False),
        ("https://user:pw@push.test/x", False),
        ("https:///nohost", False),
        ("https://push.test:99999/x", False),
        ("https://push.test/a b", False),
        ("https://push.test/" + "a" * 1100, False),
        ("javascript:alert(1)", False),
    ],
)
def test_endpoints_are_https_urls_of_bounded_length(endpoint, ok):
    if ok:
        assert subscriptions.check_endpoint(endpoint) == endpoint
    else:
        with pytest.raises(subscriptions.SubscriptionError) as caught:
            subscriptions.check_endpoint(endpoint)
        assert caught.value.field == "endpoint"


def test_an_allow_list_of_push_service_hosts():
    allowed = ("fcm.googleapis.com", ".push.services.mozilla.com")
    assert subscriptions.check_endpoint("https://fcm.googleapis.com/fcm/send/x", allowed)
    assert subscriptions.check_endpoint("https://updates.push.services.mozilla.com/wpush/v2/x", allowed)
    for endpoint in ("https://evil.example/x", "https://fcm.googleapis.com.evil.example/x", "https://10.0.0.1/x"):
        with pytest.raises(subscriptions.SubscriptionError, match="NC_PUSH_ALLOWED_HOSTS"):
            subscriptions.check_endpoint(endpoint, allowed)
    assert subscriptions.check_endpoint("https://10.0.0.1/x")  # no list: any https host


def test_a_worker_that_never_sent_still_knows_the_channels_it_drains(tmp_path):
    """The scheduler of a worker that took no send itself must resolve `push` rows too."""
    import os
    import subprocess
    import sys

    code = "from notification_center.scheduling import deliveries; print(deliveries.outbound_channel('push').name)"
    env = {**os.environ, "NC_SECRETS_FILE": str(tmp_path / "s.json"), "NC_SECRET_KEY": "k" * 40}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "push", done.stderr


def test_browser_labels_name_the_browser_and_system() -> None:
    from notification_center.state.push_state import browser_label

    chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36"
    edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/140.0 Safari/537.36 Edg/140.0"
    safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Safari/604.1"
    assert browser_label(chrome) == "Chrome on Linux"
    assert browser_label(edge) == "Edge on Windows"
    assert browser_label(safari) == "Safari on iOS"
    assert browser_label("") == "A browser"


def test_history_channel_texts_leave_out_zeros_and_give_reasons() -> None:
    from notification_center.state.history_state import channel_summary, recipient_channels

    counts = {"pending": 0, "sent": 3, "failed": 1, "skipped": 0, "cancelled": 0, "clicked": 2}
    assert channel_summary({"push": counts}) == "push: 3 sent, 1 failed, 2 clicked"
    assert channel_summary({"push": dict.fromkeys(counts, 0)}) == ""
    failed = {"status": "failed", "attempts": 3, "lastError": "503 from the push service", "clickedAt": None}
    assert recipient_channels({"push": failed}) == "push failed after 3 attempts (503 from the push service)"
    sent = {"status": "sent", "attempts": 1, "lastError": None, "clickedAt": "2026-12-02T02:00:00.000Z"}
    assert recipient_channels({"push": sent}) == "push sent, clicked"
    assert recipient_channels({}) == "—"


def test_an_offline_push_is_cancelled_once_seen_or_read_in_the_app() -> None:
    from notification_center.push.channel import offline_cancel_reason

    fresh = {"seen_at": None, "read_at": None}
    assert offline_cancel_reason(fresh, "offline") is None
    assert offline_cancel_reason({**fresh, "seen_at": "x"}, "offline") == "seen in the app within the grace period"
    assert offline_cancel_reason({**fresh, "read_at": "x"}, "offline") is not None
    assert offline_cancel_reason({**fresh, "read_at": "x"}, "always") is None  # "always" goes out regardless
