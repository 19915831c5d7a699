"""Fixtures for the demo LMS's own tests: the emulator plus a tiny fake tool in one live server.

The layout mirrors the real one: the tool at the server root, the emulator mounted under
/demo-lms with DispatcherMiddleware, one threaded werkzeug server on 127.0.0.1:<random port>.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
import pytest
import requests
from flask import Flask, Response, jsonify, redirect, request
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from support.form_browser import FormBrowser
from support.live_server import live_server

from lms_module.demo_lms import DemoLmsSettings, PlatformState, create_demo_lms
from lms_module.demo_lms.keys import PlatformKey
from support.platform_kit import PlatformTestKit, sign_jwt

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


@dataclass
class FakeTool:
    """Just enough of an LTI tool: JWKS, login redirect, launch sink, dynamic registration."""

    keys: list[PlatformKey]
    # The platform's OIDC auth URL, as the tool registered it (Canvas's is not `iss + "/auth"`).
    auth_url: str = ""
    auth_overrides: dict[str, str | None] = field(default_factory=dict)
    logins: list[dict[str, str]] = field(default_factory=list)
    launches: list[dict[str, str]] = field(default_factory=list)
    registrations: list[dict[str, Any]] = field(default_factory=list)
    jwks_requests: int = 0

    @property
    def key(self) -> PlatformKey:
        return self.keys[0]

    def rotate_key(self) -> PlatformKey:
        self.keys.insert(0, PlatformKey.generate())
        return self.keys[0]

    def app(self) -> Flask:
        app = Flask("fake_tool")

        @app.get("/lti/jwks")
        def jwks() -> Response:
            self.jwks_requests += 1
            return jsonify({"keys": [key.public_jwk() for key in self.keys]})

        @app.route("/lti/login", methods=["GET", "POST"])
        def login() -> Response:
            params = request.values.to_dict()
            self.logins.append(params)
            query: dict[str, str | None] = {
                "scope": "openid",
                "response_type": "id_token",
                "response_mode": "form_post",
                "prompt": "none",
                "client_id": params["client_id"],
                "redirect_uri": request.url_root.rstrip("/") + "/lti/launch",
                "state": f"state-{uuid.uuid4()}",
                "nonce": uuid.uuid4().hex,
                "login_hint": params["login_hint"],
                "lti_message_hint": params["lti_message_hint"],
            }
            query.update(self.auth_overrides)
            clean = {key: value for key, value in query.items() if value is not None}
            return redirect(f"{self.auth_url or params['iss'] + '/auth'}?{urlencode(clean)}")

        @app.post("/lti/launch")
        def launch() -> str:
            self.launches.append(request.form.to_dict())
            return "launched"

        @app.get("/lti/register")
        def register() -> Response:
            configuration = requests.get(request.args["openid_configuration"], timeout=5).json()
            root = request.url_root.rstrip("/")
            metadata = registration_metadata(root)
            answer = requests.post(
                configuration["registration_endpoint"],
                json=metadata,
                headers={"Authorization": f"Bearer {request.args['registration_token']}"},
                timeout=5,
            )
            self.registrations.append({"status": answer.status_code, "body": answer.json()})
            return jsonify(answer.json())

        return app

    def client_assertion(self, client_id: str, audience: str, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "iat": now,
            "exp": now + 60,
            "jti": f"lti-service-token-{uuid.uuid4()}",
        }
        key = overrides.pop("key", self.key)
        claims.update(overrides)
        return sign_jwt({k: v for k, v in claims.items() if v is not None}, key)

    def deep_linking_response(self, client_id: str, issuer: str, items: list[dict[str, Any]], **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": client_id,
            "aud": [issuer],
            "exp": now + 600,
            "iat": now,
            "nonce": f"nonce-{uuid.uuid4().hex}",
            LTI + "deployment_id": "1",
            LTI + "message_type": "LtiDeepLinkingResponse",
            LTI + "version": "1.3.0",
            DL + "content_items": items,
            DL + "data": None,
        }
        key = overrides.pop("key", self.key)
        claims.update(overrides)
        return sign_jwt({k: v for k, v in claims.items() if v is not None or k == DL + "data"}, key)


def registration_metadata(tool_root: str) -> dict[str, Any]:
    """The minitool's registration request from dynamic-registration.json, for this tool root."""
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": f"{tool_root}/lti/login",
        "redirect_uris": [f"{tool_root}/lti/launch"],
        "client_name": "Rig minitool (dynamic registration)",
        "jwks_uri": f"{tool_root}/lti/jwks",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join([*AGS_SCOPES[1:], AGS_SCOPES[0], NRPS_SCOPE]),
        "https://purl.imsglobal.org/spec/lti-tool-configuration": {
            "domain": tool_root.split("://", 1)[1],
            "target_link_uri": f"{tool_root}/lti/launch",
            "custom_parameters": {"registered_by": "dynamic"},
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
            "messages": [
                {
                    "type": "LtiDeepLinkingRequest",
                    "target_link_uri": f"{tool_root}/lti/launch",
                    "label": "Rig minitool (dynamic registration)",
                }
            ],
            "description": "minitool registered through LTI Dynamic Registration",
        },
    }


