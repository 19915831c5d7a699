"""A platform's public key is parsed from its JWK once per process (not on every launch), and the
parsed key is the one of that JWK and no other."""
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.algorithms import RSAAlgorithm

from lms_module.demo_lms.keys import PlatformKey
from lms_module.lti import platform_keys


@pytest.fixture(scope="module")
def key():
    return PlatformKey.generate("kid-a")


def test_the_same_jwk_is_parsed_once(key):
    first = platform_keys.public_key(key.public_jwk())
    reordered = dict(reversed(list(key.public_jwk().items())))  # as another JSON printer would send it
    assert platform_keys.public_key(reordered) is first


def test_the_parsed_key_verifies_its_platforms_tokens_only(key):
    public = platform_keys.public_key(key.public_jwk())
    token = jwt.encode({"sub": "4"}, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    assert jwt.decode(token, public, algorithms=["RS256"]) == {"sub": "4"}
    other = PlatformKey.generate("kid-a")  # same kid, another key: its own entry, and it does not verify
    assert platform_keys.public_key(other.public_jwk()) is not public
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, platform_keys.public_key(other.public_jwk()), algorithms=["RS256"])


def test_a_jwk_with_private_members_gives_only_its_public_key(key):
    private_jwk = RSAAlgorithm.to_jwk(key.private_key, as_dict=True)
    public = platform_keys.public_key(private_jwk)
    assert isinstance(public, RSAPublicKey)
    assert public.public_numbers() == key.private_key.public_key().public_numbers()


@pytest.mark.parametrize("jwk", [
    {"kty": "oct", "k": "c2VjcmV0", "kid": "kid-a"},  # a shared secret is no platform key
    {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "kid": "kid-a"},
    {"kty": "RSA", "kid": "kid-a"},  # no modulus, no exponent
])
def test_what_is_not_an_rsa_public_key_is_refused(jwk):
    with pytest.raises(ValueError):
        platform_keys.public_key(jwk)


def test_the_cache_stays_bounded(monkeypatch):
    monkeypatch.setattr(platform_keys, "_PARSED_KEYS", {})
    monkeypatch.setattr(platform_keys, "MAX_PARSED_KEYS", 2)
    keys = [PlatformKey.generate(f"kid-{i}") for i in range(3)]
    for each in keys:
        platform_keys.public_key(each.public_jwk())
    assert len(platform_keys._PARSED_KEYS) <= 2
