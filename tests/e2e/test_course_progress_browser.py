"""The course overview (instructor) and the progress page (student) in a real browser inside the
demo LMS, in German and English: axe-core finds no WCAG 2.2 AA violation, the heat map has its
title, description and printed values, and "practise my weak spots" opens a practice question."""
import random
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from datetime import timedelta

from lms_module.attempts import services
from lms_module.attempts.models import Accommodation, LinkSettings
from lms_module.courses.models import LaunchSession, ResourceLink
from lms_module.db_types import utcnow
from lms_module.extensions import db
from support.accessibility import assert_accessible
from support.answer_keys import planned_key_forms
from support.class_of_students import enrolled_students, launched_all_types_activity
from support.lms_frame import attempt_page_ready, launched_frame

ROOT = Path(__file__).resolve().parents[2]
PRACTICE = ROOT / "quizzes" / "accuracy" / "accuracy-practice.yaml"


def _take(link, user_id, rng, share):
    attempt = services.start_attempt(link, user_id, utcnow())
    form, ids = {}, []
    for question, fields in planned_key_forms(attempt):
        if fields and rng.random() < share:
            form.update(fields)
            ids.append(question.id)
    if ids:
        services.save_answers(attempt, form, ids, utcnow())
    services.submit_attempt(attempt, utcnow())


@pytest.fixture
def course_with_attempts(live):
    launched_all_types_activity(live, PRACTICE)
    rng = random.Random(3)
    with live.app.app_context():
        link, user_ids = enrolled_students({f"s{n}": f"Student {n}" for n in range(5)})
        for n, user_id in enumerate(user_ids):
            _take(link, user_id, rng, 0.3 + n * 0.15)
        db.session.commit()
    return live


def _frame(page, live, user, locale):
    page.goto(f"{live.lms_url}/course/view/2?user={user}&locale={locale}")
    return launched_frame(page)


@pytest.mark.parametrize("locale", ["en", "de"])
def test_course_overview_is_accessible(page, course_with_attempts, locale):
    live = course_with_attempts
    frame = _frame(page, live, "3", locale)
    frame.locator("a[href$='/course/overview']").first.click()
    frame.wait_for_selector("main svg.heat-map")
    assert frame.locator("html").get_attribute("lang") == locale
    assert frame.locator("svg.heat-map title").count() == 1 and frame.locator("svg.heat-map desc").count() == 1
    assert frame.locator("svg.heat-map text.heat-map__value").count() == 5 * 7  # a value in every cell
    assert_accessible(frame, f"course overview ({locale})")
    # Sort by the first topic. Wait for the sorted page itself: the page before it already has a
    # th[aria-sort] (the name column), and axe-core run while the click's navigation replaced the
    # document failed ("execution context was destroyed", "axe is not defined").
    topic = frame.locator("table.progress-matrix th a").nth(1)
    sorted_url = topic.get_attribute("href").split("#")[0]
    topic.click()
    frame.wait_for_url(re.compile(re.escape(sorted_url)))
    frame.wait_for_selector("table.progress-matrix th[aria-sort]")
    assert_accessible(frame, f"course overview sorted ({locale})")


@pytest.fixture
def course_with_own_dates(live):
    """The activity closes in 3 days; nobody started it: Cem has no own date, Dora's own date is in
    10 days, Emil's in 2 days."""
    launched_all_types_activity(live, PRACTICE)
    with live.app.app_context():
        link, (_cem, dora, emil) = enrolled_students({"cem": "Cem Celik", "dora": "Dora Dietz", "emil": "Emil Eck"})
        now = utcnow()
        db.session.add(LinkSettings(resource_link_id=link.id, overrides={"close_at": (now + timedelta(days=3)).isoformat()}))
        db.session.add(Accommodation(resource_link_id=link.id, user_id=dora, close_at=now + timedelta(days=10)))
        db.session.add(Accommodation(resource_link_id=link.id, user_id=emil, close_at=now + timedelta(days=2)))
        db.session.commit()
    return live


@pytest.mark.parametrize("locale", ["en", "de"])
def test_not_started_list_reads_each_students_own_closing_date(page, course_with_own_dates, locale):
    frame = _frame(page, course_with_own_dates, "3", locale)
    frame.locator("a[href$='/course/overview']").first.click()
    frame.wait_for_selector("ul.progress-due")
    listed = frame.locator("ul.progress-due li").all_inner_texts()
    assert [name.split(" · ")[0] for name in listed] == ["Cem Celik", "Emil Eck"]
    assert ("own closing date" if locale == "en" else "eigenes Schlussdatum") in listed[1]
    assert_accessible(frame, f"course overview with own closing dates ({locale})")


@pytest.fixture
def course_with_a_closed_activity(live):
    """Anna submitted the activity, Ben's attempt is still in progress, Cem never started; it
    closed an hour ago; Dora's own date is in 2 days."""
    launched_all_types_activity(live, PRACTICE)
    with live.app.app_context():
        link, (anna, ben, _cem, dora) = enrolled_students(
            {"anna": "Anna Arendt", "ben": "Ben Brandt", "cem": "Cem Celik", "dora": "Dora Dietz"})
        _take(link, anna, random.Random(2), 0.5)
        services.start_attempt(link, ben, utcnow() - timedelta(hours=2))
        now = utcnow()
        db.session.add(LinkSettings(resource_link_id=link.id, overrides={"close_at": (now - timedelta(hours=1)).isoformat()}))
        db.session.add(Accommodation(resource_link_id=link.id, user_id=dora, close_at=now + timedelta(days=2)))
        db.session.commit()
    return live


@pytest.mark.parametrize("locale", ["en", "de"])
def test_missed_list_names_who_let_a_closed_activity_pass(page, course_with_a_closed_activity, locale):
    frame = _frame(page, course_with_a_closed_activity, "3", locale)
    frame.locator("a[href$='/course/overview']").first.click()
    frame.wait_for_selector("ul.progress-missed")
    listed = frame.locator("ul.progress-missed li").all_inner_texts()
    assert [name.split(" · ")[0] for name in listed] == ["Ben Brandt", "Cem Celik"]
    assert ("started, not submitted" if locale == "en" else "begonnen, nicht abgegeben") in listed[0]
    assert_accessible(frame, f"course overview with a missed activity ({locale})")


@pytest.mark.parametrize("locale", ["en", "de"])
def test_progress_page_is_accessible_and_practice_starts(page, course_with_attempts, locale):
    live = course_with_attempts
    user = "4" if locale == "en" else "6"
    frame = _frame(page, live, user, locale)
    with live.app.app_context():  # the student who just launched takes the activity once
        launch = db.session.scalars(select(LaunchSession).order_by(LaunchSession.created_at.desc())).first()
        _take(db.session.get(ResourceLink, launch.resource_link_id), launch.user_id, random.Random(1), 0.4)
        db.session.commit()
    frame.goto(frame.url)
    frame.locator("a[href$='/progress']").first.click()
    frame.wait_for_selector("table.progress-mine")
    assert frame.locator("html").get_attribute("lang") == locale
    assert_accessible(frame, f"progress page ({locale})")
    frame.locator("form[action$='/progress/practise'] button").click()
    attempt_page_ready(frame)
    assert_accessible(frame, f"weak-spots practice question ({locale})")
