"""A connection row bound to the in-process sandbox's account, for tests that sync against it."""

from __future__ import annotations

from datetime import datetime

from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.sandbox import Sandbox
from cdlink.store.models import Connection


def sandbox_connection(
    settings: Settings,
    sandbox: Sandbox,
    now: datetime,
    *,
    connection_id: int = 1,
    name: str = "Sandbox shop",
    stock_sync_enabled: bool = False,
) -> Connection:
    """An unsaved connection to the sandbox's seller, its secret encrypted as cdlink stores it."""
    credentials = sandbox.credentials
    return Connection(
        id=connection_id,
        name=name,
        seller_id=credentials.seller_id,
        client_id=credentials.client_id,
        secret_ciphertext=SecretBox.from_settings(settings).encrypt(credentials.client_secret),
        token_url=sandbox.token_url(),
        api_url=sandbox.api_url(),
        stock_sync_enabled=stock_sync_enabled,
        created_at=now,
        updated_at=now,
    )
