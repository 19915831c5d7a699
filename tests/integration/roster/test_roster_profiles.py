"""Course rosters through Kontor's roster sync on both profiles of the demo LMS (issue 10).

Moodle pages only when asked (`limit`); Canvas pages always, at most 50 members a page whatever
Kontor asks for, and says where the next page is only in `Link: <…>; rel="next"` (its links carry
`page`/`per_page`, not Kontor's `limit`). Either way every member must arrive."""
import math

import pytest
from sqlalchemy import select

from lms_module.extensions import db
from lms_module.courses.models import LaunchSession, Membership, User
from lms_module.roster import RosterSettings, refresh_due

CANVAS_PAGE = 50  # Canvas's default and maximum per_page for names_and_roles


def _course_id(rig, launch_id):
    with rig.app.app_context():
        return db.session.get(LaunchSession, launch_id).course_id


def _members(rig, course_id):
    with rig.app.app_context():
        rows = db.session.execute(
            select(User.subject, User.name, User.email, Membership.role, Membership.status)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.course_id == course_id)
        ).all()
        return {r.subject: r for r in rows}


def _refresh(rig, settings):
    with rig.app.app_context():
        try:
            return refresh_due(settings=settings)
        finally:
            db.session.remove()


@pytest.mark.parametrize("lms_profile", ["moodle", "canvas"])
def test_every_member_arrives_over_several_pages_on_both_profiles(rig, lms_profile):
    added = rig.lms.add_members(120)  # 4 seeded people + 120 = 124 members
    course_id = _course_id(rig, rig.launch("3").launch_id)  # an instructor opened the course
    settings = RosterSettings()  # Kontor's default: 100 a page
    [result] = _refresh(rig, settings)
    assert result.members == 124 and result.new_users == 123
    # Moodle honours limit=100 (2 pages); Canvas caps a page at 50 (3 pages, found by rel="next").
    per_page = CANVAS_PAGE if lms_profile == "canvas" else settings.page_size
    assert rig.lms.request_counts["nrps"] == math.ceil(124 / per_page)
    members = _members(rig, course_id)
    expected = {rig.lms.subject(uid) for uid in ("3", "4", "5", "6", *(u.id for u in added))}
    assert set(members) == expected
    assert members[rig.lms.subject("3")].role == "instructor"
    sara = members[rig.lms.subject("5")]
    assert (sara.role, sara.name, sara.email) == ("student", "Sara Second", "student2@example.com")
    last = members[rig.lms.subject(added[-1].id)]
    assert (last.role, last.status, last.name) == ("student", "active", "Member Number0120")


@pytest.mark.parametrize("lms_profile", ["canvas"])
def test_canvas_pages_are_followed_by_their_next_links_only(rig):
    rig.lms.add_members(CANVAS_PAGE * 2 - 4 + 1)  # 101 members: pages of 50, 50 and 1
    course_id = _course_id(rig, rig.launch("3").launch_id)
    [result] = _refresh(rig, RosterSettings(page_size=CANVAS_PAGE))
    assert result.members == 101
    assert len(_members(rig, course_id)) == 101
    assert rig.lms.request_counts["nrps"] == 3  # and not a fourth: the last page has no next link

