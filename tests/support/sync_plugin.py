"""``cdlink worker --plugin tests.support.sync_plugin``: registers the test stream in workers."""

from cdlink.sync.registry import default_registry
from tests.support.sync_tables import TableImporter

default_registry.register(TableImporter)
