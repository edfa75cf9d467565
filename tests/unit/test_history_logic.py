"""Pure pieces of the history and the console: latency buckets and percentiles, the
history page's filter form."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notification_center.monitoring import latency
from notification_center.monitoring.connections import slot_of
from notification_center.state.history_state import history_filter


def test_bucket_of_takes_the_upper_edge():
    assert latency.bucket_of(0) == 5
    assert latency.bucket_of(5) == 5
    assert latency.bucket_of(5.1) == 10
    assert latency.bucket_of(1e15) == latency.BUCKETS_MS[-1]


def test_percentiles_from_a_histogram():
    histogram = {10: 50, 100: 45, 5_000: 5}
    assert latency.percentile(histogram, 0.5) == 10
    assert latency.percentile(histogram, 0.95) == 100
    assert latency.percentile(histogram, 0.99) == 5_000
    assert latency.percentile({}, 0.5) is None


def test_samples_share_a_slot_per_period():
    assert slot_of(1_000_007, 15) == slot_of(1_000_009, 15) == 999_990 + 15
    assert slot_of(1_000_020, 15) == 1_000_020


def test_history_filter_form():
    f = history_filter({"sender": " olga ", "type": "any", "from": "2026-11-01", "to": "2026-11-02"})
    assert (f.sender, f.type) == ("olga", None)
    assert f.since == datetime(2026, 11, 1, tzinfo=UTC)
    assert f.until == datetime(2026, 11, 3, tzinfo=UTC)  # "to" includes its whole day
    assert history_filter({"type": "alert"}).type == "alert"
    with pytest.raises(ValueError, match="from"):
        history_filter({"from": "soon"})
    with pytest.raises(ValueError, match="to: must be a year"):  # + 1 day would overflow
        history_filter({"to": "9999-12-31"})
