"""The identifiers Canvas hands out, derived from the emulator's own ids so that they stay stable.

- `sub` is the user's lti_id, a UUID (never the numeric Canvas id);
- `login_hint`, `lti11_legacy_user_id` and context ids are 40-hex "opaque identifiers";
- an assignment's resource link id is a UUID.
(launch-student.json: claim_notes; nrps-members.json.)
"""

from __future__ import annotations

import hashlib
import uuid

_NAMESPACE = uuid.UUID("5b0f3c2e-8d1a-4e6b-9f7c-2a3d4e5f6a7b")


def lti_id(user_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"user:{user_id}"))


def opaque_id(kind: str, value: str) -> str:
    return hashlib.sha1(f"{kind}:{value}".encode("utf-8")).hexdigest()


def resource_link_id(instance_id: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"link:{instance_id}"))
