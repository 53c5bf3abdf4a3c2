"""XML offer packages served by cdlink: the zip at ``CDLINK_PUBLIC_URL/offer-packages/…``,
downloaded by the sandbox as the marketplace does, 404 once expired; refused before sending when
the real marketplace could not download it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.pricing.promotion_rules import FLASH_SALE
from cdlink.hub.pricing.promotions import Promotions
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.engine import Database
from cdlink.store.models import Connection, PromotionItem
from cdlink.sync.pricing.promotions import wake_promotions
from cdlink.web.app import create_app
from tests.support.priced_shop import CONNECTION, priced_environment, sku

PUBLIC_URL = "http://127.0.0.1:8000"
SKUS = 4


@pytest.fixture
def public_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_url": PUBLIC_URL})


@pytest.fixture
def cdlink_web(
    public_settings: Settings, database: Database, sandbox_clock: ManualClock
) -> Iterator[TestClient]:
    """cdlink's web app on the shop's database and clock, not logged in (as the marketplace)."""
    app = create_app(public_settings, database=database, clock=sandbox_clock)
    with TestClient(app, follow_redirects=False) as client:
        yield client


@pytest.fixture
def fetched(sandbox: Sandbox, cdlink_web: TestClient) -> list[str]:
    """The sandbox downloads zips through cdlink's web app; the URLs it fetched."""
    urls: list[str] = []

    def download(url: str) -> bytes | None:
        urls.append(url)
        response = cdlink_web.get(url)
        return response.content if response.status_code == 200 else None

    sandbox.set_download(download)
    return urls


def flash_sale(environment: JobEnvironment) -> int:
    start = environment.clock.now()
    with environment.database.session() as session:
        return (
            Promotions(session, environment.clock, wake_promotions)
            .create(
                CONNECTION,
                kind=FLASH_SALE,
                percent=Decimal(25),
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                skus=[sku(0)],
            )
            .id
        )


def state_of(environment: JobEnvironment, promotion_id: int) -> str:
    with environment.database.reading() as session:
        return session.get_one(PromotionItem, (promotion_id, sku(0))).state


def test_given_a_public_url_when_a_flash_sale_starts_then_the_sandbox_downloads_its_zip_from_cdlink(
    *,
    public_settings: Settings,
    database: Database,
    sandbox: Sandbox,
    sandbox_clock: ManualClock,
    cdlink_web: TestClient,
    fetched: list[str],
) -> None:
    shop = priced_environment(public_settings, database, sandbox, sandbox_clock, skus=SKUS)
    assert shop.runner().run(CONNECTION, "stock").counts["confirmed"] == 2 * SKUS
    promotion_id = flash_sale(shop)

    report = shop.runner().run(CONNECTION, "promotions")

    assert report.counts["sent"] == 1, report.message
    assert state_of(shop, promotion_id) == "sent"
    assert len(fetched) == 1
    url = fetched[0]
    assert url.startswith(f"{PUBLIC_URL}/offer-packages/")
    assert url.endswith(".zip")
    assert sandbox.offer(sku(0))["facialPrice"]["price"] == Decimal("15.00")
    served = cdlink_web.get(url)
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/zip"
    assert served.content.startswith(b"PK")
    assert served.headers["cache-control"] == "no-store"

    token = url.split("/")[-2]
    assert cdlink_web.get(url.replace(token, "A" * len(token))).status_code == 404
    assert cdlink_web.get(url.rsplit("/", 1)[0] + "/other.zip").status_code == 404
    sandbox_clock.advance(timedelta(hours=25))
    assert cdlink_web.get(url).status_code == 404


def test_given_the_real_marketplace_and_no_public_url_when_a_flash_sale_starts_then_refused_unsent(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    with shop.database.session() as session:
        session.execute(update(Connection).values(api_url="https://api.octopia-io.net/seller/v2"))
    promotion_id = flash_sale(shop)
    before = sandbox.summary()

    report = shop.runner().run(CONNECTION, "promotions")

    assert report.outcome != "success"
    assert "CDLINK_PUBLIC_URL" in (report.message or "")
    assert state_of(shop, promotion_id) == "waiting"
    assert sandbox.summary()["sellers"] == before["sellers"]


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("https://cdlink.example.fr/", "https://cdlink.example.fr"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("http://192.168.1.20", "http://192.168.1.20"),
        ("http://cdlink.example.fr", None),
        ("ftp://cdlink.example.fr", None),
        ("cdlink.example.fr", None),
    ],
)
def test_given_a_public_url_when_read_then_https_is_required_unless_local(
    settings: Settings, value: str, accepted: str | None
) -> None:
    if accepted is None:
        with pytest.raises(ValueError, match=r"address|https"):
            Settings(_env_file=None, data_dir=settings.data_dir, public_url=value)  # type: ignore[call-arg]
    else:
        read = Settings(_env_file=None, data_dir=settings.data_dir, public_url=value)  # type: ignore[call-arg]
        assert read.public_url == accepted
