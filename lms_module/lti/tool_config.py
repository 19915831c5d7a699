"""pylti1p3 reads platforms and deployments from the database through this tool configuration."""
from __future__ import annotations

from functools import cache

from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import Row, and_, bindparam, select

from ..extensions import db
from . import keys
from .models import Deployment, Platform


# The columns a login or launch needs of its platform: the registration pylti1p3 asks for, the stored
# key set, and the frame origins a launch may add to. Read from the tables, as plain rows (attribute
# names as on Platform): loading ORM objects of the platform and the deployment, and the ORM's
# compilation of a query of mapped entities, cost more CPU than the query itself; nothing in a login
# or launch changes them through the ORM.
_P, _D = Platform.__table__, Deployment.__table__
_PLATFORM_COLUMNS = (
    _P.c.id, _P.c.issuer, _P.c.client_id, _P.c.auth_login_url, _P.c.auth_token_url, _P.c.key_set_url,
    _P.c.key_set, _P.c.key_set_fetched_at, _P.c.frame_origins,
)


def find_platform(issuer: str, client_id: str | None) -> Row | None:
    """The platform of (issuer, client_id) as a row of _PLATFORM_COLUMNS, or None."""
    return find_platform_and_deployment(issuer, client_id, None)[0]


def find_platform_and_deployment(
    issuer: str, client_id: str | None, deployment_id: str | None
) -> tuple[Row | None, Row | None]:
    """The platform (a row of _PLATFORM_COLUMNS), and its deployment `deployment_id` (a row with
    `active`; None if unknown) in the same query: a launch needs both, and a query costs more than
    the join."""
    rows = db.session.execute(
        _platform_query(client_id is not None),
        {"issuer": issuer, "client_id": client_id, "deployment_id": deployment_id},
    ).all()
    # Without a client_id only an unambiguous issuer is accepted (several Canvas clients share one).
    # (deployment ids are unique per platform, so the join adds no rows)
    if len(rows) != 1:
        return None, None
    row = rows[0]
    return row, (row if row.deployment_row_id is not None else None)


@cache
def _platform_query(by_client_id: bool):
    # Built once per process; each login and launch binds its values (deployment NULL: no row).
    query = (
        select(*_PLATFORM_COLUMNS, _D.c.id.label("deployment_row_id"), _D.c.active)
        .select_from(_P.outerjoin(_D, and_(_D.c.platform_id == _P.c.id,
                                           _D.c.deployment_id == bindparam("deployment_id"))))
        .where(_P.c.issuer == bindparam("issuer"))
    )
    if by_client_id:
        query = query.where(_P.c.client_id == bindparam("client_id"))
    return query.limit(2)


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


def to_registration(platform) -> KontorRegistration:
    """`platform`: a Platform, or a row of find_platform."""
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
        self._platforms: dict[tuple[str, str | None], Row | None] = {}

    def platform(self, issuer: str, client_id: str | None) -> Row | None:
        key = (issuer, client_id)
        if key not in self._platforms:
            self._platforms[key] = find_platform(issuer, client_id)
        return self._platforms[key]

    def platform_and_deployment(
        self, issuer: str, client_id: str, deployment_id: str | None
    ) -> tuple[Row | None, Row | None]:
        """platform(), with the row of a deployment id read in the same query (a launch's first read)."""
        platform, deployment = find_platform_and_deployment(issuer, client_id, deployment_id)
        self._platforms[(issuer, client_id)] = platform
        return platform, deployment

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
    def _deployment(platform: Row | None, deployment_id: str) -> LtiDeployment | None:
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
