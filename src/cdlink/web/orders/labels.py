"""The order codes a seller reads, in their language, with the colour of their badge.

Statuses, payment methods, action kinds and states come from the marketplace or the engine as
codes (``WaitingAcceptance``, ``Card``, ``cancel_lines``); pages show these labels instead, and
an action's outcome ("the order is now Accepted") is told again as a sentence.
"""

from __future__ import annotations

import re

from cdlink.core.translatable import translatable
from cdlink.hub.orders import actions

STATUSES = {
    "Processing": translatable("Being processed"),
    "WaitingAcceptance": translatable("Waiting for acceptance"),
    "Accepted": translatable("Accepted"),
    "InPreparation": translatable("In preparation"),
    "Shipped": translatable("Shipped"),
    "Delivered": translatable("Delivered"),
    "Refused": translatable("Refused"),
    "Cancelled": translatable("Cancelled"),
}
#: The badge class of each status (``.badge.<tone>``).
TONES = {
    "Processing": "neutral",
    "WaitingAcceptance": "warning",
    "Accepted": "info",
    "InPreparation": "info",
    "Shipped": "ok",
    "Delivered": "ok",
    "Refused": "error",
    "Cancelled": "error",
}
PAYMENT_METHODS = {
    "Card": translatable("Bank card"),
    "PayPal": translatable("PayPal"),
    "Installments": translatable("Payment in instalments"),
    "BankTransfer": translatable("Bank transfer"),
    "GiftCard": translatable("Gift card"),
    "Check": translatable("Cheque"),
}
ACTION_KINDS = {
    "accept": translatable("Accept"),
    "refuse": translatable("Refuse"),
    "ship": translatable("Ship"),
    "cancel": translatable("Cancel the order"),
    "cancel_lines": translatable("Cancel lines"),
    "resync": translatable("Re-sync"),
}
ACTION_STATES = {
    "pending": translatable("Being sent"),
    "done": translatable("Done"),
    "failed": translatable("Failed"),
}
ACTION_TONES = {"pending": "neutral", "done": "ok", "failed": "error"}

#: The outcome of an accept or refuse confirmed by the marketplace's answer
#: (``cdlink.hub.orders.actions.CONFIRMED``), told as a sentence.
CONFIRMED = translatable("Cdiscount confirmed it; the order's new status comes with the next sync.")
#: What the order's header says while such an action's new status is still to come.
AWAITING = {
    "accept": translatable("Acceptance confirmed by Cdiscount, new status to come"),
    "refuse": translatable("Refusal confirmed by Cdiscount, new status to come"),
}

_NOW = re.compile(r"^the order is now (\w+)$")
_REFUSED = re.compile(r"^refused by the marketplace: (.*); the order is now (\w+)$", re.DOTALL)


def outcome_parts(outcome: str | None) -> tuple[str, dict[str, str], str | None]:
    """An action's outcome as (sentence, its status argument, the marketplace's own words)."""
    if not outcome:
        return "", {}, None
    if outcome == actions.CONFIRMED:
        return CONFIRMED, {}, None
    found = _NOW.match(outcome)
    if found:
        return translatable("The order is now: %(status)s."), {"status": found.group(1)}, None
    found = _REFUSED.match(outcome)
    if found:
        return (
            translatable("Cdiscount refused it; the order is still: %(status)s."),
            {"status": found.group(2)},
            found.group(1),
        )
    return outcome, {}, None
