"""Keep a local copy of cdlink's orders in a JSON file, using only the REST API (and httpx).

    python examples/sync_orders.py --url http://127.0.0.1:8000 --file orders.json
    (the token in CDLINK_API_TOKEN: Settings → API tokens, or ``cdlink tokens create``)

The first run reads every order; each later run reads only the orders cdlink changed since
the last one, so it can run every few minutes from cron. It follows the list convention of
docs/api.md: ``sort=updated_at`` (oldest change first) with ``updated_since``, and the ``next``
link of each page until it is null. The saved mark goes back a minute (``LOOK_BACK``), so an
order changed in the same instant as the last one read is not missed; orders are keyed by id,
so reading one twice only rewrites it. The file is replaced atomically: a run cut short leaves
the previous copy whole.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

LOOK_BACK = timedelta(minutes=1)
PAGE = 100


def get(client: httpx.Client, url: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    """One page; waits and tries again on 429 and 503 (``Retry-After``), up to five times."""
    for attempt in range(5):
        answer = client.get(url, params=params)
        if answer.status_code in {429, 503} and attempt < 4:
            time.sleep(float(answer.headers.get("Retry-After", 2**attempt)))
            continue
        if answer.status_code >= 400:
            problem = answer.json() if "json" in answer.headers.get("content-type", "") else {}
            sys.exit(
                f"{answer.status_code} {problem.get('title', answer.text[:200])}: "
                f"{problem.get('hint', '')}"
            )
        return dict(answer.json())
    raise AssertionError("unreachable")


def changed_orders(client: httpx.Client, since: str | None) -> list[dict[str, Any]]:
    """Every order changed at or after ``since`` (every order when None), oldest change first."""
    params = {"sort": "updated_at", "limit": str(PAGE)}
    if since is not None:
        params["updated_since"] = since
    page = get(client, "/api/v1/orders", params)
    found = list(page["items"])
    while page["next"] is not None:
        page = get(client, page["next"])
        found += page["items"]
    return found


def sync(url: str, token: str, file: Path) -> tuple[int, int]:
    """Bring ``file`` up to date; returns (orders read, orders in the file)."""
    saved = json.loads(file.read_text()) if file.exists() else {"orders": {}, "since": None}
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        found = changed_orders(client, saved["since"])
    for order in found:
        saved["orders"][str(order["id"])] = order
    if found:
        latest = max(datetime.fromisoformat(order["updated_at"]) for order in found)
        saved["since"] = (latest - LOOK_BACK).isoformat()
    partial = file.with_suffix(file.suffix + ".partial")
    partial.write_text(json.dumps(saved, indent=1, sort_keys=True))
    partial.replace(file)
    return len(found), len(saved["orders"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="cdlink's address")
    parser.add_argument("--file", type=Path, default=Path("orders.json"), help="the local copy")
    arguments = parser.parse_args()
    token = os.environ.get("CDLINK_API_TOKEN")
    if not token:
        sys.exit("Set CDLINK_API_TOKEN to a personal API token (Settings → API tokens).")
    read, kept = sync(arguments.url, token, arguments.file)
    print(f"{read} order(s) read, {kept} in {arguments.file}")  # noqa: T201  (its report)


if __name__ == "__main__":
    main()
