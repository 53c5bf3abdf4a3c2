"""The sync engine's "what": streams that move one kind of data of one connection.

Public surface (see docs/sync-engine.md):

- ``Stream``, ``StreamContext``, ``StreamRegistry``, ``default_registry`` (``streams``): the
  stream contract and where stream kinds are registered;
- ``Importer`` (``importer``) and ``OutboxExporter``, ``Push``, ``PushOutcome`` (``exporter``):
  the two templates a stream fills in;
- ``Binder`` (``bindings``), ``Cursor`` and ``Window`` (``cursors``, ``windows``), the outbox
  functions (``outbox``): the building blocks they use;
- ``StreamRunner`` and ``RunReport`` (``runner``): one run, start to finish, for any runtime;
- ``FailurePolicy``, ``DEFAULT_POLICY`` (``failures``): what a failure leads to, as a table;
- the errors (``errors``): ``RecordRejected``, ``RetryLater`` and the rest of the tree.

Who runs streams, and when, is ``cdlink.jobs``.
"""

from cdlink.sync.bindings import Binder
from cdlink.sync.cursors import Cursor
from cdlink.sync.errors import RecordRejected, RetryLater, SyncError
from cdlink.sync.exporter import OutboxExporter, Push, PushOutcome
from cdlink.sync.failures import DEFAULT_POLICY, FailurePolicy
from cdlink.sync.importer import Importer
from cdlink.sync.order_actions import OrderActionsExporter, request_action
from cdlink.sync.order_reconciliation import OrdersReconciliation
from cdlink.sync.orders import OrdersImporter
from cdlink.sync.runner import RunReport, StreamRunner
from cdlink.sync.streams import Stream, StreamContext, StreamRegistry, default_registry
from cdlink.sync.windows import Window

__all__ = [
    "DEFAULT_POLICY",
    "Binder",
    "Cursor",
    "FailurePolicy",
    "Importer",
    "OrderActionsExporter",
    "OrdersImporter",
    "OrdersReconciliation",
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
    "default_registry",
    "request_action",
]

# The streams cdlink ships register themselves in ``default_registry`` on import.
import cdlink.sync.cancellation_reasons
import cdlink.sync.offer_import
import cdlink.sync.order_history
import cdlink.sync.stock  # noqa: F401
