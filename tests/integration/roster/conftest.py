import pytest

from grade_sync.rig import Rig


@pytest.fixture
def rig(live):
    return Rig(live)
