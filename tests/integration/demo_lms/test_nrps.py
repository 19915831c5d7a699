"""Names and Role Provisioning Services (nrps-members.json)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

from lms_module.demo_lms.scopes import AGS_SCOPES, MEDIA_MEMBERSHIPS, SCOPE_NRPS


def memberships_url(rig) -> str:
    return f"{rig.lms_url}/mod/lti/services.php/CourseSection/2/bindings/1/memberships"


def get(rig, token: str, url: str | None = None, accept: str = MEDIA_MEMBERSHIPS, **params: str):
    return requests.get(url or memberships_url(rig), params=params,
                        headers={"Authorization": f"Bearer {token}", "Accept": accept}, timeout=5)


def test_full_list_like_moodle(rig):
    answer = get(rig, rig.access_token([SCOPE_NRPS]))
    assert answer.status_code == 200 and "Link" not in answer.headers
    assert answer.headers["Content-Type"] == f"{MEDIA_MEMBERSHIPS}; charset=utf-8"
    body = answer.json()
    assert body["id"] == memberships_url(rig)
    assert body["context"] == {"id": "2", "label": "LTIRIG101", "title": "LTI Rig Course"}
    # Sorted by family name like Moodle's users_order_by_sql: Schüler, Second, Student, Teacher.
    assert [member["user_id"] for member in body["members"]] == ["6", "5", "4", "3"]
    assert body["members"][1] == {
        "status": "Active", "roles": ["Learner"], "user_id": "5", "lis_person_sourcedid": "",
        "name": "Sara Second", "given_name": "Sara", "family_name": "Second",
        "email": "student2@example.com", "ext_user_username": "student2",
    }
    assert body["members"][3]["roles"] == ["Instructor"]
    assert "Sch\\u00fcler" in answer.text  # PHP's json_encode escapes non-ASCII


def test_three_pages_with_proper_next_links(rig):
    rig.state.add_members(8)  # 12 people in all
    token = rig.access_token([SCOPE_NRPS])
    seen, url, pages = [], memberships_url(rig) + "?limit=5", 0
    while url:
        answer = requests.get(url, headers={"Authorization": f"Bearer {token}", "Accept": MEDIA_MEMBERSHIPS},
                              timeout=5)
        pages += 1
        seen += [member["user_id"] for member in answer.json()["members"]]
        url = answer.links.get("next", {}).get("url")
        if url:
            assert parse_qs(urlsplit(url).query) == {"limit": ["5"], "from": [str(pages * 5)]}
    assert pages == 3 and len(seen) == len(set(seen)) == 12


def test_role_filter_takes_the_full_uri(rig):
    token = rig.access_token([SCOPE_NRPS])
    instructors = get(rig, token, role="http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor").json()
    assert [member["user_id"] for member in instructors["members"]] == ["3"]
    learners = get(rig, token, role="http://purl.imsglobal.org/vocab/lis/v2/membership#Learner").json()
    assert {member["user_id"] for member in learners["members"]} == {"4", "5", "6"}


def test_inactive_members_are_listed_as_inactive(rig):
    rig.state.set_member_status("5", "Inactive")
    members = get(rig, rig.access_token([SCOPE_NRPS])).json()["members"]
    assert next(member for member in members if member["user_id"] == "5")["status"] == "Inactive"


def test_accept_negotiation_and_authorisation(rig):
    token = rig.access_token([SCOPE_NRPS])
    assert get(rig, token, accept="*/*").status_code == 200
    refused = get(rig, token, accept="application/json")
    assert refused.status_code == 400
    assert refused.json()["reason"] == "No handler found for /CourseSection/2/bindings/1/memberships application/json "
    ags_only = rig.access_token(list(AGS_SCOPES))
    assert get(rig, ags_only).status_code == 401
    assert get(rig, "not-a-token").status_code == 401
