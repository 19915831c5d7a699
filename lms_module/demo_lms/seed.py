"""The seeded course, people, tool and activity: the ids of the Moodle samples.

Course 2 (LTIRIG101), tool type 1, activity cmid 2 with LTI instance 1 and grade item 2,
teacher1 (3), student1 (4), student2 (5) as in the samples, plus a German-speaking learner (6).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from .model import INSTRUCTOR, LEARNER, Activity, Course, LineItem, Tool, User
from .scopes import SUPPORTED_TOOL_SCOPES
from .settings import DemoLmsSettings

COURSE_ID = "2"
SEEDED_TYPE_ID = 1
SEEDED_CMID = 2
SEEDED_INSTANCE_ID = 1
SEEDED_ITEM_ID = 2
SEEDED_ACTIVITY_TITLE = "Kontor quiz"


@dataclass
class Counters:
    """Next ids, continuing after the seeded records like Moodle's sequences would."""

    next_cmid: int = SEEDED_CMID + 1
    next_instance_id: int = SEEDED_INSTANCE_ID + 1
    next_item_id: int = SEEDED_ITEM_ID + 1
    next_type_id: int = SEEDED_TYPE_ID + 1
    next_user_id: int = 7


def seeded_course() -> Course:
    return Course(id=COURSE_ID, label="LTIRIG101", title="LTI Rig Course")


def seeded_users() -> list[User]:
    # Time zones: student1 keeps Moodle's default "99" (the server's zone); the others chose one.
    return [
        User("3", "teacher1", "Tina", "Teacher", "teacher1@example.com", INSTRUCTOR, "en", timezone="Europe/Berlin"),
        User("4", "student1", "Sam", "Student", "student1@example.com", LEARNER, "en"),
        User("5", "student2", "Sara", "Second", "student2@example.com", LEARNER, "en", timezone="Europe/London"),
        User("6", "student3", "Stefan", "Schüler", "student3@example.com", LEARNER, "de", timezone="Europe/Berlin"),
    ]


def seeded_tool(settings: DemoLmsSettings) -> Tool:
    return Tool(
        client_id=settings.client_id,
        type_id=SEEDED_TYPE_ID,
        deployment_id=settings.deployment_id,
        name="Kontor",
        initiate_login_uri=settings.tool_login_url,
        redirect_uris=[settings.tool_launch_url],
        jwks_uri=settings.tool_jwks_url,
        target_link_uri=settings.tool_launch_url,
        domain=urlsplit(settings.tool_base_url).netloc,
        scopes=list(SUPPORTED_TOOL_SCOPES),
        description="Quiz training for back-office staff",
        # As Kontor's docs tell an administrator who adds the tool by hand (docs/lti.md).
        custom_parameters={"timezone": "$Person.address.timezone"},
    )


def seeded_activity(settings: DemoLmsSettings) -> Activity:
    # No custom parameters: the tool must show "not set up yet" or its picker.
    return Activity(
        cmid=SEEDED_CMID,
        instance_id=SEEDED_INSTANCE_ID,
        title=SEEDED_ACTIVITY_TITLE,
        description="",
        tool_client_id=settings.client_id,
        url=settings.tool_launch_url,
        custom_parameters="",
        service_salt=secrets.token_hex(8),
        line_item_id=SEEDED_ITEM_ID,
    )


def seeded_line_item() -> LineItem:
    return LineItem(
        id=SEEDED_ITEM_ID,
        course_id=COURSE_ID,
        type_id=SEEDED_TYPE_ID,
        label=SEEDED_ACTIVITY_TITLE,
        score_maximum=100.0,
        lti_link_id=SEEDED_INSTANCE_ID,
    )
