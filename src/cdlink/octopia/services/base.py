"""What every resource service shares: how to call, and how to read one value or one page.

A service is a thin, typed face over ``Requester``: it names the path, the query and the budget
group, and reads the answer into models. Answers that do not fit raise ``MalformedResponse``;
items of a list that do not fit are kept aside in ``Page.rejected``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from cdlink.core.clock import ensure_utc
from cdlink.octopia.pagination import Page, describe, next_link, read_items, read_items_json
from cdlink.octopia.requester import Call, Requester
from cdlink.octopia.responses import json_body, malformed

M = TypeVar("M", bound=BaseModel)

logger = logging.getLogger("cdlink.octopia")

CDISCOUNT_FRANCE = "CDISFR"


class Service:
    """Base of the resource services; ``group`` names the budget the calls are paid from."""

    group: ClassVar[str] = "default"

    def __init__(
        self,
        requester: Requester,
        *,
        sales_channel_id: str = CDISCOUNT_FRANCE,
        language: str = "fr-FR",
    ) -> None:
        self._requester = requester
        self.sales_channel_id = sales_channel_id
        self.language = language

    def _send(self, method: str, path: str, **options: Any) -> httpx.Response:
        return self._requester.send(Call(method, path, self.group, **options))

    def _json(self, method: str, path: str, **options: Any) -> tuple[Any, httpx.Response]:
        response = self._send(method, path, **options)
        return json_body(response), response

    def _one(self, model: type[M], path: str, **options: Any) -> M:
        payload, response = self._json("GET", path, **options)
        return read_one(model, payload, response)

    def _list(self, model: type[M], path: str, **options: Any) -> list[M]:
        """A whole (unpaginated) list; unreadable items are logged and left out."""
        payload, response = self._json("GET", path, **options)
        items, rejected = read_items(items_of(payload, response), model)
        for item in rejected:
            logger.warning("octopia %s: item left out (%s)", response.request.url.path, item.reason)
        return items

    def _numbered_page(
        self,
        model: type[M],
        path: str,
        *,
        index: int,
        page_size: int,
        params: Mapping[str, Any],
        **options: Any,
    ) -> Page[M]:
        query = {**params, "pageIndex": index, "pageSize": page_size}
        response = self._send("GET", path, params=query, **options)
        fast = read_items_json(response.read(), model)
        if fast is not None:  # the usual page: every item valid, read from the bytes at once
            return Page(items=fast, rejected=[], received=len(fast), index=index)
        payload = json_body(response)
        raw = items_of(payload, response)
        items, rejected = read_items(raw, model)
        return Page(items=items, rejected=rejected, received=len(raw), index=index)

    def _cursor_page(
        self,
        model: type[M],
        path: str,
        *,
        link: str | None,
        params: Mapping[str, Any],
        **options: Any,
    ) -> Page[M]:
        # The next link already carries the query (cursor, limit and filters).
        if link is None:
            payload, response = self._json("GET", path, params=params, **options)
        else:
            payload, response = self._json("GET", link, **options)
        raw = items_of(payload, response)
        items, rejected = read_items(raw, model)
        following = next_link(response, self._requester.api_url)
        return Page(items=items, rejected=rejected, received=len(raw), next_url=following)


def read_one(model: type[M], payload: Any, response: httpx.Response) -> M:
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise malformed(response, f"{model.__name__}: {describe(error)}") from None


def read_count(payload: Any, response: httpx.Response) -> int:
    """A ``/…/count`` answer: a bare integer (an object with ``count`` is accepted too)."""
    if isinstance(payload, dict):
        payload = payload.get("count")
    if isinstance(payload, bool) or not isinstance(payload, int) or payload < 0:
        raise malformed(response, "the count is not a non-negative integer")
    return payload


def items_of(payload: Any, response: httpx.Response) -> list[Any]:
    """The items of a list answer: a bare array, or an envelope with ``items``."""
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict) and isinstance(payload.get("items"), list):
        return list(payload["items"])
    raise malformed(response, "expected a list or an object with an 'items' list")


def segment(value: str | int) -> str:
    """``value`` as one URL path segment (an id may contain '/' or spaces)."""
    text = str(value)
    if not text:
        raise ValueError("an identifier cannot be empty")
    return quote(text, safe="")


def api_time(moment: datetime) -> str:
    """A time as the API's query wants it: ISO 8601 in UTC with a ``Z``."""
    return ensure_utc(moment).isoformat().replace("+00:00", "Z")
