"""The preview's "Back" link is a real link (issue 9: `javascript:history.back()` was blocked by
Kontor's own CSP, so the button did nothing)."""
from __future__ import annotations

import re

import pytest

from lms_module.extensions import db
from lms_module.library.services import import_path
from lms_module.courses.models import LaunchSession
from test_instructor_page import ALL_TYPES


@pytest.fixture
def library(app):
    with app.app_context():
        assert import_path(ALL_TYPES, origin="import").ok
        db.session.commit()


def _back_link(body: str) -> str:
    return re.search(r'<a href="([^"]*)" class="button secondary">Back</a>', body).group(1)


def test_the_preview_leads_back_to_the_quiz_choice(client, make_launch, library):
    launch = make_launch("instructor", locale="en")
    body = client.get(f"/l/{launch}/library/all-types/preview").get_data(as_text=True)
    assert "javascript:" not in body
    back = _back_link(body)
    assert back == f"/l/{launch}/instructor/choose"
    assert client.get(back).status_code == 200


def test_the_preview_of_the_deep_linking_picker_leads_back_to_the_picker(app, client, make_launch, library):
    launch = make_launch("instructor", locale="en", message_type="LtiDeepLinkingRequest")
    with app.app_context():
        db.session.get(LaunchSession, launch).deep_linking = {
            "deep_link_return_url": "https://lms.example/return", "accept_types": ["ltiResourceLink"]}
        db.session.commit()
    body = client.get(f"/l/{launch}/library/all-types/preview").get_data(as_text=True)
    back = _back_link(body)
    assert back == f"/l/{launch}/deep-linking"
    assert client.get(back).status_code == 200
