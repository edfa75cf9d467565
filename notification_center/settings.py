"""All configuration in one typed object, read once from the environment.

rxconfig.py, Alembic's env.py, the CLI and the app all call `get_settings()`, so a
variable means the same thing everywhere. `NC_SECRET_KEY` is never committed: when it
is unset we generate one into a git-ignored file on first use and warn about it.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_URL = "sqlite:///notification_center.db"
# HMAC keys shorter than this are guessable offline from one signed cookie.
SECRET_KEY_MIN_LENGTH = 32


def _int_env(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def _float_env(name: str, default: float, minimum: float = 0.0) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def _rate_env(name: str, default: str) -> str:
    """A rate like "600/minute" (the `limits` syntax), checked so a typo fails at start."""
    raw = os.environ.get(name, "").strip() or default
    try:
        parse(raw)
    except ValueError:
        raise ValueError(f"{name} must be a rate like 600/minute, got {raw!r}") from None
    return raw


def secrets_file_path() -> Path:
    """The git-ignored file holding generated secrets (secret key, first admin password)."""
    return Path(os.environ.get("NC_SECRETS_FILE", PROJECT_ROOT / ".nc_secrets.json"))


def read_local_secrets() -> dict[str, str]:
    path = secrets_file_path()
    if not path.exists():
        return {}
    return json.loads(path.read_text())


def _write_local_secrets(data: dict[str, str]) -> None:
    path = secrets_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    # Created owner-only from the start: the file holds the secret key and a password.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)


def write_local_secret(name: str, value: str) -> None:
    """Add one entry to the local secrets file, readable by the owner only."""
    data = read_local_secrets()
    data[name] = value
    _write_local_secrets(data)


def remove_local_secret(name: str) -> bool:
    """Drop one entry from the local secrets file; True if it was there."""
    data = read_local_secrets()
    if name not in data:
        return False
    del data[name]
    _write_local_secrets(data)
    return True


def _secret_key() -> str:
    if key := os.environ.get("NC_SECRET_KEY", "").strip():
        if len(key) < SECRET_KEY_MIN_LENGTH:
            raise ValueError(
                f"NC_SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} characters (got {len(key)}); "
                "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return key
    stored = read_local_secrets().get("NC_SECRET_KEY")
    if stored:
        return stored
    key = secrets.token_urlsafe(48)
    write_local_secret("NC_SECRET_KEY", key)
    logger.warning(
        "NC_SECRET_KEY is not set: generated one into %s. Set NC_SECRET_KEY in production "
        "so every node signs sessions with the same key.",
        secrets_file_path(),
    )
    return key


def _b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def vapid_public_key_of(private_key: str) -> str:
    """The base64url uncompressed P-256 point (65 bytes) of a base64url raw private key."""
    from cryptography.hazmat.primitives.asymmetric import ec  # only where keys are needed
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = _b64url_decode(private_key)
    if len(raw) != 32:
        raise ValueError("NC_VAPID_PRIVATE_KEY must be a base64url raw P-256 private key (32 bytes)")
    key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    return b64url(key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))


def generate_vapid_private_key() -> str:
    from cryptography.hazmat.primitives.asymmetric import ec

    number = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
    return b64url(number.to_bytes(32, "big"))


def _vapid_keys() -> tuple[str, str]:
    """(private, public), base64url: from NC_VAPID_PRIVATE_KEY (and, if given, a matching
    NC_VAPID_PUBLIC_KEY), else generated once into the secrets file like the secret key.
    Every node must sign with the same key: browsers subscribed with its public half."""
    private = os.environ.get("NC_VAPID_PRIVATE_KEY", "").strip()
    if private:
        public = vapid_public_key_of(private)
        given = os.environ.get("NC_VAPID_PUBLIC_KEY", "").strip()
        if given and given.rstrip("=") != public:
            raise ValueError("NC_VAPID_PUBLIC_KEY does not belong to NC_VAPID_PRIVATE_KEY")
        return private, public
    if os.environ.get("NC_VAPID_PUBLIC_KEY", "").strip():
        raise ValueError("NC_VAPID_PUBLIC_KEY is set without NC_VAPID_PRIVATE_KEY")
    stored = read_local_secrets().get("NC_VAPID_PRIVATE_KEY")
    if stored:
        return stored, vapid_public_key_of(stored)
    private = generate_vapid_private_key()
    write_local_secret("NC_VAPID_PRIVATE_KEY", private)
    logger.warning(
        "NC_VAPID_PRIVATE_KEY is not set: generated a Web Push key into %s. Set NC_VAPID_PRIVATE_KEY "
        "in production, the same on every node.",
        secrets_file_path(),
    )
    return private, vapid_public_key_of(private)


def _vapid_subject() -> str:
    subject = os.environ.get("NC_VAPID_SUBJECT", "").strip() or "mailto:notifications@example.com"
    if not subject.startswith(("mailto:", "https://")):
        raise ValueError(f"NC_VAPID_SUBJECT must be a mailto: or https: URL, got {subject!r}")
    return subject


@dataclass(frozen=True)
class SmtpConfig:
    """NC_SMTP_URL, parsed: `smtp://[user:password@]host[:port][?starttls=auto|always|never]`
    (STARTTLS when the server offers it, by default) or `smtps://...` (TLS from the first byte)."""

    host: str
    port: int
    implicit_tls: bool
    starttls: str  # "auto" | "always" | "never" (smtp:// only)
    username: str | None = None
    password: str | None = field(default=None, repr=False)


STARTTLS_CHOICES = ("auto", "always", "never")


def parse_smtp_url(raw: str) -> SmtpConfig:
    """A checked SMTP URL, or ValueError saying what is wrong (never echoing a password)."""
    from urllib.parse import parse_qs, unquote

    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"NC_SMTP_URL is not a valid URL ({exc})") from None
    shown = f"{parts.scheme}://{parts.hostname or ''}" + (f":{port}" if port else "")
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"NC_SMTP_URL must start with smtp:// or smtps://, got {shown!r}")
    if not parts.hostname:
        raise ValueError("NC_SMTP_URL must name a host: smtp://[user:password@]host[:port]")
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError(f"NC_SMTP_URL takes no path or fragment, got {shown + parts.path!r}")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"starttls"})
    if unknown:
        raise ValueError(f"NC_SMTP_URL: unknown option(s) {', '.join(unknown)} (only starttls=auto|always|never)")
    starttls = query.get("starttls", ["auto"])[-1]
    if starttls not in STARTTLS_CHOICES:
        raise ValueError(f"NC_SMTP_URL: starttls must be one of {', '.join(STARTTLS_CHOICES)}, got {starttls!r}")
    implicit = parts.scheme == "smtps"
    if implicit and starttls == "always":
        raise ValueError("NC_SMTP_URL: smtps:// is TLS already; starttls=always is for smtp://")
    return SmtpConfig(
        host=parts.hostname,
        port=port or (465 if implicit else 25),
        implicit_tls=implicit,
        starttls="never" if implicit else starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


def _mail_from() -> str:
    from email.utils import parseaddr

    raw = os.environ.get("NC_MAIL_FROM", "").strip() or "Notification Center <notifications@localhost>"
    _, address = parseaddr(raw)
    if "@" not in address or any(ch in raw for ch in "\r\n"):
        raise ValueError(f"NC_MAIL_FROM must be an address like 'Name <notify@example.com>', got {raw!r}")
    return raw


def _public_url(port: int) -> str:
    raw = os.environ.get("NC_PUBLIC_URL", "").strip().rstrip("/") or f"http://localhost:{port}"
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"NC_PUBLIC_URL must be the app's address like https://notify.example.com, got {raw!r}")
    return raw


def _email_settings(port: int) -> dict[str, object]:
    raw = os.environ.get("NC_SMTP_URL", "").strip()
    return {
        # Unset: no email at all (the options are hidden, nothing is queued).
        "smtp": parse_smtp_url(raw) if raw else None,
        "mail_from": _mail_from(),
        # The links in mails (the inbox, unsubscribe, confirmation) start with this.
        "public_url": _public_url(port),
        # Extra CA certificates (PEM) trusted for the SMTP server's TLS; unset: the system's.
        "smtp_ca_bundle": os.environ.get("NC_SMTP_CA_BUNDLE", "").strip() or None,
        # Attempts per mail before it is failed (4xx answers and network errors are retried,
        # 5xx never); retries back off from the base, doubling.
        "email_max_attempts": _int_env("NC_EMAIL_MAX_ATTEMPTS", 5, minimum=1),
        "email_retry_base_seconds": _float_env("NC_EMAIL_RETRY_BASE_SECONDS", 30.0, minimum=0.01),
        "email_timeout_seconds": _float_env("NC_EMAIL_TIMEOUT_SECONDS", 15.0, minimum=0.1),
        # The digest's period: one mail per user per period, at its end (hourly by default).
        "email_digest_seconds": _float_env("NC_EMAIL_DIGEST_SECONDS", 3600.0, minimum=0.1),
        # How long an address confirmation link works.
        "email_confirm_ttl_seconds": _int_env("NC_EMAIL_CONFIRM_TTL_SECONDS", 86400, minimum=1),
        # Address changes (each mails a confirmation link) per user, so nobody can make the
        # server mail-bomb an address of their choosing.
        "email_confirm_rate_limit": _rate_env("NC_EMAIL_CONFIRM_RATE_LIMIT", "5/hour"),
    }


@dataclass(frozen=True)
class Settings:
    db_url: str
    redis_url: str | None
    port: int
    secret_key: str
    ping_interval_seconds: float
    max_connections_per_user: int
    max_connection_age_seconds: float
    retry_ms: int
    session_ttl_seconds: int
    client_buffer_size: int
    send_timeout_seconds: float
    login_rate_limit: str
    login_ip_rate_limit: str
    key_rate_limit: str
    bulk_rate_limit: str
    cookie_secure: bool
    trusted_proxy_hops: int
    metrics_token: str | None
    cors_origins: tuple[str, ...]
    # Sends with one groupKey to one user within this many seconds update one inbox row.
    group_window_seconds: float = 3600.0
    scheduler_interval_seconds: float = 1.0
    scheduler_batch_size: int = 500
    # A send to more recipients than this is answered 202 and written in the background.
    bulk_send_threshold: int = 1000
    bulk_send_batch_size: int = 1000
    retention_days: float = 0.0
    undo_window_seconds: float = 10.0
    example_pages: bool = False
    shutdown_timeout_seconds: float = 10.0
    loop_stall_seconds: float = 2.0
    fault_injection: bool = False
    # Bounds on waiting for the database (db.py), so an outage answers 503 in seconds.
    db_pool_timeout_seconds: float = 5.0
    db_connect_timeout_seconds: int = 5
    db_statement_timeout_seconds: float = 30.0
    # The Retry-After of a 503 while a dependency is away (outages.py).
    outage_retry_after_seconds: int = 5
    # How often each worker probes the database and Redis for /metrics (monitoring/dependencies.py).
    dependency_probe_seconds: float = 5.0
    # Web Push (push/): the VAPID key pair (base64url), its contact, and the delivery knobs.
    vapid_private_key: str = ""
    vapid_public_key: str = ""
    vapid_subject: str = "mailto:notifications@example.com"
    push_max_subscriptions_per_user: int = 10
    push_ttl_seconds: int = 86400
    push_max_attempts: int = 5
    # "offline" pushes wait this long after the send; seen or read in the app meanwhile: not sent.
    push_offline_grace_seconds: float = 10.0
    push_retry_base_seconds: float = 10.0
    push_timeout_seconds: float = 10.0
    push_ca_bundle: str | None = None
    push_allowed_hosts: tuple[str, ...] = ()
    # Email (mail/): the SMTP server (None: email is off), the sender, the links' base URL.
    smtp: SmtpConfig | None = None
    mail_from: str = "Notification Center <notifications@localhost>"
    public_url: str = "http://localhost:3000"
    smtp_ca_bundle: str | None = None
    email_max_attempts: int = 5
    email_retry_base_seconds: float = 30.0
    email_timeout_seconds: float = 15.0
    email_digest_seconds: float = 3600.0
    email_confirm_ttl_seconds: int = 86400
    email_confirm_rate_limit: str = "5/hour"
    # Host identity (auth/host_tokens.py): the secret a host app signs its users' tokens with
    # (None: host sign-in is off), and the longest lifetime a token may claim.
    host_token_secret: str | None = None
    host_token_max_age_seconds: int = 600

    @property
    def email_enabled(self) -> bool:
        return self.smtp is not None


def _origins_env(name: str) -> tuple[str, ...]:
    """Comma-separated origins (`scheme://host[:port]`), each checked so a typo fails at start."""
    origins = []
    for raw in os.environ.get(name, "").split(","):
        origin = raw.strip().rstrip("/")
        if not origin:
            continue
        parsed = urlsplit(origin)
        if (
            parsed.scheme not in ("http", "https")
            or not parsed.hostname
            or parsed.path
            or parsed.query
            or parsed.fragment
            or parsed.username
        ):
            # "*" would hand every site the user's credentials: only exact origins are allowed.
            raise ValueError(f"{name}: {raw.strip()!r} is not an origin like https://example.com[:port]")
        origins.append(origin.lower())
    return tuple(origins)


def load_settings() -> Settings:
    """Read the environment now (tests call this after changing os.environ)."""
    port = _int_env("PORT", 3000, minimum=1)
    return Settings(
        db_url=os.environ.get("REFLEX_DB_URL", "").strip() or DEFAULT_DB_URL,
        redis_url=os.environ.get("REFLEX_REDIS_URL", "").strip() or None,
        port=port,
        secret_key=_secret_key(),
        ping_interval_seconds=_float_env("NC_PING_INTERVAL_SECONDS", 30.0, minimum=0.05),
        max_connections_per_user=_int_env("NC_MAX_CONNECTIONS_PER_USER", 10, minimum=1),
        max_connection_age_seconds=_float_env("NC_MAX_CONNECTION_AGE_SECONDS", 0.0),
        retry_ms=_int_env("NC_RETRY_MS", 3000),
        session_ttl_seconds=_int_env("NC_SESSION_TTL_SECONDS", 7 * 24 * 3600, minimum=1),
        client_buffer_size=_int_env("NC_CLIENT_BUFFER_SIZE", 256, minimum=1),
        # A stream whose socket accepts nothing for this long is cut (a stalled reader).
        send_timeout_seconds=_float_env("NC_SEND_TIMEOUT_SECONDS", 10.0, minimum=0.1),
        # Sign-in attempts per username (failures only) / per client address (all) ("N/window", the `limits` syntax).
        login_rate_limit=os.environ.get("NC_LOGIN_RATE_LIMIT", "5/minute"),
        login_ip_rate_limit=os.environ.get("NC_LOGIN_IP_RATE_LIMIT", "60/minute"),
        # Requests per API key (sends and stats), in every worker together when Redis is on.
        key_rate_limit=_rate_env("NC_KEY_RATE_LIMIT", "600/minute"),
        bulk_rate_limit=_rate_env("NC_BULK_RATE_LIMIT", "120/minute"),
        cookie_secure=os.environ.get("NC_COOKIE_SECURE", "").lower() in ("1", "true", "yes"),
        # Reflex's own setting (rx.Config.trusted_proxy_hops), so the API and Reflex's
        # websocket agree on the client address: 0 ignores X-Forwarded-For.
        trusted_proxy_hops=_int_env("REFLEX_TRUSTED_PROXY_HOPS", 0),
        # When set, GET /metrics wants `Authorization: Bearer <token>`.
        metrics_token=os.environ.get("NC_METRICS_TOKEN", "").strip() or None,
        # Other origins that may call the API with credentials and open the websocket.
        cors_origins=_origins_env("NC_CORS_ORIGINS"),
        group_window_seconds=_float_env("NC_GROUP_WINDOW_SECONDS", 3600.0),
        # How often each worker's scheduler looks for due work (scheduled sends, snoozes
        # returning, expiries, retention), and how many items it takes per claim.
        scheduler_interval_seconds=_float_env("NC_SCHEDULER_INTERVAL_SECONDS", 1.0, minimum=0.01),
        scheduler_batch_size=_int_env("NC_SCHEDULER_BATCH_SIZE", 500, minimum=1),
        # Sends to more recipients than this answer 202 {"sendId", "count"} at once and are
        # written in batches in the background (scheduling/bulk_sends.py).
        bulk_send_threshold=_int_env("NC_BULK_SEND_THRESHOLD", 1000, minimum=1),
        # Recipients per transaction of such a send: each batch reaches its streams when it commits.
        bulk_send_batch_size=_int_env("NC_BULK_SEND_BATCH_SIZE", 1000, minimum=1),
        # Notifications older than this many days are purged in the background; 0 keeps them all.
        retention_days=_float_env("NC_RETENTION_DAYS", 0.0),
        # How long the token of a bulk action (POST /api/notifications/bulk) can undo it.
        undo_window_seconds=_float_env("NC_UNDO_WINDOW_SECONDS", 10.0, minimum=0.1),
        # The README's "bell on your own page" example (examples/bell_page.py) at /example/bell.
        example_pages=os.environ.get("NC_EXAMPLE_PAGES", "").lower() in ("1", "true", "yes"),
        # After SIGTERM, how long a worker may drain before it is killed (granian's
        # workers_kill_timeout): a worker whose event loop is stuck never ends by itself.
        shutdown_timeout_seconds=_float_env("NC_SHUTDOWN_TIMEOUT_SECONDS", 10.0, minimum=1.0),
        # A worker's event loop silent this long is reported stalled (monitoring/watchdog.py).
        loop_stall_seconds=_float_env("NC_LOOP_STALL_SECONDS", 2.0, minimum=0.5),
        # Test-only routes that break the server on purpose (api/fault_routes.py). Never in production.
        fault_injection=os.environ.get("NC_FAULT_INJECTION", "") == "1",
        # How long a request waits for a pooled connection when all are busy (then 503).
        db_pool_timeout_seconds=_float_env("NC_DB_POOL_TIMEOUT_SECONDS", 5.0, minimum=0.1),
        # PostgreSQL: how long opening a connection may take (libpq connect_timeout, whole seconds).
        db_connect_timeout_seconds=_int_env("NC_DB_CONNECT_TIMEOUT_SECONDS", 5, minimum=1),
        # PostgreSQL: the server cancels a statement running longer than this (0: no limit).
        # Migrations run without it (an index build may take longer).
        db_statement_timeout_seconds=_float_env("NC_DB_STATEMENT_TIMEOUT_SECONDS", 30.0),
        outage_retry_after_seconds=_int_env("NC_OUTAGE_RETRY_AFTER_SECONDS", 5, minimum=1),
        dependency_probe_seconds=_float_env("NC_DEPENDENCY_PROBE_SECONDS", 5.0, minimum=0.2),
        **_push_settings(),
        **_email_settings(port),
        host_token_secret=_host_token_secret(),
        host_token_max_age_seconds=_int_env("NC_HOST_TOKEN_MAX_AGE_SECONDS", 600, minimum=1),
    )


def _host_token_secret() -> str | None:
    secret = os.environ.get("NC_HOST_TOKEN_SECRET", "").strip()
    if secret and len(secret) < SECRET_KEY_MIN_LENGTH:
        raise ValueError(
            f"NC_HOST_TOKEN_SECRET must be at least {SECRET_KEY_MIN_LENGTH} characters (got {len(secret)})"
        )
    return secret or None


# The push services of Chrome/Edge/Opera (FCM), Firefox, Safari and the Windows apps.
BROWSER_PUSH_SERVICES = ("fcm.googleapis.com", ".push.services.mozilla.com", ".push.apple.com", ".notify.windows.com")


def _push_settings() -> dict[str, object]:
    private, public = _vapid_keys()
    return {
        "vapid_private_key": private,
        "vapid_public_key": public,
        "vapid_subject": _vapid_subject(),
        # Browsers (subscriptions) one user may have; one more is refused (409).
        "push_max_subscriptions_per_user": _int_env("NC_PUSH_MAX_SUBSCRIPTIONS_PER_USER", 10, minimum=1),
        # How long a push service keeps a push for an offline browser, when the
        # notification has no expiresAt (then: until it expires).
        "push_ttl_seconds": _int_env("NC_PUSH_TTL_SECONDS", 86400, minimum=0),
        # Attempts per delivery before it is failed; retries back off from the base, doubling.
        "push_max_attempts": _int_env("NC_PUSH_MAX_ATTEMPTS", 5, minimum=1),
        "push_offline_grace_seconds": _float_env("NC_PUSH_OFFLINE_GRACE_SECONDS", 10.0, minimum=0.0),
        "push_retry_base_seconds": _float_env("NC_PUSH_RETRY_BASE_SECONDS", 10.0, minimum=0.01),
        "push_timeout_seconds": _float_env("NC_PUSH_TIMEOUT_SECONDS", 10.0, minimum=0.1),
        # Extra CA certificates (PEM) trusted for push services: a private push service,
        # or the test suite's local one. Unset: the system's CAs.
        "push_ca_bundle": os.environ.get("NC_PUSH_CA_BUNDLE", "").strip() or None,
        # Push service hosts a subscription may name: "host" exactly, ".domain" any host under
        # it; "*" any https host. By default the browsers' own push services only, so a user
        # cannot make the server POST to a host of their choosing (an internal one, say).
        "push_allowed_hosts": tuple(
            h.strip().lower()
            for h in os.environ.get("NC_PUSH_ALLOWED_HOSTS", ",".join(BROWSER_PUSH_SERVICES)).split(",")
            if h.strip() and h.strip() != "*"
        ),
    }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
