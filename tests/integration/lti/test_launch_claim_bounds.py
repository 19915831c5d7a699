"""Claims Kontor cannot store are refused with the launch error page (400), never a 500: a NUL
character anywhere in the token (PostgreSQL refuses one in text: the platform's look-up or an
INSERT failed, a 500; SQLite stored it) as a malformed token, before any query; an id or a URL
longer than its column as an invalid message (refused, never cut: a cut id names another record,
a cut URL is another URL). Only a registered platform can sign the long values, but with
invitations or open registration that is anyone who registered one."""
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
    if case == "nul_in_issuer":
        return {"iss": claims["iss"] + "\x00"}
    if case == "lone_surrogate_in_name":
        return {"name": "Ada \ud83d"}
    if case == "nul_in_a_custom_key":
        return {LTI + "custom": {"quiz\x00": "x"}}
    if case == "long_memberships_url":
        return {"https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
            "context_memberships_url": "https://lms.example/" + "m" * 1100, "service_versions": ["2.0"]}}
    if case == "long_return_url":
        return {LTI + "launch_presentation": {"return_url": "https://lms.example/" + "r" * 2100}}
    raise AssertionError(case)


@pytest.mark.parametrize("case, reason", [
    ("long_subject", "invalid_message"), ("long_lineitem_url", "invalid_message"),
    ("long_deployment_id", "invalid_message"), ("long_memberships_url", "invalid_message"),
    ("long_return_url", "invalid_message"),
    ("nul_in_subject", "malformed_token"), ("nul_in_name", "malformed_token"),
    ("nul_in_course_title", "malformed_token"), ("nul_in_deployment_id", "malformed_token"),
    ("nul_in_issuer", "malformed_token"), ("nul_in_a_custom_key", "malformed_token"),
    ("lone_surrogate_in_name", "malformed_token"),
])
def test_a_signed_claim_kontor_cannot_store_is_refused(live, case, reason):
    with live.app.app_context():
        deployments = db.session.scalar(select(func.count()).select_from(Deployment))
    with live.browser() as browser:
        state, nonce = begin_login(live, browser)
        token = live.kit.sign_id_token(claims_for(live, nonce, **_changes(live, case)))
        response = post_launch(browser, live, token, state, **{"Accept-Language": "de"})
    assert response.status_code == 400, response.status_code
    assert reason in response.text and "Fehlercode" in response.text
    with live.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LaunchSession)) == 0
        assert db.session.scalar(select(func.count()).select_from(Deployment)) == deployments
