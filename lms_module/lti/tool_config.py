"""pylti1p3 reads platforms and deployments from the database through this tool configuration."""
from __future__ import annotations

from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import select

from ..extensions import db
from . import keys
from .models import Deployment, Platform


def find_platform(issuer: str, client_id: str | None) -> Platform | None:
    query = select(Platform).where(Platform.issuer == issuer)
    if client_id is not None:
        query = query.where(Platform.client_id == client_id)
    platforms = db.session.scalars(query.limit(2)).all()
    # Without a client_id only an unambiguous issuer is accepted (several Canvas clients share one).
    return platforms[0] if len(platforms) == 1 else None


class KontorRegistration(Registration):
    """A registration that names Kontor's signing key by its kid (pylti1p3 would derive none)."""

    kontor_kid: str | None = None
    kontor_platform_id: int | None = None

    def get_kid(self):
        return self.kontor_kid


def to_registration(platform: Platform) -> KontorRegistration:
    private_pem, kid = keys.private_pem_and_kid()
    registration = (
        KontorRegistration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.auth_token_url)
        .set_key_set_url(platform.key_set_url)
        .set_key_set(platform.key_set)
        .set_tool_private_key(private_pem)
    )
    registration.kontor_platform_id = platform.id
    registration.kontor_kid = kid
    return registration


class DatabaseToolConf(ToolConfAbstract):
    """Every issuer may have many client ids (one Kontor serves several LMSs and Canvas tenants)."""

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss, *args, **kwargs):
        platform = find_platform(iss, None)
        return to_registration(platform) if platform else None

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        platform = find_platform(iss, client_id)
        return to_registration(platform) if platform else None

    def find_deployment(self, iss, deployment_id):
        platform = find_platform(iss, None)
        return self._deployment(platform, deployment_id)

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        return self._deployment(find_platform(iss, client_id), deployment_id)

    @staticmethod
    def _deployment(platform: Platform | None, deployment_id: str) -> LtiDeployment | None:
        if platform is None:
            return None
        row = db.session.scalars(
            select(Deployment).where(
                Deployment.platform_id == platform.id,
                Deployment.deployment_id == deployment_id,
                Deployment.active.is_(True),
            )
        ).first()
        return LtiDeployment().set_deployment_id(row.deployment_id) if row else None
