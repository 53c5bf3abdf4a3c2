"""The sync engine: the machinery every stream shares, knowing no feature.

Public surface (see docs/sync-engine.md):

- ``Stream``, ``StreamContext``, ``StreamRegistry`` (``streams``): the stream contract and the
  registry a runtime runs streams from (the list cdlink ships is ``cdlink.sync.registry``);
- ``Importer`` (``importer``) and ``OutboxExporter``, ``Push``, ``PushOutcome`` (``exporter``):
  the two templates a stream fills in;
- ``Binder`` (``bindings``), ``Cursor`` and ``Window`` (``cursors``, ``windows``), whole-window
  reads (``window_reads``), the outbox functions (``outbox``), the quarantine (``quarantine``):
  the building blocks they use;
- ``StreamRunner`` and ``RunReport`` (``runner``): one run, start to finish, for any runtime,
  with its lease (``leases``), run record (``runs``) and schedule (``schedules``);
- ``FailurePolicy``, ``DEFAULT_POLICY`` (``failures``): what a failure leads to, as a table;
- the errors (``errors``): ``RecordRejected``, ``RetryLater`` and the rest of the tree.

An import-linter contract keeps this package free of the feature packages beside it
(``cdlink.sync.orders``, ``cdlink.sync.stock``, ``cdlink.sync.connections``…). Who runs streams,
and when, is ``cdlink.jobs``.
"""

from cdlink.sync.engine.bindings import Binder
from cdlink.sync.engine.cursors import Cursor
from cdlink.sync.engine.errors import RecordRejected, RetryLater, SyncError
from cdlink.sync.engine.exporter import OutboxExporter, Push, PushOutcome
from cdlink.sync.engine.failures import DEFAULT_POLICY, FailurePolicy
from cdlink.sync.engine.importer import Importer
from cdlink.sync.engine.runner import RunReport, StreamRunner
from cdlink.sync.engine.streams import Stream, StreamContext, StreamRegistry
from cdlink.sync.engine.windows import Window

__all__ = [
    "DEFAULT_POLICY",
    "Binder",
    "Cursor",
    "FailurePolicy",
    "Importer",
    "OutboxExporter",
    "Push",
    "PushOutcome",
    "RecordRejected",
    "RetryLater",
    "RunReport",
    "Stream",
    "StreamContext",
    "StreamRegistry",
    "StreamRunner",
    "SyncError",
    "Window",
]
