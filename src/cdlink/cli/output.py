"""``--json``: a command prints what the REST API would answer (its Pydantic models), so a
script reads the same shape from ``cdlink … --json`` as from ``/api/v1``."""

from __future__ import annotations

import json
from typing import Any

import typer
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

JSON = typer.Option(False, "--json", help="Print JSON, in the REST API's shape, not a table.")


def print_json(value: BaseModel | list[Any] | dict[str, Any]) -> None:
    """One JSON document on standard output."""
    if isinstance(value, BaseModel):
        typer.echo(value.model_dump_json(indent=2))
    else:
        typer.echo(json.dumps(to_jsonable_python(value), indent=2, ensure_ascii=False))
