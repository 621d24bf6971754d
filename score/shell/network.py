"""Where other devices can reach this machine: its LAN addresses and the join URLs.

`lan_addresses` finds the addresses without sending any traffic: the addresses the
host name resolves to, plus the source address the kernel would pick for the default
route (a UDP socket's `connect` only chooses a route; no packet leaves). `join_urls`
turns a bind host into the URLs an operator tablet and a display open: for a
wildcard bind, one per LAN address of the family the server listens on.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import quote

# Documentation addresses (RFC 5737, RFC 3849): never routed, so a UDP connect to
# them only asks the kernel which local address the default route would use.
ROUTE_PROBES = ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1"))

WILDCARD_HOSTS = {
    "0.0.0.0": (socket.AF_INET,),
    "::": (socket.AF_INET6,),
    "": (socket.AF_INET, socket.AF_INET6),
}
"""Wildcard binds and the address families they accept.

Trio listens on IPv6 with IPV6_V6ONLY, so `::` is not reached over IPv4."""


def lan_addresses() -> list[str]:
    """Every non-loopback IPv4 and IPv6 address of this machine, IPv4 first.

    Link-local IPv6 addresses (fe80::) are left out: a browser cannot open them
    without a zone index, which differs on every device.
    """
    candidates = [_route_address(family, probe) for family, probe in ROUTE_PROBES]
    candidates += _host_name_addresses()
    found: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    for candidate in candidates:
        if candidate is None:
            continue
        try:
            address = ipaddress.ip_address(candidate.split("%", 1)[0])
        except ValueError:
            continue
        if _reachable_from_lan(address) and address not in found:
            found.append(address)
    found.sort(key=lambda address: address.version)  # stable: IPv4 first
    return [str(address) for address in found]


def join_urls(host: str, port: int, token: str | None) -> tuple[list[str], list[str]]:
    """(operator URLs with `?token=`, display URLs) for a server bound to `host`.

    A wildcard bind (0.0.0.0, ::, "") gives one of each per LAN address it accepts;
    any other host gives the bound host's own. No token gives a plain operator URL.
    """
    if host in WILDCARD_HOSTS:
        families = WILDCARD_HOSTS[host]
        hosts = [address for address in lan_addresses() if _family(address) in families]
    else:
        hosts = [host]
    query = f"?token={quote(token, safe='')}" if token else ""
    bases = [f"http://{_url_host(name)}:{port}/" for name in hosts]
    return [base + query for base in bases], [base + "display" for base in bases]


def _route_address(family: socket.AddressFamily, probe: str) -> str | None:
    """The local address the kernel picks for a route to `probe`, or None."""
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe_socket:
            probe_socket.connect((probe, 9))  # UDP: sets the peer, sends nothing
            address: str = probe_socket.getsockname()[0]
            return address
    except OSError:  # no route for this family (no network, IPv6 off)
        return None


def _host_name_addresses() -> list[str]:
    """What the host name resolves to (from /etc/hosts, mDNS or DNS)."""
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]


def _reachable_from_lan(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if address.is_loopback or address.is_unspecified or address.is_multicast:
        return False
    return not (address.version == 6 and address.is_link_local)


def _family(address: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def _url_host(host: str) -> str:
    """A host as it goes into a URL: IPv6 addresses in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
