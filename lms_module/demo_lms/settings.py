"""Settings of the demo LMS (the Moodle 4.5 emulator, or its Canvas profile)."""

from __future__ import annotations

from dataclasses import dataclass

# Moodle's client_id from the captured samples; keeping it makes logs comparable with them.
MOODLE_SAMPLE_CLIENT_ID = "cobQ95GMgvUHJDN"

MOODLE = "moodle"
CANVAS = "canvas"
PROFILES = (MOODLE, CANVAS)
# Instructure-hosted Canvas sends this issuer for every school (docs: file.lti_launch_overview.html);
# its auth, token and key URLs live elsewhere (here: at the emulator's base URL).
CANVAS_ISSUER = "https://canvas.instructure.com"
# A developer key's global id and a "<tool id>:<40-hex context hash>" deployment id (Canvas samples).
CANVAS_SAMPLE_CLIENT_ID = "170000000000042"
CANVAS_SAMPLE_DEPLOYMENT_ID = "12:8865aa05b4b79b64a91a86042e43af5ea8ae79eb"
# Canvas's endpoint paths (launch-student.json, token-response.json, jwks.json).
CANVAS_AUTH_PATH = "/api/lti/authorize_redirect"
CANVAS_TOKEN_PATH = "/login/oauth2/token"
CANVAS_JWKS_PATH = "/api/lti/security/jwks"


@dataclass(frozen=True)
class DemoLmsSettings:
    """Everything the emulator needs to know about itself and about the tool.

    `base_url` is the public URL of the emulator including its mount path (for example
    ``http://127.0.0.1:5000/demo-lms``). It is the root of every protocol URL the emulator hands
    out, so it must be what the tool can reach; with the Moodle profile it is also the issuer.

    `profile` is "moodle" (Moodle 4.5, the default) or "canvas" (hosted Canvas: issuer
    https://canvas.instructure.com, Canvas's paths, claims and service answers, platform storage).
    """

    base_url: str
    tool_base_url: str
    profile: str = MOODLE
    client_id: str = MOODLE_SAMPLE_CLIENT_ID
    deployment_id: str = "1"
    key_pem_path: str | None = None
    state_path: str | None = None
    # Offer the 1EdTech platform-storage postMessage frame (as Canvas does; Moodle does not).
    platform_storage: bool = False
    # Moodle leaves dynamically registered tools pending until an admin activates them;
    # the demo switches this on so a registration is usable at once.
    auto_activate_tools: bool = False
    # Paths fixed by the tool (Kontor); settings only so that a fake tool in tests can differ.
    tool_login_path: str = "/lti/login"
    tool_launch_path: str = "/lti/launch"
    tool_jwks_path: str = "/lti/jwks"
    tool_register_path: str = "/lti/register"
    # Timeout of the emulator's own HTTP calls to the tool (JWKS fetches).
    http_timeout: float = 5.0

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"profile must be one of {', '.join(PROFILES)}, not {self.profile!r}")
        if self.profile == CANVAS:
            # Canvas's ids unless a test chose others; Canvas always offers platform storage.
            if self.client_id == MOODLE_SAMPLE_CLIENT_ID:
                object.__setattr__(self, "client_id", CANVAS_SAMPLE_CLIENT_ID)
            if self.deployment_id == "1":
                object.__setattr__(self, "deployment_id", CANVAS_SAMPLE_DEPLOYMENT_ID)
            object.__setattr__(self, "platform_storage", True)

    @property
    def is_canvas(self) -> bool:
        return self.profile == CANVAS

    @property
    def root_url(self) -> str:
        return self.base_url.rstrip("/")

    @property
    def issuer(self) -> str:
        return CANVAS_ISSUER if self.is_canvas else self.root_url

    # The URLs a tool registers (what `flask platform add` takes).

    @property
    def auth_login_url(self) -> str:
        return self.root_url + (CANVAS_AUTH_PATH if self.is_canvas else "/auth")

    @property
    def auth_token_url(self) -> str:
        return self.root_url + (CANVAS_TOKEN_PATH if self.is_canvas else "/token")

    @property
    def key_set_url(self) -> str:
        return self.root_url + (CANVAS_JWKS_PATH if self.is_canvas else "/certs")

    def tool_url(self, path: str) -> str:
        return self.tool_base_url.rstrip("/") + path

    @property
    def tool_login_url(self) -> str:
        return self.tool_url(self.tool_login_path)

    @property
    def tool_launch_url(self) -> str:
        return self.tool_url(self.tool_launch_path)

    @property
    def tool_jwks_url(self) -> str:
        return self.tool_url(self.tool_jwks_path)

    @property
    def tool_register_url(self) -> str:
        return self.tool_url(self.tool_register_path)
