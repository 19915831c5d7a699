"""Mapping LTI role URIs to Kontor's two roles.

Membership (context) roles decide. Institution roles count only when the launch carries no
membership role at all: Canvas sends institution roles such as Instructor or Administrator for
people who are students in the course, so an institution role must never lift a course Learner.
"""
from __future__ import annotations

from collections.abc import Iterable

STUDENT = "student"
INSTRUCTOR = "instructor"

_MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
_INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
_SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"

# Course roles that may manage a quiz activity and read its reports.
_TEACHING = {"Instructor", "Administrator", "ContentDeveloper", "TeachingAssistant"}


def _classify(role: str) -> tuple[str, str]:
    """('membership' | 'institution' | 'system', short name) for one role string."""
    role = role.strip()
    if role.startswith(_MEMBERSHIP):
        name = role[len(_MEMBERSHIP):]
        # Sub-roles look like 'Instructor#TeachingAssistant'; the last part is the most specific.
        return "membership", name.split("#")[-1]
    if role.startswith("http://purl.imsglobal.org/vocab/lis/v2/membership/"):
        # Sub-role URIs: .../membership/Instructor#TeachingAssistant
        return "membership", role.rsplit("#", 1)[-1]
    if role.startswith(_INSTITUTION):
        return "institution", role[len(_INSTITUTION):]
    if role.startswith(_SYSTEM):
        return "system", role[len(_SYSTEM):]
    # Short names ('Instructor', 'Learner') are membership roles in LTI 1.3 (deprecated but valid).
    return "membership", role.split("#")[-1]


def kontor_role(roles: Iterable[str] | None) -> str:
    """The Kontor role for the roles claim of a launch. Unknown or no roles mean a student."""
    membership: set[str] = set()
    institution: set[str] = set()
    for role in roles or ():
        if not isinstance(role, str):
            continue
        kind, name = _classify(role)
        if kind == "membership":
            membership.add(name)
        elif kind == "institution":
            institution.add(name)
        elif kind == "system" and name in {"Administrator", "SysAdmin"}:
            institution.add("Administrator")
    if membership:
        return INSTRUCTOR if membership & _TEACHING else STUDENT
    if institution & {"Administrator", "Instructor", "Faculty"}:
        # Moodle site admins outside a course context launch with institution Administrator only.
        return INSTRUCTOR
    return STUDENT


def nrps_role(short_roles: Iterable[str]) -> str:
    """NRPS lists roles as short names ('Learner') or URIs; the same rules apply."""
    return kontor_role(list(short_roles))
