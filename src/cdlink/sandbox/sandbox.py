"""``Sandbox``: a seeded, stateful Octopia Seller API simulator in one object.

Build one, then talk to ``sandbox.app`` over HTTP: in-process through ``transport()`` (sync) or
``async_transport()``, or served by uvicorn (``cdlink sandbox``). The control methods inherited
from ``Controller`` (seed, create orders, advance the clock, faults…) act on the same state.
"""

from __future__ import annotations

from cdlink.core.clock import Clock
from cdlink.sandbox import seeding
from cdlink.sandbox.app import create_app
from cdlink.sandbox.config import SandboxConfig
from cdlink.sandbox.control import Controller
from cdlink.sandbox.state import SandboxState
from cdlink.sandbox.transport import SandboxASGITransport, SyncSandboxTransport

TOKEN_PATH = "/auth/realms/maas/protocol/openid-connect/token"  # noqa: S105  (a path)
API_PATH = "/seller/v2"


class Sandbox(Controller):
    """The simulator: its ASGI ``app``, default ``credentials`` and control methods."""

    def __init__(self, config: SandboxConfig | None = None, *, clock: Clock | None = None) -> None:
        self.config = (config or SandboxConfig()).model_copy(deep=True)
        self.state = SandboxState(self.config, clock)
        super().__init__(self.state)
        with self.state.lock:
            seeding.seed_shop(
                self.state,
                self.config.seller_id,
                offers=self.config.offers,
                orders=self.config.orders,
            )
        self.app = create_app(self.state)

    def token_url(self, base_url: str = "http://sandbox") -> str:
        return base_url.rstrip("/") + TOKEN_PATH

    def api_url(self, base_url: str = "http://sandbox") -> str:
        return base_url.rstrip("/") + API_PATH

    def transport(self) -> SyncSandboxTransport:
        """A sync httpx transport serving ``app`` in-process; closing its client closes it."""
        return SyncSandboxTransport(self.app)

    def async_transport(self) -> SandboxASGITransport:
        return SandboxASGITransport(self.app)
