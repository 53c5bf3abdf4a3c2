"""The guard against server-side request forgery: where a webhook may be sent.

A target's host is resolved and refused when any of its addresses is private, loopback,
link-local, multicast, reserved or unspecified, so a subscription cannot make cdlink call its own
network (a database, a cloud metadata service). ``CDLINK_WEBHOOK_ALLOW_PRIVATE_HOSTS=true`` lifts
the rule (a receiver on the same machine or network). The check runs when a subscription is
saved and again before every delivery, as a name may resolve elsewhere later.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable


class WebhookAddressError(CdlinkError):
    """A webhook's URL cannot be used: not http(s), or its host is private or does not resolve."""

    default_hint = translatable(
        "Give a public http:// or https:// URL; a receiver on a private network needs "
        "CDLINK_WEBHOOK_ALLOW_PRIVATE_HOSTS=true."
    )


def check_url_form(url: str) -> str:
    """The host of ``url`` if it is an absolute http(s) URL without credentials."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise WebhookAddressError(f"{url!r} is not a URL") from error
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise WebhookAddressError("the URL must start with http:// or https:// and name a host")
    if parts.username or parts.password:
        raise WebhookAddressError("the URL must not hold a user name or password")
    if port == 0:
        raise WebhookAddressError("the URL's port must be between 1 and 65535")
    return parts.hostname


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def check_target(url: str, *, allow_private: bool) -> None:
    """Refuse ``url`` unless its host resolves to public addresses only (or private is allowed)."""
    host = check_url_form(url)
    if allow_private:
        return
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise WebhookAddressError(f"the host {host!r} does not resolve") from error
    for *_, sockaddr in found:
        if not is_public(str(sockaddr[0])):
            raise WebhookAddressError(
                f"the host {host!r} resolves to {sockaddr[0]}, a private or local address"
            )
