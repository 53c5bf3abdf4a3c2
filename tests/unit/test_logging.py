from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from cdlink.core.logs import configure_logging
from cdlink.core.redaction import MASK, redact, register_secret
from cdlink.core.settings import Settings

CLIENT_SECRET = "s3cr3t-Cl1ent-Value-9f8e7d"


@pytest.fixture(params=["console", "json"])
def captured(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    settings = Settings(_env_file=None, log_format=request.param, log_level="DEBUG")  # type: ignore[call-arg]
    handler = configure_logging(settings, stream)
    yield stream
    logging.getLogger().removeHandler(handler)


def test_given_a_client_secret_when_logged_every_way_then_it_never_reaches_the_output(
    captured: io.StringIO,
) -> None:
    log = logging.getLogger("cdlink.test")
    form = f"grant_type=client_credentials&client_id=shop-1&client_secret={CLIENT_SECRET}"

    log.info("token request body %s", form)
    log.info("connection saved", extra={"client_secret": CLIENT_SECRET, "seller": 42})
    log.warning("payload %s", {"clientSecret": CLIENT_SECRET, "password": CLIENT_SECRET})
    log.debug("header Authorization: Bearer %s", CLIENT_SECRET)
    try:
        raise RuntimeError(f"token call failed with client_secret={CLIENT_SECRET}")
    except RuntimeError:
        log.exception("sync failed")

    output = captured.getvalue()
    assert CLIENT_SECRET not in output
    assert output.count(MASK) >= 5
    assert "client_id=shop-1" in output  # the rest of the message survives


def test_given_a_registered_secret_when_it_appears_anywhere_then_it_is_masked(
    captured: io.StringIO,
) -> None:
    secret = "plain-looking-value-abc123"
    register_secret(secret)

    logging.getLogger("other.library").error("could not use %s for seller 42", secret)

    assert secret not in captured.getvalue()
    assert "seller 42" in captured.getvalue()


def test_given_json_format_when_logging_extra_fields_then_each_line_is_an_object() -> None:
    stream = io.StringIO()
    settings = Settings(_env_file=None, log_format="json")  # type: ignore[call-arg]
    handler = configure_logging(settings, stream)
    try:
        logging.getLogger("cdlink.sync").info(
            "run finished", extra={"connection": 7, "stream": "orders"}
        )
    finally:
        logging.getLogger().removeHandler(handler)

    entry = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert entry["message"] == "run finished"
    assert entry["connection"] == 7
    assert entry["stream"] == "orders"
    assert entry["level"] == "info"


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        ('{"client_secret": "abcd1234efgh"}', "abcd1234efgh"),
        ("api_password=hunter22hunter", "hunter22hunter"),
        ("Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ("access_token='eyJhbGciOi.x.y'", "eyJhbGciOi.x.y"),
    ],
)
def test_given_credential_looking_text_when_redacted_then_the_value_is_masked(
    text: str, leaked: str
) -> None:
    assert leaked not in redact(text)
