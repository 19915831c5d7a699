"""Turning a validated launch into Kontor's records: user, course, membership, resource link, launch."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache, lru_cache
from urllib.parse import urlsplit

from sqlalchemy import Row, and_, bindparam, insert, select, update

from ..courses.context import LaunchContext
from ..courses.locale import choose_locale
from ..courses.models import Course, LaunchSession, Membership, ResourceLink, User
from ..courses.time_zone import launch_time_zone
from ..db_types import utcnow
from ..extensions import db, upsert_insert
from ..transaction import run_after_commit
from ..web.security import frame_ancestors
from . import roles
from .launch import (
    DEEP_LINKING_SETTINGS_CLAIM, DEPLOYMENT_CLAIM, LTI, MAX_ID_CHARS, MESSAGE_TYPE_CLAIM, TIME_ZONE_PARAMETER,
    LaunchRejected, ValidatedLaunch, take_login,
)
from .models import LaunchHandoff, Platform

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"


def _text(value) -> str | None:
    return value.strip()[:255] if isinstance(value, str) and value.strip() else None


_PLATFORM = Platform.__table__
_USER, _COURSE, _LINK, _MEMBERSHIP = (model.__table__ for model in (User, Course, ResourceLink, Membership))
# The columns a launch compares with what it says (and the link's course, which it must not move).
_KNOWN_COLUMNS = {
    "user": ("id", "name", "given_name", "family_name", "email"),
    "course": ("id", "label", "title", "memberships_url"),
    "link": ("id", "course_id", "title", "custom", "quiz_slug", "lineitem_url", "lineitems_url", "ags_scopes"),
    "membership": ("id", "role"),
}
_KNOWN_TABLES = {"user": _USER, "course": _COURSE, "link": _LINK, "membership": _MEMBERSHIP}


@dataclass(frozen=True)
class _Known:
    """The rows Kontor already has for a launch, as plain dicts of _KNOWN_COLUMNS (None where it has
    none yet). Plain values, not ORM objects: loading four objects and flushing them cost more than
    the launch's statements."""

    user: dict | None
    course: dict | None
    link: dict | None
    membership: dict | None


@cache
def _known_query():
    # Built once per process (a launch only binds its values). A launch without a context or a
    # resource link binds NULL, and `= NULL` matches no row.
    columns = [_KNOWN_TABLES[part].c[name].label(f"{part}_{name}")
               for part, names in _KNOWN_COLUMNS.items() for name in names]
    return (
        select(*columns)
        .select_from(_PLATFORM)
        .outerjoin(_USER, and_(_USER.c.platform_id == _PLATFORM.c.id, _USER.c.subject == bindparam("subject")))
        .outerjoin(_COURSE, and_(_COURSE.c.platform_id == _PLATFORM.c.id,
                                 _COURSE.c.deployment_id == bindparam("deployment_id"),
                                 _COURSE.c.context_id == bindparam("context_id")))
        .outerjoin(_LINK, and_(_LINK.c.platform_id == _PLATFORM.c.id,
                               _LINK.c.deployment_id == bindparam("deployment_id"),
                               _LINK.c.link_id == bindparam("link_id")))
        .outerjoin(_MEMBERSHIP, and_(_MEMBERSHIP.c.course_id == _COURSE.c.id, _MEMBERSHIP.c.user_id == _USER.c.id))
        .where(_PLATFORM.c.id == bindparam("platform_id"))
    )


def _known_records(platform_id: int, deployment_id: str, subject: str, context_id: str | None,
                   link_id: str | None) -> _Known:
    """User, course, resource link and membership of a launch in one query. Most launches are of
    people and activities Kontor knows: those then write only their membership and the launch."""
    row = db.session.execute(_known_query(), {
        "platform_id": platform_id, "deployment_id": deployment_id, "subject": subject,
        "context_id": context_id, "link_id": link_id,
    }).one()._mapping

    def part(name: str) -> dict | None:
        if row[f"{name}_id"] is None:
            return None
        return {column: row[f"{name}_{column}"] for column in _KNOWN_COLUMNS[name]}

    return _Known(*(part(name) for name in _KNOWN_COLUMNS))


@lru_cache(maxsize=32)
def _upsert_statement(dialect: str, table, key: tuple, values: tuple, returning: tuple):
    """INSERT ... ON CONFLICT (key) DO UPDATE SET values RETURNING id, returning; built once per
    process and shape, the values are bound when it runs."""
    statement = upsert_insert(table, dialect)
    return (
        statement.on_conflict_do_update(index_elements=[table.c[name] for name in key],
                                        set_={name: statement.excluded[name] for name in values})
        .returning(table.c.id, *(table.c[name] for name in returning))
    )


