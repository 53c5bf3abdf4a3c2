"""Offers (§6.3): reading them, and writing them through JSON offer packages.

Writing is asynchronous: ``create`` a package, ``add_requests`` (≤ 100 per call), ``mark_ready``,
then ``get`` its state from time to time (the job layer polls; this client never waits for
minutes) and, once it is ``Integrated`` or ``Rejected``, read the per-offer ``results`` (kept three
days by Octopia).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx

from cdlink.octopia.errors import Conflict, InvalidRequest, RuleViolation
from cdlink.octopia.models.offers import (
    DiscountComponent,
    Offer,
    OfferPackage,
    OfferRequest,
    OfferRequestResult,
    OfferState,
    PackageState,
    PackageType,
)
from cdlink.octopia.models.pricing import coalesce
from cdlink.octopia.models.pricing_rules import PriceProblem, check_offer_request
from cdlink.octopia.pagination import Page, iterate_cursor
from cdlink.octopia.responses import json_body, malformed
from cdlink.octopia.services.base import Service, api_time, segment

MAXIMUM_OFFER_LIMIT = 1000
MAXIMUM_REQUESTS_PER_CALL = 100


@dataclasses.dataclass(frozen=True)
class OfferQuery:
    """Filters of ``GET /offers`` (§6.3.2); empty means "any"."""

    offer_ids: Sequence[str] = ()
    offer_states: Sequence[OfferState | str] = ()
    gtins: Sequence[str] = ()
    seller_external_references: Sequence[str] = ()
    updated_at_min: datetime | None = None
    expand: str | None = None

    def params(self) -> dict[str, Any]:
        # List filters go as repeated parameters (offerIds=a&offerIds=b).
        return {
            "offerIds": list(self.offer_ids),
            "offerStates": [str(state) for state in self.offer_states],
            "gtins": list(self.gtins),
            "sellerExternalReferences": list(self.seller_external_references),
            "updatedAtMin": api_time(self.updated_at_min) if self.updated_at_min else None,
            "expand": self.expand,
        }


class OffersService(Service):
    group = "offers"

    def list_pages(
        self, query: OfferQuery | None = None, *, limit: int = MAXIMUM_OFFER_LIMIT
    ) -> Iterator[Page[Offer]]:
        """Every page of the seller's offers on the sales channel, following the cursor."""
        if not 1 <= limit <= MAXIMUM_OFFER_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAXIMUM_OFFER_LIMIT}")
        params = {
            **(query or OfferQuery()).params(),
            "salesChannelId": self.sales_channel_id,
            "limit": limit,
        }
        return iterate_cursor(
            lambda link: self._cursor_page(Offer, "/offers", link=link, params=params)
        )

    def list(
        self, query: OfferQuery | None = None, *, limit: int = MAXIMUM_OFFER_LIMIT
    ) -> Iterator[Offer]:
        """Every offer matching ``query``; unreadable offers are left out (see ``list_pages``)."""
        for page in self.list_pages(query, limit=limit):
            yield from page.items


