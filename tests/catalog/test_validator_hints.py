"""The validator's fix hints: every rule of the client's pre-flight check and every refusal code
of the marketplace has a hint, in English and in French, and any sheet's problems all get one."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cdlink.hub.catalog.hints import HINTS, REPORT_RULES, hint, report_rule
from cdlink.octopia.models import RULES, ProductSheet, SheetAttribute, SheetPicture, check_sheet
from cdlink.web.i18n import gettext

texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)
sheets = st.builds(
    ProductSheet,
    gtin=st.text(alphabet="0123456789A", min_size=1, max_size=15),
    seller_product_reference=st.text(min_size=1, max_size=20).filter(str.strip),
    title=texts,
    description=texts,
    brand=st.none() | texts,
    category_code=st.text(alphabet="0123456789AB", min_size=1, max_size=8),
    seller_picture_urls=st.lists(
        st.builds(
            SheetPicture,
            index=st.integers(1, 5),
            url=st.sampled_from(["https://a.example/p.jpg", "ftp://x", "img.jpg"]),
        ),
        max_size=3,
    ),
    attributes=st.lists(
        st.builds(
            SheetAttribute,
            property_reference=st.text(min_size=1, max_size=5),
            values=st.lists(texts, max_size=3),
        ),
        max_size=3,
    ),
    rich_marketing_description=st.none() | st.sampled_from(["<b>ok</b>", "<a href=x>x</a>"]),
    language=st.sampled_from(["fr-FR", "de-DE", None]),
)


def test_given_the_clients_rules_when_listing_hints_then_none_is_missing() -> None:
    assert set(RULES) <= set(HINTS)


def test_given_every_hint_when_shown_in_french_then_it_is_translated() -> None:
    untranslated = [text for text in HINTS.values() if gettext("fr", text) == text]

    assert untranslated == []


def test_given_every_refusal_code_when_read_as_a_rule_then_it_has_its_own_hint() -> None:
    for code in REPORT_RULES:
        assert report_rule(code, None) in HINTS
    assert report_rule("MissingField", "title") == "title_missing"
    assert report_rule("SomethingNew", "x") == "marketplace"


@settings(max_examples=300, deadline=None)
@given(sheets)
def test_given_any_sheet_when_checked_then_every_problem_has_a_field_and_a_specific_hint(
    sheet: ProductSheet,
) -> None:
    for problem in check_sheet(sheet):
        assert problem.field
        assert problem.rule in HINTS
        assert hint(problem.rule) == HINTS[problem.rule]
        assert hint(problem.rule) != HINTS["marketplace"]
