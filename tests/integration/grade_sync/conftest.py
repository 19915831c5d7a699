import pytest

from grade_sync.rig import Rig


@pytest.fixture
def rig(live):
    """The live Kontor and emulator with the grade sync test quizzes; Sam (4) uses four_checks."""
    rig = Rig(live)
    rig.use_quiz("gs-four-checks")
    return rig
