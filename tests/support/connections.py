"""Connection rows for the tests that need one in the database, not a marketplace behind it."""

from __future__ import annotations

from cdlink.core.clock import Clock, ManualClock
from cdlink.core.secret_box import SecretBox
from cdlink.store.engine import Database
from cdlink.store.models import Connection


def make_connection(box: SecretBox, clock: ManualClock, **overrides: object) -> Connection:
    values: dict[str, object] = {
        "name": "Cdiscount",
        "seller_id": 98979,
        "client_id": "shop-client-1",
        "secret_ciphertext": box.encrypt("the-client-secret"),
        "created_at": clock.now(),
        "updated_at": clock.now(),
    }
    values.update(overrides)
    return Connection(**values)


def add_connection(database: Database, clock: Clock, name: str = "Shop") -> int:
    with database.session() as session:
        connection = Connection(
            name=name,
            seller_id=len(name) * 1000 + ord(name[-1]),
            client_id=f"client-{name}",
            secret_ciphertext="not-a-real-ciphertext",
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        session.add(connection)
        session.flush()
        return connection.id
