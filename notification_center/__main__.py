"""Command line: `python -m notification_center create-user|revoke-sessions|keys|prestart|migrate`."""

from __future__ import annotations

import argparse
import secrets
import sys
from datetime import timedelta

from notification_center.audit import service as audit
from notification_center.auth.passwords import verify_password
from notification_center.auth.sessions import purge_stale_sessions, revoke_user_sessions
from notification_center.auth.users import UserInputError, count_users, get_user_by_username, save_user, upsert_user
from notification_center.db import session_scope
from notification_center.keys import service as api_keys
from notification_center.mail import addresses
from notification_center.migrations import upgrade_to_head
from notification_center.models import Role, utcnow
from notification_center.realtime.revocation import announce_revoked
from notification_center.settings import (
    get_settings,
    read_local_secrets,
    remove_local_secret,
    secrets_file_path,
    write_local_secret,
)

FIRST_ADMIN = "admin"
FIRST_ADMIN_SECRET = "admin_password"


def create_user(args: argparse.Namespace) -> int:
    with session_scope() as session:
        saved = save_user(session=session, username=args.username, password=args.password, role=args.role)
        if args.email is not None:  # the operator's word: confirmed without a link ("" removes it)
            try:
                addresses.set_confirmed(session=session, user=saved.user, address=args.email.strip() or None)
            except addresses.AddressError as exc:
                raise UserInputError(exc.message) from None
        user_id, username, role = saved.user.id, saved.user.username, saved.user.role
        email = saved.user.email
    print(f"user {username!r} ({role}) is ready" + (f", email {email} (confirmed)" if email else ""))
    if saved.password_changed:  # committed above: announce only what is really revoked
        count = len(saved.revoked_session_ids)
        print(f"signed out {count} session(s) of {username!r}: {announce_revoked(user_id, saved.revoked_session_ids)}")
    if username == FIRST_ADMIN and args.password != read_local_secrets().get(FIRST_ADMIN_SECRET):
        forget_first_admin_password()
    return 0


def revoke_sessions(args: argparse.Namespace) -> int:
    """Sign a user out everywhere (a lost device, a leaked cookie)."""
    with session_scope() as session:
        user = get_user_by_username(session=session, username=args.username)
        if user is None:
            print(f"error: no user named {args.username!r}", file=sys.stderr)
            return 2
        user_id = user.id
        revoked = revoke_user_sessions(session=session, user_id=user_id)
    print(f"revoked {len(revoked)} session(s) of {args.username!r}: {announce_revoked(user_id, revoked)}")
    return 0


def _positive_days(raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of days (1 or more), got {raw!r}")
    return int(raw)


def keys_create(args: argparse.Namespace) -> int:
    """Print the new key once: it is stored hashed and cannot be shown again."""
    expires_at = utcnow() + timedelta(days=args.expires_in_days) if args.expires_in_days else None
    try:
        with session_scope() as session:
            created = api_keys.create_key(session=session, name=args.name, actor=audit.CLI, expires_at=expires_at)
            key_id = created.key.id
    except api_keys.KeyInputError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(f"created API key {key_id} ({args.name.strip()!r}); it is shown this once only:")
    print(created.secret)
    return 0


def keys_list(_args: argparse.Namespace) -> int:
    with session_scope() as session:
        rows = [api_keys.to_wire(key) for key in api_keys.list_keys(session=session)]
    if not rows:
        print("no API keys")
    for row in rows:
        print(
            f"{row['id']}  {row['state']:<7}  created {row['createdAt']}  expires {row['expiresAt'] or 'never'}  "
            f"last used {row['lastUsedAt'] or 'never'}  {row['name']}"
        )
    return 0


def keys_revoke(args: argparse.Namespace) -> int:
    with session_scope() as session:
        key = api_keys.revoke_key(session=session, key_id=args.key_id, actor=audit.CLI)
    if key is None:
        print(f"error: no API key {args.key_id!r}", file=sys.stderr)
        return 2
    print(f"revoked API key {key.id} ({key.name!r}); requests with it now get 401")
    return 0


def forget_first_admin_password() -> None:
    """The printed first password no longer opens anything: don't keep it lying around."""
    if remove_local_secret(FIRST_ADMIN_SECRET):
        print(f"removed the first admin password from {secrets_file_path()}")


def forget_changed_first_admin_password() -> None:
    """At start: drop the stored first password if `admin`'s password was changed since."""
    stored = read_local_secrets().get(FIRST_ADMIN_SECRET)
    if stored is None:
        return
    with session_scope() as session:
        admin = get_user_by_username(session=session, username=FIRST_ADMIN)
        hashed = admin.password_hash if admin else None
    if not verify_password(hashed, stored):
        forget_first_admin_password()


def bootstrap_admin() -> None:
    """First run: with no users at all, create `admin` with a random password, shown once."""
    with session_scope() as session:
        if count_users(session=session):
            return
        password = secrets.token_urlsafe(12)
        upsert_user(session=session, username=FIRST_ADMIN, password=password, role=Role.OPERATOR)
    write_local_secret(FIRST_ADMIN_SECRET, password)
    print(
        "\n  First run: created operator account 'admin' with password:\n\n"
        f"      {password}\n\n"
        f"  (also saved in {secrets_file_path()}). Sign in at /login, then open /operator.\n",
        flush=True,
    )


def prestart(_args: argparse.Namespace) -> int:
    upgrade_to_head()
    bootstrap_admin()
    forget_changed_first_admin_password()
    with session_scope() as session:
        purge_stale_sessions(session=session)
    return 0


def migrate(_args: argparse.Namespace) -> int:
    upgrade_to_head()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m notification_center")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("create-user", help="create a user, or update password and role")
    p.add_argument("username")
    p.add_argument("--password", required=True)
    p.add_argument("--role", choices=[r.value for r in Role], default=Role.USER.value)
    p.add_argument("--email", help="the user's email address, confirmed as given ('' removes it)")
    p.set_defaults(func=create_user)

    p = commands.add_parser("revoke-sessions", help="sign a user out everywhere (ends their open streams)")
    p.add_argument("username")
    p.set_defaults(func=revoke_sessions)

    p = commands.add_parser("keys", help="API keys for services: create, list, revoke")
    key_commands = p.add_subparsers(dest="keys_command", required=True)
    p = key_commands.add_parser("create", help="create a key and print it (once)")
    p.add_argument("name", help="what the key is for, e.g. the service's name")
    p.add_argument(
        "--expires-in-days", type=_positive_days, default=0, help="stop working after this many days (default: never)"
    )
    p.set_defaults(func=keys_create)
    key_commands.add_parser("list", help="list keys (never their secrets)").set_defaults(func=keys_list)
    p = key_commands.add_parser("revoke", help="revoke a key at once")
    p.add_argument("key_id", help="the key's id (key_...)")
    p.set_defaults(func=keys_revoke)

    commands.add_parser("prestart", help="apply migrations; create the first admin").set_defaults(func=prestart)
    commands.add_parser("migrate", help="apply pending migrations").set_defaults(func=migrate)

    args = parser.parse_args(argv)
    try:
        get_settings()  # a bad setting stops the run command here, with its message alone
    except ValueError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except UserInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def entry() -> None:
    """The `notification-center` command an installed package provides."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
