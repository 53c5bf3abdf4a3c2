"""CLI parity: ``cdlink … --json`` prints what the REST API answers for the same resource, and
``cdlink orders export`` writes the CSV of ``GET /api/v1/orders.csv``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cdlink.cli.main import app
from cdlink.jobs.environment import JobEnvironment


def test_given_a_shop_when_reading_it_with_json_then_the_cli_answers_as_the_api(
    api: TestClient, shop: JobEnvironment, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CDLINK_DATABASE_URL", shop.database.url)
    monkeypatch.setenv("CDLINK_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    from_api = api.get("/api/v1/orders", params={"limit": "200"}).json()["items"]
    first = from_api[0]["id"]

    listed = runner.invoke(app, ["orders", "list", "--limit", "200", "--json"])
    shown = runner.invoke(app, ["orders", "show", str(first), "--json"])
    customers = runner.invoke(app, ["customers", "list", "--json"])
    payouts = runner.invoke(app, ["finance", "payouts", "--json"])
    products = runner.invoke(app, ["catalog", "list", "--limit", "200", "--json"])
    warehouses = runner.invoke(app, ["stock", "warehouses", "--json"])
    refunds = runner.invoke(app, ["discussions", "refunds", "--json"])
    exported = runner.invoke(
        app, ["orders", "export", "--format", "excel-fr", "-o", str(tmp_path / "o.csv")]
    )

    assert listed.exit_code == 0, listed.output
    assert [item["id"] for item in json.loads(listed.stdout)["items"]] == [
        item["id"] for item in from_api
    ]
    detail = api.get(f"/api/v1/orders/{first}").json()
    assert json.loads(shown.stdout)["lines"] == detail["lines"]
    api_customers = api.get("/api/v1/customers").json()["items"]
    assert json.loads(customers.stdout)["items"] == api_customers
    assert len(json.loads(payouts.stdout)["items"]) > 0
    api_products = api.get("/api/v1/products", params={"limit": "200"}).json()["items"]
    assert json.loads(products.stdout)["items"] == api_products
    assert json.loads(warehouses.stdout)["items"] == api.get("/api/v1/warehouses").json()["items"]
    assert json.loads(refunds.stdout)["items"] == api.get("/api/v1/refunds").json()["items"]
    assert exported.exit_code == 0, exported.output
    written = (tmp_path / "o.csv").read_bytes()
    assert written == api.get("/api/v1/orders.csv", params={"format": "excel-fr"}).content
