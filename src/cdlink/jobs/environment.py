"""What every job needs, built once per process: settings, database, clock, streams, policy."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from cdlink.core.clock import Clock, SystemClock
from cdlink.core.errors import ConfigurationError
from cdlink.core.settings import Settings
from cdlink.store.engine import Database
from cdlink.sync.engine.failures import DEFAULT_POLICY, FailurePolicy
from cdlink.sync.engine.runner import RunnerOptions, StreamRunner
from cdlink.sync.engine.streams import ClientFactory, StreamRegistry
from cdlink.sync.registry import default_registry


@dataclass
class JobEnvironment:
    """The collaborators of the job functions; the same in the embedded and distributed runtime."""

    settings: Settings
    database: Database
    clock: Clock = field(default_factory=SystemClock)
    registry: StreamRegistry = field(default_factory=lambda: default_registry)
    policy: FailurePolicy = field(default_factory=lambda: DEFAULT_POLICY)
    #: Builds a connection's marketplace client (``cdlink.jobs.marketplace``); None: no client.
    clients: ClientFactory | None = None
    #: Set at the shutdown: running jobs stop at their next step, their waits end at once. Give
    #: the same event to the marketplace clients (``stopping=``) so their waits end too.
    stopping: threading.Event = field(default_factory=threading.Event)

    def runner(self) -> StreamRunner:
        settings = self.settings
        options = RunnerOptions(
            lease_duration=timedelta(seconds=settings.sync_lease_seconds),
            max_failures=settings.sync_max_failures,
            jitter_fraction=settings.sync_jitter,
            continuous_interval=settings.sync_continuous_seconds,
        )
        return StreamRunner(
            self.database,
            self.clock,
            registry=self.registry,
            policy=self.policy,
            options=options,
            clients=self.clients,
            stopping=self.stopping,
        )


def load_plugins(modules: Iterable[str]) -> None:
    """Import modules that register extra streams (``cdlink worker --plugin my.streams``)."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise ConfigurationError(
                f"cannot import the stream plugin {module!r}: {error}",
                hint="Check the module name and that it is installed in cdlink's environment.",
            ) from error
