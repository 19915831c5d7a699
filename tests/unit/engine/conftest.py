"""Fixtures for the engine's unit tests: no Flask app, no database."""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from lms_module.engine import Quiz, load_quiz
from lms_module.engine.schema import AnyQuestion, Question

FIXTURES = Path(__file__).parent / "fixtures"
_QUESTION = TypeAdapter(Question)


@lru_cache(maxsize=None)
def _load(name: str) -> Quiz:
    return load_quiz(FIXTURES / name)  # models are frozen, so sharing one instance is safe


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def quiz() -> Quiz:
    """A library-grade quiz with every question type once."""
    return _load("all_types.yaml")


@pytest.fixture
def make_question() -> Callable[..., AnyQuestion]:
    """Build one question from keyword fields; `id` and `text` have defaults."""

    def make(**fields: Any) -> AnyQuestion:
        data = {"id": "q1", "text": {"de": "Frage", "en": "Question"}, **fields}
        return _QUESTION.validate_python(data)

    return make


@pytest.fixture
def rng() -> random.Random:
    return random.Random("test")
