"""Signed cookies, CSRF tokens and the language of a request."""

from __future__ import annotations

import pytest

from cdlink.web.i18n import gettext, preferred_languages
from cdlink.web.security import Signer, new_browser_secret


def test_given_a_signed_value_when_unsigned_then_it_comes_back_and_a_forgery_does_not() -> None:
    signer = Signer.from_text("k" * 48)
    signed = signer.sign("session", "token-1")

    assert signer.unsign("session", signed) == "token-1"
    assert signer.unsign("csrf", signed) is None
    assert signer.unsign("session", "token-2" + signed[len("token-1") :]) is None
    assert signer.unsign("session", "no-signature") is None
    assert Signer.from_text("x" * 48).unsign("session", signed) is None


def test_given_two_browsers_when_making_csrf_tokens_then_each_only_fits_its_own() -> None:
    signer = Signer.from_text("k" * 48)
    first, second = new_browser_secret(), new_browser_secret()

    assert signer.csrf_valid(first, signer.csrf_token(first))
    assert not signer.csrf_valid(second, signer.csrf_token(first))
    assert not signer.csrf_valid(first, "")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7", ["fr", "fr", "en", "en"]),
        ("en;q=0.5, fr;q=0.8", ["fr", "en"]),
        ("de, en;q=0", ["de"]),
        ("", []),
        ("fr;q=abc", []),
    ],
)
def test_given_an_accept_language_header_when_parsed_then_languages_come_most_wanted_first(
    header: str, expected: list[str]
) -> None:
    assert preferred_languages(header) == expected


def test_given_the_french_catalogue_when_translating_then_french_comes_back() -> None:
    assert gettext("fr", "Module installed correctly") == "Module installé correctement"
    assert gettext("en", "Module installed correctly") == "Module installed correctly"
