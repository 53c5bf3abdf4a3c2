"""Discussions, claims and messages (reference §6.5, addendum §1).

Reading: ``list_pages`` (page-number, oldest ``updatedAt`` first, unreadable discussions kept
aside) and ``list_changed`` (any window: split into the six-month windows the API accepts, so a
sync stream can read "everything updated since its cursor" exactly once), ``count`` (its own
filters), ``get`` (with every message and the eligible recipients of the next reply).

Writing: ``reply``, ``open``, ``close``, ``mark_read``. A reply's rules are checked before it is
sent (``RuleViolation``). Two points on which the sources disagree are handled by trying the
reference's form first and, when the marketplace names the other form's field in a 400, sending
the other form (the 400 means nothing was done) and keeping it for the next calls: the reply's
recipients (``receivers`` list or ``receiver`` string, §9 #17) and the JSON-Patch dialect
(``op`` with a boolean, or ``opt`` with "true"/"false").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx

from cdlink.core.clock import ensure_utc
from cdlink.octopia.errors import InvalidRequest, MalformedResponse
from cdlink.octopia.models.discussions import (
    DISCUSSION_WINDOW_DAYS,
    SUB_TYPOLOGY_ORDER_STATUSES,
    Discussion,
    DiscussionAttachment,
    Graduation,
    IncludeMessages,
    Message,
    OutgoingAttachment,
    Participant,
    ProcessStatus,
    SalesChannelConfiguration,
    SubTypology,
    Typology,
    UserType,
    message_problems,
)
from cdlink.octopia.models.orders import OrderStatus
from cdlink.octopia.pagination import Page, iterate_page_numbers
from cdlink.octopia.responses import json_body
from cdlink.octopia.services.base import Service, api_time, read_count, read_one, segment
from cdlink.octopia.services.rules import refuse, translate

MAXIMUM_PAGE_SIZE = 100
WINDOW = timedelta(days=DISCUSSION_WINDOW_DAYS)


@dataclasses.dataclass(frozen=True)
class DiscussionQuery:
    """Filters of ``GET /discussions`` (§6.5); None means "any"."""

    updated_at_min: datetime | None = None
    updated_at_max: datetime | None = None
    is_open: bool | None = None
    process_status: ProcessStatus | str | None = None
    order_id: str | None = None
    discussion_id: str | None = None
    typology_code: str | None = None
    sub_typology_code: SubTypology | str | None = None
    include_messages: IncludeMessages | None = IncludeMessages.LAST_MESSAGE
    """``LastMessage`` by default: without it the API sends discussions without messages."""
    sort: str | None = None
    """Not sent by default: the API's own order is by ``updatedAt`` (format of ``sort`` unknown)."""

    def params(self, sales_channel_id: str) -> dict[str, Any]:
        low, high = self.updated_at_min, self.updated_at_max
        if low is not None and high is not None and ensure_utc(high) - ensure_utc(low) > WINDOW:
            raise refuse(
                "discussion_window",
                f"the updatedAt window is at most {DISCUSSION_WINDOW_DAYS} days "
                "(six months); use list_changed to read a longer one",
            )
        return {
            "salesChannel": sales_channel_id,
            "updatedAtMin": _time(self.updated_at_min),
            "updatedAtMax": _time(self.updated_at_max),
            "isOpen": _flag(self.is_open),
            "processStatus": _text(self.process_status),
            "orderSellerId": self.order_id,
            "discussionId": self.discussion_id,
            "typologyCode": self.typology_code,
            "subTypologyCode": _text(self.sub_typology_code),
            "includeMessages": _text(self.include_messages),
            "sort": self.sort,
        }


@dataclasses.dataclass(frozen=True)
class DiscussionCountQuery:
    """``GET /discussions/count`` filters only by these (addendum §1)."""

    graduation: Graduation | str | None = None
    process_status: ProcessStatus | str | None = None
    is_open: bool | None = None

    def params(self, sales_channel_id: str) -> dict[str, Any]:
        return {
            "salesChannel": sales_channel_id,
            "graduationCode": _text(self.graduation),
            "processStatus": _text(self.process_status),
            "isOpen": _flag(self.is_open),
        }


