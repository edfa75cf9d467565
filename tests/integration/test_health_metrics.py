import httpx

from tests.support.api_server import ApiServer
from tests.support.sse import StreamReader


def test_health_reports_db_and_redis_disabled(app_server):
    r = httpx.get(app_server.url + "/api/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "db": "ok", "redis": "disabled"}


async def test_metrics_count_connections_and_sent_notifications(app_server, make_account):
    user = make_account()
    op = make_account(role="operator")
    async with (
        app_server.async_login(user.username, user.password) as client,
        app_server.async_login(op.username, op.password) as op_client,
    ):
        reader = await StreamReader(client).start()
        try:
            await op_client.post("/api/notifications", json={"title": "m", "recipients": [user.username]})
            await reader.wait_notifications(1)
            text = (await client.get("/metrics")).text
        finally:
            await reader.close()
    assert "nc_stream_connections " in text
    assert "nc_notifications_sent_total" in text
    assert 'nc_stream_events_delivered_total{type="notification"}' in text
    assert "nc_delivery_latency_seconds_bucket" in text
    connections = [line for line in text.splitlines() if line.startswith("nc_stream_connections ")]
    assert float(connections[0].split()[1]) >= 1


def test_metrics_can_be_protected_by_a_bearer_token(tmp_root):
    token = "metrics-token-0123456789"
    server = ApiServer(tmp_root / "metrics-token", {"NC_METRICS_TOKEN": token}).start()
    try:
        url = server.url + "/metrics"
        missing = httpx.get(url)
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"].startswith("Bearer")
        assert "NC_METRICS_TOKEN" in missing.json()["error"]
        assert httpx.get(url, headers={"authorization": "Bearer wrong-token"}).status_code == 401
        assert httpx.get(url, headers={"authorization": token}).status_code == 401
        ok = httpx.get(url, headers={"authorization": f"Bearer {token}"})
        assert ok.status_code == 200
        assert "nc_stream_connections" in ok.text
    finally:
        server.stop()


def test_metrics_are_open_without_a_token(app_server):
    assert httpx.get(app_server.url + "/metrics").status_code == 200
