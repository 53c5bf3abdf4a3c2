"""The public surface of cdlink.sandbox is what other layers and helpers code against."""

from __future__ import annotations

import httpx

import cdlink.sandbox
from cdlink.sandbox import Sandbox, SandboxConfig


def test_given_the_package_when_imported_then_all_lists_exactly_its_public_names() -> None:
    public = {name for name in vars(cdlink.sandbox) if not name.startswith("_")}
    modules = {name for name in public if isinstance(getattr(cdlink.sandbox, name), type(cdlink))}

    assert set(cdlink.sandbox.__all__) == public - modules - {"annotations"}


def test_given_a_default_sandbox_when_built_then_the_contract_names_exist() -> None:
    sandbox = Sandbox()

    assert SandboxConfig().seed == 0
    assert SandboxConfig().token_lifetime_seconds == 7200
    assert isinstance(sandbox.credentials.seller_id, int)
    assert sandbox.credentials.login
    assert sandbox.credentials.password
    assert isinstance(sandbox.transport(), httpx.BaseTransport)
    assert isinstance(sandbox.async_transport(), httpx.ASGITransport)
    assert sandbox.token_url() == "http://sandbox/auth/realms/maas/protocol/openid-connect/token"
    assert sandbox.api_url() == "http://sandbox/seller/v2"
    assert sandbox.credentials.client_secret not in repr(sandbox.credentials)
