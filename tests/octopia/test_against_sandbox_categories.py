"""The categories service against the sandbox's seeded French taxonomy."""

from __future__ import annotations

import pytest

from cdlink.octopia import NotFound, OctopiaClient


def test_given_the_taxonomy_when_listing_then_every_category_comes_with_its_fields(
    sandbox_client: OctopiaClient,
) -> None:
    categories = list(sandbox_client.categories.list(page_size=10))
    assert len(categories) == sandbox_client.categories.count() == 48
    # References encode the tree: 2, 4 and 6 characters for levels 1, 2 and 3.
    assert all(len(c.category_reference) == 2 * (c.level or 0) for c in categories)
    assert all(category.label for category in categories)


def test_given_a_level_3_category_when_read_then_it_and_its_properties_come_back(
    sandbox_client: OctopiaClient,
) -> None:
    leaf = next(c for c in sandbox_client.categories.list() if c.level == 3)
    assert sandbox_client.categories.get(leaf.category_reference).label == leaf.label
    properties = sandbox_client.categories.properties(leaf.category_reference)
    assert properties
    assert all(prop.property_reference for prop in properties)


def test_given_an_unknown_category_when_read_then_not_found(sandbox_client: OctopiaClient) -> None:
    with pytest.raises(NotFound):
        sandbox_client.categories.get("ZZZZZZ")
