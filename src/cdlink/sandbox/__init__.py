"""The Octopia Seller API v2 simulator: cdlink's stand-in for the real marketplace.

Public surface::

    from cdlink.sandbox import Sandbox, SandboxConfig

See docs/sandbox.md for the endpoints, the control API, fault injection and the variants.
"""

from __future__ import annotations

from cdlink.sandbox.auth import Credentials
from cdlink.sandbox.config import FaultRule, RateLimit, SandboxConfig, Variants
from cdlink.sandbox.control import SandboxError
from cdlink.sandbox.sandbox import Sandbox

__all__ = [
    "Credentials",
    "FaultRule",
    "RateLimit",
    "Sandbox",
    "SandboxConfig",
    "SandboxError",
    "Variants",
]
