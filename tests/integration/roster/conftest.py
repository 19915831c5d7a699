import pytest

from grade_sync.rig import Rig
from lms_module.roster import sync


@pytest.fixture
def rig(live):
    sync.forget_process_state()
    yield Rig(live)
    sync.forget_process_state()
