"""The translated labels of the marketplace's finance codes and of cdlink's differences."""

from __future__ import annotations

from cdlink.core.translatable import translatable

EVENT_TYPES = {
    "Sale": translatable("Sale"),
    "Commission": translatable("Commission"),
    "Refund": translatable("Refund"),
    "Subscription": translatable("Subscription"),
    "LogisticFee": translatable("Logistics fee"),
}
PAYMENT_STATES = {
    "NotPayable": translatable("Not payable yet"),
    "Estimated": translatable("Expected"),
    "InProcess": translatable("Being paid"),
    "Paid": translatable("Paid"),
    "Blocked": translatable("Blocked"),
}
DIFFERENCES = {
    "commission": translatable("Commission differs from the order"),
    "unpaid_sale": translatable("Sale not paid after its payout day"),
    "unexplained_refund": translatable("Refund cdlink did not ask for"),
    "unknown_order": translatable("Operation for an order cdlink does not know"),
    "unmatched_sale": translatable("Sale for a line the order does not have"),
    "payout": translatable("Payout differs from its operations"),
}
UPLOAD_STATES = {
    "pending": translatable("Being sent"),
    "sent": translatable("Being checked by Cdiscount"),
    "done": translatable("Sent"),
    "failed": translatable("Failed"),
    "refused": translatable("Refused by cdlink"),
    "Running": translatable("Being checked by Cdiscount"),
    "Success": translatable("Accepted"),
    "Failure": translatable("Refused by Cdiscount"),
    "PartialSuccess": translatable("Partly accepted"),
}
OTHER = translatable("Other")


def event_type(code: str) -> str:
    return EVENT_TYPES.get(code, OTHER)


def payment_state(code: str | None) -> str:
    return PAYMENT_STATES.get(code or "", OTHER)


def difference(code: str) -> str:
    return DIFFERENCES.get(code, OTHER)


def upload_state(code: str | None) -> str:
    return UPLOAD_STATES.get(code or "", OTHER)