def _insert_or_update(model, key: dict, values: dict, *, insert_only: dict | None = None, returning=()):
    """Insert the row of `key` with `values`, or, if it exists (a concurrent launch inserted it first),
    set `values` on it: one statement, and the loser of a race goes on with the winner's row (on
    PostgreSQL it waits until the winner commits). Returns the row's id and the `returning` columns."""
    statement = _upsert_statement(db.session.get_bind().dialect.name, model.__table__, tuple(key), tuple(values),
                                  tuple(returning))
    return db.session.execute(statement, {**key, **values, **(insert_only or {})}).one()


def _set(table, row: dict, values: dict) -> None:
    """Write the `values` that differ from the known `row`: an unchanged row costs no UPDATE."""
    changed = {name: value for name, value in values.items() if row[name] != value}
    if changed:
        # Rare (a renamed person or course, an edited activity): the statement is built when needed.
        db.session.execute(update(table).where(table.c.id == row["id"]).values(changed))


def _upsert_user(platform_id: int, subject: str, claims: dict, user: dict | None) -> int:
    profile = _profile(claims)
    if user is not None:
        _set(_USER, user, profile)  # updated_at follows through the column's onupdate
        return user["id"]
    return _insert_or_update(User, {"platform_id": platform_id, "subject": subject},
                             {**profile, "updated_at": utcnow()}).id


def _profile(claims: dict) -> dict:
    # Only what the platform shares is stored; a field it stops sharing is not kept stale.
    email = claims.get("email")
    return {
        "name": _text(claims.get("name")),
        "given_name": _text(claims.get("given_name")),
        "family_name": _text(claims.get("family_name")),
        "email": email.strip()[:320] if isinstance(email, str) and "@" in email else None,
    }


def _url(value, column, what: str) -> str | None:
    """A service or return URL from the launch as stored (None when it names none). Longer than its
    column: refused, never cut (a cut URL is another URL)."""
    if not isinstance(value, str):
        return None
    if len(value) > column.type.length:
        raise LaunchRejected("invalid_message", f"{what} longer than {column.type.length} characters")
    return value


def _identifier(value, what: str) -> str:
    """An id from the launch as stored. Longer ids are refused, never cut: two ids that differ only
    after the cut would name one record."""
    text = str(value)
    if len(text) > MAX_ID_CHARS:
        raise LaunchRejected("invalid_message", f"{what} longer than {MAX_ID_CHARS} characters")
    return text


def _recorded_before_deployments(part: str, id_column: str, value: str, platform_id: int,
                                 deployment_id: str) -> dict | None:
    """A row recorded before Kontor kept deployments (deployment NULL), which this launch claims for
    its deployment, else None. Asked only when the deployment's own row is missing."""
    table = _KNOWN_TABLES[part]
    row = db.session.execute(
        select(*(table.c[name] for name in _KNOWN_COLUMNS[part]))
        .where(table.c.platform_id == platform_id, table.c.deployment_id.is_(None), table.c[id_column] == value)
        .limit(1)
    ).first()
    if row is None:
        return None
    db.session.execute(update(table).where(table.c.id == row.id).values(deployment_id=deployment_id))
    return dict(row._mapping)


def _context_id(claims: dict) -> str | None:
    context = claims.get(LTI + "context")
    if not isinstance(context, dict) or not context.get("id"):
        return None
    return _identifier(context["id"], "context id")


def _upsert_course(platform_id: int, deployment_id: str, context_id: str | None, claims: dict,
                   course: dict | None) -> int | None:
    if context_id is None:
        return None
    context = claims[LTI + "context"]
    values = {"label": str(context.get("label") or "")[:255], "title": str(context.get("title") or "")[:512]}
    nrps = claims.get(NRPS_CLAIM)
    if isinstance(nrps, dict) and isinstance(nrps.get("context_memberships_url"), str):
        values["memberships_url"] = _url(nrps["context_memberships_url"], _COURSE.c.memberships_url,
                                         "memberships URL")
    if course is None:
        course = _recorded_before_deployments("course", "context_id", context_id, platform_id, deployment_id)
    if course is not None:
        _set(_COURSE, course, values)
        return course["id"]
    key = {"platform_id": platform_id, "deployment_id": deployment_id, "context_id": context_id}
    return _insert_or_update(Course, key, values).id


def _link_id(claims: dict) -> str | None:
    link_claim = claims.get(LTI + "resource_link")
    if not isinstance(link_claim, dict) or not link_claim.get("id"):
        return None
    return _identifier(link_claim["id"], "resource link id")


