"""Turning a validated launch into Kontor's records: user, course, membership, resource link, launch."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache, lru_cache
from urllib.parse import urlsplit

from sqlalchemy import Row, and_, bindparam, insert, select, update

from ..courses.context import LaunchContext, context_of
from ..courses.locale import choose_locale
from ..courses.models import Course, LaunchSession, Membership, ResourceLink, User
from ..db_types import utcnow
from ..extensions import db, upsert_insert
from ..transaction import run_after_commit
from ..web.security import frame_ancestors
from . import roles
from .launch import (
    DEEP_LINKING_SETTINGS_CLAIM, DEPLOYMENT_CLAIM, LTI, MESSAGE_TYPE_CLAIM, LaunchRejected, ValidatedLaunch, take_login,
)
from .models import LaunchHandoff, Platform

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
MAX_ID_CHARS = 255  # the columns that hold context, link and deployment ids


def _text(value) -> str | None:
    return value.strip()[:255] if isinstance(value, str) and value.strip() else None


@dataclass(frozen=True)
class _Known:
    """The rows Kontor already has for a launch (None where it has none yet)."""

    user: User | None
    course: Course | None
    link: ResourceLink | None
    membership: Membership | None


@cache
def _known_query():
    # Built once per process (a launch only binds its values). A launch without a context or a
    # resource link binds NULL, and `= NULL` matches no row.
    return (
        select(User, Course, ResourceLink, Membership)
        .select_from(Platform)
        .outerjoin(User, and_(User.platform_id == Platform.id, User.subject == bindparam("subject")))
        .outerjoin(Course, and_(Course.platform_id == Platform.id,
                                Course.deployment_id == bindparam("deployment_id"),
                                Course.context_id == bindparam("context_id")))
        .outerjoin(ResourceLink, and_(ResourceLink.platform_id == Platform.id,
                                      ResourceLink.deployment_id == bindparam("deployment_id"),
                                      ResourceLink.link_id == bindparam("link_id")))
        .outerjoin(Membership, and_(Membership.course_id == Course.id, Membership.user_id == User.id))
        .where(Platform.id == bindparam("platform_id"))
    )


def _known_records(platform_id: int, deployment_id: str, subject: str, context_id: str | None,
                   link_id: str | None) -> _Known:
    """User, course, resource link and membership of a launch in one query. Most launches are of
    people and activities Kontor knows: those then write only their membership and the launch."""
    row = db.session.execute(_known_query(), {
        "platform_id": platform_id, "deployment_id": deployment_id, "subject": subject,
        "context_id": context_id, "link_id": link_id,
    }).one()
    return _Known(*row)


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


def _set(row, values: dict) -> None:
    # Only values that differ are set: an unchanged row is not even dirty (no UPDATE, and the flushes
    # before the next statements have nothing to look at).
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def _upsert_user(platform_id: int, claims: dict, user: User | None) -> int:
    profile = _profile(claims)
    if user is not None:
        _set(user, profile)
        return user.id
    return _insert_or_update(User, {"platform_id": platform_id, "subject": claims["sub"]},
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


def _identifier(value, what: str) -> str:
    """An id from the launch as stored. Longer ids are refused, never cut: two ids that differ only
    after the cut would name one record."""
    text = str(value)
    if len(text) > MAX_ID_CHARS:
        raise LaunchRejected("invalid_message", f"{what} longer than {MAX_ID_CHARS} characters")
    return text


def _recorded_before_deployments(model, id_column, value: str, platform_id: int, deployment_id: str):
    """A row recorded before Kontor kept deployments (deployment NULL), which this launch claims for
    its deployment, else None. Asked only when the deployment's own row is missing."""
    row = db.session.scalars(
        select(model).where(model.platform_id == platform_id, model.deployment_id.is_(None), id_column == value)
    ).first()
    if row is not None:
        row.deployment_id = deployment_id
    return row


def _context_id(claims: dict) -> str | None:
    context = claims.get(LTI + "context")
    if not isinstance(context, dict) or not context.get("id"):
        return None
    return _identifier(context["id"], "context id")


