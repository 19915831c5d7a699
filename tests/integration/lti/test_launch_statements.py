"""A launch does only what it must (issue 15, "Cheaper hot path"): the statements of a login and a
launch are counted here, so that a change that adds a query to every launch of every student is
seen. A launch reads the platform with the token's deployment, takes its login out and uses its
nonce, reads what Kontor knows of the user, course, link and membership in one query, and writes
only what is new or changed; then the browser goes straight to the page the launch opens."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms_module.courses.models import LaunchSession, Membership, ResourceLink, User
from lms_module.extensions import db
from support.lti_forgery import begin_login, claims_for, post_launch
from support.sql_statements import statements

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def kinds(seen: list[str]) -> list[str]:
    """'SELECT lti_platform', 'INSERT lti_user', ... of statements recorded without the pool's pings."""
    found = []
    for statement in seen:
        verb = statement.split()[0].upper()
        table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", statement, re.IGNORECASE)
        found.append(f"{verb} {table.group(1) if table else '?'}")
    return found


def launch(live, browser, user: str, **changes):
    state, nonce = begin_login(live, browser, user=user)
    token = live.kit.sign_id_token(claims_for(live, nonce, user=user, **changes))
    with statements(live.app, without_pings=True) as seen:
        response = post_launch(browser, live, token, state)
    assert response.status_code == 302, response.text[:500]
    return response, kinds(seen)


def test_a_login_reads_the_platform_and_writes_the_login(live):
    with live.browser() as browser:
        begin_login(live, browser)  # the first also reads the platform's frame origins (cached a minute)
        with statements(live.app, without_pings=True) as seen:
            begin_login(live, browser)
    assert kinds(seen) == ["SELECT lti_platform", "INSERT lti_oidc_login"]


def test_a_students_first_launch_makes_seven_statements_and_a_returning_one_six(live):
    with live.browser() as browser:
        live.launch(browser, user="4")  # the class's first launch: course, link, frame origin known now
    with live.browser() as browser:
        _, first = launch(live, browser, user="5")
        _, again = launch(live, browser, user="5")
    validation = [
        "SELECT lti_platform",  # with the token's deployment
        "DELETE lti_oidc_login",  # the login, read and ended in one statement
        "INSERT lti_used_nonce",  # ON CONFLICT DO NOTHING: nothing inserted is a replay
        "SELECT lti_platform",  # what Kontor knows: user, course, link, membership (joined to the platform)
    ]
    assert first[:4] == validation and sorted(first[4:]) == ["INSERT lti_launch", "INSERT lti_membership",
                                                             "INSERT lti_user"], first
    # Nothing about the student changed: no user row written, the membership's last launch updated.
    assert again[:4] == validation and sorted(again[4:]) == ["INSERT lti_launch", "UPDATE lti_membership"], again
    with live.app.app_context():
        user = db.session.scalars(select(User).where(User.subject == "5")).one()
        membership = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).one()
        launches = db.session.scalars(select(LaunchSession).where(LaunchSession.user_id == user.id)).all()
    assert user.name and membership.role == "student" and membership.last_launch_at is not None
    assert len(launches) == 2 and {launch.course_id for launch in launches} == {membership.course_id}


def test_a_changed_name_and_role_are_written_by_the_launch(live):
    with live.browser() as browser:
        live.launch(browser, user="4")
        launch(live, browser, user="5")
        _, seen = launch(live, browser, user="5", name="Renamed Student", **{LTI + "roles": [INSTRUCTOR]})
    assert "UPDATE lti_user" in seen and "UPDATE lti_membership" in seen
    with live.app.app_context():
        user = db.session.scalars(select(User).where(User.subject == "5")).one()
        membership = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).one()
    assert user.name == "Renamed Student" and membership.role == "instructor"


def test_a_launch_opens_its_page_directly(live):
    """Student with a quiz: the start page; instructor: the activity page; without a quiz: the landing
    page, which says the activity is not set up. No extra landing request in between."""
    with live.browser() as browser:
        first = live.launch(browser, user="4")
        assert "not set up yet" in first.text and re.search(r"/l/[^/]+/$", first.url)
        with live.app.app_context():
            db.session.scalars(select(ResourceLink)).one().quiz_slug = "accuracy-practice"
            db.session.commit()
        student, _ = launch(live, browser, user="4")
        instructor, _ = launch(live, browser, user="3")  # the emulator's teacher
    assert re.search(r"/l/[^/]+/quiz$", student.headers["Location"]), student.headers["Location"]
    assert re.search(r"/l/[^/]+/instructor$", instructor.headers["Location"]), instructor.headers["Location"]


@pytest.mark.parametrize("first_context", ["course-a", None])
def test_a_known_link_launched_from_another_course_is_still_refused(live, first_context):
    """The link row found by the joined read keeps its course: moving it is refused (403)."""
    context = {"id": first_context, "label": "A", "title": "A"} if first_context else None
    link = {"id": "shared-link", "title": "Exam"}
    with live.browser() as browser:
        first = {LTI + "resource_link": link, **({LTI + "context": context} if context else {})}
        launch(live, browser, user="4", **first)
        state, nonce = begin_login(live, browser, user="4")
        token = live.kit.sign_id_token(claims_for(live, nonce, user="4", **{
            LTI + "resource_link": link, LTI + "context": {"id": "course-b", "label": "B", "title": "B"}}))
        response = post_launch(browser, live, token, state)
    assert response.status_code == 403 and "resource_link_in_other_course" in response.text
