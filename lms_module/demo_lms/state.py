"""PlatformState: everything the emulated Moodle remembers, behind one lock.

The app keeps one instance in ``app.extensions["demo_lms"]``. Tests read it (gradebook, logs,
counters) and steer it (faults, key rotation, members, activities) from Python while a threaded
server handles requests, so every access goes through ``self.lock``.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import canvas_ids, custom_params
from .faults import FaultPlan, InjectedFailure
from .keys import PlatformKey
from .model import (
    ACTIVE,
    INACTIVE,
    LEARNER,
    TOOL_ACTIVE,
    TOOL_PENDING,
    AccessToken,
    Activity,
    Course,
    DeepLinkingReturn,
    Grade,
    LineItem,
    LogLine,
    PendingLaunch,
    ReceivedScore,
    Tool,
    User,
)
from .seed import (
    COURSE_ID,
    SEEDED_CMID,
    Counters,
    seeded_activity,
    seeded_course,
    seeded_line_item,
    seeded_tool,
    seeded_users,
)
from .settings import DemoLmsSettings

ACCESS_TOKEN_LIFETIME = 3600  # LTI_ACCESS_TOKEN_LIFE in Moodle
PENDING_LAUNCH_LIFETIME = 600
REGISTRATION_TOKEN_LIFETIME = 3600
LOG_LINES_KEPT = 200


class PlatformState:
    def __init__(
        self,
        settings: DemoLmsSettings,
        key: PlatformKey,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.lock = threading.RLock()
        # Tests may swap the clock; everything time-dependent reads it through now().
        self.clock = clock
        self.key = key
        self.previous_keys: list[PlatformKey] = []

        self.course: Course = seeded_course()
        self.users: dict[str, User] = {user.id: user for user in seeded_users()}
        tool = seeded_tool(settings)
        self.tools: dict[str, Tool] = {tool.client_id: tool}
        activity = seeded_activity(settings)
        self.activities: dict[int, Activity] = {activity.cmid: activity}
        item = seeded_line_item()
        self.line_items: dict[int, LineItem] = {item.id: item}
        self.grades: dict[tuple[int, str], Grade] = {}
        self.counters = Counters()

        self.pending_launches: dict[str, PendingLaunch] = {}
        self.deep_linking_sessions: dict[str, PendingLaunch] = {}  # by sesskey
        self.access_tokens: dict[str, AccessToken] = {}
        self.used_jtis: dict[tuple[str, str], float] = {}
        self.pending_registrations: dict[str, float] = {}  # future client_id -> expiry
        self.received_scores: list[ReceivedScore] = []
        self.deep_linking_returns: list[DeepLinkingReturn] = []
        self.log: deque[LogLine] = deque(maxlen=LOG_LINES_KEPT)
        self.faults = FaultPlan()
        # Moodle sends no `data` in deep_linking_settings; a test may set one to check the echo.
        self.deep_linking_data: str | None = None
        # "page": auth errors end on a 400 page (the brief). "form_post": like Moodle's auth.php,
        # which posts error/error_description/state back to a trusted redirect_uri.
        self.auth_error_mode = "page"
        # Canvas profile: whether scores for the Test Student are accepted (the newest canvas-lms
        # source) or refused with 422 (older Canvas, canvas-lms issue 1659; the default here).
        self.accept_test_student_scores = False

        if settings.state_path and Path(settings.state_path).exists():
            self._load(Path(settings.state_path))

    # -- time, logging, persistence -------------------------------------------------------

    def now(self) -> float:
        return self.clock()

    def log_line(self, text: str) -> None:
        with self.lock:
            self.log.append(LogLine(self.now(), text))

    @contextmanager
    def mutating(self) -> Iterator[None]:
        """Hold the lock for a change and persist it afterwards (demo mode)."""
        with self.lock:
            yield
            self._save()

    def _save(self) -> None:
        if not self.settings.state_path:
            return
        path = Path(self.settings.state_path)
        data = {
            "course": asdict(self.course),
            "users": [asdict(user) for user in self.users.values()],
            "tools": [asdict(tool) for tool in self.tools.values()],
            "activities": [asdict(activity) for activity in self.activities.values()],
            "line_items": [asdict(item) for item in self.line_items.values()],
            "grades": [asdict(grade) for grade in self.grades.values()],
            "counters": asdict(self.counters),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write-then-rename so a crash never leaves half a state file behind.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".demo-lms-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=2, ensure_ascii=False)
        os.replace(temporary, path)

    def _load(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self.course = _build(Course, data["course"])
        self.users = {user.id: user for user in (_build(User, row) for row in data["users"])}
        self.tools = {tool.client_id: tool for tool in (_build(Tool, row) for row in data["tools"])}
        self.activities = {a.cmid: a for a in (_build(Activity, row) for row in data["activities"])}
        self.line_items = {i.id: i for i in (_build(LineItem, row) for row in data["line_items"])}
        self.grades = {(g.item_id, g.user_id): g for g in (_build(Grade, row) for row in data["grades"])}
        self.counters = _build(Counters, data["counters"])
        # The seeded tool follows the current settings (ports change between demo runs).
        self.tools[self.settings.client_id] = seeded_tool(self.settings)
        if SEEDED_CMID in self.activities:
            self.activities[SEEDED_CMID].url = self.settings.tool_launch_url

    # -- keys --------------------------------------------------------------------------------

    def rotate_key(self, keep_previous: bool = False) -> PlatformKey:
        """Switch to a new signing key. Moodle publishes one key, so by default the old one goes."""
        new_key = PlatformKey.generate()
        with self.lock:
            if keep_previous:
                self.previous_keys.insert(0, self.key)
            else:
                self.previous_keys.clear()
            self.key = new_key
            self.log_line(f"platform key rotated, new kid {new_key.kid}")
        return new_key

    def jwks(self) -> dict[str, Any]:
        with self.lock:
            return {"keys": [key.public_jwk() for key in (self.key, *self.previous_keys)]}

    def verification_keys(self) -> list[PlatformKey]:
        with self.lock:
            return [self.key, *self.previous_keys]

    # -- fault injection -------------------------------------------------------------------

    def inject_failure(
        self,
        kind: str,
        status: int,
        times: int = 1,
        retry_after: int | str | None = None,
        body: Any = None,
    ) -> None:
        """Answer the next `times` requests of `kind` with `status` (and Retry-After, body).

        Status 0 drops the connection without an answer (the client sees a connection error).
        """
        with self.lock:
            self.faults.inject(kind, InjectedFailure(status, times, retry_after, body))

    def delay(self, kind: str, seconds: float) -> None:
        """Delay every request of `kind` by `seconds` (0 removes the delay)."""
        with self.lock:
            self.faults.set_delay(kind, seconds)

    def set_down(self, down: bool = True, drop_connections: bool = False) -> None:
        """While down, every endpoint except the course page answers 503 (or drops the connection)."""
        with self.lock:
            self.faults.down = down
            self.faults.down_drops_connections = drop_connections

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    @property
    def request_counts(self) -> dict[str, int]:
        with self.lock:
            return dict(self.faults.request_counts)

    @property
    def token_requests(self) -> int:
        with self.lock:
            return self.faults.request_counts["token"]

    # -- people ----------------------------------------------------------------------------

    def user(self, user_id: str) -> User | None:
        with self.lock:
            return self.users.get(str(user_id))

    def add_user(
        self,
        given_name: str,
        family_name: str,
        role: str = LEARNER,
        locale: str = "en",
        username: str | None = None,
        status: str = ACTIVE,
        test_user: bool = False,
    ) -> User:
        with self.mutating():
            user_id = str(self.counters.next_user_id)
            self.counters.next_user_id += 1
            username = username or f"user{user_id}"
            user = User(user_id, username, given_name, family_name, f"{username}@example.com", role, locale, status,
                        test_user)
            self.users[user_id] = user
            return user

    def subject(self, user_id: str) -> str:
        """The `sub` the tool sees for the member `user_id`: Moodle's user id, Canvas's lti_id UUID."""
        return canvas_ids.lti_id(str(user_id)) if self.settings.is_canvas else str(user_id)

    def user_by_subject(self, subject: str) -> User | None:
        """The member a service call names: by `sub`, and in Canvas also by the numeric user id."""
        with self.lock:
            if not self.settings.is_canvas:
                return self.users.get(str(subject))
            return next((u for u in self.users.values() if subject in (canvas_ids.lti_id(u.id), u.id)), None)

    def add_members(self, count: int, role: str = LEARNER) -> list[User]:
        """Enrol `count` generated people, e.g. to make NRPS paging span several pages."""
        return [self.add_user("Member", f"Number{index:04d}", role) for index in range(1, count + 1)]

    def set_member_status(self, user_id: str, status: str) -> None:
        if status not in (ACTIVE, INACTIVE):
            raise ValueError(f"status must be {ACTIVE!r} or {INACTIVE!r}")
        with self.mutating():
            self.users[str(user_id)].status = status

    # -- tools -------------------------------------------------------------------------------

    @property
    def default_tool(self) -> Tool:
        with self.lock:
            return self.tools[self.settings.client_id]

    def tool(self, client_id: str) -> Tool | None:
        with self.lock:
            return self.tools.get(client_id)

    def tool_by_type(self, type_id: int) -> Tool | None:
        with self.lock:
            return next((tool for tool in self.tools.values() if tool.type_id == type_id), None)

    def activate_tool(self, client_id: str) -> Tool:
        with self.mutating():
            tool = self.tools[client_id]
            tool.status = TOOL_ACTIVE
            self.log_line(f"tool {client_id} activated")
            return tool

    def new_registration_client_id(self) -> str:
        """A client_id promised by a registration token (its `sub`), usable once."""
        with self.lock:
            client_id = _moodle_client_id()
            self.pending_registrations[client_id] = self.now() + REGISTRATION_TOKEN_LIFETIME
            return client_id

    def install_developer_key(self, configuration: Mapping[str, Any], client_id: str | None = None,
                              deployment_id: str | None = None) -> Tool:
        """Canvas: a developer key made from a tool's JSON configuration, installed in the course.

        Without `client_id` the key gets a new id. The redirect URI (entered on Canvas's key form,
        not in the JSON) is the JSON's target_link_uri. Raises ValueError on an invalid JSON."""
        problem = canvas_configuration_problem(configuration)
        if problem:
            raise ValueError(problem)
        with self.mutating():
            if client_id is None:
                client_id = str(170000000000042 + self.counters.next_type_id)
            existing = self.tools.get(client_id)
            type_id = existing.type_id if existing else self.counters.next_type_id
            if existing is None:
                self.counters.next_type_id += 1
            target = str(configuration["target_link_uri"])
            custom = configuration.get("custom_fields")
            tool = Tool(
                client_id=client_id,
                type_id=type_id,
                deployment_id=deployment_id or f"{type_id}:{canvas_ids.opaque_id('account', '1')}",
                name=str(configuration["title"]),
                initiate_login_uri=str(configuration["oidc_initiation_url"]),
                redirect_uris=[target],
                jwks_uri=str(configuration.get("public_jwk_url") or ""),
                target_link_uri=target,
                domain=urlsplit(target).netloc,
                scopes=[str(scope) for scope in configuration.get("scopes") or []],
                custom_parameters={str(k): str(v) for k, v in custom.items()} if isinstance(custom, dict) else {},
                description=str(configuration.get("description") or ""),
                configuration=dict(configuration),
            )
            self.tools[client_id] = tool
            self.log_line(f"developer key {client_id} '{tool.name}' installed (deployment {tool.deployment_id})")
            return tool

    def register_tool(self, client_id: str, build: Callable[[int], Tool]) -> Tool | None:
        """Consume the promised `client_id` and store the tool `build(type_id)` returns."""
        with self.mutating():
            expiry = self.pending_registrations.pop(client_id, None)
            if expiry is None or expiry < self.now():
                return None
            type_id = self.counters.next_type_id
            self.counters.next_type_id += 1
            tool = build(type_id)
            tool.status = TOOL_ACTIVE if self.settings.auto_activate_tools else TOOL_PENDING
            self.tools[tool.client_id] = tool
            self.log_line(f"tool {tool.client_id} registered as type {type_id} ({tool.status})")
            return tool

    # -- activities and line items ---------------------------------------------------------------

    def activity(self, cmid: int) -> Activity | None:
        with self.lock:
            return self.activities.get(int(cmid))

    def activity_by_instance(self, instance_id: int) -> Activity | None:
        with self.lock:
            return next((a for a in self.activities.values() if a.instance_id == instance_id), None)

    def add_activity(
        self,
        title: str,
        custom: Mapping[str, Any] | str = "",
        *,
        tool_client_id: str | None = None,
        url: str | None = None,
        description: str = "",
        score_maximum: float = 100.0,
        line_item_label: str | None = None,
        resource_id: str = "",
        tag: str = "",
        with_line_item: bool = True,
    ) -> Activity:
        """Create an LTI activity with its coupled line item (grades accepted "Always"), or without one."""
        with self.mutating():
            tool = self.tools[tool_client_id or self.settings.client_id]
            activity = Activity(
                cmid=self.counters.next_cmid,
                instance_id=self.counters.next_instance_id,
                title=title,
                description=description,
                tool_client_id=tool.client_id,
                url=url or tool.target_link_uri,
                custom_parameters=custom if isinstance(custom, str) else custom_params.to_lines(custom),
                service_salt=secrets.token_hex(8),
            )
            self.counters.next_cmid += 1
            self.counters.next_instance_id += 1
            if with_line_item:
                item = self._new_line_item(
                    tool.type_id, line_item_label or title, score_maximum, resource_id, tag, activity.instance_id
                )
                activity.line_item_id = item.id
            self.activities[activity.cmid] = activity
            self.log_line(f"activity {activity.cmid} '{title}' added (line item {activity.line_item_id})")
            return activity

    def set_custom_parameters(self, cmid: int, custom: Mapping[str, Any] | str) -> None:
        with self.mutating():
            text = custom if isinstance(custom, str) else custom_params.to_lines(custom)
            self.activities[int(cmid)].custom_parameters = text

    def add_line_item(
        self,
        type_id: int,
        label: str,
        score_maximum: float,
        resource_id: str = "",
        tag: str = "",
        lti_link_id: int | None = None,
    ) -> LineItem:
        with self.mutating():
            return self._new_line_item(type_id, label, score_maximum, resource_id, tag, lti_link_id)

    def _new_line_item(
        self, type_id: int, label: str, score_maximum: float, resource_id: str, tag: str, lti_link_id: int | None
    ) -> LineItem:
        item = LineItem(
            id=self.counters.next_item_id,
            course_id=COURSE_ID,
            type_id=type_id,
            label=label,
            score_maximum=float(score_maximum),
            resource_id=resource_id,
            tag=tag,
            lti_link_id=lti_link_id,
        )
        self.counters.next_item_id += 1
        self.line_items[item.id] = item
        return item

    def line_item(self, item_id: int) -> LineItem | None:
        with self.lock:
            return self.line_items.get(int(item_id))

    # -- gradebook -------------------------------------------------------------------------

    def grade(self, user_id: str, cmid: int = SEEDED_CMID) -> Grade | None:
        """The gradebook entry of `user_id` for the activity `cmid` (its coupled line item)."""
        with self.lock:
            activity = self.activities[int(cmid)]
            if activity.line_item_id is None:
                return None
            return self.grades.get((activity.line_item_id, str(user_id)))

    def grade_for_item(self, item_id: int, user_id: str) -> Grade | None:
        with self.lock:
            return self.grades.get((int(item_id), str(user_id)))

    def record_score(self, entry: ReceivedScore) -> None:
        with self.lock:
            self.received_scores.append(entry)

    # -- launches --------------------------------------------------------------------------

    def start_launch(
        self,
        user_id: str,
        client_id: str,
        message_type: str,
        locale: str,
        cmid: int | None = None,
        dl_title: str = "",
        dl_text: str = "",
    ) -> PendingLaunch:
        with self.lock:
            number = secrets.randbelow(2**31)
            if cmid is None:
                launch_id = f"ltilaunch_ContentItemSelectionRequest{number}"
            else:
                launch_id = f"ltilaunch{self.activities[cmid].instance_id}_{number}"
            launch = PendingLaunch(
                launch_id=launch_id,
                user_id=user_id,
                client_id=client_id,
                message_type=message_type,
                locale=locale,
                sesskey=_sesskey(),
                created_at=self.now(),
                numeric_launch_id=secrets.randbelow(2**31),
                cmid=cmid,
                dl_title=dl_title,
                dl_text=dl_text,
                dl_data=self.deep_linking_data if cmid is None else None,
            )
            self._forget_old_launches()
            self.pending_launches[launch_id] = launch
            return launch

    def pending_launch(self, launch_id: str) -> PendingLaunch | None:
        with self.lock:
            self._forget_old_launches()
            return self.pending_launches.get(launch_id)

    def complete_launch(self, launch_id: str) -> None:
        """Moodle unsets the launch from $SESSION once auth.php used it: single use."""
        with self.lock:
            launch = self.pending_launches.pop(launch_id, None)
            if launch is not None and launch.cmid is None:
                self.deep_linking_sessions[launch.sesskey] = launch

    def latest_deep_linking_session(self, client_id: str) -> PendingLaunch | None:
        """Canvas ties a deep-linking response to the teacher's session, not to its URL."""
        with self.lock:
            sessions = [s for s in self.deep_linking_sessions.values() if s.client_id == client_id]
            return max(sessions, key=lambda s: s.created_at) if sessions else None

    def _forget_old_launches(self) -> None:
        limit = self.now() - PENDING_LAUNCH_LIFETIME
        for launch_id in [key for key, value in self.pending_launches.items() if value.created_at < limit]:
            del self.pending_launches[launch_id]

    # -- OAuth -------------------------------------------------------------------------------

    def issue_access_token(self, client_id: str, scopes: tuple[str, ...]) -> AccessToken:
        with self.lock:
            token = AccessToken(secrets.token_hex(16), client_id, scopes, self.now() + ACCESS_TOKEN_LIFETIME)
            self.access_tokens[token.token] = token
            return token

    def valid_access_token(self, value: str) -> AccessToken | None:
        with self.lock:
            token = self.access_tokens.get(value)
            if token is None or token.expires_at <= self.now():
                return None
            return token

    def expire_access_tokens(self) -> None:
        """Make every issued token expired, so the tool's next service call gets 401."""
        with self.lock:
            for token in self.access_tokens.values():
                token.expires_at = 0

    def use_jti(self, client_id: str, jti: str, expires_at: float) -> bool:
        """Remember a client assertion's jti; False when it was seen before (a replay)."""
        with self.lock:
            now = self.now()
            for key in [key for key, expiry in self.used_jtis.items() if expiry < now - 60]:
                del self.used_jtis[key]
            if (client_id, jti) in self.used_jtis:
                return False
            self.used_jtis[(client_id, jti)] = expires_at
            return True

    def set_deep_linking_data(self, value: str | None) -> None:
        with self.lock:
            self.deep_linking_data = value


