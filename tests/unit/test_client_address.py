"""Whose X-Forwarded-For counts: only a trusted proxy's, read from the right."""

from __future__ import annotations

import pytest

from cdlink.core.settings import Settings
from cdlink.web.security import client_address


def _trusted(value: str) -> Settings:
    return Settings(_env_file=None, trusted_proxies=value)  # type: ignore[call-arg]


def test_given_no_trusted_proxy_when_loopback_sends_x_forwarded_for_then_it_is_ignored() -> None:
    settings = _trusted("")

    assert settings.trusted_proxy_networks == ()
    assert client_address("127.0.0.1", "203.0.113.9", settings.trusted_proxy_networks) == (
        "127.0.0.1"
    )


def test_given_trusted_proxies_when_walking_the_chain_then_the_first_untrusted_is_the_client() -> (
    None
):
    trusted = _trusted("127.0.0.1, 10.0.0.0/8").trusted_proxy_networks
    # The client wrote "1.1.1.1" itself; 198.51.100.7 is who reached the first trusted proxy.
    chain = "1.1.1.1, 198.51.100.7, 10.0.0.5"

    assert client_address("127.0.0.1", chain, trusted) == "198.51.100.7"
    assert client_address("192.0.2.1", chain, trusted) == "192.0.2.1"  # not a proxy of ours
    assert client_address("10.0.0.1", "", trusted) == "10.0.0.1"  # no header: the peer
    assert client_address("10.0.0.1", "10.0.0.9, 10.0.0.8", trusted) == "10.0.0.9"
    assert client_address("10.0.0.1", "junk, 10.0.0.8", trusted) == "junk"


def test_given_ipv6_proxies_when_trusted_then_they_are_skipped_too() -> None:
    trusted = _trusted("::1,fd00::/8").trusted_proxy_networks

    assert client_address("::1", "2001:db8::7, fd00::3", trusted) == "2001:db8::7"


def test_given_a_malformed_trusted_proxies_setting_when_loading_then_it_is_refused() -> None:
    with pytest.raises(ValueError, match=r"addresses or networks"):
        _trusted("10.0.0.0/8, proxy.local")
