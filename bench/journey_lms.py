"""The demo LMS as its own server process for bench/journey.py (gunicorn: one process, threads).

    gunicorn --workers 1 --worker-class gthread --threads 16 'journey_lms:create()'

Settings come from the environment (the bench sets them): BENCH_LMS_URL (its own address, also the
issuer), BENCH_TOOL_URL (Kontor's), BENCH_STUDENTS (learners to enrol), BENCH_WARMUP (learners who warm
the server up first, on an activity of their own), BENCH_QUIZ (the slug of the exam activities). It is the Moodle 4.5 emulator of lms_module.demo_lms with a course of
BENCH_STUDENTS learners and one activity that plays the exam, plus two read-only JSON pages for the
bench under /_bench (the emulator's state lives in this process only, so the bench asks over HTTP):

    GET /_bench/info     the exam activity's cmid and the learners' user ids (and the warm-up's)
    GET /_bench/grades   per learner the time the LMS first accepted a score (2xx), and counters

One worker process: the emulator keeps its course, launches and gradebook in memory.
"""
from __future__ import annotations

import os

from flask import jsonify

from lms_module.demo_lms import DemoLmsSettings, create_demo_lms
from lms_module.demo_lms.runtime import STATE_KEY


def create():
    students = int(os.environ.get("BENCH_STUDENTS", "10"))
    settings = DemoLmsSettings(
        base_url=os.environ["BENCH_LMS_URL"],
        tool_base_url=os.environ["BENCH_TOOL_URL"],
        auto_activate_tools=True,
    )
    app = create_demo_lms(settings)
    state = app.extensions[STATE_KEY]
    learners = [state.add_user("Student", f"Bench{i:05d}", locale="de" if i % 2 else "en")
                for i in range(students)]
    warmup = [state.add_user("Warm", f"Up{i:03d}", locale="de" if i % 2 else "en")
              for i in range(int(os.environ.get("BENCH_WARMUP", "0")))]
    quiz = {"quiz": os.environ.get("BENCH_QUIZ", "accuracy-exam")}
    warmup_activity = state.add_activity("Warm-up exam", quiz)
    activity = state.add_activity("Bench exam", quiz)

    def info():
        return jsonify(cmid=activity.cmid, line_item=activity.line_item_id, users=[u.id for u in learners],
                       warmup_cmid=warmup_activity.cmid, warmup_users=[u.id for u in warmup])

    def grades():
        with state.lock:
            scores = list(state.received_scores)
            token_requests = state.token_requests
            counts = dict(state.faults.request_counts)
        accepted: dict[str, float] = {}
        refused = 0
        item = f"/lineitems/{activity.line_item_id}/"
        for score in scores:
            if item not in score.url:
                continue  # the warm-up's
            if not 200 <= score.status < 300:
                refused += 1
                continue
            user = str((score.json or {}).get("userId", ""))
            accepted.setdefault(user, score.time)
        return jsonify(accepted=accepted, score_posts=len(scores), refused=refused, token_requests=token_requests,
                       request_counts=counts)

    app.add_url_rule("/_bench/info", "bench_info", info)
    app.add_url_rule("/_bench/grades", "bench_grades", grades)
    return app