def canvas_configuration_problem(configuration: Mapping[str, Any]) -> str:
    """What Canvas's schema (lib/schemas/lti/tool_configuration.rb) finds wrong, or ""."""
    if not isinstance(configuration, Mapping):
        return "the configuration must be a JSON object"
    for name in ("title", "description", "oidc_initiation_url", "target_link_uri"):
        if not isinstance(configuration.get(name), str) or not configuration[name]:
            return f"{name} is required"
    if not configuration.get("public_jwk") and not configuration.get("public_jwk_url"):
        return "public_jwk or public_jwk_url is required"
    for extension in configuration.get("extensions") or []:
        settings = extension.get("settings") if isinstance(extension, Mapping) else None
        if not isinstance(extension, Mapping) or not extension.get("platform") or not isinstance(settings, Mapping):
            return "each extension needs platform and settings"
        placements = settings.get("placements")
        if not isinstance(placements, list) or not all(isinstance(p, Mapping) and p.get("placement")
                                                       for p in placements):
            return "each extension's settings need placements, each with a placement"
    return ""


def _build(cls: type, row: Mapping[str, Any]) -> Any:
    names = {field.name for field in fields(cls)}
    return cls(**{key: value for key, value in row.items() if key in names})


def _moodle_client_id() -> str:
    # random_string(15) in Moodle: letters and digits.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(15))


def _sesskey() -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))
