"""Reading the log line of a failed try to submit an attempt (attempts.services._log_submit_failure)."""
from __future__ import annotations

import re

from lms_module.attempts.services import SUBMITTERS


def submit_tries_logged(caplog, attempt_id: int) -> list[tuple[int, str]]:
    """(try, who tried: a key of SUBMITTERS) of each logged failed try of the attempt (its row id)."""
    who = {text: key for key, text in SUBMITTERS.items()}
    pattern = re.compile(rf"submitting attempt {attempt_id} failed \(try (\d+), by ({'|'.join(map(re.escape, who))})\)")
    return [(int(m.group(1)), who[m.group(2)]) for r in caplog.records if (m := pattern.match(r.getMessage()))]
