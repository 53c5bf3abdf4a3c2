"""Secrets a command needs (a password, a Client Secret), read so they stay out of ``ps``.

In order: the ``--…-stdin`` flag reads the first line of standard input (for scripts:
``printf '%s\n' "$SECRET" | cdlink …``); else a value given as an option still works but warns,
since every user of the machine sees it in ``ps`` and it stays in the shell's history; else a
hidden prompt asks for it.
"""

from __future__ import annotations

import sys

import typer

from cdlink.cli.context import fail


def read_secret(
    given: str | None, *, from_stdin: bool, option: str, label: str, confirm: bool = False
) -> str:
    """The secret, from standard input, the option (with a warning) or a prompt."""
    if from_stdin and given is not None:
        fail(f"{option} and {option}-stdin were both given", f"Keep only {option}-stdin.")
    if from_stdin:
        piped = sys.stdin.readline().rstrip("\r\n")
        if not piped:
            fail(
                f"{option}-stdin read nothing from standard input",
                f"Pipe the {label} in: printf '%s\\n' \"$SECRET\" | cdlink … {option}-stdin",
            )
        return piped
    if given is not None:
        typer.secho(
            f"warning: a {label} given with {option} is visible to every user of this machine "
            f"(ps) and stays in your shell history; use {option}-stdin or answer the prompt",
            fg=typer.colors.YELLOW,
            err=True,
        )
        return given
    secret: str = typer.prompt(
        label[:1].upper() + label[1:], hide_input=True, confirmation_prompt=confirm
    )
    return secret
