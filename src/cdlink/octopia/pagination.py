"""Walking the two pagination styles of the API, and reading a page item by item.

- Page numbers (``/orders``, ``/categories``…): ``pageIndex`` from 1 and ``pageSize``; there is
  no total, so the last page is the first one shorter than ``pageSize``.
- Cursors (``/offers``, ``/offer-packages``…): the next page's URL is in the ``Link`` header with
  ``rel="next"``, absent on the last page. The link is followed only if it points under the API
  base URL, so that the bearer token is never sent anywhere else.

A page keeps the items it could not read (``rejected``, with the raw item and the reason) instead
of failing whole: one strange order must not hold back the ninety-nine others.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from cdlink.octopia.errors import MalformedResponse

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

# A server that never sends a short page (or loops its cursor) must not keep a job forever.
MAXIMUM_PAGES = 100_000


@dataclasses.dataclass(frozen=True)
class RejectedItem:
    """An item of a page that did not fit its model: the raw value and why (field: message)."""

    raw: Any
    reason: str


@dataclasses.dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: the items read, the items rejected, and how to get the next page."""

    items: list[T]
    rejected: list[RejectedItem]
    received: int
    """How many items the server sent (read or rejected): the short-page test uses it."""
    index: int | None = None
    next_url: str | None = None


def iterate_page_numbers(
    fetch: Callable[[int], Page[T]], *, page_size: int, first: int = 1
) -> Iterator[Page[T]]:
    """Yield pages ``first``, ``first + 1``… until one has fewer than ``page_size`` items."""
    for index in range(first, first + MAXIMUM_PAGES):
        page = fetch(index)
        yield page
        if page.received < page_size:
            return
    raise MalformedResponse(f"more than {MAXIMUM_PAGES} full pages: the list never ends")


def iterate_cursor(fetch: Callable[[str | None], Page[T]]) -> Iterator[Page[T]]:
    """Yield pages from the first (``fetch(None)``) along the ``next`` links."""
    seen: set[str] = set()
    link: str | None = None
    for _ in range(MAXIMUM_PAGES):
        page = fetch(link)
        yield page
        if page.next_url is None:
            return
        if page.next_url in seen:
            raise MalformedResponse(f"the next link repeats an earlier page: {page.next_url}")
        seen.add(page.next_url)
        link = page.next_url
    raise MalformedResponse(f"more than {MAXIMUM_PAGES} pages: the cursor never ends")


def next_link(response: httpx.Response, api_url: httpx.URL) -> str | None:
    """The URL of the next page from the ``Link`` header, checked to be under ``api_url``."""
    target = response.links.get("next", {}).get("url")
    if not target:
        return None
    url = response.request.url.join(target)
    base_path = api_url.path.rstrip("/") + "/"
    if (url.scheme, url.host, url.port) != (api_url.scheme, api_url.host, api_url.port) or not (
        url.path.startswith(base_path)
    ):
        raise MalformedResponse(
            f"the next-page link leaves the API ({url.host}{url.path}); it is not followed",
            status=response.status_code,
            method=response.request.method,
            path=response.request.url.path,
        )
    return str(url)


class ItemsEnvelope(BaseModel, Generic[M]):
    """A page-number answer ``{"items": [...]}`` whose items are all read at once."""

    model_config = ConfigDict(extra="ignore")

    items: list[M]


@cache
def _envelope(model: type[M]) -> type[ItemsEnvelope[M]]:
    return ItemsEnvelope[model]  # type: ignore[valid-type]


@cache
def _array(model: type[M]) -> TypeAdapter[list[M]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


#: Bytes with every digit and dot as ``0`` and everything else as a space: sixteen ``0`` in a
#: row are a number the JSON parser's double may not hold exactly (it holds any of fifteen
#: significant digits). A table and a substring search: far faster than a regular expression.
_DIGITS = bytes(0x30 if byte in b"0123456789." else 0x20 for byte in range(256))
LONG_NUMBER = b"0" * 16


def has_long_number(content: bytes) -> bool:
    return LONG_NUMBER in content.translate(_DIGITS)


def read_items_json(content: bytes, model: type[M]) -> list[M] | None:
    """Every item of a list answer validated straight from its bytes (no Python objects made
    on the way: the parser fills the models), or None when that cannot be done exactly or the
    answer is not a list of valid items: the caller then decodes it (money as ``Decimal`` from
    the number's text) and reads it item by item, to keep each unreadable item aside with its
    reason (``read_items``).

    The parser reads a number as a double before a ``Decimal`` field takes it: exact up to
    fifteen significant digits, which every amount Octopia sends has; an answer holding a
    longer run of digits anywhere (even in a text) takes the decoding path."""
    if has_long_number(content):
        return None
    try:
        if content.lstrip()[:1] == b"[":
            return _array(model).validate_json(content)
        return _envelope(model).model_validate_json(content).items
    except ValidationError:
        return None


def read_items(raw_items: list[Any], model: type[M]) -> tuple[list[M], list[RejectedItem]]:
    """Validate each raw item against ``model``; keep the failures with their reasons."""
    items: list[M] = []
    rejected: list[RejectedItem] = []
    for raw in raw_items:
        try:
            items.append(model.model_validate(raw))
        except ValidationError as error:
            rejected.append(RejectedItem(raw=raw, reason=describe(error)))
    return items, rejected


def describe(error: ValidationError) -> str:
    """A validation error as ``field: message; …`` without echoing the input values."""
    return "; ".join(
        f"{'.'.join(str(part) for part in detail['loc']) or '(item)'}: {detail['msg']}"
        for detail in error.errors(include_input=False, include_url=False)
    )
