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
    """A registration that names Kontor's signing key by its kid (pylti1p3 would derive none).

    The tool's key is read only when something signs with it (service tokens, deep linking
    responses): logins and launches verify the platform's token and never need it."""

    kontor_platform_id: int | None = None
    _kontor_key: tuple[str, str] | None = None

    def _tool_key(self) -> tuple[str, str]:
        if self._kontor_key is None:
            self._kontor_key = keys.private_pem_and_kid()
        return self._kontor_key

    def get_tool_private_key(self):
        return self._tool_key()[0]

    def get_kid(self):
        return self._tool_key()[1]


def to_registration(platform: Platform) -> KontorRegistration:
    registration = (
        KontorRegistration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.auth_token_url)
        .set_key_set_url(platform.key_set_url)
        .set_key_set(platform.key_set)
    )
    registration.kontor_platform_id = platform.id
    return registration


class DatabaseToolConf(ToolConfAbstract):
    """Every issuer may have many client ids (one Kontor serves several LMSs and Canvas tenants).

    One instance serves one login or launch; pylti1p3 asks it for the same platform several times,
    so each (issuer, client id) is read once per instance."""

    def __init__(self) -> None:
        super().__init__()
        self._platforms: dict[tuple[str, str | None], Platform | None] = {}

    def platform(self, issuer: str, client_id: str | None) -> Platform | None:
        key = (issuer, client_id)
        if key not in self._platforms:
            self._platforms[key] = find_platform(issuer, client_id)
        return self._platforms[key]

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss, *args, **kwargs):
        platform = self.platform(iss, None)
        return to_registration(platform) if platform else None

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        platform = self.platform(iss, client_id)
        return to_registration(platform) if platform else None

    def find_deployment(self, iss, deployment_id):
        return self._deployment(self.platform(iss, None), deployment_id)

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        return self._deployment(self.platform(iss, client_id), deployment_id)

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