@dataclass
class Rig:
    """A running emulator + fake tool, with shortcuts for the protocol steps tests repeat."""

    base_url: str  # the server root, where the fake tool lives
    lms_url: str  # the emulator's public URL (issuer)
    app: Flask
    state: PlatformState
    tool: FakeTool
    kit: PlatformTestKit
    browser: FormBrowser

    @property
    def client_id(self) -> str:
        return self.state.settings.client_id

    @property
    def token_url(self) -> str:
        return self.state.settings.auth_token_url

    def url(self, path: str) -> str:
        return self.lms_url + path

    def launch(self, path: str, audience: str | None = None) -> dict[str, Any]:
        """Run a launch in the form browser and return the verified id_token claims."""
        page = self.browser.open(self.url(path))
        assert page.status_code == 200, page.text
        assert page.text == "launched", page.text
        return self.verify_id_token(self.tool.launches[-1]["id_token"], audience)

    def verify_id_token(self, token: str, audience: str | None = None) -> dict[str, Any]:
        jwks = requests.get(self.state.settings.key_set_url, timeout=5).json()
        kid = jwt.get_unverified_header(token)["kid"]
        entry = next(key for key in jwks["keys"] if key["kid"] == kid)
        return jwt.decode(token, jwt.PyJWK(entry).key, algorithms=["RS256"], audience=audience or self.client_id,
                          issuer=self.state.settings.issuer)

    def access_token(self, scopes: list[str] | None = None) -> str:
        answer = self.request_token(scopes or [*AGS_SCOPES, NRPS_SCOPE])
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]

    def request_token(self, scopes: list[str], assertion: str | None = None) -> requests.Response:
        return requests.post(
            self.token_url,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion or self.tool.client_assertion(self.client_id, self.token_url),
                "scope": " ".join(scopes),
            },
            timeout=5,
        )


@pytest.fixture(scope="session")
def platform_pem(tmp_path_factory: pytest.TempPathFactory) -> str:
    # Generating a 2048-bit key per test is the slowest step; one PEM for the session is enough.
    path = tmp_path_factory.mktemp("keys") / "platform.pem"
    path.write_bytes(PlatformKey.generate().private_pem())
    return str(path)


@pytest.fixture(scope="session")
def tool_pem() -> bytes:
    return PlatformKey.generate().private_pem()


@pytest.fixture
def make_rig(platform_pem: str, tool_pem: bytes) -> Iterator[Callable[..., Rig]]:
    """Start a rig; keyword arguments override DemoLmsSettings fields."""
    with ExitStack() as stack:

        def start(**overrides: Any) -> Rig:
            tool = FakeTool(keys=[PlatformKey.from_pem(tool_pem)])
            holder: dict[str, Any] = {}

            def build(base_url: str) -> DispatcherMiddleware:
                settings = DemoLmsSettings(
                    base_url=f"{base_url}/demo-lms",
                    tool_base_url=base_url,
                    key_pem_path=platform_pem,
                    **overrides,
                )
                holder["app"] = create_demo_lms(settings)
                tool.auth_url = settings.auth_login_url
                return DispatcherMiddleware(tool.app(), {"/demo-lms": holder["app"]})

            base_url = stack.enter_context(live_server(factory=build))
            app = holder["app"]
            browser = stack.enter_context(FormBrowser())
            return Rig(
                base_url=base_url,
                lms_url=f"{base_url}/demo-lms",
                app=app,
                state=app.extensions["demo_lms"],
                tool=tool,
                kit=PlatformTestKit(app),
                browser=browser,
            )

        yield start


@pytest.fixture
def rig(make_rig: Callable[..., Rig]) -> Rig:
    return make_rig()


@pytest.fixture(name="registration_metadata")
def registration_metadata_fixture() -> Callable[[str], dict[str, Any]]:
    return registration_metadata
