"""The sellers and carriers services, and authentication, against the sandbox in-process."""

from __future__ import annotations

import pytest

from cdlink.octopia import (
    CredentialsRejected,
    Forbidden,
    OctopiaClient,
    PasswordCredentials,
)
from cdlink.octopia.models import SellerState
from cdlink.sandbox import Sandbox
from tests.support.octopia_sandbox import connect, credentials_of


def test_given_the_sandbox_shop_when_reading_the_seller_then_its_id_and_state_come_back(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    seller = sandbox_client.sellers.get()
    assert str(seller.seller_id) == str(sandbox.credentials.seller_id)
    assert isinstance(seller.seller_state, SellerState)


def test_given_the_sandbox_when_reading_referentials_then_modes_carriers_and_more_come_back(
    sandbox_client: OctopiaClient,
) -> None:
    assert [mode.code for mode in sandbox_client.sellers.delivery_modes()] == ["TRK", "REG"]
    carriers = sandbox_client.carriers.list()
    assert len(carriers) == 66
    assert "Colissimo" in {carrier.label for carrier in carriers}
    assert sandbox_client.sellers.subscriptions()[0].sales_channel_id == "CDISFR"
    assert sandbox_client.sellers.indicators().model_dump()


@pytest.mark.parametrize("spelling", ["addresses", "adresses", "both"])
def test_given_either_addresses_spelling_when_reading_addresses_then_they_come_back(
    sandbox: Sandbox, sandbox_client: OctopiaClient, spelling: str
) -> None:
    sandbox.set_variants(addresses_path=spelling)
    assert sandbox_client.sellers.addresses()


def test_given_legacy_login_and_password_when_connecting_then_the_password_grant_works(
    sandbox: Sandbox,
) -> None:
    held = sandbox.credentials
    legacy = PasswordCredentials(seller_id=held.seller_id, login=held.login, password=held.password)
    with connect(sandbox, legacy) as client:
        assert str(client.sellers.get().seller_id) == str(held.seller_id)


@pytest.mark.parametrize("token_errors", ["keycloak", "problem"])
def test_given_a_wrong_secret_when_connecting_then_credentials_rejected(
    sandbox: Sandbox, token_errors: str
) -> None:
    sandbox.set_variants(token_errors=token_errors)
    wrong = credentials_of(sandbox, client_secret="not-the-secret")
    with connect(sandbox, wrong) as client, pytest.raises(CredentialsRejected) as caught:
        client.sellers.get()
    assert "not-the-secret" not in str(caught.value)


def test_given_a_seller_the_client_is_not_linked_to_when_calling_then_forbidden(
    sandbox: Sandbox,
) -> None:
    sandbox.add_client("other-client", "other-secret-123", [900001])
    other_seller = credentials_of(sandbox, seller_id=900001)
    with connect(sandbox, other_seller) as client, pytest.raises(Forbidden):
        client.sellers.get()


def test_given_revoked_tokens_when_calling_then_the_client_renews_and_succeeds(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sandbox_client.sellers.get()
    sandbox.revoke_tokens()
    assert sandbox_client.sellers.get().seller_id


def test_given_a_short_token_lifetime_when_the_sandbox_clock_passes_it_then_one_renewal(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sandbox.set_token_lifetime(60)
    sandbox_client.sellers.get()
    sandbox.advance(120)  # the sandbox expires the token; the client's own clock did not move
    sandbox_client.sellers.get()
    tokens = [r for r in sandbox.requests() if r["endpoint"] == "token"]
    assert len(tokens) == 2
