"""The connector: what moves between the back office (``cdlink.hub``) and the marketplace.

- ``cdlink.sync.engine``: the machinery every stream shares (runner, importer, exporter, outbox,
  cursors, windows, leases, schedules, bindings, quarantine); it knows no feature;
- one package per feature, holding its streams and actions: ``cdlink.sync.orders``,
  ``cdlink.sync.stock``, ``cdlink.sync.connections``;
- ``cdlink.sync.registry``: the one list of the streams cdlink ships.

Who runs streams, and when, is ``cdlink.jobs``. See docs/sync-engine.md and docs/architecture.md.
"""
