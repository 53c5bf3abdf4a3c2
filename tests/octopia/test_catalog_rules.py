"""The pre-flight sheet rules: GS1 check digits and each rule of addendum §4 (Hypothesis)."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from cdlink.octopia.models import (
    DESCRIPTION_MAX_LENGTH,
    MARKETING_DESCRIPTION_MAX_LENGTH,
    RULES,
    TITLE_MAX_LENGTH,
    Category,
    CategoryProperty,
    ProductSheet,
    SheetAttribute,
    SheetPicture,
    check_sheet,
    gtin_check_digit,
    is_valid_gtin,
)
from tests.support.catalog_sheets import leaf, rules_of, valid_sheet

PLAIN = leaf(lambda c: not c["isVariant"] and not c["isBrandMandatory"])
VARIANT = leaf(lambda c: c["isVariant"])
BRANDED = leaf(lambda c: c["isBrandMandatory"] and not c["isVariant"])
KNOWN_EAN13 = ("3760123456789", "4006381333931", "5012345678900")


def rules_broken(sheet: ProductSheet, reference: str | None = None) -> set[str]:
    if reference is None:
        return {problem.rule for problem in check_sheet(sheet)}
    rules = rules_of(reference)
    return {problem.rule for problem in check_sheet(sheet, rules.category, rules.properties)}


def test_given_published_eans_when_checked_then_valid_and_each_digit_change_is_caught() -> None:
    for ean in ("4006381333931", "96385074", "036000291452"):
        assert is_valid_gtin(ean)
        assert is_valid_gtin(int(ean)) is (ean[0] != "0")
        wrong = ean[:-1] + str((int(ean[-1]) + 1) % 10)
        assert not is_valid_gtin(wrong)


@settings(max_examples=300, deadline=None)
@given(
    body=st.text(alphabet="0123456789", min_size=7, max_size=13).filter(
        lambda text: len(text) + 1 in (8, 12, 13, 14)
    )
)
def test_given_any_digits_when_completed_by_the_check_digit_then_a_valid_gtin(body: str) -> None:
    complete = body + str(gtin_check_digit(body))
    assert is_valid_gtin(complete)
    for other in "0123456789":
        if other != complete[-1]:
            assert not is_valid_gtin(body + other)


@settings(max_examples=200, deadline=None)
@given(body=st.text(alphabet="0123456789", min_size=12, max_size=12), position=st.integers(0, 11))
def test_given_a_valid_ean13_when_one_digit_changes_then_the_checksum_rule_breaks(
    body: str, position: int
) -> None:
    complete = body + str(gtin_check_digit(body))
    changed = str((int(complete[position]) + 1) % 10)
    typo = complete[:position] + changed + complete[position + 1 :]
    assert rules_broken(valid_sheet(PLAIN, 1, gtin=complete)) == set()
    assert rules_broken(valid_sheet(PLAIN, 1, gtin=typo)) == {"gtin_checksum"}


@given(gtin=st.text(min_size=0, max_size=16).filter(lambda t: not (t.isdigit() and t.isascii())))
def test_given_a_gtin_that_is_not_digits_when_checked_then_the_format_rule_breaks(
    gtin: str,
) -> None:
    sheet = valid_sheet(PLAIN, 1).model_copy(update={"gtin": gtin})
    assert "gtin_format" in rules_broken(sheet)


@settings(max_examples=150, deadline=None)
@given(length=st.integers(1, 2 * TITLE_MAX_LENGTH))
def test_given_a_title_of_any_length_when_checked_then_only_beyond_132_breaks(length: int) -> None:
    broken = rules_broken(valid_sheet(PLAIN, 1, title="é" * length), PLAIN)
    assert broken == ({"title_length"} if length > TITLE_MAX_LENGTH else set())


@settings(max_examples=150, deadline=None)
@given(length=st.integers(1, 2 * DESCRIPTION_MAX_LENGTH))
def test_given_a_description_of_any_length_when_checked_then_only_beyond_420_breaks(
    length: int,
) -> None:
    broken = rules_broken(valid_sheet(PLAIN, 1, description="d" * length), PLAIN)
    assert broken == ({"description_length"} if length > DESCRIPTION_MAX_LENGTH else set())


@settings(max_examples=100, deadline=None)
@given(
    length=st.integers(1, 2 * MARKETING_DESCRIPTION_MAX_LENGTH),
    tag=st.sampled_from(["b", "strong", "br", "table", "td", "h1", "h3", "a", "iframe", "video"]),
)
def test_given_a_marketing_description_when_checked_then_length_and_tags_follow_the_rules(
    length: int, tag: str
) -> None:
    text = f"<{tag}>" + "m" * length
    broken = rules_broken(valid_sheet(PLAIN, 1, rich_marketing_description=text), PLAIN)
    expected = set()
    if len(text) > MARKETING_DESCRIPTION_MAX_LENGTH:
        expected.add("marketing_description_length")
    if tag not in {"b", "strong", "br", "table", "td"}:
        expected.add("marketing_description_tag")
    assert broken == expected


@given(
    text=st.sampled_from(
        ["voir https://exemple.fr", "www.exemple.fr", '<font href="x">a</font>', "http://a.b"]
    )
)
def test_given_a_link_in_the_marketing_description_when_checked_then_refused(text: str) -> None:
    assert "marketing_description_link" in rules_broken(
        valid_sheet(PLAIN, 1, rich_marketing_description=text)
    )


@given(html=st.sampled_from(["<b>gras</b>", "ligne<br/>", "<p>para</p>"]))
def test_given_html_in_the_plain_description_or_title_when_checked_then_refused(html: str) -> None:
    assert rules_broken(valid_sheet(PLAIN, 1, description=html)) == {"description_html"}
    assert rules_broken(valid_sheet(PLAIN, 1, title=html)) == {"title_html"}


def test_given_no_picture_or_a_bad_one_when_checked_then_the_picture_rules_break() -> None:
    bad = [SheetPicture(index=1, url="ftp://x"), SheetPicture(index=1, url="https://x/y.jpg")]
    assert rules_broken(valid_sheet(PLAIN, 1, seller_picture_urls=[])) == {"picture_missing"}
    assert rules_broken(valid_sheet(PLAIN, 1, seller_picture_urls=bad)) == {
        "picture_url",
        "picture_index",
    }


@given(code=st.text(alphabet="0123456789AB", min_size=0, max_size=8).filter(lambda c: len(c) != 6))
def test_given_a_category_code_not_of_6_characters_when_checked_then_the_level_rule_breaks(
    code: str,
) -> None:
    sheet = valid_sheet(PLAIN, 1).model_copy(update={"category_code": code})
    assert "category_level" in rules_broken(sheet)


def test_given_a_level_2_category_when_checked_against_it_then_the_level_rule_breaks() -> None:
    category = Category(category_reference="1101", level=2)
    sheet = valid_sheet(PLAIN, 1).model_copy(update={"category_code": "1101"})
    assert {p.rule for p in check_sheet(sheet, category)} == {"category_level"}


def test_given_a_brand_mandatory_category_when_the_brand_is_blank_then_refused() -> None:
    assert rules_broken(valid_sheet(BRANDED, 1, brand=" "), BRANDED) == {"brand_missing"}
    assert rules_broken(valid_sheet(BRANDED, 1), BRANDED) == set()
    assert rules_broken(valid_sheet(PLAIN, 1, brand=None), PLAIN) == set()


def test_given_a_variant_category_when_colour_size_or_group_lack_then_each_is_named() -> None:
    rules = rules_of(VARIANT)
    colour = next(p for p in rules.properties if p.is_colour)
    size = next(p for p in rules.properties if p.is_size)
    full = valid_sheet(VARIANT, 1)
    without = [
        a for a in full.attributes if a.property_reference not in (colour.property_reference,)
    ]

    assert rules_broken(full, VARIANT) == set()
    assert rules_broken(full.model_copy(update={"attributes": without}), VARIANT) == {
        "colour_missing"
    }
    no_size = [a for a in full.attributes if a.property_reference != size.property_reference]
    assert rules_broken(full.model_copy(update={"attributes": no_size}), VARIANT) == {
        "size_missing"
    }
    assert rules_broken(full.model_copy(update={"variant_group_reference": None}), VARIANT) == {
        "variant_group_missing"
    }


@given(
    necessity=st.sampled_from(["Mandatory", "Recommended", "Optional"]),
    values=st.lists(st.sampled_from(["Rouge", "Bleu", "Violet"]), max_size=3),
    multi=st.booleans(),
)
def test_given_a_property_when_values_vary_then_necessity_choice_and_count_are_checked(
    necessity: str, values: list[str], multi: bool
) -> None:
    prop = CategoryProperty(
        property_reference="1001",
        necessity=necessity,
        choices=["Rouge", "Bleu"],
        is_multi_valued=multi,
    )
    category = Category(category_reference=PLAIN, level=3)
    sheet = valid_sheet(
        PLAIN, 1, attributes=[SheetAttribute(property_reference="1001", values=values)]
    )

    broken = {problem.rule for problem in check_sheet(sheet, category, [prop])}

    expected = set()
    if not values and necessity == "Mandatory":
        expected.add("property_missing")
    if len(values) > 1 and not multi:
        expected.add("property_single_value")
    if "Violet" in values:
        expected.add("property_choice")
    assert broken == expected


def test_given_every_problem_when_described_then_its_rule_is_known() -> None:
    sheet = ProductSheet(
        gtin="12",
        seller_product_reference=" ",
        title="",
        description="",
        category_code="1",
        language="de-DE",
    )
    problems = check_sheet(sheet)
    assert {p.rule for p in problems} <= set(RULES)
    assert all(p.description != p.rule and p.field for p in problems)
    assert {"title_missing", "description_missing", "language"} <= {p.rule for p in problems}


@given(
    text=st.text(
        alphabet=st.characters(categories=["Lu", "Ll", "Nd", "Po", "Zs", "So", "Lo"]),
        min_size=1,
        max_size=60,
    ).filter(str.strip)
)
def test_given_any_title_when_checked_then_only_pictograms_and_uncased_letters_are_refused(
    text: str,
) -> None:
    normalised = unicodedata.normalize("NFC", text)
    bad = any(
        unicodedata.category(char) in ("So", "Lo") and char not in "°©®™²³" for char in normalised
    )
    broken = rules_broken(valid_sheet(PLAIN, 1, title=text))
    assert ("title_characters" in broken) is bad


def test_given_allowed_symbols_and_an_emoji_when_checked_then_only_the_emoji_is_refused() -> None:
    assert rules_broken(valid_sheet(PLAIN, 1, title="Four 60 °C Marque® 25 € ™")) == set()
    assert rules_broken(valid_sheet(PLAIN, 1, title="Lampe ⭐")) == {"title_characters"}
    assert rules_broken(valid_sheet(PLAIN, 1, description="Super 👍")) == {"description_characters"}