class DiscussionsService(Service):
    group = "discussions"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._receiver_style = "receivers"
        self._patch_style = "op"

    # --- reading ---------------------------------------------------------------------------------
    def list_page(
        self, query: DiscussionQuery, *, page_index: int = 1, page_size: int = MAXIMUM_PAGE_SIZE
    ) -> Page[Discussion]:
        _check_page_size(page_size)
        params = query.params(self.sales_channel_id)
        with translate():
            return self._numbered_page(
                Discussion, "/discussions", index=page_index, page_size=page_size, params=params
            )

    def list_pages(
        self, query: DiscussionQuery, *, page_size: int = MAXIMUM_PAGE_SIZE
    ) -> Iterator[Page[Discussion]]:
        """Every page of ``query``; unreadable discussions are in each page's ``rejected``."""
        _check_page_size(page_size)
        return iterate_page_numbers(
            lambda index: self.list_page(query, page_index=index, page_size=page_size),
            page_size=page_size,
        )

    def windows(
        self, updated_at_min: datetime, updated_at_max: datetime | None = None
    ) -> list[tuple[datetime, datetime]]:
        """``[min, max]`` (max: now) cut into consecutive windows the API accepts."""
        end = ensure_utc(updated_at_max or self._requester.clock.now())
        start = ensure_utc(updated_at_min)
        found = []
        while True:
            stop = min(end, start + WINDOW)
            found.append((start, stop))
            if stop >= end:
                return found
            start = stop

    def list_changed(
        self,
        updated_at_min: datetime,
        updated_at_max: datetime | None = None,
        *,
        query: DiscussionQuery | None = None,
        page_size: int = MAXIMUM_PAGE_SIZE,
    ) -> Iterator[Discussion]:
        """Discussions updated in ``[updated_at_min, updated_at_max]`` (any length), oldest
        change first. Strict: an unreadable discussion raises ``MalformedResponse``. A
        discussion updated on a window's edge may come twice; the caller keys by id."""
        base = query or DiscussionQuery()
        for low, high in self.windows(updated_at_min, updated_at_max):
            window = dataclasses.replace(base, updated_at_min=low, updated_at_max=high)
            for page in self.list_pages(window, page_size=page_size):
                if page.rejected:
                    raise MalformedResponse(
                        f"a discussion of page {page.index} cannot be read: "
                        f"{page.rejected[0].reason}"
                    )
                yield from page.items

    def count(self, query: DiscussionCountQuery | None = None) -> int:
        params = (query or DiscussionCountQuery()).params(self.sales_channel_id)
        payload, response = self._json("GET", "/discussions/count", params=params)
        return read_count(payload, response)

    def get(self, discussion_id: str) -> Discussion:
        """The discussion, every message, and ``eligible_receivers`` of the next reply."""
        return self._one(Discussion, f"/discussions/{segment(discussion_id)}")

    # --- writing ---------------------------------------------------------------------------------
    def reply(
        self,
        discussion_id: str,
        body: str,
        *,
        receivers: Sequence[UserType | str] = (UserType.CUSTOMER,),
        attachments: Sequence[OutgoingAttachment] = (),
    ) -> Message | None:
        """Send a message in the discussion; ``receivers`` are user types from its
        ``eligible_receivers`` (the customer, and customer care once it is a claim).
        Returns the created message (None if the marketplace answered without a body)."""
        check_message(body, attachments)
        if not receivers:
            raise refuse("message_receiver", "a message needs at least one receiver")
        payload: dict[str, Any] = {
            "discussionId": discussion_id,
            "salesChannel": self.sales_channel_id,
            "body": body,
            "attachments": [item.to_payload() for item in attachments],
        }
        types = [str(kind) for kind in receivers]
        response = self._with_receivers(
            lambda form: self._send("POST", "/messages", json={**payload, **form}), types
        )
        if not response.content.strip():
            return None
        return read_one(Message, json_body(response), response)

    def open(
        self,
        order_id: str,
        sub_typology: SubTypology | str,
        subject: str,
        body: str,
        *,
        order_status: OrderStatus | str | None = None,
        attachments: Sequence[OutgoingAttachment] = (),
        product_id: str | None = None,
    ) -> Discussion:
        """Open a discussion with the order's customer. Give ``order_status`` (from the order
        cdlink holds) to have the sub-typology checked before sending."""
        check_message(body, attachments)
        check_sub_typology(sub_typology, order_status)
        if not subject.strip():
            raise refuse("subject", "a discussion needs a subject")

        def send(form: dict[str, Any]) -> httpx.Response:
            message = {"body": body, **form}
            if attachments:
                message["attachments"] = [item.to_payload() for item in attachments]
            payload = {
                "subject": subject,
                "orderId": order_id,
                "salesChannel": self.sales_channel_id,
                "subtypologyCode": str(sub_typology),
                "productId": product_id,
                "message": message,
            }
            return self._send("POST", "/discussions", json=_without_none(payload))

        response = self._with_receivers(send, [UserType.CUSTOMER.value])
        return read_one(Discussion, json_body(response), response)

    def close(self, discussion_id: str) -> None:
        """Close the discussion (JSON-Patch ``replace /isOpen false``)."""
        self._patch(f"/discussions/{segment(discussion_id)}", "/isOpen", False)

    def mark_read(self, message_id: str, has_read: bool = True) -> None:
        self._patch(f"/messages/{segment(message_id)}", "/hasRead", has_read)

    # --- attachments and referentials ---------------------------------------------------------
    def attachments(
        self, *, discussion_id: str | None = None, message_id: str | None = None
    ) -> list[DiscussionAttachment]:
        params = {"discussionId": discussion_id, "messageId": message_id}
        return self._list(DiscussionAttachment, "/attachments", params=params)

    def download(self, attachment_id: str) -> bytes:
        """The attachment's bytes (as sent; its ``content_type`` is in the listing)."""
        return self._send("GET", f"/attachments/{segment(attachment_id)}").content

    def typologies(
        self,
        order_status: OrderStatus | str | None = None,
        *,
        user_type: UserType | str = UserType.CUSTOMER,
        typology_code: str = "order",
    ) -> list[Typology]:
        params = {
            "salesChannel": self.sales_channel_id,
            "orderStatus": _text(order_status),
            "typologyCode": typology_code,
            "userType": str(user_type),
        }
        return self._list(Typology, "/typologies", params=params)

    def sales_channel_configuration(self) -> SalesChannelConfiguration:
        path = f"/sales-channel-configurations/{segment(self.sales_channel_id)}"
        return self._one(SalesChannelConfiguration, path)

    # --- the two dialects ---------------------------------------------------------------------
    def _with_receivers(
        self, send: Callable[[dict[str, Any]], httpx.Response], types: list[str]
    ) -> httpx.Response:
        forms: dict[str, dict[str, Any]] = {
            "receivers": {"receivers": [Participant(user_type=t).to_payload() for t in types]},
            "receiver": {"receiver": types[0]},
        }
        other = "receiver" if self._receiver_style == "receivers" else "receivers"
        try:
            with translate():
                return send(forms[self._receiver_style])
        except InvalidRequest as error:
            if not _names_field(error, other):
                raise
        with translate():
            response = send(forms[other])
        self._receiver_style = other
        return response

    def _patch(self, path: str, pointer: str, value: bool) -> None:
        forms = {
            "op": [{"op": "replace", "path": pointer, "value": value}],
            "opt": [{"opt": "replace", "path": pointer, "value": str(value).lower()}],
        }
        headers = {"Content-Type": "application/json-patch+json"}
        other = "opt" if self._patch_style == "op" else "op"
        try:
            self._send("PATCH", path, json=forms[self._patch_style], headers=headers)
            return
        except InvalidRequest as error:
            if not _names_field(error, other):
                raise
        self._send("PATCH", path, json=forms[other], headers=headers)
        self._patch_style = other


