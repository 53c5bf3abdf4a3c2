"""``python -m cdlink`` is the ``cdlink`` command."""

from cdlink.cli.main import run

run()
