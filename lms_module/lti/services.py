"""Turning a validated launch into Kontor's records: user, course, membership, resource link, launch."""
from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..courses.context import LaunchContext, context_of
from ..courses.locale import choose_locale
from ..courses.models import Course, LaunchSession, Membership, ResourceLink, User
from ..db_types import utcnow
from ..extensions import db
from . import roles
from .launch import (
    DEEP_LINKING_SETTINGS_CLAIM, DEPLOYMENT_CLAIM, LTI, MESSAGE_TYPE_CLAIM, LaunchRejected, ValidatedLaunch,
)
from .models import LaunchHandoff, OidcLogin, Platform

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
MAX_ID_CHARS = 255  # the columns that hold context, link and deployment ids


def _text(value) -> str | None:
    return value.strip()[:255] if isinstance(value, str) and value.strip() else None


def _insert_or_take(row, find):
    """Insert `row`, or take the row a concurrent launch inserted first with the same key.

    A class starting an exam together sends its first launches of a new course and link in the same
    second: each sees no row yet and inserts one, and all but the first hit the unique constraint.
    The insert runs in a savepoint, so the refused one rolls back alone and the launch goes on with
    the winner's row (PostgreSQL makes the loser wait until the winner commits, so `find` sees it)."""
    db.session.flush()  # what is pending so far stays out of the savepoint
    try:
        with db.session.begin_nested():
            db.session.add(row)
        return row
    except IntegrityError:
        existing = find()
        if existing is None:
            raise
        return existing


def _upsert_user(platform_id: int, claims: dict) -> User:
    def find():
        return db.session.scalars(
            select(User).where(User.platform_id == platform_id, User.subject == claims["sub"])
        ).first()

    user = find()
    if user is None:
        user = _insert_or_take(_with_profile(User(platform_id=platform_id, subject=claims["sub"]), claims), find)
    return _with_profile(user, claims)


def _with_profile(user: User, claims: dict) -> User:
    # Only what the platform shares is stored; a field it stops sharing is not kept stale.
    user.name = _text(claims.get("name"))
    user.given_name = _text(claims.get("given_name"))
    user.family_name = _text(claims.get("family_name"))
    email = claims.get("email")
    user.email = email.strip()[:320] if isinstance(email, str) and "@" in email else None
    return user


def _identifier(value, what: str) -> str:
    """An id from the launch as stored. Longer ids are refused, never cut: two ids that differ only
    after the cut would name one record."""
    text = str(value)
    if len(text) > MAX_ID_CHARS:
        raise LaunchRejected("invalid_message", f"{what} longer than {MAX_ID_CHARS} characters")
    return text


def _known(model, id_column, value: str, platform_id: int, deployment_id: str):
    """The row for `value` under this deployment, else a row recorded before Kontor kept deployments
    (which this launch claims for its deployment), else None."""
    for deployment in (deployment_id, None):
        row = db.session.scalars(
            select(model).where(
                model.platform_id == platform_id,
                model.deployment_id.is_(None) if deployment is None else model.deployment_id == deployment,
                id_column == value,
            )
        ).first()
        if row is not None:
            row.deployment_id = deployment_id
            return row
    return None


def _upsert_course(platform_id: int, deployment_id: str, claims: dict) -> Course | None:
    context = claims.get(LTI + "context")
    if not isinstance(context, dict) or not context.get("id"):
        return None
    context_id = _identifier(context["id"], "context id")
    course = _known(Course, Course.context_id, context_id, platform_id, deployment_id)
    if course is None:
        course = _insert_or_take(
            Course(platform_id=platform_id, deployment_id=deployment_id, context_id=context_id),
            lambda: _known(Course, Course.context_id, context_id, platform_id, deployment_id))
    course.label = str(context.get("label") or "")[:255]
    course.title = str(context.get("title") or "")[:512]
    nrps = claims.get(NRPS_CLAIM)
    if isinstance(nrps, dict) and isinstance(nrps.get("context_memberships_url"), str):
        course.memberships_url = nrps["context_memberships_url"][:1024]
    return course


