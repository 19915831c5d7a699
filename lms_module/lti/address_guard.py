"""Outbound calls to addresses a stranger names: never into Kontor's own network.

Dynamic registration fetches a URL that the caller of `/lti/register` chooses, and the worker calls
the service URLs (members, line items, scores) that a registered platform names in its launches.
Without a guard that is a server-side request forgery: Kontor would read its cloud metadata service
(169.254.169.254), its database host or anything else on loopback and the private network for
whoever asks.

The guard sits where the socket is opened (a requests transport adapter): every address the host
name resolves to is checked, and the connection goes to the address that was checked, so a DNS
answer that changes between check and connect (rebinding) gains nothing. Redirects are not followed
(LmsSession), proxies from the environment are not used (the proxy would do the resolving).
"""
from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .http import LmsSession

# NAT64 (RFC 6052): IPv6 addresses that a gateway translates to the IPv4 address in their last 32 bits.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class BlockedAddress(Exception):
    """A URL resolves to an address Kontor does not call (deliberately not an OSError: urllib3
    would retry and wrap it; this must reach the caller as it is)."""

    def __init__(self, host: str, address: str = "") -> None:
        super().__init__(f"{host} resolves to {address}, a loopback, private or reserved address"
                         if address else f"{host} cannot be called")
        self.host = host
        self.address = address


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_forbidden_address(address: str) -> bool:
    """True for loopback, private, shared, link-local, multicast, reserved and unspecified addresses
    (IPv4 and IPv6, also when IPv4 hides inside IPv6); everything not globally routable counts."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id (fe80::1%eth0) says nothing
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            ip = inner
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        # IPv6 site-local (fec0::/10): deprecated, yet still an internal network where it is routed;
        # Python counts it as global.
        or getattr(ip, "is_site_local", False)
        or not ip.is_global
    )


def checked_address(host: str, port: int) -> str:
    """Resolve `host` and return an address to connect to; BlockedAddress if any resolved address
    is forbidden (one bad answer among good ones is refused too: the caller does not pick which)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise BlockedAddress(host) from exc
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise BlockedAddress(host)
    for address in addresses:
        if is_forbidden_address(address):
            raise BlockedAddress(host, address)
    return addresses[0]


def host_key(host: str) -> str:
    """A host name as the guard compares it: lower case, without IPv6 brackets or a trailing dot."""
    return host.strip().strip("[]").rstrip(".").lower()


class _GuardedConnectionMixin:
    # Hosts connected to wherever they resolve (a platform's own registered hosts, see outbound_session).
    trusted_hosts: frozenset[str] = frozenset()

    def _new_conn(self):  # type: ignore[override]
        if self.trusted_hosts and host_key(self.host) in self.trusted_hosts:
            return super()._new_conn()
        address = checked_address(self.host, self.port)
        # Connect to the checked address; only the socket sees it (TLS and Host keep the name).
        original = self._dns_host
        self._dns_host = address
        try:
            return super()._new_conn()
        finally:
            self._dns_host = original


class _GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


@lru_cache(maxsize=256)
def _pool_classes(trusted_hosts: frozenset[str]) -> dict[str, type]:
    if not trusted_hosts:
        return {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}
    extra = {"trusted_hosts": trusted_hosts}
    http = type("_TrustingHTTPConnection", (_GuardedHTTPConnection,), extra)
    https = type("_TrustingHTTPSConnection", (_GuardedHTTPSConnection,), extra)
    return {"http": type("_TrustingHTTPPool", (_GuardedHTTPPool,), {"ConnectionCls": http}),
            "https": type("_TrustingHTTPSPool", (_GuardedHTTPSPool,), {"ConnectionCls": https})}


class PublicAddressAdapter(HTTPAdapter):
    """A transport adapter that opens connections only to globally routable addresses, and to
    `trusted_hosts` wherever they resolve."""

    def __init__(self, *args, trusted_hosts: frozenset[str] = frozenset(), via_proxies: bool = False,
                 **kwargs) -> None:
        self._trusted_hosts = trusted_hosts  # before HTTPAdapter.__init__, which builds the pool manager
        self._via_proxies = via_proxies
        super().__init__(*args, **kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self._trusted_hosts)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        if self._via_proxies:  # the deployment's own egress proxy resolves and decides
            return super().proxy_manager_for(proxy, **proxy_kwargs)
        raise BlockedAddress(str(proxy))


def outbound_session(*, timeout: float, allow_private: bool, trusted_hosts=(),
                     via_proxies: bool = False) -> requests.Session:
    """The session for calls to URLs a stranger chose. With `allow_private` (KONTOR_ALLOW_PRIVATE_LMS,
    a lab or the demo LMS on 127.0.0.1) it is a plain LmsSession. `trusted_hosts` are reached
    wherever they resolve: the hosts an administrator or a checked registration gave a platform.
    `via_proxies`: the environment's proxies are used (HTTPS_PROXY, as a plain LmsSession does), and
    what goes through one is not checked here."""
    session = LmsSession(timeout=timeout)
    if not allow_private:
        session.trust_env = via_proxies
        adapter = PublicAddressAdapter(max_retries=0, via_proxies=via_proxies,
                                       trusted_hosts=frozenset(host_key(h) for h in trusted_hosts if h))
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    return session
