"""The French catalogue is complete and its compiled .mo matches the .po (both are committed)."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import cdlink
from cdlink.web.i18n import LOCALE_DIR

PACKAGE_DIR = Path(cdlink.__file__).parent
METHOD_MAP = [("**.py", "python"), ("web/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": (2,), "ngettext": (1, 2), "translatable": None}


def source_messages() -> set[str]:
    found = extract_from_dir(
        str(PACKAGE_DIR),
        method_map=METHOD_MAP,
        options_map={"web/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords=KEYWORDS,
    )
    return {message[0] if isinstance(message, tuple) else message for _, _, message, *_ in found}


def entries(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """msgid → translations (one, or one per plural form), whatever shape the reader gives."""
    result: dict[str, tuple[str, ...]] = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        value = message.string
        result[key] = (value,) if isinstance(value, str) else tuple(value)
    return result


def french_po() -> dict[str, tuple[str, ...]]:
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return entries(read_po(po))


def test_given_the_source_when_extracting_then_every_message_has_a_french_translation() -> None:
    translated = {
        key
        for key, value in french_po().items()
        if value and all(value if isinstance(value, tuple) else [value])
    }

    missing = source_messages() - translated

    assert missing == set(), "run `make messages` and translate these in messages.po"


def test_given_the_po_file_when_compared_with_the_committed_mo_then_they_agree() -> None:
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.mo").open("rb") as mo:
        compiled = entries(read_mo(BytesIO(mo.read())))

    assert compiled == french_po(), "run `make messages` to compile messages.mo"


def test_given_the_french_catalogue_then_a_narrow_no_break_space_precedes_each_high_sign() -> None:
    # French typography: "Échéance\u202f:", "Supprimer\u202f?", never a plain space there (it
    # lets the sign wrap alone onto the next line) nor no space at all.
    loose = re.compile(r"(?:^|[^\u202f\u00a0])[:;?!](?=\s|$)")
    wrong = sorted(
        text
        for value in french_po().values()
        for text in value
        if loose.search(re.sub(r"https?://\S+", "", text))
    )

    assert wrong == [], wrong