def _upsert_link(platform_id: int, deployment_id: str, course: Course | None, claims: dict) -> ResourceLink | None:
    link_claim = claims.get(LTI + "resource_link")
    if not isinstance(link_claim, dict) or not link_claim.get("id"):
        return None
    link_id = _identifier(link_claim["id"], "resource link id")
    course_id = course.id if course else None
    link = _known(ResourceLink, ResourceLink.link_id, link_id, platform_id, deployment_id)
    if link is None:
        link = _insert_or_take(
            ResourceLink(platform_id=platform_id, deployment_id=deployment_id, link_id=link_id, course_id=course_id),
            lambda: _known(ResourceLink, ResourceLink.link_id, link_id, platform_id, deployment_id))
    if link.course_id != course_id:
        # A link id belongs to one placement (LTI: a copied link gets a new id). Moving it would
        # hand its attempts and answers to the other course's instructors: refuse instead.
        raise LaunchRejected(
            "resource_link_in_other_course",
            f"link {link_id!r} of course {link.course_id} launched from course {course_id}",
            status=403,
        )
    link.title = str(link_claim.get("title") or "")[:512]
    custom = claims.get(LTI + "custom")
    custom = custom if isinstance(custom, dict) else {}
    link.custom = {str(k): str(v) for k, v in custom.items()}
    quiz = custom.get("quiz")
    # The LMS's custom parameter decides when it is set; otherwise the choice made in Kontor stays.
    if isinstance(quiz, str) and quiz.strip():
        link.quiz_slug = quiz.strip()[:128]
    ags = claims.get(AGS_CLAIM)
    if isinstance(ags, dict):
        # Keep a line item Kontor found or created when the launch names none (lineitems only).
        if isinstance(ags.get("lineitem"), str):
            link.lineitem_url = ags["lineitem"]
        link.lineitems_url = ags.get("lineitems") if isinstance(ags.get("lineitems"), str) else None
        scopes = ags.get("scope")
        link.ags_scopes = [s for s in scopes if isinstance(s, str)] if isinstance(scopes, list) else []
    return link


def record_launch(validated: ValidatedLaunch, *, accept_language: str | None, lifetime: timedelta) -> LaunchContext:
    claims = validated.claims
    platform_id = validated.platform_id
    deployment_id = _identifier(claims[DEPLOYMENT_CLAIM], "deployment id")
    user = _upsert_user(platform_id, claims)
    course = _upsert_course(platform_id, deployment_id, claims)
    db.session.flush()
    link = _upsert_link(platform_id, deployment_id, course, claims)
    role = roles.kontor_role(claims.get(LTI + "roles"))
    if course is not None:
        _upsert_membership(course.id, user.id, role)
    presentation = claims.get(LTI + "launch_presentation")
    presentation = presentation if isinstance(presentation, dict) else {}
    locale = choose_locale(presentation.get("locale"), accept_language)
    _learn_frame_origin(platform_id, presentation.get("return_url"))
    deep_linking = claims.get(DEEP_LINKING_SETTINGS_CLAIM)
    launch = LaunchSession(
        id=secrets.token_urlsafe(24),
        platform_id=platform_id,
        user_id=user.id,
        course_id=course.id if course else None,
        resource_link_id=link.id if link else None,
        role=role,
        locale=locale,
        message_type=claims[MESSAGE_TYPE_CLAIM],
        deployment_id=deployment_id,
        deep_linking=deep_linking if isinstance(deep_linking, dict) else None,
        return_url=presentation.get("return_url") if isinstance(presentation.get("return_url"), str) else None,
        expires_at=utcnow() + lifetime,
    )
    db.session.add(launch)
    db.session.flush()
    return context_of(launch)


def _learn_frame_origin(platform_id: int, return_url) -> None:
    """The LMS page that launched us may sit on another origin than the issuer (Canvas tenants)."""
    if not isinstance(return_url, str):
        return
    parts = urlsplit(return_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return
    origin = f"{parts.scheme}://{parts.netloc}"
    platform = db.session.get(Platform, platform_id)
    known = list(platform.frame_origins or [])
    if origin not in known and len(known) < 20:
        platform.frame_origins = [*known, origin]


def _upsert_membership(course_id: int, user_id: int, role: str) -> None:
    def find():
        return db.session.scalars(
            select(Membership).where(Membership.course_id == course_id, Membership.user_id == user_id)
        ).first()

    membership = find()
    if membership is None:
        membership = _insert_or_take(Membership(course_id=course_id, user_id=user_id, role=role), find)
    membership.role = role
    membership.last_launch_at = utcnow()


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
    login = db.session.get(OidcLogin, state) if state and len(state) <= 128 else None
    if login is None:
        return None
    db.session.delete(login)
    db.session.flush()
    return login.platform_id


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
