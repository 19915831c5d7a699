"""The messages one room sends another without importing it (blinker). Payloads are plain values.

- `work_queued`: rows for the workers were written (grades to send, a roster wished for). Sent by
  `queue_work()` only after the transaction that wrote them commits; `worker.py` subscribes and
  wakes this process's workers.
- `attempt_graded`: a student's grade on an activity may have changed. Sent by `attempts/` inside the
  transaction that changed it, with an `attempts.grades.ActivityResult` (link id, user id, the grade
  from engine.activity_grade, the time ...); `grade_sync/` subscribes and writes the outbox row in
  that same transaction, without calling back into `attempts/`.
"""
from __future__ import annotations

from blinker import Namespace

from .transaction import run_after_commit

_signals = Namespace()

work_queued = _signals.signal("work-queued")
attempt_graded = _signals.signal("attempt-graded")


def queue_work(sender: str) -> None:
    """Wake the workers once the rows just written are committed (`sender`: the room's name)."""
    run_after_commit(lambda: work_queued.send(sender))