def _upsert_course(platform_id: int, deployment_id: str, context_id: str | None, claims: dict,
                   course: Course | None) -> int | None:
    if context_id is None:
        return None
    context = claims[LTI + "context"]
    values = {"label": str(context.get("label") or "")[:255], "title": str(context.get("title") or "")[:512]}
    nrps = claims.get(NRPS_CLAIM)
    if isinstance(nrps, dict) and isinstance(nrps.get("context_memberships_url"), str):
        values["memberships_url"] = nrps["context_memberships_url"][:1024]
    if course is None:
        course = _recorded_before_deployments(Course, Course.context_id, context_id, platform_id, deployment_id)
    if course is not None:
        _set(course, values)
        return course.id
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
    values = {"title": str(link_claim.get("title") or "")[:512], "custom": {str(k): str(v) for k, v in custom.items()}}
    quiz = custom.get("quiz")
    # The LMS's custom parameter decides when it is set; otherwise the choice made in Kontor stays.
    if isinstance(quiz, str) and quiz.strip():
        values["quiz_slug"] = quiz.strip()[:128]
    ags = claims.get(AGS_CLAIM)
    if isinstance(ags, dict):
        # Keep a line item Kontor found or created when the launch names none (lineitems only).
        if isinstance(ags.get("lineitem"), str):
            values["lineitem_url"] = ags["lineitem"]
        values["lineitems_url"] = ags.get("lineitems") if isinstance(ags.get("lineitems"), str) else None
        scopes = ags.get("scope")
        values["ags_scopes"] = [s for s in scopes if isinstance(s, str)] if isinstance(scopes, list) else []
    return values


def _upsert_link(platform_id: int, deployment_id: str, course_id: int | None, link_id: str | None, claims: dict,
                 link: ResourceLink | None) -> int | None:
    if link_id is None:
        return None
    values = _link_values(claims)
    if link is None:
        link = _recorded_before_deployments(ResourceLink, ResourceLink.link_id, link_id, platform_id, deployment_id)
    if link is not None:
        _refuse_moving(link_id, link.course_id, course_id)
        _set(link, values)
        return link.id
    # A new activity, or one a concurrent launch is inserting: its course is the one it was first
    # launched from (course_id is never overwritten), which the returned row tells.
    key = {"platform_id": platform_id, "deployment_id": deployment_id, "link_id": link_id}
    row = _insert_or_update(ResourceLink, key, values, insert_only={"course_id": course_id},
                            returning=("course_id",))
    _refuse_moving(link_id, row.course_id, course_id)
    return row.id


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
    platform_id = validated.platform_id
    deployment_id = _identifier(claims[DEPLOYMENT_CLAIM], "deployment id")
    context_id, link_id = _context_id(claims), _link_id(claims)
    known = _known_records(platform_id, deployment_id, claims["sub"], context_id, link_id)
    user_id = _upsert_user(platform_id, claims, known.user)
    course_id = _upsert_course(platform_id, deployment_id, context_id, claims, known.course)
    link_row_id = _upsert_link(platform_id, deployment_id, course_id, link_id, claims, known.link)
    role = roles.kontor_role(claims.get(LTI + "roles"))
    if course_id is not None:
        _upsert_membership(course_id, user_id, role, known.membership)
    presentation = claims.get(LTI + "launch_presentation")
    presentation = presentation if isinstance(presentation, dict) else {}
    locale = choose_locale(presentation.get("locale"), accept_language)
    _learn_frame_origin(validated.platform, presentation.get("return_url"))
    deep_linking = claims.get(DEEP_LINKING_SETTINGS_CLAIM)
    launch = LaunchSession(
        id=secrets.token_urlsafe(24),
        platform_id=platform_id,
        user_id=user_id,
        course_id=course_id,
        resource_link_id=link_row_id,
        role=role,
        locale=locale,
        message_type=claims[MESSAGE_TYPE_CLAIM],
        deployment_id=deployment_id,
        deep_linking=deep_linking if isinstance(deep_linking, dict) else None,
        return_url=presentation.get("return_url") if isinstance(presentation.get("return_url"), str) else None,
        expires_at=utcnow() + lifetime,
        created_at=utcnow(),
    )
    # Inserted as a plain row (the unit of work costs more than the statement for one new row);
    # the object only carries the values to the launch's context.
    db.session.execute(_INSERT_LAUNCH, {
        column.key: getattr(launch, column.key) for column in LaunchSession.__table__.columns
    })
    return context_of(launch)  # its activity's row is in the session already: no query (but for a new one)


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


_PLATFORM = Platform.__table__
# The launch read its platform as a row (tool_config.find_platform), so a new origin is written with
# an UPDATE of its own (as the unit of work wrote it when the platform was an ORM object).
_SET_FRAME_ORIGINS = (
    update(_PLATFORM).where(_PLATFORM.c.id == bindparam("platform_id"))
    .values(frame_origins=bindparam("frame_origins", type_=_PLATFORM.c.frame_origins.type))
)


def _upsert_membership(course_id: int, user_id: int, role: str, membership: Membership | None) -> None:
    now = utcnow()
    if membership is not None:
        _set(membership, {"role": role, "last_launch_at": now})
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


def redeem_handoff(token: str, presented_state: str | None = None) -> str | None:
    """The launch id of an unused, unexpired handoff (marked used), or None."""
    handoff = db.session.get(LaunchHandoff, token)
    if handoff is None or handoff.used or handoff.expires_at < utcnow():
        return None
    if handoff.expected_state is not None and (
        not presented_state or not secrets.compare_digest(handoff.expected_state, presented_state)
    ):
        return None
    handoff.used = True
    return handoff.launch_id
