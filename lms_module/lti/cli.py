"""Command line for LMS administrators: platforms, deployments and the tool's keys."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..extensions import db
from . import keys
from .models import Deployment, Platform
from .invites import create_invite, open_invites, revoke_invite
from .registration import save_platform, set_deployment_active


@click.group("platform", help="Register LMS platforms and their deployments.")
def platform_cli() -> None:
    pass


@platform_cli.command("add")
@click.option("--issuer", required=True, help="The platform's issuer (iss), e.g. https://moodle.example.edu")
@click.option("--client-id", required=True, help="The client id the LMS gave Kontor.")
@click.option("--deployment-id", required=True, help="The deployment id (Moodle: the tool type id).")
@click.option("--auth-url", required=True, help="The platform's OIDC authentication URL.")
@click.option("--token-url", required=True, help="The platform's OAuth2 token URL.")
@click.option("--jwks-url", required=True, help="The platform's public keyset URL.")
@click.option("--name", default="", help="A name for people (default: the issuer).")
@with_appcontext
def platform_add(issuer, client_id, deployment_id, auth_url, token_url, jwks_url, name):
    """Add a platform, or add a deployment to one that exists (same issuer and client id).

    A platform added here has its hosts trusted (an LMS in the school's own network is reached);
    one that exists keeps its setting (see trust-hosts)."""
    for label, url in (("--auth-url", auth_url), ("--token-url", token_url), ("--jwks-url", jwks_url)):
        if not url.startswith(("https://", "http://")):
            raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint=label)
    platform = save_platform(
        issuer=issuer,
        client_id=client_id,
        deployment_id=deployment_id,
        auth_login_url=auth_url,
        auth_token_url=token_url,
        key_set_url=jwks_url,
        name=name,
        hosts_trusted=True,
    )
    db.session.commit()
    click.echo(f"Platform {platform.name} ({platform.issuer}, client {platform.client_id}) "
               f"has deployments: {', '.join(_deployment_labels(platform))}")
    if not platform.hosts_trusted:
        # A registered platform (or one whose trust was withdrawn): adding a deployment does not trust it.
        click.echo(f"Unchanged: {_TRUST_LABELS[False]}. To reach them wherever they resolve, run "
                   f"\"flask --app wsgi platform trust-hosts --issuer {platform.issuer} --client-id "
                   f"{platform.client_id} --on\".", err=True)


_TRUST_LABELS = {
    True: "its hosts are reached wherever they resolve (also in a private network)",
    False: "its hosts are reached only at public addresses, checked at every connection",
}


def _deployment_labels(platform: Platform) -> list[str]:
    return [d.deployment_id + ("" if d.active else " (inactive)") for d in platform.deployments]


@platform_cli.command("list")
@with_appcontext
def platform_list():
    """List platforms with their deployments (inactive ones are marked)."""
    platforms = db.session.scalars(select(Platform).order_by(Platform.id)).all()
    if not platforms:
        click.echo("No platforms registered.")
        return
    for p in platforms:
        click.echo(f"{p.issuer}\tclient_id={p.client_id}\tname={p.name}\tdeployments={','.join(_deployment_labels(p)) or '-'}"
                   f"\thosts={'trusted' if p.hosts_trusted else 'checked'}")


def _find(issuer: str, client_id: str) -> Platform:
    platform = db.session.scalars(
        select(Platform).where(Platform.issuer == issuer, Platform.client_id == client_id)
    ).first()
    if platform is None:
        raise click.ClickException(f"No platform with issuer {issuer} and client id {client_id}.")
    return platform


@platform_cli.command("remove")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@with_appcontext
def platform_remove(issuer, client_id):
    """Remove a platform and everything recorded for it."""
    db.session.delete(_find(issuer, client_id))
    db.session.commit()
    click.echo(f"Removed platform {issuer} (client {client_id}).")


@platform_cli.command("trust-hosts")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.option("--on/--off", "trusted", default=None,
              help="--on: reach the hosts of the issuer, token and key set URLs wherever they resolve (an LMS in "
                   "the school's own network); --off: only at public addresses, checked at every connection.")
@with_appcontext
def platform_trust_hosts(issuer, client_id, trusted):
    """Trust a platform's own hosts, or stop trusting them (docs/security.md)."""
    if trusted is None:
        raise click.UsageError("Say --on or --off.")
    platform = _find(issuer, client_id)
    platform.hosts_trusted = trusted
    db.session.commit()
    click.echo(f"Platform {issuer} (client {client_id}): {_TRUST_LABELS[trusted]}. "
               f"A running worker uses this setting from its next call to the platform.")


@platform_cli.command("activate-deployment")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.option("--deployment-id", required=True)
@with_appcontext
def platform_activate_deployment(issuer, client_id, deployment_id):
    """Activate a deployment id (for example one recorded from a rejected launch)."""
    platform = _find(issuer, client_id)
    set_deployment_active(platform, deployment_id, True)
    db.session.commit()
    click.echo(f"Deployment {deployment_id} of {issuer} is active.")


@platform_cli.command("deactivate-deployment")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.option("--deployment-id", required=True)
@with_appcontext
def platform_deactivate_deployment(issuer, client_id, deployment_id):
    """Stop accepting launches from a deployment id."""
    platform = _find(issuer, client_id)
    exists = db.session.scalars(
        select(Deployment).where(Deployment.platform_id == platform.id, Deployment.deployment_id == deployment_id)
    ).first()
    if exists is None:
        raise click.ClickException(f"Deployment {deployment_id} is not known for {issuer}.")
    set_deployment_active(platform, deployment_id, False)
    db.session.commit()
    click.echo(f"Deployment {deployment_id} of {issuer} is inactive.")


DURATION_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def _parse_duration(value: str) -> timedelta:
    match = re.fullmatch(r"\s*(\d{1,5})\s*([mhd])\s*", value or "")
    if not match:
        raise click.BadParameter(f"{value!r}: write a number and m, h or d, e.g. 30m, 24h, 7d", param_hint="--expires")
    return timedelta(**{DURATION_UNITS[match.group(2)]: int(match.group(1))})


@platform_cli.command("invite")
@click.option("--name", default="", help="The name the registered platform gets (default: the LMS's own).")
@click.option("--expires", "expires", default="24h", show_default=True,
              help="How long the invite stays usable: 30m, 24h, 7d (at most 30 days).")
@click.option("--base-url", default=None,
              help="Kontor's external address, e.g. https://kontor.example.edu (default: KONTOR_BASE_URL).")
@with_appcontext
def platform_invite(name, expires, base_url):
    """Print a one-time registration URL for an LMS administrator (LTI dynamic registration)."""
    base_url = (base_url or current_app.config.get("KONTOR_BASE_URL") or "").strip().rstrip("/")
    if not base_url:
        raise click.UsageError("Kontor's external address is needed for the URL: give --base-url "
                               "https://kontor.example.edu or set KONTOR_BASE_URL.")
    if urlsplit(base_url).scheme not in ("http", "https") or not urlsplit(base_url).netloc:
        raise click.BadParameter(f"{base_url!r} is not an http(s) URL", param_hint="--base-url")
    try:
        invite, token = create_invite(name.strip(), _parse_duration(expires))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--expires") from exc
    db.session.commit()
    click.echo(f"{base_url}/lti/register?{urlencode({'invite': token})}")
    click.echo(f"Paste this URL into the LMS as the tool URL (Moodle: \"Tool URL\", then \"Add LTI Advantage\"). "
               f"It registers one LMS and expires {invite.expires_at:%Y-%m-%d %H:%M} UTC (invite {invite.id}).",
               err=True)


@platform_cli.command("invites")
@with_appcontext
def platform_invites():
    """List the invites that can still be used (unused and not expired)."""
    invites = open_invites()
    if not invites:
        click.echo("No open invites.")
        return
    for invite in invites:
        click.echo(f"{invite.id}\tname={invite.name or '-'}\tcreated={invite.created_at:%Y-%m-%d %H:%M}"
                   f"\texpires={invite.expires_at:%Y-%m-%d %H:%M} UTC")


@platform_cli.command("revoke-invite")
@click.argument("invite_id", type=int)
@with_appcontext
def platform_revoke_invite(invite_id):
    """Make an open invite unusable at once."""
    if not revoke_invite(invite_id):
        raise click.ClickException(f"No open invite {invite_id}.")
    db.session.commit()
    click.echo(f"Invite {invite_id} revoked.")


@click.group("keys", help="The tool's signing keys.")
def keys_cli() -> None:
    pass


@keys_cli.command("rotate")
@with_appcontext
def keys_rotate():
    """Make a new signing key; the old public key stays in the JWKS for the grace period."""
    new, previous = keys.rotate_keys()
    db.session.commit()
    click.echo(f"New signing key {new.kid}" + (f"; {previous.kid} retired" if previous else ""))
