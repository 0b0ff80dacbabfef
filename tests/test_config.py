"""Configuration: environment first, safe defaults, refusals that say which key."""

from __future__ import annotations

import pytest

from helpdesk.config import ConfigError, load_config


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for key in (
        "HELPDESK_SECRET_KEY",
        "HELPDESK_ENV",
        "HELPDESK_DATABASE_URL",
        "REDIS_URL",
        "HELPDESK_TIMEZONE",
        "HELPDESK_DEFAULT_LOCALE",
        "HELPDESK_DATA_DIR",
    ):
        monkeypatch.delenv(key, raising=False)


def test_defaults_are_spanish_mexico_city_and_sqlite(tmp_path):
    config = load_config(tmp_path)
    assert config["DEFAULT_LOCALE"] == "es"
    assert config["DEFAULT_TIMEZONE"] == "America/Mexico_City"
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'aclara.sqlite3'}"
    assert config["DATA_DIR"] == str(tmp_path / "data")
    assert config["REDIS_URL"] is None


def test_development_secret_is_generated_once_and_kept(tmp_path):
    first = load_config(tmp_path)["SECRET_KEY"]
    second = load_config(tmp_path)["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPDESK_ENV", "production")
    with pytest.raises(ConfigError, match="HELPDESK_SECRET_KEY"):
        load_config(tmp_path)
    assert not (tmp_path / "secret_key").exists()


def test_environment_keys_are_read(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPDESK_DATABASE_URL", "postgresql://aclara@db.internal/aclara")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("HELPDESK_TIMEZONE", "America/Bogota")
    monkeypatch.setenv("HELPDESK_DEFAULT_LOCALE", "en")
    config = load_config(tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://aclara@db.internal/aclara"
    assert config["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert (config["DEFAULT_TIMEZONE"], config["DEFAULT_LOCALE"]) == ("America/Bogota", "en")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("HELPDESK_TIMEZONE", "America/Atlantis", "HELPDESK_TIMEZONE"),
        ("HELPDESK_DEFAULT_LOCALE", "fr", "HELPDESK_DEFAULT_LOCALE"),
        ("HELPDESK_ENV", "staging", "HELPDESK_ENV"),
    ],
)
def test_bad_values_are_refused_naming_the_key(tmp_path, monkeypatch, key, value, message):
    monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path)


def test_short_production_secret_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPDESK_ENV", "production")
    monkeypatch.setenv("HELPDESK_SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="at least 32"):
        load_config(tmp_path)


def test_proxy_hops_default_to_none_and_refuse_a_negative_count(tmp_path, monkeypatch):
    assert load_config(tmp_path)["PROXY_HOPS"] == 0
    monkeypatch.setenv("HELPDESK_PROXY_HOPS", "-1")
    with pytest.raises(ConfigError, match="HELPDESK_PROXY_HOPS must be zero or more"):
        load_config(tmp_path)


def test_postgresql_queries_are_planned_for_their_own_values(tmp_path):
    """No server-side prepared statements (their generic plans cost 25x on the inbox)."""
    from helpdesk.config import load_config

    config = load_config(tmp_path, {"SQLALCHEMY_DATABASE_URI": "postgresql://u@h/db"})
    assert config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["prepare_threshold"] is None
    assert config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    sqlite = load_config(tmp_path, {"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"})
    assert "connect_args" not in sqlite["SQLALCHEMY_ENGINE_OPTIONS"]


def test_identifying_facts_come_from_json_and_refuse_an_unknown_fact(tmp_path, monkeypatch):
    assert load_config(tmp_path)["PORTAL_IDENTIFYING_FACTS"] == {}
    monkeypatch.setenv("HELPDESK_PORTAL_IDENTIFYING_FACTS", '{"Banco Demo": "birth_date"}')
    assert load_config(tmp_path)["PORTAL_IDENTIFYING_FACTS"] == {"Banco Demo": "birth_date"}
    monkeypatch.setenv("HELPDESK_PORTAL_IDENTIFYING_FACTS", '{"Banco Demo": "curp"}')
    with pytest.raises(ConfigError, match="'Banco Demo' asks 'curp'"):
        load_config(tmp_path)
    monkeypatch.setenv("HELPDESK_PORTAL_IDENTIFYING_FACTS", "Banco Demo=birth_date")
    with pytest.raises(ConfigError, match="must be a JSON object"):
        load_config(tmp_path)
