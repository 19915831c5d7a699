"""Settings of the demo LMS (the Moodle 4.5 emulator)."""

from __future__ import annotations

from dataclasses import dataclass

# Moodle's client_id from the captured samples; keeping it makes logs comparable with them.
MOODLE_SAMPLE_CLIENT_ID = "cobQ95GMgvUHJDN"


@dataclass(frozen=True)
class DemoLmsSettings:
    """Everything the emulator needs to know about itself and about the tool.

    `base_url` is the public URL of the emulator including its mount path (for example
    ``http://127.0.0.1:5000/demo-lms``). It is also the issuer (`iss`) and the root of every
    protocol URL the emulator hands out, so it must be what the tool can reach.
    """

    base_url: str
    tool_base_url: str
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

    @property
    def issuer(self) -> str:
        return self.base_url.rstrip("/")

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
