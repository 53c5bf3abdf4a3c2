"""A deterministic French category taxonomy of about 8,000 categories, and a brand referential.

The curated sample of ``data/categories.json`` comes first; the rest is drawn from a seeded
``random.Random`` over French word lists: universes (level 1, 2 characters), families (level 2,
4 characters) and leaves (level 3, 6 alphanumeric characters — only they take products). Leaf
properties are made on demand from the reference, so building the tree stays fast (< 0.1 s).
Some leaves are variant categories (a colour and a size property, ``isVariation``); some make
the brand mandatory. Nothing here is the real referential.
"""

from __future__ import annotations

import functools
import random
import string
from typing import Any

from cdlink.sandbox.reference_data import curated_categories

TAXONOMY_SEED = "cdlink-taxonomy-v1"
DIGITS = string.digits + string.ascii_uppercase

UNIVERSES = (
    ("18", "VETEMENTS", True),
    ("19", "CHAUSSURES", True),
    ("20", "BIJOUX - MONTRES", False),
    ("21", "BAGAGERIE", True),
    ("22", "BEAUTE - PARFUM", False),
    ("23", "SANTE - BIEN-ETRE", False),
    ("24", "PUERICULTURE", True),
    ("25", "ANIMALERIE", False),
    ("26", "JARDIN - PISCINE", False),
    ("27", "AUTO - MOTO", False),
    ("28", "LIBRAIRIE", False),
    ("29", "JEUX VIDEO - CONSOLES", False),
    ("30", "PHOTO - CAMESCOPE", False),
    ("31", "TV - VIDEO", False),
    ("32", "EPICERIE", False),
    ("33", "FOURNITURES DE BUREAU", False),
)
FAMILIES = (
    "ACCESSOIRES",
    "PIECES DETACHEES",
    "ENTRETIEN",
    "RANGEMENT",
    "DECORATION",
    "ECLAIRAGE",
    "TEXTILE",
    "MOBILIER",
    "OUTILLAGE",
    "CONSOMMABLES",
    "PROTECTION",
    "SECURITE",
    "CONFORT",
    "VOYAGE",
    "ENFANT",
    "EXTERIEUR",
    "CUISINE",
    "BUREAU",
    "LOISIRS",
    "COLLECTION",
    "HIVER",
    "ETE",
    "SPORT",
    "PROFESSIONNEL",
)
ITEMS = (
    "SAC",
    "HOUSSE",
    "SUPPORT",
    "CABLE",
    "LAMPE",
    "BOITE",
    "TAPIS",
    "COUSSIN",
    "FILTRE",
    "BROSSE",
    "KIT",
    "COFFRET",
    "PANIER",
    "ETUI",
    "CHARGEUR",
    "BATTERIE",
    "GANT",
    "BONNET",
    "ECHARPE",
    "VESTE",
    "PANTALON",
    "T-SHIRT",
    "CHAUSSETTE",
    "BASKET",
    "BOTTE",
    "SANDALE",
    "MONTRE",
    "BRACELET",
    "COLLIER",
    "VALISE",
    "SACOCHE",
    "CREME",
    "SHAMPOING",
    "PARFUM",
    "COLLIER POUR CHIEN",
    "ARBRE A CHAT",
    "TONDEUSE",
    "ARROSOIR",
    "ESSUIE-GLACE",
    "LIVRE",
    "MANETTE",
    "OBJECTIF",
    "TREPIED",
    "TELEVISEUR",
    "TELECOMMANDE",
    "CAFE",
    "THE",
    "STYLO",
    "CLASSEUR",
    "CAHIER",
    "RANGE-DOCUMENTS",
    "PORTE-CLES",
    "GOURDE",
    "BOUGIE",
    "CADRE",
)
QUALIFIERS = (
    "ENFANT",
    "ADULTE",
    "HOMME",
    "FEMME",
    "BEBE",
    "SANS FIL",
    "ELECTRIQUE",
    "MANUEL",
    "DE VOYAGE",
    "PLIABLE",
    "ETANCHE",
    "XXL",
    "MINI",
    "EN BOIS",
    "EN METAL",
    "EN CUIR",
    "ISOTHERME",
    "RECHARGEABLE",
    "DE RECHANGE",
    "DECORATIF",
    "PROFESSIONNEL",
    "BIO",
)
COLOURS = ["Noir", "Blanc", "Gris", "Bleu", "Rouge", "Vert", "Rose", "Beige", "Multicolore"]
SIZES = {
    "clothes": ["XS", "S", "M", "L", "XL", "XXL"],
    "shoes": [str(size) for size in range(35, 47)],
    "one": ["Taille unique", "S", "M", "L"],
}
# (reference, label, choices, weights of Mandatory/Recommended/Optional)
PROPERTY_POOL: tuple[tuple[str, str, list[str], tuple[int, int, int]], ...] = (
    ("1001", "Couleur principale", COLOURS, (1, 3, 2)),
    (
        "1002",
        "Matière",
        ["Coton", "Polyester", "Bois", "Métal", "Plastique", "Verre", "Cuir"],
        (1, 2, 2),
    ),
    ("1003", "Garantie", ["6 mois", "1 an", "2 ans", "3 ans"], (0, 2, 3)),
    ("1004", "Poids", [], (1, 2, 2)),
    ("1005", "Dimensions", [], (1, 2, 2)),
    ("1006", "Public", ["Homme", "Femme", "Enfant", "Mixte"], (1, 2, 2)),
    ("1007", "Puissance", [], (0, 2, 2)),
    ("1008", "Capacité", [], (0, 2, 2)),
    ("1009", "Nombre de pièces", [], (0, 1, 3)),
    ("1010", "Pays de fabrication", [], (0, 1, 3)),
    ("1011", "Entretien", ["Lavage en machine", "Lavage à la main", "Nettoyage à sec"], (0, 1, 3)),
    ("1012", "Caractéristiques", ["Étanche", "Pliable", "Rechargeable", "Sans fil"], (0, 1, 3)),
)
COLOUR_PROPERTY = "2001"
SIZE_PROPERTY = "2002"
BRAND_SYLLABLES = (
    "ar",
    "bel",
    "co",
    "da",
    "el",
    "fa",
    "gi",
    "lu",
    "ma",
    "no",
    "pa",
    "ri",
    "sa",
    "to",
    "va",
    "zen",
    "mo",
    "lix",
    "tek",
    "ora",
    "vi",
    "ka",
    "qui",
    "ne",
)
CURATED_BRANDS = (
    "Maison Durand",
    "Atelier Lumière",
    "Petit Loup",
    "Bleu Marine",
    "Terre d'Azur",
    "Les Ateliers Réunis",
    "Cocon",
    "Ardoise",
    "Le Jardin Secret",
    "Boréal",
)


