"""The test-only token forgery (alg none, HMAC with the public key) does not ship in the wheel
(issue 11): it lives in tests/support/platform_kit.py; the emulator's signer signs RS* only."""
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

import lms_module
from lms_module.demo_lms.jws import sign_compact

PACKAGE = Path(lms_module.__file__).resolve().parent


@pytest.mark.parametrize("alg", ["none", "HS256", "HS512"])
def test_the_shipped_signer_refuses_to_forge(alg):
    with pytest.raises(ValueError):
        sign_compact({"alg": alg}, {"sub": "x"}, b"secret")  # type: ignore[arg-type]


def test_the_shipped_signer_signs_rs256():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert sign_compact({"alg": "RS256"}, {"sub": "x"}, key).count(".") == 2


def test_no_forgery_helpers_in_the_package():
    assert not (PACKAGE / "demo_lms" / "testing.py").exists()
    for source in PACKAGE.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "PlatformTestKit" not in text and "generate_adversary_key" not in text, source
