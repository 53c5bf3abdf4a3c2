"""One convention for every ``/api/v1`` list: cursor paging, ``limit``, ``updated_since``, ``sort``.

A list answers ``{"items": [...], "limit": 50, "next_cursor": "…", "next": "https://…"}``;
``next_cursor`` and ``next`` are null on the last page. ``next`` is the same request with the
cursor in it: a client follows it until it is null and has seen every row once (on rows that do
not change meanwhile; a sync reads again with ``updated_since`` and ``sort=updated_at``).

The cursor is opaque: base64url JSON holding the position, the limit and a fingerprint of the
filters, the sort and ``updated_since``, so a cursor sent with other filters is a 422 rather than
a page of another list. Clients must not build or read it (its content may change).

``page``/``page_size`` (the former offset paging) still work on the lists that had them, and
answer with a ``Deprecation`` header; they are removed in ``/api/v2`` (docs/api.md).

A route declares its list with ``Listing(sorts=…)`` and takes ``window: Annotated[Window,
Depends(listing)]``; it asks the hub for ``window.page`` of ``window.limit`` rows (the hub's
lists page by number) or gives a whole small list to ``window.slice``, then answers
``window.answer(request, more=…)``'s fields in its model (a subclass of ``ListOut``; a list that
counts its rows: ``PagedListOut`` and ``window.answer_total``). Every list item model shows an
example in OpenAPI (``model_config = example({...})``), and every list filters on
``updated_since`` against its rows' ``updated_at`` (tests/api/test_list_convention.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import inspect
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlencode

from fastapi import Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from cdlink.web.params import DATE_BOUND_HELP, MAXIMUM_ID, MAXIMUM_PAGE, date_bound, invalid

#: Rows per page: 1 to 200, 50 when not given.
MAXIMUM_LIMIT = 200
DEFAULT_LIMIT = 50
#: The parameters that move through a list rather than choose it (left out of the fingerprint).
_PAGING = frozenset({"cursor", "limit", "page", "page_size"})
_VERSION = 1
#: Where the deprecation of ``page``/``page_size`` is explained.
DEPRECATION_LINK = '</docs/api.md#versioning-and-deprecation>; rel="deprecation"'

T = TypeVar("T")


class ListOut(BaseModel):
    """The paging fields every list answers beside its ``items``."""

    limit: int = Field(description="Rows per page (1 to 200).")
    next_cursor: str | None = Field(
        description="Pass it as ``cursor`` (with the same filters) for the next page; "
        "null on the last page. Opaque."
    )
    next: str | None = Field(description="The next page's URL (this request with the cursor).")


class PagedListOut(ListOut):
    """The fields of the lists that had ``page``/``page_size`` and count their rows: ``total``
    and the deprecated page fields (``Window.answer_total`` fills them)."""

    total: int = Field(description="The rows matching the filters.")
    page: int = Field(description="Deprecated: the page number (with page/page_size).")
    page_size: int = Field(description="Deprecated: equals limit.")


def example(values: dict[str, Any]) -> ConfigDict:
    """A list item model's ``model_config``: ``values`` as its example in OpenAPI (a test walks
    every list and validates each item's example against its model)."""
    return ConfigDict(json_schema_extra={"examples": [values]})


@dataclass(frozen=True)
class Window:
    """Which rows of a list a request asks for."""

    offset: int
    limit: int
    sort: str
    updated_since: datetime | None
    fingerprint: str
    #: Asked with the deprecated ``page``/``page_size``.
    by_page: bool = False
    #: For a list the hub pages by key (newest id first): the rows come after this id.
    after: int | None = None

    @property
    def page(self) -> int:
        """The hub's page number for this window (offsets are whole pages of ``limit``)."""
        return self.offset // self.limit + 1

    def slice(
        self,
        rows: Sequence[T],
        sort_keys: dict[str, Callable[[T], Any]],
        updated: Callable[[T], datetime | None] | None = None,
    ) -> tuple[list[T], bool]:
        """This window of a whole (small) list: filtered by ``updated_since``, sorted, cut;
        and whether more rows follow."""
        chosen = list(rows)
        if self.updated_since is not None and updated is not None:
            since = self.updated_since
            chosen = [row for row in chosen if (moment := updated(row)) and moment >= since]
        name = self.sort.removeprefix("-")
        if name in sort_keys:
            chosen.sort(key=sort_keys[name], reverse=self.sort.startswith("-"))
        end = self.offset + self.limit
        return chosen[self.offset : end], len(chosen) > end

    def answer(self, request: Request, *, more: bool, after: int | None = None) -> dict[str, Any]:
        """The paging fields of the answer (``ListOut``'s); ``after``: the key the next page
        starts after, for a list the hub pages by key rather than by number."""
        if not more:
            return {"limit": self.limit, "next_cursor": None, "next": None}
        position = {"a": after} if after is not None else {"o": self.offset + self.limit}
        cursor = _encode({"v": _VERSION, "l": self.limit, "f": self.fingerprint, **position})
        query = [
            (key, value) for key, value in request.query_params.multi_items() if key not in _PAGING
        ]
        query += [("limit", str(self.limit)), ("cursor", cursor)]
        link = str(request.url.replace(query=urlencode(query)))
        return {"limit": self.limit, "next_cursor": cursor, "next": link}

    def answer_total(self, request: Request, total: int, *, shown: int) -> dict[str, Any]:
        """``PagedListOut``'s fields for a page of ``shown`` rows out of ``total``: more rows
        follow while the page ends before the total."""
        return {
            "total": total,
            "page": self.page,
            "page_size": self.limit,
            **self.answer(request, more=self.offset + shown < total),
        }


