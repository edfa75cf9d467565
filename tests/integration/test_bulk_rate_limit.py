"""Bulk actions and undos are limited per user (NC_BULK_RATE_LIMIT): each may rewrite a
whole inbox, so a script looping them would hold the database's write lock for everyone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.api_server import ApiServer


@pytest.fixture(scope="module")
def limited_server(tmp_root) -> Iterator[ApiServer]:
    server = ApiServer(tmp_root / "bulk-limit", {"NC_BULK_RATE_LIMIT": "4/minute"}).start()
    for name in ("looper", "bystander"):
        server.create_user(name, "bulk-limit-password")
    yield server
    server.stop()


def test_the_fifth_bulk_action_in_a_minute_is_429_and_others_are_not_held_up(limited_server: ApiServer) -> None:
    looper = limited_server.login("looper", "bulk-limit-password")
    bystander = limited_server.login("bystander", "bulk-limit-password")
    try:
        body = {"action": "read", "filter": {"archived": False}}
        codes = [looper.post("/api/notifications/bulk", json=body).status_code for _ in range(4)]
        assert codes == [200] * 4
        refused = looper.post("/api/notifications/bulk", json=body)
        assert refused.status_code == 429, refused.text
        assert "NC_BULK_RATE_LIMIT" in refused.json()["error"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        # Undo counts toward the same limit (it rewrites as many rows).
        undo = looper.post("/api/notifications/undo", json={"undoToken": "x" * 32})
        assert undo.status_code == 429, undo.text
        # Per user: someone else's bulk actions still go through.
        assert bystander.post("/api/notifications/bulk", json=body).status_code == 200
    finally:
        looper.close()
        bystander.close()
