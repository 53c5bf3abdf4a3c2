"""The category tree and each category's properties (§6.4), read in the seller's language."""

from __future__ import annotations

import builtins
from collections.abc import Iterator

from cdlink.octopia.models.catalog import Category, CategoryProperty
from cdlink.octopia.pagination import Page, iterate_page_numbers
from cdlink.octopia.services.base import Service, read_count, segment

# Without ``fields`` the list answers bare references (measured by a third party).
CATEGORY_FIELDS = "label,level,isActive,isBrandMandatory,parentReferences,isVariant"
MAXIMUM_PAGE_SIZE = 100


class CategoriesService(Service):
    group = "catalog"

    def _headers(self) -> dict[str, str]:
        return {"Accept-Language": self.language}

    def list_pages(
        self, *, page_size: int = MAXIMUM_PAGE_SIZE, fields: str | None = CATEGORY_FIELDS
    ) -> Iterator[Page[Category]]:
        _check_page_size(page_size)
        return iterate_page_numbers(
            lambda index: self._numbered_page(
                Category,
                "/categories",
                index=index,
                page_size=page_size,
                params={"fields": fields},
                headers=self._headers(),
            ),
            page_size=page_size,
        )

    def list(self, *, page_size: int = MAXIMUM_PAGE_SIZE) -> Iterator[Category]:
        for page in self.list_pages(page_size=page_size):
            yield from page.items

    def count(self) -> int:
        payload, response = self._json("GET", "/categories/count", headers=self._headers())
        return read_count(payload, response)

    def get(self, category_reference: str) -> Category:
        return self._one(
            Category, f"/categories/{segment(category_reference)}", headers=self._headers()
        )

    def properties(self, category_reference: str) -> builtins.list[CategoryProperty]:
        return self._list(
            CategoryProperty,
            f"/categories/{segment(category_reference)}/properties",
            headers=self._headers(),
        )


def _check_page_size(page_size: int) -> None:
    if not 1 <= page_size <= MAXIMUM_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAXIMUM_PAGE_SIZE}")
