import pytest

from lms_module.config import ConfigError, finish_config, load_config


def test_defaults_are_sqlite_under_instance_and_a_persisted_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("KONTOR_ENV", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    values = finish_config(load_config(), tmp_path)
    assert values["KONTOR_ENV"] == "development"
    assert values["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'kontor.sqlite3'}"
    first = values["SECRET_KEY"]
    assert len(first) > 40
    # The generated secret survives a restart (sessions stay valid) ...
    assert finish_config(load_config(), tmp_path)["SECRET_KEY"] == first
    # ... and only the owner can read it.
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTOR_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        finish_config(load_config(), tmp_path)
    assert not (tmp_path / "secret_key").exists()


def test_production_uses_cross_site_iframe_cookies(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTOR_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    values = finish_config(load_config(), tmp_path)
    assert values["SESSION_COOKIE_SAMESITE"] == "None"
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_PARTITIONED"] is True


def test_production_never_mounts_the_demo_lms(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTOR_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("KONTOR_DEMO_LMS", "1")
    with pytest.raises(ConfigError, match="demo"):
        finish_config(load_config(), tmp_path)


def test_postgres_urls_use_psycopg3(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://kontor@db.example/kontor")
    values = finish_config(load_config(), tmp_path)
    assert values["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://kontor@db.example/kontor"


def test_unknown_profile_is_an_error(monkeypatch):
    monkeypatch.setenv("KONTOR_ENV", "staging")
    with pytest.raises(ConfigError, match="staging"):
        load_config()


def test_environment_overrides_typed_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTOR_TRUSTED_PROXIES", "2")
    monkeypatch.setenv("KONTOR_HTTPS", "true")
    values = load_config()
    assert values["KONTOR_TRUSTED_PROXIES"] == 2
    assert values["KONTOR_HTTPS"] is True
