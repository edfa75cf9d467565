import json

import pytest

from notification_center import settings as settings_module


def test_secret_key_is_generated_once_into_the_secrets_file(tmp_path, monkeypatch, caplog):
    secrets_file = tmp_path / "secrets.json"
    monkeypatch.setenv("NC_SECRETS_FILE", str(secrets_file))
    monkeypatch.delenv("NC_SECRET_KEY", raising=False)

    first = settings_module.load_settings().secret_key
    assert "NC_SECRET_KEY is not set" in caplog.text
    assert json.loads(secrets_file.read_text())["NC_SECRET_KEY"] == first
    assert secrets_file.stat().st_mode & 0o077 == 0  # owner-only
    assert settings_module.load_settings().secret_key == first


def test_environment_secret_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("NC_SECRETS_FILE", str(tmp_path / "s.json"))
    monkeypatch.setenv("NC_SECRET_KEY", "from-env-" + "k" * 32)
    monkeypatch.setenv("NC_VAPID_PRIVATE_KEY", settings_module.generate_vapid_private_key())
    assert settings_module.load_settings().secret_key == "from-env-" + "k" * 32
    assert not (tmp_path / "s.json").exists()


def test_vapid_keys_are_generated_once_beside_the_secret_key(tmp_path, monkeypatch, caplog):
    secrets_file = tmp_path / "secrets.json"
    monkeypatch.setenv("NC_SECRETS_FILE", str(secrets_file))
    monkeypatch.setenv("NC_SECRET_KEY", "from-env-" + "k" * 32)
    for name in ("NC_VAPID_PRIVATE_KEY", "NC_VAPID_PUBLIC_KEY", "NC_VAPID_SUBJECT"):
        monkeypatch.delenv(name, raising=False)
    first = settings_module.load_settings()
    assert "NC_VAPID_PRIVATE_KEY is not set" in caplog.text
    assert json.loads(secrets_file.read_text()) == {"NC_VAPID_PRIVATE_KEY": first.vapid_private_key}
    assert secrets_file.stat().st_mode & 0o077 == 0
    again = settings_module.load_settings()
    assert (again.vapid_private_key, again.vapid_public_key) == (first.vapid_private_key, first.vapid_public_key)
    raw = settings_module._b64url_decode(first.vapid_public_key)
    assert len(raw) == 65 and raw[0] == 4  # an uncompressed P-256 point, as applicationServerKey wants
    assert "=" not in first.vapid_public_key


def test_vapid_keys_from_the_environment_must_match(tmp_path, monkeypatch):
    monkeypatch.setenv("NC_SECRETS_FILE", str(tmp_path / "s.json"))
    monkeypatch.setenv("NC_SECRET_KEY", "from-env-" + "k" * 32)
    private = settings_module.generate_vapid_private_key()
    monkeypatch.setenv("NC_VAPID_PRIVATE_KEY", private)
    monkeypatch.setenv("NC_VAPID_PUBLIC_KEY", settings_module.vapid_public_key_of(private))
    assert settings_module.load_settings().vapid_private_key == private
    monkeypatch.setenv(
        "NC_VAPID_PUBLIC_KEY", settings_module.vapid_public_key_of(settings_module.generate_vapid_private_key())
    )
    with pytest.raises(ValueError, match="NC_VAPID_PUBLIC_KEY does not belong"):
        settings_module.load_settings()
    monkeypatch.delenv("NC_VAPID_PUBLIC_KEY")
    monkeypatch.setenv("NC_VAPID_PRIVATE_KEY", "c2hvcnQ")
    with pytest.raises(ValueError, match="NC_VAPID_PRIVATE_KEY"):
        settings_module.load_settings()
    monkeypatch.setenv("NC_VAPID_PRIVATE_KEY", private)
    monkeypatch.setenv("NC_VAPID_SUBJECT", "ops@example.com")
    with pytest.raises(ValueError, match="NC_VAPID_SUBJECT"):
        settings_module.load_settings()


def test_a_short_secret_key_is_refused_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("NC_SECRETS_FILE", str(tmp_path / "s.json"))
    monkeypatch.setenv("NC_SECRET_KEY", "k" * 31)
    with pytest.raises(ValueError, match="NC_SECRET_KEY must be at least 32 characters"):
        settings_module.load_settings()


def test_defaults(monkeypatch):
    names = ("REFLEX_DB_URL", "REFLEX_REDIS_URL", "PORT", "NC_PING_INTERVAL_SECONDS", "NC_RETRY_MS")
    for name in (*names, "REFLEX_TRUSTED_PROXY_HOPS", "NC_METRICS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    s = settings_module.load_settings()
    assert s.db_url == "sqlite:///notification_center.db"
    assert s.redis_url is None
    assert (s.port, s.ping_interval_seconds, s.retry_ms) == (3000, 30.0, 3000)
    assert (s.max_connections_per_user, s.max_connection_age_seconds) == (10, 0.0)
    assert (s.trusted_proxy_hops, s.metrics_token) == (0, None)


@pytest.mark.parametrize(
    ("name", "value"), [("PORT", "abc"), ("NC_MAX_CONNECTIONS_PER_USER", "0"), ("REFLEX_TRUSTED_PROXY_HOPS", "-1")]
)
def test_bad_values_are_named(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        settings_module.load_settings()


def test_database_wait_bounds_have_short_defaults_and_can_be_set(monkeypatch):
    names = (
        "NC_DB_POOL_TIMEOUT_SECONDS",
        "NC_DB_CONNECT_TIMEOUT_SECONDS",
        "NC_DB_STATEMENT_TIMEOUT_SECONDS",
        "NC_OUTAGE_RETRY_AFTER_SECONDS",
    )
    for name in names:
        monkeypatch.delenv(name, raising=False)
    s = settings_module.load_settings()
    assert (s.db_pool_timeout_seconds, s.db_connect_timeout_seconds) == (5.0, 5)
    assert (s.db_statement_timeout_seconds, s.outage_retry_after_seconds) == (30.0, 5)
    for name, value in zip(names, ("1.5", "3", "0", "2"), strict=True):
        monkeypatch.setenv(name, value)
    s = settings_module.load_settings()
    assert (s.db_pool_timeout_seconds, s.db_connect_timeout_seconds) == (1.5, 3)
    assert (s.db_statement_timeout_seconds, s.outage_retry_after_seconds) == (0.0, 2)
    monkeypatch.setenv("NC_DB_CONNECT_TIMEOUT_SECONDS", "0")
    with pytest.raises(ValueError, match="NC_DB_CONNECT_TIMEOUT_SECONDS must be >= 1"):
        settings_module.load_settings()


def test_push_goes_only_to_the_browsers_push_services_unless_widened(tmp_path, monkeypatch):
    monkeypatch.setenv("NC_SECRETS_FILE", str(tmp_path / "s.json"))
    monkeypatch.setenv("NC_SECRET_KEY", "from-env-" + "k" * 32)
    monkeypatch.setenv("NC_VAPID_PRIVATE_KEY", settings_module.generate_vapid_private_key())
    monkeypatch.delenv("NC_PUSH_ALLOWED_HOSTS", raising=False)
    assert settings_module.load_settings().push_allowed_hosts == settings_module.BROWSER_PUSH_SERVICES
    monkeypatch.setenv("NC_PUSH_ALLOWED_HOSTS", "*")
    assert settings_module.load_settings().push_allowed_hosts == ()  # any https host
    monkeypatch.setenv("NC_PUSH_ALLOWED_HOSTS", "push.example.net, .corp.example")
    assert settings_module.load_settings().push_allowed_hosts == ("push.example.net", ".corp.example")
