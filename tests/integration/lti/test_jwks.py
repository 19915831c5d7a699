from datetime import timedelta

import jwt
from sqlalchemy import select

from lms_module.extensions import db
from lms_module.lti import keys
from lms_module.lti.models import ToolKey, utcnow


def test_jwks_publishes_public_rsa_keys_only(client):
    response = client.get("/lti/jwks")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    (key,) = response.get_json()["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig" and key["kid"]
    assert set(key) == {"kty", "n", "e", "kid", "alg", "use"}  # no d, p, q, dp, dq, qi
    assert jwt.algorithms.RSAAlgorithm.from_jwk(key).key_size >= 2048


def test_the_published_key_verifies_what_the_tool_signs(app, client):
    (published,) = client.get("/lti/jwks").get_json()["keys"]
    with app.app_context():
        pem, kid = keys.private_pem_and_kid()
    token = jwt.encode({"iss": "kontor"}, pem, algorithm="RS256", headers={"kid": kid})
    public = jwt.algorithms.RSAAlgorithm.from_jwk(published)
    assert public.key_size >= 2048
    assert jwt.decode(token, public, algorithms=["RS256"]) == {"iss": "kontor"}


def test_key_is_created_once(app, client):
    client.get("/lti/jwks")
    client.get("/lti/jwks")
    with app.app_context():
        assert len(db.session.scalars(select(ToolKey)).all()) == 1


def test_retired_keys_leave_the_jwks_after_the_grace_period(app, client):
    client.get("/lti/jwks")
    with app.app_context():
        new, old = keys.rotate_keys()
        old.retired_at = utcnow() - timedelta(days=app.config["KONTOR_KEY_GRACE_DAYS"], minutes=1)
        db.session.commit()
        new_kid = new.kid
    assert [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]] == [new_kid]
