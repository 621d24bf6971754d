"""LAN addresses and join URLs, checked against this machine's real sockets."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import parse_qs, urlsplit

import pytest

from score.shell.network import join_urls, lan_addresses


def _family(address: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def test_lan_addresses_are_this_machines_and_not_loopback() -> None:
    addresses = lan_addresses()
    assert len(addresses) == len(set(addresses))
    versions = [ipaddress.ip_address(address).version for address in addresses]
    assert versions == sorted(versions)  # IPv4 first
    for address in addresses:
        parsed = ipaddress.ip_address(address)
        assert not parsed.is_loopback
        assert not (parsed.version == 6 and parsed.is_link_local)
        # Only an address of one of this machine's interfaces can be bound.
        with socket.socket(_family(address), socket.SOCK_STREAM) as probe:
            probe.bind((address, 0))


def test_the_default_route_address_is_listed() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            pytest.skip("no IPv4 route on this machine")
        route_address = probe.getsockname()[0]
    assert route_address in lan_addresses()


def test_a_wildcard_bind_gives_one_url_pair_per_address_of_its_family() -> None:
    operator, display = join_urls("0.0.0.0", 8123, "s3cret")
    ipv4 = [address for address in lan_addresses() if ":" not in address]
    assert operator == [f"http://{address}:8123/?token=s3cret" for address in ipv4]
    assert display == [f"http://{address}:8123/display" for address in ipv4]
    operator6, display6 = join_urls("::", 8123, None)
    ipv6 = [address for address in lan_addresses() if ":" in address]
    assert operator6 == [f"http://[{address}]:8123/" for address in ipv6]
    assert display6 == [f"http://[{address}]:8123/display" for address in ipv6]
    both, _ = join_urls("", 1, None)
    assert len(both) == len(ipv4) + len(ipv6)


def test_a_named_bind_gives_its_own_host_and_the_token_is_quoted() -> None:
    operator, display = join_urls("192.168.1.20", 8000, "a b&c/d")
    assert display == ["http://192.168.1.20:8000/display"]
    (url,) = operator
    assert parse_qs(urlsplit(url).query) == {"token": ["a b&c/d"]}
    assert join_urls("::1", 9, None) == (["http://[::1]:9/"], ["http://[::1]:9/display"])


def test_every_wildcard_url_reaches_a_server_bound_to_the_wildcard() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("0.0.0.0", 0))
        server.listen()
        port = server.getsockname()[1]
        _, display = join_urls("0.0.0.0", port, None)
        if not display:
            pytest.skip("no IPv4 LAN address on this machine")
        for url in display:
            parts = urlsplit(url)
            assert parts.port == port
            with socket.create_connection((parts.hostname, port), timeout=2):
                accepted, _ = server.accept()
                accepted.close()
