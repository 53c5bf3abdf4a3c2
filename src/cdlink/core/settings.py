"""All configuration of cdlink, read from ``CDLINK_*`` environment variables and a ``.env`` file.

This is the only place that reads the environment. Every other module takes a ``Settings``.
"""

from __future__ import annotations

import os
from functools import cached_property
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cdlink.core.errors import ConfigurationError
from cdlink.core.permissions import warn_if_exposed

DEFAULT_OCTOPIA_TOKEN_URL = (
    "https://auth.octopia-io.net/auth/realms/maas/protocol/openid-connect/token"  # noqa: S105
)
DEFAULT_OCTOPIA_API_URL = "https://api.octopia-io.net/seller/v2"


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/cdlink``, or ``~/.local/share/cdlink``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cdlink"


class Settings(BaseSettings):
    """cdlink's settings; see the configuration reference in README.md."""

    model_config = SettingsConfigDict(
        env_prefix="CDLINK_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    redis_url: str = "redis://127.0.0.1:6379/0"
    secret_key: SecretStr | None = None
    encryption_keys: SecretStr | None = None
    runtime: Literal["embedded", "distributed"] = "embedded"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # The address at which users and the marketplace reach cdlink (behind a proxy: the proxy's).
    # Cdiscount downloads XML offer packages (sales, flash sales) from it: https, unless local.
    public_url: str | None = None
    timezone: str = "Europe/Paris"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["console", "json"] = "console"
    metrics_token: SecretStr | None = None
    octopia_token_url: str = DEFAULT_OCTOPIA_TOKEN_URL
    octopia_api_url: str = DEFAULT_OCTOPIA_API_URL
    # Calls per second per seller before any 429 (the budget then halves and recovers slowly).
    # Cdiscount publishes no number; raise it only if your account is known to allow more.
    octopia_max_calls_per_second: float = Field(default=10.0, gt=0, le=1000)
    # Demos and end-to-end tests only: follow the sandbox's clock (its /_sandbox/clock URL), so
    # moving the sandbox's time moves cdlink's (scheduled promotions); `cdlink serve` only.
    clock_url: str | None = None
    # --- sync engine ---
    # Start the scheduler and worker threads inside `cdlink serve` (runtime "embedded" only).
    sync_embedded_enabled: bool = True
    sync_worker_threads: int = Field(default=2, ge=1, le=64)
    # More threads (embedded) or worker threads (`cdlink worker`) kept for the live lane only
    # (new orders, order actions), so they never wait behind a history import.
    sync_live_threads: int = Field(default=1, ge=0, le=64)
    # After SIGTERM, how long running jobs get to stop at their next step before the process
    # exits anyway (what they did not commit is done again at the next start).
    shutdown_seconds: float = Field(default=6.0, ge=0, le=600)
    # How often the scheduler looks for due streams, in seconds.
    sync_tick_seconds: float = Field(default=1.0, gt=0, le=60)
    # The interval of near-continuous polling (the default for orders), in seconds.
    sync_continuous_seconds: int = Field(default=10, ge=1, le=300)
    # Spread of the next due time, as a fraction of the interval, so streams do not move in step.
    sync_jitter: float = Field(default=0.1, ge=0, le=1)
    # A run's lease on its stream; a dead worker blocks its stream at most this long.
    sync_lease_seconds: int = Field(default=60, ge=1, le=3600)
    # A queued run that has not started after this long is queued again (lost messages).
    sync_queue_timeout_seconds: int = Field(default=300, ge=1)
    # Failures in a row after which a stream is dead until someone retries it.
    sync_max_failures: int = Field(default=8, ge=1, le=100)
    # Prefix of every Redis key and Dramatiq queue of this installation.
    sync_redis_namespace: str = "cdlink"
    # How long the scheduler's leadership lasts without renewal, in seconds.
    sync_leader_seconds: int = Field(default=15, ge=2, le=600)
    # Successful runs are kept this many days (failed ones are kept); continuous polling adds
    # thousands of runs a day per connection.
    sync_run_retention_days: int = Field(default=14, ge=1)
    # Outbox entries sent (or superseded by a newer one) are kept this many days.
    sync_outbox_retention_days: int = Field(default=7, ge=1)

    # --- webhooks ---
    # Allow webhook receivers on private, loopback or link-local addresses (a receiver on the
    # same machine or network); off, such targets are refused when saved and before each POST.
    webhook_allow_private_hosts: bool = False

    # --- web ---
    # How long a browser stays logged in without being used, and at most.
    session_idle_hours: int = Field(default=72, ge=1)
    session_max_days: int = Field(default=30, ge=1)
    # Login throttling. From one address, for one account: this many failures in a row, then a
    # delay before each next try, doubling from 1 second up to login_max_delay_minutes.
    login_failures_per_account: int = Field(default=5, ge=1)
    login_max_delay_minutes: int = Field(default=15, ge=1)
    # From one address, whatever the accounts: failures allowed within the window.
    login_failures_per_address: int = Field(default=20, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    # Reverse proxies whose X-Forwarded-For is believed: a comma list of addresses or networks
    # (CIDR), e.g. "127.0.0.1,10.0.0.0/8". Empty: the peer's address is the client's.
    trusted_proxies: str = ""
    # The interface language when the browser asks for neither French nor English.
    default_language: Literal["fr", "en"] = "fr"

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r} (try Europe/Paris)") from error
        return value

    @field_validator("data_dir")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: str) -> str:
        try:
            _networks(value)
        except ValueError as error:
            raise ValueError(
                f"{error}; give addresses or networks separated by commas, "
                "e.g. 127.0.0.1,10.0.0.0/8"
            ) from error
        return value

    @field_validator("public_url")
    @classmethod
    def _reachable_public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return public_url(value)

    @cached_property
    def trusted_proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return _networks(self.trusted_proxies)

    @cached_property
    def effective_database_url(self) -> str:
        """The configured database URL, or SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'cdlink.sqlite3'}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    def ensure_data_dir(self) -> Path:
        """Create the data directory (private to the user) and return it; warn when it exists
        and others may read or write it."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as error:
            raise ConfigurationError(
                f"cannot create the data directory {self.data_dir}: {error.strerror}",
                hint="Set CDLINK_DATA_DIR to a directory you can write to.",
            ) from error
        warn_if_exposed(self.data_dir)
        return self.data_dir


def is_local_host(host: str) -> bool:
    """A loopback or private address, or ``localhost``: reachable only from near by."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def public_url(value: str) -> str:
    """``CDLINK_PUBLIC_URL`` checked: an http(s) origin, https unless the host is local."""
    parts = urlsplit(value.strip())
    example = "https://cdlink.example.fr"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"give the address cdlink is reached at, such as {example}")
    if parts.query or parts.fragment:
        raise ValueError(f"give an address without ? or #, such as {example}")
    if parts.scheme == "http" and not is_local_host(parts.hostname):
        raise ValueError(
            "the marketplace downloads offer packages from it: use https "
            f"(such as {example}); http only for a local address"
        )
    return value.strip().rstrip("/")


def _networks(value: str) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(
        ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()
    )