def _encode(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> dict[str, Any]:
    """The cursor's content; a 422 naming ``cursor`` for anything not made by ``_encode``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        data = None
    valid = (
        isinstance(data, dict)
        and data.get("v") == _VERSION
        and type(data.get("l")) is int
        and isinstance(data.get("f"), str)
        and 1 <= data["l"] <= MAXIMUM_LIMIT
        and _valid_position(data)
    )
    if not valid:
        raise invalid(
            "query",
            "cursor",
            "not a cursor of this list: pass next_cursor as it came, or leave "
            "cursor out to start from the first page",
        )
    assert isinstance(data, dict)
    return data


def _valid_position(data: dict[str, Any]) -> bool:
    """An offset (whole pages) or a key to start after, not both."""
    offset, after = data.get("o"), data.get("a")
    if type(offset) is int and after is None:
        return 0 <= offset <= MAXIMUM_PAGE * MAXIMUM_LIMIT and offset % data["l"] == 0
    return type(after) is int and offset is None and 1 <= after <= MAXIMUM_ID


def fingerprint(request: Request) -> str:
    """What chooses the rows (filters, sort, ``updated_since``), hashed: a cursor must come
    back with the same."""
    chosen = sorted(
        (key, value) for key, value in request.query_params.multi_items() if key not in _PAGING
    )
    digest = hashlib.sha256(json.dumps([request.url.path, chosen]).encode()).hexdigest()
    return digest[:16]


class Listing:
    """A list route's paging: its sort orders (the first is the default, ``-`` is descending)
    and whether it filters on ``updated_since``. Called by FastAPI as the route's dependency."""

    def __init__(
        self,
        sorts: Sequence[str],
        *,
        updated: bool = True,
        pages: bool = False,
        default_limit: int = DEFAULT_LIMIT,
    ) -> None:
        self.sorts = tuple(sorts)
        self.default_limit = default_limit
        self.updated = updated
        #: Whether the deprecated ``page``/``page_size`` are accepted (lists that had them).
        self.pages = pages
        self.__signature__ = _signature(self)

    def __call__(
        self,
        request: Request,
        response: Response,
        *,
        cursor: str | None = None,
        limit: int | None = None,
        sort: str | None = None,
        updated_since: str | None = None,
        page: int | None = None,
        page_size: int | None = None,
    ) -> Window:
        chosen_sort = sort or self.sorts[0]
        if chosen_sort not in self.sorts:
            raise invalid(
                "query",
                "sort",
                f"cannot sort by {chosen_sort[:40]!r}; allowed: " + ", ".join(self.sorts),
            )
        zone = request.app.state.settings.zone
        since = date_bound(updated_since, "updated_since", zone) if self.updated else None
        current = fingerprint(request)
        if cursor is not None:
            if page is not None or page_size is not None:
                raise invalid("query", "cursor", "give cursor or page/page_size, not both")
            return self._resumed(_decode(cursor), limit, chosen_sort, since, current)
        if page is not None or page_size is not None:
            response.headers["Deprecation"] = "true"
            response.headers["Link"] = DEPRECATION_LINK
            size = page_size or limit or self.default_limit
            offset = ((page or 1) - 1) * size
            return Window(offset, size, chosen_sort, since, current, by_page=True)
        return Window(0, limit or self.default_limit, chosen_sort, since, current)

    @staticmethod
    def _resumed(
        data: dict[str, Any], limit: int | None, sort: str, since: datetime | None, current: str
    ) -> Window:
        if data["f"] != current:
            raise invalid(
                "query",
                "cursor",
                "this cursor was made for other filters, sort or "
                "updated_since: repeat them as they were, or start again without cursor",
            )
        if limit is not None and limit != data["l"]:
            raise invalid(
                "query",
                "limit",
                "the limit cannot change during a walk: leave it out or repeat the first page's",
            )
        return Window(data.get("o", 0), data["l"], sort, since, current, after=data.get("a"))


def _signature(listing: Listing) -> Any:
    """The dependency's parameters as OpenAPI shows them: bounds, the sort orders as an enum,
    ``page``/``page_size`` only on the lists that had them (marked deprecated)."""
    sort_type: Any = Literal.__getitem__(listing.sorts)
    parameters = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter("response", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Response),
        _query(
            "cursor",
            Annotated[
                str | None,
                Query(
                    max_length=200,
                    description="The previous page's next_cursor (opaque); absent: first page.",
                ),
            ],
        ),
        _query(
            "limit",
            Annotated[
                int | None,
                Query(
                    ge=1,
                    le=MAXIMUM_LIMIT,
                    description=f"Rows per page: 1 to 200 ({listing.default_limit}).",
                ),
            ],
        ),
        _query(
            "sort",
            Annotated[
                sort_type | None,
                Query(
                    description="The order (a leading - is descending): "
                    + ", ".join(listing.sorts)
                    + f"; {listing.sorts[0]} when absent."
                ),
            ],
        ),
    ]
    if listing.updated:
        parameters.append(
            _query(
                "updated_since",
                Annotated[
                    str | None,
                    Query(
                        max_length=40,
                        description="Only rows changed in cdlink at or after. " + DATE_BOUND_HELP,
                    ),
                ],
            )
        )
    if listing.pages:
        parameters += [
            _query(
                "page",
                Annotated[
                    int | None,
                    Query(ge=1, le=MAXIMUM_PAGE, deprecated=True, description="Use cursor."),
                ],
            ),
            _query(
                "page_size",
                Annotated[
                    int | None,
                    Query(ge=1, le=MAXIMUM_LIMIT, deprecated=True, description="Use limit."),
                ],
            ),
        ]
    return inspect.Signature(parameters)


def _query(name: str, annotation: Any) -> Any:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=None
    )