class OfferPackagesService(Service):
    group = "offer-packages"

    def create(self, package_type: PackageType | str = PackageType.UPDATE) -> str:
        """Open a package and return its id (from ``Content-Location``, or from the body)."""
        response = self._send(
            "POST",
            "/offer-packages",
            json={"packageType": str(package_type)},
            headers={"SalesChannelId": self.sales_channel_id},
        )
        return _package_id(response)

    def add_requests(
        self,
        package_id: str,
        requests: Iterable[OfferRequest],
        *,
        chunk_size: int = MAXIMUM_REQUESTS_PER_CALL,
    ) -> int:
        """Upload ``requests`` in calls of at most ``chunk_size``; return the number of calls."""
        if not 1 <= chunk_size <= MAXIMUM_REQUESTS_PER_CALL:
            raise ValueError(f"chunk_size must be between 1 and {MAXIMUM_REQUESTS_PER_CALL}")
        path = f"/offer-packages/{segment(package_id)}/offer-requests"
        calls = 0
        chunk: list[OfferRequest] = []
        for request in requests:
            chunk.append(request)
            if len(chunk) == chunk_size:
                self._upload(path, chunk)
                calls, chunk = calls + 1, []
        if chunk:
            self._upload(path, chunk)
            calls += 1
        return calls

    def _upload(self, path: str, chunk: Sequence[OfferRequest]) -> None:
        self._send("POST", path, json=[request.to_payload() for request in chunk])

    def mark_ready(self, package_id: str) -> None:
        """Close the package for uploads and queue its integration.

        Setting the state twice is harmless, so the call is retried like a read; if a retry
        finds the package already past ``WaitingForCompletion``, that is success.
        """
        try:
            self._send(
                "PATCH",
                f"/offer-packages/{segment(package_id)}",
                json={"state": PackageState.READY.value},
                idempotent=True,
            )
        except (Conflict, InvalidRequest):
            if self.get(package_id).state == PackageState.WAITING_FOR_COMPLETION:
                raise

    def get(self, package_id: str) -> OfferPackage:
        """The package's state (poll it until ``is_finished``)."""
        return self._one(OfferPackage, f"/offer-packages/{segment(package_id)}")

    def submit(self, package_type: PackageType | str, requests: Iterable[OfferRequest]) -> str:
        """``create`` + ``add_requests`` + ``mark_ready``; return the package id."""
        package_id = self.create(package_type)
        self.add_requests(package_id, requests)
        self.mark_ready(package_id)
        return package_id

    def check_updates(
        self,
        requests: Iterable[OfferRequest],
        *,
        now: datetime,
        history: Mapping[str, Sequence[DiscountComponent]] | None = None,
    ) -> dict[str, list[PriceProblem]]:
        """The price and promotion problems of each request, by SKU (empty: all good)."""
        problems: dict[str, list[PriceProblem]] = {}
        for request in requests:
            sku = request.seller_external_reference
            found = check_offer_request(request, now=now, history=(history or {}).get(sku, ()))
            if found:
                problems.setdefault(sku, []).extend(found)
        return problems

    def submit_updates(
        self,
        requests: Iterable[OfferRequest],
        *,
        now: datetime,
        history: Mapping[str, Sequence[DiscountComponent]] | None = None,
    ) -> str:
        """One ``Update`` package: the requests are merged per SKU (stock and price of a SKU
        travel together), checked against the price and promotion rules (``RuleViolation``,
        ``sent=False``, before anything is sent), then submitted; return the package id."""
        batch = coalesce(requests)
        if not batch:
            raise ValueError("a package holds at least one offer request")
        problems = self.check_updates(batch, now=now, history=history)
        if problems:
            raise refuse_problems(problems)
        return self.submit(PackageType.UPDATE, batch)

    def results_pages(
        self, package_id: str, *, limit: int = MAXIMUM_REQUESTS_PER_CALL
    ) -> Iterator[Page[OfferRequestResult]]:
        path = f"/offer-packages/{segment(package_id)}/offer-requests-results"
        return iterate_cursor(
            lambda link: self._cursor_page(
                OfferRequestResult, path, link=link, params={"limit": limit}
            )
        )

    def results(
        self, package_id: str, *, limit: int = MAXIMUM_REQUESTS_PER_CALL
    ) -> Iterator[OfferRequestResult]:
        """Per-offer results of an integrated package (a 400 before integration ends)."""
        for page in self.results_pages(package_id, limit=limit):
            yield from page.items

    def list_pages(
        self, *, state: PackageState | str | None = None, limit: int = MAXIMUM_REQUESTS_PER_CALL
    ) -> Iterator[Page[OfferPackage]]:
        params = {
            "state": str(state) if state is not None else None,
            "salesChannelId": self.sales_channel_id,
            "limit": limit,
        }
        return iterate_cursor(
            lambda link: self._cursor_page(
                OfferPackage, "/offer-packages", link=link, params=params
            )
        )


def refuse_problems(problems: Mapping[str, Sequence[PriceProblem]]) -> RuleViolation:
    """The ``RuleViolation`` (``sent=False``) naming the first of ``problems``."""
    sku, found = next(iter(problems.items()))
    first = found[0]
    return RuleViolation(
        f"{first.rule}: offer {sku}, {first.field}: {first.description} "
        f"({len(found)} problem(s) in this offer, {len(problems)} offer(s) in all)",
        rule=first.rule,
        sent=False,
    )


def _package_id(response: httpx.Response) -> str:
    location = response.headers.get("content-location") or response.headers.get("location")
    if location:
        identifier = httpx.URL(location).path.rstrip("/").rsplit("/", 1)[-1]
        if identifier:
            return identifier
    if response.content.strip():
        body = json_body(response)
        if isinstance(body, dict):
            for key in ("packageId", "id", "offerPackageId"):
                if body.get(key) not in (None, ""):
                    return str(body[key])
        if isinstance(body, str | int) and not isinstance(body, bool) and str(body):
            return str(body)
    raise malformed(response, "no package id in Content-Location nor in the body")
