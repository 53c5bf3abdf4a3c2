"""The rules a Client ID, a Seller ID and a connection must meet (issue 6: Client ID rules)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdlink.hub.connections.rules import (
    ConnectionDraft,
    client_id_problems,
    draft_problems,
    seller_id_problems,
    url_problems,
)


@pytest.mark.parametrize(
    "client_id",
    ["myshop-api-client", "Shop 2024 client", "a1234567", "shop@octopia-client-9", "A" * 80],
)
def test_given_a_well_formed_client_id_when_checked_then_it_is_accepted(client_id: str) -> None:
    assert client_id_problems(client_id) == []


@pytest.mark.parametrize(
    ("client_id", "expected"),
    [
        ("short1", "8 to 80 characters"),
        ("A" * 81, "8 to 80 characters"),
        ("1shop-client", "start with a letter"),
        ("-shop-client", "start with a letter"),
        ("éshop-client", "start with a letter"),
        ("shop-client-", "end with a letter or a digit"),
        ("shop-client ", "end with a letter or a digit"),
        ("shop_client_1", "only letters, digits, spaces, dashes and @"),
        ("shop.client.1", "only letters, digits, spaces, dashes and @"),
        ("shop-clïent-1", "only letters, digits, spaces, dashes and @"),
        ("seller@example.fr", "not an e-mail address"),
        ("", "8 to 80 characters"),
    ],
)
def test_given_a_malformed_client_id_when_checked_then_the_rule_broken_is_named(
    client_id: str, expected: str
) -> None:
    problems = client_id_problems(client_id)

    assert any(expected in problem for problem in problems), problems


ALLOWED = string.ascii_letters + string.digits + " -@"


@given(
    first=st.sampled_from(string.ascii_letters),
    middle=st.text(alphabet=ALLOWED, min_size=6, max_size=78),
    last=st.sampled_from(string.ascii_letters + string.digits),
)
def test_given_any_id_built_from_the_rules_when_checked_then_only_the_email_rule_can_refuse(
    first: str, middle: str, last: str
) -> None:
    client_id = first + middle + last
    problems = client_id_problems(client_id)

    looks_like_email = "@" in client_id and "." in client_id.split("@", 1)[1]
    assert problems == [] or looks_like_email


@given(st.text(max_size=100))
@pytest.mark.slow
def test_given_any_text_when_checked_then_accepted_means_every_rule_holds(text: str) -> None:
    if client_id_problems(text):
        return
    assert 8 <= len(text) <= 80
    assert text[0] in string.ascii_letters
    assert text[-1] in string.ascii_letters + string.digits
    assert set(text) <= set(ALLOWED)


@pytest.mark.parametrize("seller_id", ["1", "123456", "999999999999999999"])
def test_given_a_numeric_seller_id_when_checked_then_it_is_accepted(seller_id: str) -> None:
    assert seller_id_problems(seller_id) == []


@pytest.mark.parametrize("seller_id", ["", "12a", "-5", "0", "1.5", "١٢٣", "1" * 19])
def test_given_a_non_numeric_seller_id_when_checked_then_it_is_refused(seller_id: str) -> None:
    assert seller_id_problems(seller_id) != []


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("", True),
        ("https://auth.example.net/token", True),
        ("http://127.0.0.1:9000/token", True),
        ("http://localhost:9000/api", True),
        ("http://auth.example.net/token", False),
        ("ftp://example.net", False),
        ("not a url", False),
    ],
)
def test_given_a_url_when_checked_then_only_https_or_local_http_passes(
    url: str, accepted: bool
) -> None:
    assert (url_problems(url) == []) is accepted


def test_given_a_new_connection_without_secret_when_checked_then_the_secret_is_asked_for() -> None:
    draft = ConnectionDraft(seller_id="123", client_id="shop-client-1")

    fields = {problem.field for problem in draft_problems(draft, creating=True)}
    edit_fields = {problem.field for problem in draft_problems(draft, creating=False)}

    assert fields == {"secret"}
    assert edit_fields == set()


def test_given_legacy_credentials_when_checked_then_the_api_login_skips_client_id_rules() -> None:
    draft = ConnectionDraft(
        seller_id="123", client_id="myshop-api", secret="pw", auth_mode="password"
    )
    wrong_mode = ConnectionDraft(seller_id="123", client_id="x", secret="pw", auth_mode="soap")

    assert draft_problems(draft, creating=True) == []
    assert {p.field for p in draft_problems(wrong_mode, creating=True)} == {"auth_mode"}


def test_given_a_draft_with_a_secret_when_shown_then_the_secret_is_not_in_its_repr() -> None:
    draft = ConnectionDraft(seller_id="1", client_id="shop-client-1", secret="TopSecret-42")

    assert "TopSecret-42" not in repr(draft)
