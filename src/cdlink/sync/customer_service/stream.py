"""The discussions stream: every discussion and message of a connection, exactly once, within
seconds.

``DiscussionsImporter`` polls ``GET /discussions`` by ``updatedAt`` near-continuously (every
``CDLINK_SYNC_CONTINUOUS_SECONDS``) with each discussion's last message. A discussion that is new,
or whose last message cdlink does not hold yet, is read whole (``GET /discussions/{id}``: every
message, and who may receive a reply); a discussion that did not change since it was saved costs
nothing more, so an idle connection pays one call per run. Each window's discussions and their
messages are saved (each message once, by its id) and bound, and the window joins the cursor, in
one transaction (``cdlink.sync.engine.importer``): a run that fails anywhere, on a 429, a 5xx, an
expired token or a killed worker, commits nothing of the window, which is read again.

A window longer than one page is read twice: the list moves under the pages when a discussion
changes meanwhile (it leaves the window and the next ones move up a place), so the window is
kept only when both reads find the same discussions; otherwise ``WindowDrifting`` asks for the
run again soon.

Each discussion is linked to its order (and so to its products) by cdlink's own data: a join on
the marketplace order id (``cdlink.hub.customer_service.actions.linked_order``), no call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.hub.customer_service.records import DiscussionDraft, save_discussion
from cdlink.hub.customer_service.returns import ReturnDraft, save_return
from cdlink.octopia import DiscussionQuery, ReturnQuery
from cdlink.octopia.models import Discussion as MarketplaceDiscussion
from cdlink.octopia.models import Return as MarketplaceReturn
from cdlink.store.models import Discussion, DiscussionMessage
from cdlink.sync.customer_service.mapping import discussion_draft, return_draft
from cdlink.sync.engine.errors import WindowDrifting
from cdlink.sync.engine.importer import Importer
from cdlink.sync.engine.streams import StreamContext
from cdlink.sync.engine.windows import Window

PAGE_SIZE = 100


class DiscussionsImporter(Importer[MarketplaceDiscussion, DiscussionDraft]):
    """Imports the discussions changed on the marketplace, window by window of ``updatedAt``."""

    name = "discussions"
    kind = "discussion"
    default_interval = 10  # near-continuous; the scheduler uses CDLINK_SYNC_CONTINUOUS_SECONDS
    history = timedelta(days=30)
    lookback = timedelta(minutes=10)
    #: Most runs read only the last minute again, the whole look-back once a minute
    #: (``cdlink.sync.engine.cursors``): a busy shop's ten minutes hold more than a page of
    #: discussions, which every run read twice and often found drifting.
    overlap = timedelta(minutes=1)  # the whole look-back: every ``lookback_every`` (a minute)
    window_size = timedelta(days=30)

    def fetch(self, context: StreamContext, window: Window) -> Iterable[MarketplaceDiscussion]:
        listed = self.read_window(context, window)
        known = self.known(context, [item.discussion_id for item in listed])
        service = context.client().discussions
        found = []
        for item in listed:
            if self.complete(item, known.get(item.discussion_id)):
                found.append(item)
            else:
                found.append(service.get(item.discussion_id))
        return found

    def read_window(self, context: StreamContext, window: Window) -> list[MarketplaceDiscussion]:
        service = context.client().discussions
        query = DiscussionQuery(
            updated_at_min=window.start,
            updated_at_max=window.end,
        )

        def read() -> tuple[list[MarketplaceDiscussion], bool]:
            items: dict[str, MarketplaceDiscussion] = {}
            pages = 0
            for page in service.list_pages(query, page_size=PAGE_SIZE):
                pages += 1
                for item in page.items:
                    items[item.discussion_id] = item
            return list(items.values()), pages > 1

        first, paged = read()
        if not paged:
            return first
        second, _ = read()
        if {item.discussion_id for item in first} != {item.discussion_id for item in second}:
            raise WindowDrifting(
                f"discussions of {window.start}..{window.end} changed while they were read"
            )
        return second

    def known(self, context: StreamContext, ids: list[str]) -> dict[str, tuple[datetime, set[str]]]:
        """The stored ``updatedAt`` and message ids of the listed discussions."""
        found: dict[str, tuple[datetime, set[str]]] = {}
        with context.database.reading() as session:
            for start in range(0, len(ids), 500):
                query = select(Discussion).where(
                    Discussion.connection_id == context.connection_id,
                    Discussion.marketplace_discussion_id.in_(ids[start : start + 500]),
                )
                for row in session.scalars(query):
                    messages = select(DiscussionMessage.marketplace_message_id).where(
                        DiscussionMessage.discussion_id == row.id
                    )
                    found[row.marketplace_discussion_id] = (
                        row.marketplace_updated_at,
                        set(session.scalars(messages)),
                    )
        return found

    @staticmethod
    def complete(item: MarketplaceDiscussion, stored: tuple[datetime, set[str]] | None) -> bool:
        """Whether the listed version says all there is to save (no whole read needed): the
        discussion is stored and holds the listed last message (a discussion changed since
        without a new message only changed its fields, which the listing carries)."""
        if stored is None:
            return False
        updated_at, message_ids = stored
        if item.messages is None:
            return item.updated_at <= updated_at
        return all(message.message_id in message_ids for message in item.messages)

    def external_id(self, record: MarketplaceDiscussion) -> str:
        return record.discussion_id

    def version(self, record: MarketplaceDiscussion) -> str | None:
        """The hash of the discussion as read (its ``updatedAt`` and messages included): the
        look-back reading it again unchanged writes nothing."""
        return hashlib.sha256(record.model_dump_json().encode()).hexdigest()

    def map(self, record: MarketplaceDiscussion) -> DiscussionDraft:
        return discussion_draft(record)

    def write(
        self,
        session: Session,
        context: StreamContext,
        mapped: DiscussionDraft,
        local_id: str | None,
    ) -> str:
        discussion = save_discussion(
            session,
            context.connection_id,
            mapped,
            context.clock.now(),
            int(local_id) if local_id is not None else None,
        )
        return str(discussion.id)


class ReturnsImporter(Importer[MarketplaceReturn, ReturnDraft]):
    """Imports the returns of Octopia fulfilment orders (the only ones the marketplace has)."""

    name = "returns"
    kind = "return"
    default_interval = 900
    history = timedelta(days=90)
    lookback = timedelta(minutes=30)
    window_size = timedelta(days=30)

    def fetch(self, context: StreamContext, window: Window) -> Iterable[MarketplaceReturn]:
        query = ReturnQuery(updated_at_min=window.start, updated_at_max=window.end)
        found: dict[str, MarketplaceReturn] = {}
        for page in context.client().returns.list_pages(query):
            found.update((item.return_id, item) for item in page.items)
        return list(found.values())

    def external_id(self, record: MarketplaceReturn) -> str:
        return record.return_id

    def map(self, record: MarketplaceReturn) -> ReturnDraft:
        return return_draft(record)

    def write(
        self, session: Session, context: StreamContext, mapped: ReturnDraft, local_id: str | None
    ) -> str:
        return str(save_return(session, context.connection_id, mapped, context.clock.now()).id)
