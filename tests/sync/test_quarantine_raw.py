"""What the quarantine keeps of a broken record: JSON-able, stable names for nameless records."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from pydantic import BaseModel

from cdlink.sync.engine.quarantine import raw_key
from tests.support.sync_tables import TableImporter


class Offer(BaseModel):
    seller_sku: str
    price: Decimal


def test_given_records_of_any_shape_when_kept_raw_then_they_become_json_data() -> None:
    importer = TableImporter()
    moment = datetime(2026, 1, 1, tzinfo=UTC)

    assert importer.raw(Offer(seller_sku="SKU-1", price=Decimal("9.90"))) == {
        "seller_sku": "SKU-1",
        "price": "9.90",
    }
    assert importer.raw({"at": moment, "n": 1}) == {"at": str(moment), "n": 1}
    assert importer.raw(object()).startswith("<object object")


def test_given_a_nameless_record_when_keyed_then_the_key_is_stable_and_tells_records_apart() -> (
    None
):
    assert raw_key({"a": 1, "b": [2]}) == raw_key({"b": [2], "a": 1})
    assert raw_key({"a": 1}) != raw_key({"a": 2})
    assert raw_key({"a": 1}).startswith("raw:")
