"""An attempt whose plan names a question its quiz version lacks (a bad row: the sweep cannot submit
it, its pages cannot show that question), for the tests of how Kontor copes with one."""
from __future__ import annotations

# The plan entry of a question the quiz does not have: submitting the attempt raises.
GHOST = {"question_id": "ghost", "layout": {}}


def with_ghost(plan: list[dict]) -> list[dict]:
    """The plan with the ghost question added at its end."""
    return [*plan, GHOST]


def without_ghost(plan: list[dict]) -> list[dict]:
    """The plan with the ghost question gone again (the cause fixed)."""
    return [entry for entry in plan if entry != GHOST]
