"""Who else may read cdlink's files: a warning when its data directory is open to others."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

log = logging.getLogger(__name__)
_warned: set[Path] = set()


def warn_if_exposed(directory: Path) -> bool:
    """Log a warning (once per directory and process) when group or others may read or write
    ``directory``; returns whether it is exposed."""
    try:
        mode = stat.S_IMODE(directory.stat().st_mode)
    except OSError:
        return False
    exposed = bool(mode & 0o077)
    if exposed and directory not in _warned:
        _warned.add(directory)
        log.warning(
            "the data directory %s is open to other users (mode %s); "
            "run `chmod 700 %s` so only cdlink's user can read its database and keys",
            directory,
            oct(mode),
            directory,
        )
    return exposed