def check_message(body: str, attachments: Sequence[OutgoingAttachment]) -> None:
    problems = message_problems(body, attachments)
    if problems:
        rule, _, message = problems[0].partition(": ")
        raise refuse(rule, "; ".join([message, *problems[1:]]))


def check_sub_typology(
    sub_typology: SubTypology | str, order_status: OrderStatus | str | None
) -> None:
    if order_status is None:
        return
    try:
        allowed = SUB_TYPOLOGY_ORDER_STATUSES.get(SubTypology(str(sub_typology)))
    except ValueError:
        return  # a sub-typology cdlink does not know: let the marketplace judge
    if allowed is not None and str(order_status) not in allowed:
        statuses = ", ".join(allowed)
        raise refuse(
            "sub_typology_status",
            f"{sub_typology} can be opened only when the order is {statuses}, not {order_status}",
        )


def _names_field(error: InvalidRequest, name: str) -> bool:
    """Whether the 400 complains about ``name`` (the other dialect's key)."""
    fields = error.problem.errors if error.problem else {}
    return error.status == 400 and any(
        field == name or field.endswith(f".{name}") or field.startswith(f"{name}[")
        for field in fields
    )


def _without_none(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in payload.items() if value is not None}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _flag(value: bool | None) -> str | None:
    return None if value is None else str(value).lower()


def _time(value: datetime | None) -> str | None:
    return None if value is None else api_time(value)


def _check_page_size(page_size: int) -> None:
    if not 1 <= page_size <= MAXIMUM_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAXIMUM_PAGE_SIZE}")
