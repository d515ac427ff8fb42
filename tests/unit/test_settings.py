"""Settings: embedded defaults, fail-fast validation, and the secret rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from chirp.config import SettingsError, load_settings

_CLEAN = (
    "CHIRP_ENV",
    "CHIRP_DATABASE_URL",
    "CHIRP_SHARD_URLS",
    "CHIRP_SECRET_KEY",
    "CHIRP_DOMAIN",
    "CHIRP_DATA_DIR",
    "CHIRP_REDIS_URL",
    "CHIRP_BROKER_URL",
    "CHIRP_PASSWORD_PROFILE",
    "CHIRP_NODE_ID",
    "CHIRP_BASE_URL",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _CLEAN:
        monkeypatch.delenv(name, raising=False)


def test_nothing_set_means_the_embedded_sqlite_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CHIRP_DATA_DIR", str(tmp_path))
    settings = load_settings()
    assert settings.embedded
    assert settings.physical_urls == [f"sqlite+aiosqlite:///{tmp_path}/chirp.sqlite3"]
    assert settings.redis_url is None and settings.broker_url is None
    assert settings.data_dir == tmp_path


def test_a_shard_map_is_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIRP_SHARD_URLS", "postgresql+asyncpg://h/a, postgresql+asyncpg://h/b")
    settings = load_settings()
    assert settings.physical_urls == ["postgresql+asyncpg://h/a", "postgresql+asyncpg://h/b"]
    assert not settings.embedded


@pytest.mark.parametrize(
    "name,value,fragment",
    [
        ("CHIRP_DATABASE_URL", "mysql://h/db", "unsupported database URL scheme"),
        ("CHIRP_DOMAIN", "https://chirp.example/", "CHIRP_DOMAIN"),
        ("CHIRP_DB_POOL_SIZE", "0", "CHIRP_DB_POOL_SIZE"),
        ("CHIRP_NODE_ID", "64", "CHIRP_NODE_ID"),
        ("CHIRP_LOG_LEVEL", "LOUD", "CHIRP_LOG_LEVEL"),
        ("CHIRP_ENV", "staging", "CHIRP_ENV"),
    ],
)
def test_a_bad_value_fails_fast_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    value: str,
    fragment: str,
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert fragment in str(caught.value)


def test_both_a_url_and_a_shard_map_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIRP_DATABASE_URL", "postgresql+asyncpg://h/a")
    monkeypatch.setenv("CHIRP_SHARD_URLS", "postgresql+asyncpg://h/b")
    with pytest.raises(SettingsError, match="not both"):
        load_settings()


@pytest.mark.parametrize("secret", [None, "changeme", "short-but-not-placeholder"])
def test_production_refuses_a_placeholder_or_weak_secret(
    monkeypatch: pytest.MonkeyPatch,
    secret: str | None,
) -> None:
    monkeypatch.setenv("CHIRP_ENV", "production")
    if secret is not None:
        monkeypatch.setenv("CHIRP_SECRET_KEY", secret)
    with pytest.raises(SettingsError, match="CHIRP_SECRET_KEY"):
        load_settings()


def test_production_accepts_a_real_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIRP_ENV", "production")
    monkeypatch.setenv("CHIRP_SECRET_KEY", "q" * 48)
    monkeypatch.setenv("CHIRP_DOMAIN", "chirp.example")
    settings = load_settings()
    assert settings.public_url == "https://chirp.example"


def test_the_fast_password_profile_is_for_tests_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIRP_PASSWORD_PROFILE", "fast-insecure")
    with pytest.raises(SettingsError, match="only allowed"):
        load_settings()
