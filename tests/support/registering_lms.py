"""A minimal LMS that answers LTI dynamic registration on a real port (serve it with
support.live_server): its openid configuration, naming itself, and a registration endpoint that
answers `registration_answer` to every POST."""
from __future__ import annotations

from flask import Flask, jsonify, request

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"


def registering_lms(registration_answer, product_family_code: str = "moodle") -> Flask:
    lms = Flask("registering-lms")

    @lms.get("/.well-known/openid-configuration")
    def configuration():
        base = request.host_url.rstrip("/")
        return jsonify({"issuer": base, "authorization_endpoint": base + "/auth", "token_endpoint": base + "/token",
                        "jwks_uri": base + "/certs", "registration_endpoint": base + "/register",
                        PLATFORM_CONFIGURATION: {"product_family_code": product_family_code}})

    lms.add_url_rule("/register", "register", methods=["POST"], view_func=lambda: jsonify(registration_answer))
    return lms
