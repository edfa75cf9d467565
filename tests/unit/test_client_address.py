"""The client address that per-address limits use, behind trusted proxies or not."""

from notification_center.api.deps import forwarded_client


def test_forwarded_client_trusts_only_the_configured_hops():
    assert forwarded_client("10.0.0.1", "1.1.1.1", 0) == "10.0.0.1"
    assert forwarded_client("10.0.0.1", "forged, 1.1.1.1", 1) == "1.1.1.1"
    assert forwarded_client("10.0.0.1", "forged, 1.1.1.1, 10.0.0.2", 2) == "1.1.1.1"
    assert forwarded_client("10.0.0.1", "1.1.1.1", 2) == "10.0.0.1"  # bypassed a proxy
    assert forwarded_client("10.0.0.1", None, 1) == "10.0.0.1"
