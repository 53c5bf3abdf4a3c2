"""Key files: secrets that cdlink generates on first run and keeps in the data directory.

A key file is created with mode 0600 atomically (no window where another user could read it), and
a key file that others can read is refused rather than silently used.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

from cdlink.core.errors import ConfigurationError


def read_or_create(path: Path, generate: Callable[[], str]) -> str:
    """Return the content of ``path``; create it (0600) with ``generate()`` if it does not exist.

    The key is written whole to a private temporary file and then hard-linked into place, which
    fails if the file exists: a process starting at the same moment sees either no file or the
    complete key, never an empty one.
    """
    try:
        return read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(generate() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        # If another process created it first, its key wins and this one is discarded.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return read(path)


def read(path: Path) -> str:
    """Read a key file, refusing one that group or others may read."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            f"the key file {path} can be read by other users",
            hint=f"Run `chmod 600 {path}` and start again.",
        )
    content = path.read_text(encoding="utf-8").strip()
    if not content:
        raise ConfigurationError(
            f"the key file {path} is empty",
            hint="Restore it from your backup; deleting it makes stored secrets unreadable.",
        )
    return content


def write(path: Path, content: str) -> None:
    """Replace a key file atomically, keeping it 0600."""
    temporary = path.with_suffix(path.suffix + ".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content.strip() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