def _link_values(claims: dict) -> dict:
    """What a launch says about its activity (and only that: what it does not say is kept)."""
    link_claim = claims[LTI + "resource_link"]
    custom = claims.get(LTI + "custom")
    custom = custom if isinstance(custom, dict) else {}
    # Without the person's time zone: it belongs to the launch (it differs by person, and would
    # rewrite the link's row whenever someone in another zone launches it).
    values = {"title": str(link_claim.get("title") or "")[:512],
              "custom": {str(k): str(v) for k, v in custom.items() if k != TIME_ZONE_PARAMETER}}
    quiz = custom.get("quiz")
    # The LMS's custom parameter decides when it is set; otherwise the choice made in Kontor stays.
    if isinstance(quiz, str) and quiz.strip():
        values["quiz_slug"] = quiz.strip()[:128]
    ags = claims.get(AGS_CLAIM)
    if isinstance(ags, dict):
        # Keep a line item Kontor found or created when the launch names none (lineitems only).
        if isinstance(ags.get("lineitem"), str):
            values["lineitem_url"] = _url(ags["lineitem"], _LINK.c.lineitem_url, "line item URL")
        values["lineitems_url"] = _url(ags.get("lineitems"), _LINK.c.lineitems_url, "line items URL")
        scopes = ags.get("scope")
        values["ags_scopes"] = [s for s in scopes if isinstance(s, str)] if isinstance(scopes, list) else []
    return values


def _upsert_link(platform_id: int, deployment_id: str, course_id: int | None, link_id: str | None, claims: dict,
                 link: dict | None) -> tuple[int | None, str | None]:
    """The activity's row id and its quiz (the launch's context names it)."""
    if link_id is None:
        return None, None
    values = _link_values(claims)
    if link is None:
        link = _recorded_before_deployments("link", "link_id", link_id, platform_id, deployment_id)
    if link is not None:
        _refuse_moving(link_id, link["course_id"], course_id)
        _set(_LINK, link, values)
        return link["id"], values.get("quiz_slug", link["quiz_slug"])
    # A new activity, or one a concurrent launch is inserting: its course is the one it was first
    # launched from (course_id is never overwritten), which the returned row tells.
    key = {"platform_id": platform_id, "deployment_id": deployment_id, "link_id": link_id}
    row = _insert_or_update(ResourceLink, key, values, insert_only={"course_id": course_id},
                            returning=("course_id", "quiz_slug"))
    _refuse_moving(link_id, row.course_id, course_id)
    return row.id, row.quiz_slug


def _refuse_moving(link_id: str, link_course_id: int | None, course_id: int | None) -> None:
    if link_course_id != course_id:
        # A link id belongs to one placement (LTI: a copied link gets a new id). Moving it would
        # hand its attempts and answers to the other course's instructors: refuse instead.
        raise LaunchRejected(
            "resource_link_in_other_course",
            f"link {link_id!r} of course {link_course_id} launched from course {course_id}",
            status=403,
        )


# Built once per process (its cache key too): each launch binds its values.
_INSERT_LAUNCH = insert(LaunchSession.__table__)


def record_launch(validated: ValidatedLaunch, *, accept_language: str | None, lifetime: timedelta) -> LaunchContext:
    claims = validated.claims
    platform_id = validated.platform.id
    deployment_id = _identifier(claims[DEPLOYMENT_CLAIM], "deployment id")
    subject, context_id, link_id = _identifier(claims["sub"], "subject"), _context_id(claims), _link_id(claims)
    known = _known_records(platform_id, deployment_id, subject, context_id, link_id)
    user_id = _upsert_user(platform_id, subject, claims, known.user)
    course_id = _upsert_course(platform_id, deployment_id, context_id, claims, known.course)
    link_row_id, quiz_slug = _upsert_link(platform_id, deployment_id, course_id, link_id, claims, known.link)
    role = roles.kontor_role(claims.get(LTI + "roles"))
    if course_id is not None:
        _upsert_membership(course_id, user_id, role, known.membership)
    presentation = claims.get(LTI + "launch_presentation")
    presentation = presentation if isinstance(presentation, dict) else {}
    return_url = _url(presentation.get("return_url"), LaunchSession.__table__.c.return_url, "return URL")
    _learn_frame_origin(validated.platform, return_url)
    deep_linking = claims.get(DEEP_LINKING_SETTINGS_CLAIM)
    now = utcnow()
    context = LaunchContext(
        launch_id=secrets.token_urlsafe(24),
        platform_id=platform_id,
        user_id=user_id,
        course_id=course_id,
        resource_link_id=link_row_id,
        role=role,
        locale=choose_locale(presentation.get("locale"), accept_language),
        message_type=claims[MESSAGE_TYPE_CLAIM],
        quiz_slug=quiz_slug,
        time_zone=_time_zone(claims),
    )
    # Inserted as a plain row: the unit of work costs more than the statement for one new row.
    db.session.execute(_INSERT_LAUNCH, {
        "id": context.launch_id, "platform_id": platform_id, "user_id": user_id, "course_id": course_id,
        "resource_link_id": link_row_id, "role": role, "locale": context.locale, "time_zone": context.time_zone,
        "message_type": context.message_type, "deployment_id": deployment_id,
        "deep_linking": deep_linking if isinstance(deep_linking, dict) else None,
        "return_url": return_url,
        "expires_at": now + lifetime, "created_at": now,
    })
    return context


