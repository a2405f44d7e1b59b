"""Where a webhook may be sent (api-contract §1 `WEBHOOK_ALLOW_PRIVATE`, §5).

A partner chooses the URL, and Portgate's server makes the request: without a check, the URL
reaches the cloud metadata service, the database or any port behind the firewall (SSRF). The
host is resolved once, every address it resolves to must be global, and the POST then goes to
the address that was checked (no second lookup, so no DNS-rebinding window).

A host name that is not ASCII (an internationalised domain name, "bücher.example") goes on
the wire in its IDNA form ("xn--bcher-kva.example"): the DNS lookup, the Host header and the
TLS server name all use that form, and a name that has none is refused when it is set.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from gateway.errors import InvalidInput

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_DOCUMENTATION = tuple(ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20"))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def ascii_host(host: str) -> str:
    """The host as it goes on the wire: an ASCII name or address unchanged, a non-ASCII name
    in its IDNA (punycode) form; raise UnicodeError if it has none."""
    if host.isascii():
        return host
    try:
        import idna  # IDNA 2008 with UTS 46 mapping, as browsers; installed with httpx
    except ImportError:  # pragma: no cover - httpx depends on it
        return host.encode("idna").decode("ascii")  # Python's own codec (IDNA 2003)
    return idna.encode(host, uts46=True).decode("ascii")


class WebhookUrlNotAllowed(InvalidInput):
    """The URL's host does not resolve, or resolves to an address that is not global."""

    code = "webhook_url_not_allowed"


@dataclass(frozen=True)
class WebhookTarget:
    """A checked webhook URL: the address to connect to and what to tell the server."""

    url: str
    scheme: str
    host: str  # the name in ASCII (IDNA) form, for the Host header and TLS (SNI, certificate)
    port: int
    path: str  # path and query, as sent
    address: str | None  # the checked address to connect to; None: not resolved (allowed)

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def connect_url(self) -> str:
        """The URL with the checked address in place of the name."""
        where = self.address or self.host
        where = f"[{where}]" if ":" in where else where
        return f"{self.scheme}://{where}:{self.port}{self.path}"


def resolve(host: str, port: int) -> list[str]:
    """Every address the host (as in the URL) resolves to, looked up in the IDNA form that is
    sent (numeric forms such as 0x7f000001 included)."""
    infos = socket.getaddrinfo(ascii_host(host), port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


def _embedded_ipv4(address: IpAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_problem(text: str) -> str | None:
    """Why a webhook may not go to this address (e.g. "a loopback address"), or None."""
    try:
        address: IpAddress = ipaddress.ip_address(text)
    except ValueError:
        return "not an IP address"
    inner = _embedded_ipv4(address)
    if inner is not None:
        problem = address_problem(str(inner))
        if problem:
            return problem
    checks = (
        (address.is_loopback, "a loopback address"),
        (address.is_unspecified, "an unspecified address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address in _SHARED, "a shared (carrier-grade NAT) address"),
        (any(address in net for net in _DOCUMENTATION if net.version == address.version),
         "a documentation address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "not a global address"),
    )
    return next((why for refused, why in checks if refused), None)


def check_url(url: str, *, allow_private: bool, https_only: bool) -> WebhookTarget:
    """Check a webhook URL; raise InvalidInput (bad URL) or WebhookUrlNotAllowed (address).

    With `allow_private` on, any host is accepted (tests, closed networks), but a name that
    resolves is still pinned to the address it resolved to."""
    allowed = ("https",) if https_only else ("http", "https")
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidInput(f"--url: {url!r} is not a valid URL.", code="invalid_webhook") \
            from None
    host = parts.hostname or ""
    if parts.scheme not in allowed or not host:
        raise InvalidInput(f"--url: {url!r} is not an {' or '.join(allowed)} URL.",
                           code="invalid_webhook")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        wire_host = ascii_host(host)
    except UnicodeError:
        raise InvalidInput(f"--url: the host {host!r} is not a valid domain name.",
                           code="invalid_webhook") from None
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        addresses = []
    if not allow_private:
        if not addresses:
            raise WebhookUrlNotAllowed(f"--url: the host {host!r} does not resolve.")
        for address in addresses:
            problem = address_problem(address)
            if problem:
                raise WebhookUrlNotAllowed(
                    f"--url: the host {host!r} resolves to {address}, {problem}; webhooks go "
                    "only to public addresses.")
    return WebhookTarget(url=url, scheme=parts.scheme, host=wire_host, port=port, path=path,
                         address=addresses[0] if addresses else None)
