"""The demo LMS: an LTI 1.3 platform emulator that plays Moodle 4.5 for Kontor's demo and tests.

Self-contained: it never imports the rest of lms_module and talks to the tool over HTTP only.
Behaviour and quirks follow the captures in shared/lms-samples/moodle-4.5.

URL map (relative to the mount point, e.g. /demo-lms; Moodle's script in brackets):
    GET  /                                   course page: activities, launch buttons, gradebook, log
    GET  /course/view/<cmid>?user=&locale=   activity page with the tool iframe   [view.php]
    GET  /launch/<cmid>?user=&locale=        ltiInitiateLoginForm                   [launch.php]
    GET  /deeplink/view, /deeplink/start     content selection, its login form      [contentitem.php]
    GET|POST /auth                           OIDC authentication, ltiAuthForm       [auth.php]
    GET  /certs                              platform JWKS                          [certs.php]
    POST /token                              client_credentials + jwt-bearer        [token.php]
    /mod/lti/services.php/<course>/lineitems[/<item>/lineitem[/scores|/results]]?type_id=N   AGS
    GET  /mod/lti/services.php/CourseSection/<course>/bindings/<type>/memberships              NRPS
    POST /deeplink/return?course=&id=&sesskey=                                      [contentitem_return.php]
    GET  /.well-known/openid-configuration, /registration/start; POST /registration  dynamic registration
    GET  /return, /platform-storage, /registration/view; POST /admin/tools/<client_id>/activate

Python API: create_demo_lms(DemoLmsSettings) -> Flask; the PlatformState is
app.extensions["demo_lms"]; tests/support/platform_kit.py (test-only, not shipped) forges tokens.
"""

from .app import create_demo_lms
from .settings import DemoLmsSettings
from .state import PlatformState

__all__ = ["DemoLmsSettings", "PlatformState", "create_demo_lms"]
