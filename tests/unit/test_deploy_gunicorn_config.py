"""deploy/gunicorn.conf.py is a valid gunicorn configuration (every setting known and well typed),
and its sizes follow the environment (docs/deployment.md)."""
import runpy
from pathlib import Path

from gunicorn.config import Config

CONF = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


def _load():
    values = {k: v for k, v in runpy.run_path(str(CONF)).items()
              if not k.startswith("_") and k not in ("multiprocessing", "os")}
    config = Config()
    for key, value in values.items():
        config.set(key, value)  # raises on an unknown setting or a wrong type
    return config


def test_the_gunicorn_config_is_valid():
    config = _load()
    assert config.worker_class_str == "sync" and config.workers >= 3
    assert config.bind == ["127.0.0.1:8000"] and config.preload_app is False


def test_sizes_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "7")
    monkeypatch.setenv("GUNICORN_WORKER_CLASS", "gthread")
    monkeypatch.setenv("GUNICORN_THREADS", "3")
    config = _load()
    assert config.workers == 7 and config.worker_class_str == "gthread" and config.threads == 3