def _time_zone(claims: dict) -> str | None:
    custom = claims.get(LTI + "custom")
    return launch_time_zone(custom.get(TIME_ZONE_PARAMETER)) if isinstance(custom, dict) else None


def _learn_frame_origin(platform: Row, return_url) -> None:
    """The LMS page that launched us may sit on another origin than the issuer (Canvas tenants)."""
    if not isinstance(return_url, str):
        return
    parts = urlsplit(return_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return
    origin = f"{parts.scheme}://{parts.netloc}"
    platform_id = platform.id
    known = list(platform.frame_origins or [])
    if origin not in known and len(known) < 20:
        db.session.execute(_SET_FRAME_ORIGINS, {"platform_id": platform_id, "frame_origins": [*known, origin]})
        # This process's cached frame-ancestors header is forgotten once the new origin is committed
        # (the boundary commits before the header hook reads it again); other processes within
        # FrameAncestors.ttl_seconds.
        run_after_commit(lambda: frame_ancestors.invalidate(platform_id))


# The launch read its platform as a row (tool_config.find_platform), so a new origin is written with
# an UPDATE of its own (as the unit of work wrote it when the platform was an ORM object).
_SET_FRAME_ORIGINS = (
    update(_PLATFORM).where(_PLATFORM.c.id == bindparam("platform_id"))
    .values(frame_origins=bindparam("frame_origins", type_=_PLATFORM.c.frame_origins.type))
)


# Built once: a returning member's launch writes the role it launched with and when.
_TOUCH_MEMBERSHIP = (
    update(_MEMBERSHIP).where(_MEMBERSHIP.c.id == bindparam("membership_id"))
    .values(role=bindparam("role"), last_launch_at=bindparam("last_launch_at"))
)


def _upsert_membership(course_id: int, user_id: int, role: str, membership: dict | None) -> None:
    now = utcnow()
    if membership is not None:
        db.session.execute(_TOUCH_MEMBERSHIP, {"membership_id": membership["id"], "role": role, "last_launch_at": now})
        return
    _insert_or_update(Membership, {"course_id": course_id, "user_id": user_id}, {"role": role, "last_launch_at": now})


def create_handoff(launch_id: str, expected_state: str | None = None, minutes: int = 5) -> str:
    token = secrets.token_urlsafe(24)
    db.session.add(
        LaunchHandoff(
            token=token,
            launch_id=launch_id,
            expected_state=expected_state,
            expires_at=utcnow() + timedelta(minutes=minutes),
        )
    )
    db.session.flush()
    return token


def end_refused_login(state: str) -> int | None:
    """A refused launch ends its login as an accepted one does: the state (and with it its nonce)
    cannot be posted again, not even after an administrator fixed what the refusal was about.
    Returns the platform the login was started for (None for an unknown state)."""
    login = take_login(state) if state else None
    return login.platform_id if login else None


def open_handoff(token: str) -> LaunchHandoff | None:
    """The handoff of this token if it is unused and unexpired, or None."""
    handoff = db.session.get(LaunchHandoff, token)
    if handoff is None or handoff.used or handoff.expires_at < utcnow():
        return None
    return handoff


def redeem_handoff(token: str, presented_state: str | None = None) -> str | None:
    """The launch id of an unused, unexpired handoff (marked used), or None."""
    handoff = open_handoff(token)
    if handoff is None:
        return None
    if handoff.expected_state is not None and (
        not presented_state or not secrets.compare_digest(handoff.expected_state, presented_state)
    ):
        return None
    # Compare-and-set: of parallel redemptions of one ticket (two browsers opening the same link at
    # once), one wins; reading `used` and then setting it let every one of them in.
    claimed = db.session.execute(
        update(LaunchHandoff)
        .where(LaunchHandoff.token == handoff.token, LaunchHandoff.used.is_(False))
        .values(used=True)
        .execution_options(synchronize_session=False)
    )
    return handoff.launch_id if claimed.rowcount == 1 else None
