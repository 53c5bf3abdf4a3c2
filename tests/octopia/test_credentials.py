"""Credentials hide their secrets and name their token without revealing it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cdlink.core.redaction import redact
from cdlink.octopia import ClientCredentials, PasswordCredentials
from tests.support.octopia_fakes import SECRET, TOKEN_URL


def test_given_client_credentials_when_shown_then_the_secret_never_appears() -> None:
    credentials = ClientCredentials(seller_id=700085, client_id="abc", client_secret=SECRET)
    assert credentials.seller_id == "700085"
    for text in (repr(credentials), str(credentials), credentials.model_dump_json()):
        assert SECRET not in text


def test_given_password_credentials_when_shown_then_the_password_never_appears() -> None:
    credentials = PasswordCredentials(seller_id="1", login="api-login", password="pa55word-x")
    assert "pa55word-x" not in repr(credentials)
    assert credentials.token_form()["grant_type"] == "password"
    assert credentials.token_form()["username"] == "api-login"


def test_given_credentials_when_created_then_their_secret_is_masked_in_any_text() -> None:
    ClientCredentials(seller_id="1", client_id="abc", client_secret="zz-unique-secret-77")
    assert "zz-unique-secret-77" not in redact("oops zz-unique-secret-77 leaked")


def test_given_credentials_when_keyed_then_the_key_is_stable_secret_free_and_secret_sensitive() -> (
    None
):
    first = ClientCredentials(seller_id="1", client_id="abc", client_secret=SECRET)
    same = ClientCredentials(seller_id="1", client_id="abc", client_secret=SECRET)
    other = ClientCredentials(seller_id="1", client_id="abc", client_secret=SECRET + "x")
    assert first.cache_key(TOKEN_URL) == same.cache_key(TOKEN_URL)
    assert first.cache_key(TOKEN_URL) != other.cache_key(TOKEN_URL)
    assert first.cache_key(TOKEN_URL) != first.cache_key("http://sandbox/token")
    assert SECRET not in first.cache_key(TOKEN_URL)


@pytest.mark.parametrize("seller_id", ["", "abc", "12 34", "-5"])
def test_given_a_seller_id_that_is_not_a_number_when_created_then_a_clear_error(
    seller_id: str,
) -> None:
    with pytest.raises(ValidationError, match="Seller ID"):
        ClientCredentials(seller_id=seller_id, client_id="abc", client_secret=SECRET)


def test_given_a_validation_error_when_shown_then_the_secret_is_not_echoed() -> None:
    with pytest.raises(ValidationError) as caught:
        ClientCredentials(seller_id="x", client_id="", client_secret=SECRET)
    assert SECRET not in str(caught.value)
