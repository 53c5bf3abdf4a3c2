"""CSV in both spreadsheet formats: the orders export (one row per line), and stock, prices
and products downloaded then uploaded back unchanged, as UTF-8 with commas and as a French
Excel file (semicolons, decimal comma, Windows-1252)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from tests.support.sandbox_app import admin_pages
from tests.support.stocked_shop import sku

FORMATS = {"standard": (",", "utf-8"), "excel-fr": (";", "cp1252")}


def table(content: bytes, format: str) -> list[dict[str, str]]:
    delimiter, encoding = FORMATS[format]
    text = content.decode(encoding).removeprefix("\ufeff")
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def upload(api: TestClient, path: str, content: bytes, **params: str) -> dict[str, object]:
    answer = api.post(path, params=params, files={"file": ("file.csv", content, "text/csv")})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_given_orders_when_exported_in_each_format_then_each_line_is_a_row(
    api: TestClient,
) -> None:
    orders = api.get("/api/v1/orders", params={"limit": "200"}).json()["items"]
    lines = {
        (order["marketplace_order_id"], line["line_id"]): line
        for order in orders
        for line in api.get(f"/api/v1/orders/{order['id']}").json()["lines"]
    }

    for format in FORMATS:
        answer = api.get("/api/v1/orders.csv", params={"format": format})

        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        rows = table(answer.content, format)
        assert {(row["marketplace_order_id"], row["line_id"]) for row in rows} == set(lines)
        assert len(rows) == len(lines)
        for row in rows:
            line = lines[(row["marketplace_order_id"], row["line_id"])]
            written = row["unit_price"]
            assert ("," in written) == (format == "excel-fr")
            assert Decimal(written.replace(",", ".")) == Decimal(str(line["unit_price"]))
            assert int(row["quantity"]) == line["quantity"]
    first = orders[0]
    rows = table(
        api.get("/api/v1/orders.csv", params={"q": first["marketplace_order_id"]}).content,
        "standard",
    )

    assert {row["marketplace_order_id"] for row in rows} == {first["marketplace_order_id"]}


@pytest.mark.parametrize("format", FORMATS)
def test_given_stock_when_downloaded_and_edited_in_a_format_then_it_uploads_back(
    api: TestClient, format: str
) -> None:
    download = api.get("/api/v1/stock.csv", params={"format": format}).content
    rows = table(download, format)
    assert len(rows) == 5

    assert upload(api, "/api/v1/stock.csv", download) == {"applied": 5}
    delimiter, encoding = FORMATS[format]
    edited = download.replace(f"{sku(0)}{delimiter}PARIS{delimiter}10".encode(encoding), b"")
    edited += f"{sku(0)}{delimiter}PARIS{delimiter}42\r\n".encode(encoding)
    assert upload(api, "/api/v1/stock.csv", edited) == {"applied": 5}

    again = table(api.get("/api/v1/stock.csv", params={"format": format}).content, format)
    assert {row["sku"]: row["quantity"] for row in again}[sku(0)] == "42"


def test_given_a_french_excel_stock_file_with_bad_lines_when_uploaded_then_nothing_changes(
    api: TestClient,
) -> None:
    before = api.get("/api/v1/stock.csv").content
    text = (
        f"sku;warehouse;quantity\r\n{sku(0)};PARIS;7\r\nINCONNU-É;PARIS;1\r\n{sku(1)};PARIS;-2\r\n"
    )

    refused = api.post(
        "/api/v1/stock.csv", files={"file": ("stock.csv", text.encode("cp1252"), "text/csv")}
    )

    assert refused.status_code == 422
    assert [problem["line"] for problem in refused.json()["problems"]] == [3, 4]
    assert "INCONNU-É" in refused.text
    assert api.get("/api/v1/stock.csv").content == before


@pytest.mark.parametrize("format", FORMATS)
def test_given_prices_when_downloaded_in_a_format_then_they_upload_back_unchanged(
    api: TestClient, format: str
) -> None:
    api.put(
        f"/api/v1/prices/{sku(2)}",
        params={"connection_id": "1"},
        json={"price": "19.90", "strike_price": "24.50"},
    ).raise_for_status()
    download = api.get("/api/v1/prices.csv", params={"connection_id": "1", "format": format})
    rows = {row["sku"]: row for row in table(download.content, format)}
    expected = ("19,90", "24,50") if format == "excel-fr" else ("19.90", "24.50")
    assert (rows[sku(2)]["price"], rows[sku(2)]["strike_price"]) == expected

    upload(api, "/api/v1/prices.csv", download.content, connection_id="1")

    again = api.get("/api/v1/prices.csv", params={"connection_id": "1", "format": format})
    assert again.content == download.content


@pytest.mark.parametrize("format", FORMATS)
def test_given_products_when_downloaded_in_a_format_then_they_upload_back_unchanged(
    api: TestClient, format: str
) -> None:
    download = api.get("/api/v1/products.csv", params={"format": format})
    assert len(table(download.content, format)) == 12

    assert upload(api, "/api/v1/products.csv", download.content) == {"imported": 12}

    again = api.get("/api/v1/products.csv", params={"format": format})
    assert again.content == download.content


def test_given_a_filtered_orders_page_when_read_then_its_csv_buttons_keep_the_filters(
    settings: Settings, shop: JobEnvironment
) -> None:
    with admin_pages(settings, shop) as browser:
        page = browser.get("/orders", params={"status": "Shipped", "q": "x"})

    assert 'href="/api/v1/orders.csv?status=Shipped&amp;q=x"' in page.text
    assert 'href="/api/v1/orders.csv?status=Shipped&amp;q=x&amp;format=excel-fr"' in page.text


def test_given_a_french_excel_price_file_with_bad_lines_when_uploaded_then_each_is_named(
    api: TestClient,
) -> None:
    before = api.get("/api/v1/prices.csv", params={"connection_id": "1"}).content
    text = f"sku;price;strike_price\r\n{sku(0)};12,50;\r\n{sku(1)};douze;\r\n;9,90;\r\n"

    refused = api.post(
        "/api/v1/prices.csv",
        params={"connection_id": "1"},
        files={"file": ("prix.csv", text.encode("cp1252"), "text/csv")},
    )

    assert refused.status_code == 422
    assert [problem["line"] for problem in refused.json()["problems"]] == [3, 4]
    assert api.get("/api/v1/prices.csv", params={"connection_id": "1"}).content == before
