"""`python -m bench.seed N OUT.json`: N users with live sessions, written straight to the DB.

Signing 10,000 users in over HTTP would spend minutes in argon2 (by design) and in the
login rate limits, which is not what scenarios C and D measure. So this runs with the
app server's environment (same database and NC_SECRET_KEY) and uses the app's own
models and `create_session`; every user shares one real argon2 hash, computed once.
Writes `{"operator": cookie, "users": [cookie, ...], "usernames": [...], "ids": [...]}`.
"""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path

from notification_center.auth.passwords import hash_password
from notification_center.auth.sessions import COOKIE_NAME, create_session
from notification_center.db import session_scope
from notification_center.models import Role, User


def seed(count: int) -> dict[str, object]:
    shared_hash = hash_password(secrets.token_urlsafe(16))
    tag = secrets.token_hex(3)
    with session_scope() as session:
        operator = User(username=f"seed-op-{tag}", password_hash=shared_hash, role=Role.OPERATOR.value)
        users = [User(username=f"seed-{tag}-{i:05d}", password_hash=shared_hash) for i in range(count)]
        session.add_all([operator, *users])
        session.flush()
        cookies = [create_session(session=session, user=user) for user in users]
        operator_cookie = create_session(session=session, user=operator)
        usernames = [user.username for user in users]
        ids = [str(user.id) for user in users]
    return {
        "operator": f"{COOKIE_NAME}={operator_cookie}",
        "users": [f"{COOKIE_NAME}={cookie}" for cookie in cookies],
        "usernames": usernames,
        "ids": ids,
    }


if __name__ == "__main__":
    Path(sys.argv[2]).write_text(json.dumps(seed(int(sys.argv[1]))))
