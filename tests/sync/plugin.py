"""``cdlink worker --plugin tests.sync.plugin``: registers the test stream in worker processes."""

from cdlink.sync.registry import default_registry
from tests.sync.marketplace import TableImporter

default_registry.register(TableImporter)
