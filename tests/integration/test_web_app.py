from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from cdlink.core.settings import Settings
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.web.app import create_app


def test_given_a_reachable_database_when_asking_healthz_then_it_answers_200(
    settings: Settings, database: Database
) -> None:
    with TestClient(create_app(settings, database=database)) as client:
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["schema"] == migrate.head_revision(database)


def test_given_an_unreachable_database_when_asking_healthz_then_it_answers_503_with_a_hint(
    settings: Settings,
) -> None:
    database = Database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    with TestClient(create_app(settings, database=database)) as client:
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "CDLINK_DATABASE_URL" in response.json()["hint"]


def test_given_requests_when_reading_metrics_locally_then_they_are_counted_by_route(
    settings: Settings, database: Database
) -> None:
    with TestClient(create_app(settings, database=database)) as client:
        client.get("/healthz")
        client.get("/no/such/page")
        response = client.get("/metrics")

    assert response.status_code == 200
    body = response.text
    assert 'cdlink_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in body
    assert 'route="unmatched",status="404"' in body
    assert "cdlink_http_request_duration_seconds_bucket" in body


def test_given_a_metrics_token_when_scraping_without_it_then_access_is_refused(
    tmp_path: Path, database: Database
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, metrics_token="m" * 24)  # type: ignore[call-arg]
    with TestClient(create_app(settings, database=database)) as client:
        refused = client.get("/metrics")
        allowed = client.get("/metrics", headers={"Authorization": f"Bearer {'m' * 24}"})

    assert refused.status_code == 403
    assert allowed.status_code == 200


def test_given_a_remote_client_without_token_when_scraping_then_access_is_refused(
    settings: Settings, database: Database
) -> None:
    app = create_app(settings, database=database)
    with TestClient(app, client=("203.0.113.9", 5000)) as client:
        assert client.get("/metrics").status_code == 403
