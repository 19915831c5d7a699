"""The emulated Moodle's records: plain dataclasses, no behaviour beyond small derived values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LEARNER = "Learner"
INSTRUCTOR = "Instructor"
ROLE_URI_PREFIX = "http://purl.imsglobal.org/vocab/lis/v2/membership#"

ACTIVE = "Active"
INACTIVE = "Inactive"

# Moodle's value for "use the server's time zone" (core_date: 99), what $USER->timezone holds then.
SERVER_TIME_ZONE = "99"

TOOL_ACTIVE = "active"
TOOL_PENDING = "pending"


@dataclass
class User:
    id: str
    username: str
    given_name: str
    family_name: str
    email: str
    role: str  # LEARNER or INSTRUCTOR: Moodle sends one context role per user.
    locale: str = "en"
    status: str = ACTIVE
    # Canvas's Test Student of Student View: a learner whose scores older Canvas refuses (422).
    test_user: bool = False
    # The profile's time zone as Moodle stores it (mdl_user.timezone): an IANA name, or "99" for
    # "the server's time zone" (every new account). Canvas: "99" is a user who chose no zone.
    timezone: str = SERVER_TIME_ZONE

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def role_uri(self) -> str:
        return ROLE_URI_PREFIX + self.role


@dataclass
class Course:
    id: str
    label: str
    title: str


@dataclass
class Tool:
    """A tool type (mdl_lti_types): one client_id, one deployment."""

    client_id: str
    type_id: int
    deployment_id: str
    name: str
    initiate_login_uri: str
    redirect_uris: list[str]
    jwks_uri: str
    target_link_uri: str
    domain: str
    scopes: list[str]
    custom_parameters: dict[str, str] = field(default_factory=dict)
    status: str = TOOL_ACTIVE
    description: str = ""
    registration: dict[str, Any] | None = None  # the raw dynamic-registration request
    configuration: dict[str, Any] | None = None  # Canvas: the developer key's JSON configuration


@dataclass
class Activity:
    """A course module of type lti: `cmid` addresses the page, `instance_id` is the link id."""

    cmid: int
    instance_id: int
    title: str
    description: str
    tool_client_id: str
    url: str
    # Moodle stores instructor custom parameters as "key=value" lines and parses them at launch.
    custom_parameters: str
    service_salt: str
    line_item_id: int | None = None


@dataclass
class LineItem:
    id: int
    course_id: str
    type_id: int
    label: str
    score_maximum: float
    resource_id: str = ""
    tag: str = ""
    lti_link_id: int | None = None  # the activity instance id for coupled items
    start_date_time: str | None = None
    end_date_time: str | None = None


@dataclass
class Grade:
    """A grade_grades row, reduced to what the AGS rules read and write."""

    item_id: int
    user_id: str
    raw_grade: float | None
    feedback: str | None
    timemodified: int | None
    grading_progress: str
    activity_progress: str

    @property
    def display(self) -> str:
        return "-" if self.raw_grade is None else f"{self.raw_grade:.2f}"


@dataclass
class PendingLaunch:
    """A started login (Moodle keeps it in $SESSION under the launchid)."""

    launch_id: str
    user_id: str
    client_id: str
    message_type: str
    locale: str
    sesskey: str
    created_at: float
    numeric_launch_id: int
    cmid: int | None = None
    dl_title: str = ""
    dl_text: str = ""
    dl_data: str | None = None


@dataclass
class AccessToken:
    token: str
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float


@dataclass
class ReceivedScore:
    """One score POST as it arrived, for tests to assert on (raw body, headers, outcome)."""

    time: float
    url: str
    raw_body: str
    json: Any
    headers: dict[str, str]
    status: int


@dataclass
class DeepLinkingReturn:
    time: float
    client_id: str
    claims: dict[str, Any]
    created_cmids: list[int]
    ignored_items: list[dict[str, Any]]


@dataclass
class LogLine:
    time: float
    text: str
