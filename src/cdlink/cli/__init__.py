"""CLI: the ``cdlink`` command."""
