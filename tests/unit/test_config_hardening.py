"""Production settings that refuse to start unsafe, and bounded database waits (issue 9)."""
import pytest

from lms_module.config import ConfigError, finish_config, load_config


def test_production_refuses_a_short_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTOR_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 31)
    with pytest.raises(ConfigError, match="SECRET_KEY is too short: production needs at least 32"):
        finish_config(load_config(), tmp_path)


def test_production_accepts_a_secret_key_of_32_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTOR_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    assert finish_config(load_config(), tmp_path)["SECRET_KEY"] == "x" * 32


def test_database_waits_are_bounded(tmp_path, monkeypatch):
    monkeypatch.delenv("KONTOR_ENV", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://kontor@db.example/kontor")
    options = finish_config(load_config(), tmp_path)["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"] == {"connect_timeout": 5, "options": "-c lock_timeout=5000"}
    assert options["pool_timeout"] == 5
    # No ping on every checkout: db_pool pings a connection only after it sat idle.
    assert "pool_pre_ping" not in options and load_config()["KONTOR_DB_PING_IDLE_SECONDS"] == 5
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/k.sqlite3")
    monkeypatch.setenv("KONTOR_DB_TIMEOUT_SECONDS", "3")
    assert finish_config(load_config(), tmp_path)["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"timeout": 3}
