"""OAuth scopes and service media types Moodle 4.5 knows."""

from __future__ import annotations

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCOPE_BASICOUTCOME = "https://purl.imsglobal.org/spec/lti-bo/scope/basicoutcome"
SCOPE_TOOLSETTING = "https://purl.imsglobal.org/spec/lti-ts/scope/toolsetting"

# The order of the AGS claim's scope list in Moodle's launches.
AGS_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE)
# What token.php may grant to a tool with grade sync and memberships enabled.
SUPPORTED_TOOL_SCOPES = (*AGS_SCOPES, SCOPE_NRPS)
# The order in which Moodle echoes granted scopes in a registration response.
REGISTRATION_SCOPE_ORDER = (
    SCOPE_SCORE,
    SCOPE_RESULT_READONLY,
    SCOPE_LINEITEM_READONLY,
    SCOPE_LINEITEM,
    SCOPE_NRPS,
)

MEDIA_LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
MEDIA_LINEITEMS = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MEDIA_SCORE = "application/vnd.ims.lis.v1.score+json"
MEDIA_SCORES = "application/vnd.ims.lis.v1.scorecontainer+json"
MEDIA_RESULTS = "application/vnd.ims.lis.v2.resultcontainer+json"
MEDIA_MEMBERSHIPS = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MEDIA_MEMBERSHIPS_LIS = "application/vnd.ims.lis.v2.membershipcontainer+json"
