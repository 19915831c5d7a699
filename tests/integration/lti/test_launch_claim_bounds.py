"""Signed claims Kontor cannot store are refused with the launch error page (400, invalid_message),
never a 500: a value longer than its column or holding a NUL character. PostgreSQL refuses both
(psycopg DataError: the launch answered 500 and logged an error); SQLite stored them (a subject of
300 characters, a name with a NUL). Only a registered platform can sign such a launch, but with
invitations or open registration that is anyone who registered one.

The checks belong in lms_module/lti/launch.py (the deployment id, before an unknown one is recorded)
and lms_module/lti/services.py (sub through _identifier like the context and link ids; the AGS
line item URLs, 1024 characters; NUL in any stored string), which are being changed elsewhere right
now: until then this test is an expected failure."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms_module.courses.models import LaunchSession
from lms_module.extensions import db
from lms_module.lti.models import Deployment
from support.lti_forgery import begin_login, claims_for, post_launch

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


def _changes(live, case):
    claims = claims_for(live, "n")
    if case == "long_subject":
        return {"sub": "s" * 300}
    if case == "nul_in_subject":
        return {"sub": "4\x00"}
    if case == "nul_in_name":
        return {"name": "Ada\x00 Lovelace"}
    if case == "nul_in_course_title":
        return {LTI + "context": {**claims[LTI + "context"], "title": "Accounting\x00"}}
    if case == "long_lineitem_url":
        return {AGS: {**claims.get(AGS, {}), "scope": [], "lineitem": "https://lms.example/" + "x" * 1100}}
    if case == "long_deployment_id":
        return {LTI + "deployment_id": "d" * 300}
    if case == "nul_in_deployment_id":
        return {LTI + "deployment_id": "1\x00"}
    raise AssertionError(case)


@pytest.mark.xfail(strict=True, reason="fix belongs in lti/launch.py and lti/services.py, being edited elsewhere")
@pytest.mark.parametrize("case", ["long_subject", "nul_in_subject", "nul_in_name", "nul_in_course_title",
                                  "long_lineitem_url", "long_deployment_id", "nul_in_deployment_id"])
def test_a_signed_claim_kontor_cannot_store_is_refused(live, case):
    with live.app.app_context():
        deployments = db.session.scalar(select(func.count()).select_from(Deployment))
    with live.browser() as browser:
        state, nonce = begin_login(live, browser)
        token = live.kit.sign_id_token(claims_for(live, nonce, **_changes(live, case)))
        response = post_launch(browser, live, token, state, **{"Accept-Language": "de"})
    assert response.status_code == 400, response.status_code
    assert "invalid_message" in response.text and "Fehlercode" in response.text
    with live.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LaunchSession)) == 0
        assert db.session.scalar(select(func.count()).select_from(Deployment)) == deployments
