"""The platform's RSA signing key and its JWKS form."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .jws import b64url, sign_compact


def _int_to_b64url(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass(frozen=True)
class PlatformKey:
    """An RSA key with a kid, like the one Moodle keeps in its config and serves on certs.php."""

    private_key: rsa.RSAPrivateKey
    kid: str

    @classmethod
    def generate(cls, kid: str | None = None) -> PlatformKey:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(private_key, kid or _kid_for(private_key))

    @classmethod
    def from_pem(cls, pem: bytes, kid: str | None = None) -> PlatformKey:
        private_key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ValueError("the platform key must be an RSA private key")
        return cls(private_key, kid or _kid_for(private_key))

    @classmethod
    def load_or_generate(cls, path: str | None) -> PlatformKey:
        """Load the PEM at `path`; if the file is missing, generate a key and write it there."""
        if path is None:
            return cls.generate()
        pem_path = Path(path)
        if pem_path.exists():
            return cls.from_pem(pem_path.read_bytes())
        key = cls.generate()
        pem_path.parent.mkdir(parents=True, exist_ok=True)
        pem_path.write_bytes(key.private_pem())
        return key

    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def public_jwk(self) -> dict[str, Any]:
        numbers = self.private_key.public_key().public_numbers()
        # Member order as Moodle's certs.php prints it.
        return {
            "kty": "RSA",
            "alg": "RS256",
            "kid": self.kid,
            "e": _int_to_b64url(numbers.e),
            "n": _int_to_b64url(numbers.n),
            "use": "sig",
        }

    def sign(self, payload: dict[str, Any], alg: str = "RS256") -> str:
        """Sign with Moodle's header shape: typ, alg, kid."""
        return sign_compact({"typ": "JWT", "alg": alg, "kid": self.kid}, payload, self.private_key)


def _kid_for(private_key: rsa.RSAPrivateKey) -> str:
    # Moodle's kids are 20 hex characters; deriving ours from the modulus keeps a kid stable
    # for a key loaded from a PEM file across restarts of the demo.
    modulus = private_key.public_key().public_numbers().n
    return hashlib.sha1(str(modulus).encode("ascii")).hexdigest()[:20]
