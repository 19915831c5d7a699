"""WCAG 2.2.1: only exams may be timed. A practice quiz file with a limit is refused, and a limit
that reaches a practice activity anyway (an override, an LMS custom parameter, an exam switched to
practice) is ignored."""
import pytest
from pydantic import ValidationError

from lms_module.attempts import policy
from lms_module.engine.schema import Settings


def test_a_practice_quiz_file_with_a_time_limit_is_refused():
    with pytest.raises(ValidationError, match="practice quiz has no time limit"):
        Settings(mode="practice", time_limit_minutes=20)
    assert Settings(mode="exam", time_limit_minutes=20).time_limit_minutes == 20


@pytest.mark.parametrize("file, overrides", [
    (Settings(mode="exam", time_limit_minutes=30), {"mode": "practice"}),
    (Settings(mode="practice"), {"time_limit_minutes": 15}),
    (Settings(mode="exam"), {"mode": "practice", "time_limit_minutes": 15}),
])
def test_a_limit_in_practice_mode_is_ignored(file, overrides):
    assert policy.effective_settings(file, overrides).time_limit_minutes is None


def test_an_exam_keeps_its_limit():
    assert policy.effective_settings(Settings(mode="practice"), {"mode": "exam", "time_limit_minutes": 15}).time_limit_minutes == 15
