"""Names and Role Provisioning Services: the members of a course, page by page.

Moodle pages only when asked (`limit`), then sends a proper `Link: <…>; rel="next"`. Members'
roles are short names ("Learner") there, URIs elsewhere; lti.roles maps both. A next link to
another host is not followed (it would carry the access token away), nor is a page twice.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .services_clients import RETRY, ServiceClient, ServiceFailure, excerpt, next_link, same_origin

SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
MEDIA_MEMBERSHIPS = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


@dataclass(frozen=True)
class Member:
    user_id: str
    roles: tuple[str, ...]
    active: bool
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None


def member_pages(client: ServiceClient, memberships_url: str, *, page_size: int, max_pages: int) -> Iterator[list[Member]]:
    """Yield the members page by page. Raises ServiceFailure on any problem (callers must not
    treat a partial list as the whole course)."""
    url: str | None = _with_limit(memberships_url, page_size) if page_size > 0 else memberships_url
    seen: set[str] = set()
    pages = 0
    while url is not None:
        if url in seen:
            raise ServiceFailure(RETRY, "members: the LMS's next link points back to a page already read")
        if pages >= max_pages:
            raise ServiceFailure(RETRY, f"members: more than {max_pages} pages; Kontor stopped reading")
        seen.add(url)
        pages += 1
        response = client.request("GET", url, what="course members", accept=MEDIA_MEMBERSHIPS)
        yield parse_members(response.json(), excerpt(response.body))
        following = next_link(response.headers.get("Link"))
        if following and not same_origin(following, memberships_url):
            raise ServiceFailure(RETRY, "members: the LMS's next link points to another host; not followed")
        url = following


def parse_members(container, raw_excerpt: str = "") -> list[Member]:
    if not isinstance(container, dict) or not isinstance(container.get("members"), list):
        raise ServiceFailure(RETRY, f"members: the LMS's answer is not a membership container: {raw_excerpt!r}")
    members = []
    for entry in container["members"]:
        if not isinstance(entry, dict) or entry.get("user_id") in (None, ""):
            continue
        roles = entry.get("roles")
        roles = tuple(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else ()
        status = entry.get("status", "Active")
        members.append(
            Member(
                user_id=str(entry["user_id"])[:255],
                roles=roles,
                active=not (isinstance(status, str) and status.strip().lower() in ("inactive", "deleted")),
                name=_text(entry.get("name")),
                given_name=_text(entry.get("given_name")),
                family_name=_text(entry.get("family_name")),
                email=_email(entry.get("email")),
            )
        )
    return members


def _with_limit(url: str, limit: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "limit"]
    query.append(("limit", str(limit)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _text(value) -> str | None:
    return value.strip()[:255] if isinstance(value, str) and value.strip() else None


def _email(value) -> str | None:
    return value.strip()[:320] if isinstance(value, str) and "@" in value else None
