"""The address guard: a fetch goes only to public addresses, and only to the addresses that were checked.

Anyone on Discord can hand the bot a URL, so every URL is hostile until checked. After the static checks of
:func:`bot.core.urls.check_url`:

* **Address checks** (:func:`resolve_and_check`): the host is resolved and refused if *any* address is
  loopback, private, link-local (``169.254.169.254`` is the cloud metadata service), multicast, reserved,
  unspecified or otherwise not globally routable, including those addresses hidden inside IPv4-mapped,
  IPv4-compatible, 6to4 and NAT64 IPv6 forms. "Any" rather than "all", because the connector may pick any
  one of them.
* **Pinning**: the connection goes to exactly the addresses that were checked. Sessions from
  :func:`open_session` use :class:`PinnedResolver`, which answers only from the addresses checked for the current
  hop (:data:`PINS`), so a DNS server that answers "public" to the check and "127.0.0.1" to the connect (DNS
  rebinding) gets nowhere. Connections are never pooled, so no connection made under an earlier check is reused
  for a later one.

:class:`FetchPolicy` says what a fetch may do (operators may allow private addresses or a few networks).
"""

from __future__ import annotations

import asyncio
import contextvars
import errno
import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from bot import __version__
from bot.core.errors import FetchError, UnsafeURL
from bot.core.sanitize import quoted
from bot.intake.worker import DEFAULT_MEMORY, DEFAULT_TIMEOUT

__all__ = [
    "DEFAULT_USER_AGENT",
    "PINS",
    "FetchPolicy",
    "PinnedConnector",
    "PinnedResolver",
    "open_session",
    "resolve_and_check",
]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_USER_AGENT: Final = f"newsbot/{__version__} (news article fetcher)"


@dataclass(frozen=True)
class FetchPolicy:
    """What a fetch may do. The defaults are for fetching arbitrary public news sites.

    ``allow_private`` turns the address check off entirely (for a deployment that deliberately fetches from an
    intranet). ``allowed_networks`` is narrower: addresses inside these networks count as public, which lets
    tests serve pages from ``127.0.0.2`` while ``127.0.0.1`` stays forbidden.
    """

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    timeout: float = DEFAULT_TIMEOUT  # seconds, for the whole fetch: DNS, redirects, the body and its extraction
    max_bytes: int = 5_000_000  # of (decompressed) body
    max_extract_memory: int = DEFAULT_MEMORY  # bytes of address space for the worker that extracts the article
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise ValueError(f"FetchPolicy.timeout must be positive, not {self.timeout!r}")
        if self.max_bytes <= 0:
            raise ValueError(f"FetchPolicy.max_bytes must be positive, not {self.max_bytes!r}")
        if self.max_extract_memory <= 0:
            raise ValueError(f"FetchPolicy.max_extract_memory must be positive, not {self.max_extract_memory!r}")
        if self.max_redirects < 0:
            raise ValueError(f"FetchPolicy.max_redirects must not be negative, not {self.max_redirects!r}")
        for network in self.allowed_networks:
            if not isinstance(network, ipaddress.IPv4Network | ipaddress.IPv6Network):
                raise TypeError(f"FetchPolicy.allowed_networks needs ipaddress networks, not {network!r}")


_NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, if it is one of the forms that reach IPv4 hosts."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if int(ip) >> 32 == 0 and int(ip) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _forbidden_kind(ip: IPAddress) -> str | None:
    """Why ``ip`` must not be fetched from ("loopback", ...), or None if it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            inner = _forbidden_kind(embedded)
            return f"{inner} ({embedded} in IPv6 form)" if inner else None
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "site-local"
    if not ip.is_global:
        return "not globally routable"
    return None


def _address_allowed(ip: IPAddress, policy: FetchPolicy) -> bool:
    if policy.allow_private:
        return True
    candidates: list[IPAddress] = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(ip)) is not None:
        candidates.append(embedded)
    return any(c.version == net.version and c in net for c in candidates for net in policy.allowed_networks)


async def resolve_and_check(host: str, port: int, policy: FetchPolicy) -> list[str]:
    """Resolve ``host`` and return its addresses, refusing it if *any* of them is not public.

    Raises :class:`UnsafeURL` naming the host and the offending address, or :class:`FetchError` if the name
    does not resolve. Uses the event loop's ``getaddrinfo`` (in a thread) so a slow DNS server does not block
    the bot; the caller's timeout bounds it. IP literals go through the same path, which also turns obsolete
    spellings such as ``2130706433`` or ``0x7f.1`` into the address they really mean.
    """
    name = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(name, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
        raise FetchError(f"could not resolve host {quoted(host)}: {reason}") from None
    addresses: list[str] = []
    for family, _type, _proto, _canon, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        text = str(sockaddr[0])
        ip = ipaddress.ip_address(text.split("%", 1)[0])
        kind = _forbidden_kind(ip)
        if kind is not None and not _address_allowed(ip, policy):
            raise UnsafeURL(
                f"refusing to fetch from {quoted(host)}: it resolves to {text}, which is not a public address "
                f"(it is {kind}); newsbot only fetches from public addresses"
            )
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise FetchError(f"could not resolve host {quoted(host)}: no IPv4 or IPv6 address")
    return addresses


# The addresses checked for the request in flight, keyed by (host as aiohttp will ask for it, port). A context
# variable rather than resolver state, so concurrent fetches through one session cannot see each other's pins:
# aiohttp resolves inside the task that makes the request.
PINS: contextvars.ContextVar[Mapping[tuple[str, int], tuple[str, ...]]] = contextvars.ContextVar("PINS")


class PinnedResolver(AbstractResolver):
    """A resolver that never asks DNS: it answers only with the addresses :func:`fetch_page` has just checked.

    A lookup for anything else fails, so a request that did not go through the checks cannot connect anywhere.
    """

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        pinned = PINS.get({}).get((host, port))
        if not pinned:
            raise OSError(errno.EPERM, f"{host}:{port} was not checked before connecting; refusing to resolve it")
        results: list[ResolveResult] = []
        for address in pinned:
            addr_family = socket.AF_INET6 if ":" in address else socket.AF_INET
            if family not in (socket.AF_UNSPEC, addr_family):
                continue
            results.append(
                ResolveResult(
                    hostname=host,
                    host=address,
                    port=port,
                    family=addr_family,
                    proto=0,
                    flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
                )
            )
        if not results:
            raise OSError(errno.EPERM, f"{host}:{port} has no checked address of the requested family")
        return results

    async def close(self) -> None:
        """Nothing to release: this resolver holds no sockets or threads."""


class PinnedConnector(aiohttp.TCPConnector):
    """A connector that resolves only through :class:`PinnedResolver` and never keeps a connection alive.

    No pooling, because a pooled connection was checked under an earlier lookup (maybe under another policy).
    """

    def __init__(self) -> None:
        super().__init__(resolver=PinnedResolver(), use_dns_cache=False, force_close=True, limit=20)


def open_session() -> aiohttp.ClientSession:
    """A session :func:`fetch_page` may use: it connects only to addresses checked for the current request.

    Use it as ``async with open_session() as session:`` to share one session across many fetches. Proxies from
    the environment are ignored (``trust_env=False``): a proxy would resolve names itself, unchecked.
    """
    return aiohttp.ClientSession(connector=PinnedConnector(), trust_env=False)