def code(number: int) -> str:
    return DIGITS[number // 36] + DIGITS[number % 36]


@functools.cache
def categories() -> list[dict[str, Any]]:
    """The whole tree, in reference order of creation: curated first, then generated."""
    rng = random.Random(TAXONOMY_SEED)
    tree = [dict(category) for category in curated_categories()]
    used = {category["categoryReference"] for category in tree}
    universes = [
        (c["categoryReference"], c["label"], False) for c in tree if c["level"] == 1
    ] + list(UNIVERSES)
    for reference, label, fashion in universes:
        if reference not in used:
            tree.append(node(reference, label, 1, None, variant=False, brand=False))
        families = rng.sample(FAMILIES, 14)
        for number, family in enumerate(families, start=1):
            family_ref = reference + code(number + 20)
            family_label = f"{family} {label.split(' - ')[0]}"
            tree.append(node(family_ref, family_label, 2, reference, variant=False, brand=False))
            for leaf in range(1, rng.randint(20, 26) + 1):
                leaf_ref = family_ref + code(leaf + (0 if leaf < 10 else 55))
                leaf_label = f"{rng.choice(ITEMS)} {rng.choice(QUALIFIERS)}"
                variant = rng.random() < (0.6 if fashion else 0.05)
                brand = rng.random() < 0.35
                tree.append(node(leaf_ref, leaf_label, 3, family_ref, variant=variant, brand=brand))
    return tree


def node(
    reference: str, label: str, level: int, parent: str | None, *, variant: bool, brand: bool
) -> dict[str, Any]:
    parents = [reference[:2], reference[:4]][: level - 1]
    return {
        "categoryReference": reference,
        "label": label,
        "level": level,
        "parentReference": parent,
        "parentReferences": parents,
        "isActive": True,
        "isBrandMandatory": brand,
        "isVariant": variant,
    }


@functools.cache
def by_reference() -> dict[str, dict[str, Any]]:
    return {category["categoryReference"]: category for category in categories()}


@functools.cache
def leaves() -> list[dict[str, Any]]:
    return [category for category in categories() if category["level"] == 3]


def properties(reference: str) -> list[dict[str, Any]]:
    """A level-3 category's properties: curated, or drawn from its reference."""
    category = by_reference()[reference]
    if "properties" in category:
        return list(category["properties"])
    rng = random.Random(f"{TAXONOMY_SEED}:{reference}")
    chosen = rng.sample(PROPERTY_POOL, rng.randint(3, 6))
    found = []
    for prop_ref, label, choices, weights in sorted(chosen):
        necessity = rng.choices(("Mandatory", "Recommended", "Optional"), weights)[0]
        found.append(prop(prop_ref, label, necessity, choices, multi=prop_ref == "1012"))
    if category["isVariant"]:
        root = category["categoryReference"][:2]
        sizes = SIZES["shoes" if root == "19" else "clothes" if root == "18" else "one"]
        found.append(prop(COLOUR_PROPERTY, "Couleur", "Mandatory", COLOURS, variation=True))
        found.append(prop(SIZE_PROPERTY, "Taille", "Mandatory", sizes, variation=True, size=True))
    return found


def prop(
    reference: str,
    label: str,
    necessity: str,
    choices: list[str],
    *,
    variation: bool = False,
    size: bool = False,
    multi: bool = False,
) -> dict[str, Any]:
    return {
        "propertyReference": reference,
        "label": label,
        "necessity": necessity,
        "choices": list(choices),
        "isVariation": variation,
        "isSize": size,
        "isMultiValued": multi,
    }


@functools.cache
def brands() -> list[dict[str, str]]:
    """About 400 brands: curated names, then made-up ones from syllables."""
    rng = random.Random(f"{TAXONOMY_SEED}:brands")
    names = list(CURATED_BRANDS)
    seen = {name.casefold() for name in names}
    while len(names) < 400:
        word = "".join(rng.choice(BRAND_SYLLABLES) for _ in range(rng.randint(2, 3)))
        name = word.capitalize()
        if name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return [{"reference": f"B{index:05d}", "name": name} for index, name in enumerate(names, 1)]


@functools.cache
def brand_names() -> frozenset[str]:
    return frozenset(brand["name"].casefold() for brand in brands())


@functools.cache
def brands_by_name() -> dict[str, dict[str, str]]:
    return {brand["name"]: brand for brand in brands()}
