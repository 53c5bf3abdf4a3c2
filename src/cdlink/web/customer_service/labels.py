"""The translated labels of the marketplace's customer service codes (never shown raw)."""

from __future__ import annotations

from cdlink.core.translatable import translatable

GRADUATIONS = {
    "Discussion": translatable("Discussion"),
    "Claim": translatable("Claim"),
    "Level_1": translatable("Claim handled by Cdiscount"),
}
RISKS = {
    "none": translatable("No risk"),
    "low": translatable("Low risk"),
    "medium": translatable("Medium risk"),
    "high": translatable("High risk"),
}
VIEWS = {
    "open": translatable("Open"),
    "claims": translatable("Claims"),
    "to_treat": translatable("To treat"),
    "waiting_customer": translatable("Waiting for the customer"),
    "overdue": translatable("Overdue"),
    "all": translatable("All"),
}
SORTS = {
    "due": translatable("Due first"),
    "risk": translatable("Escalation risk"),
    "updated": translatable("Last updated"),
}
KINDS = {
    "reply": translatable("Reply"),
    "close": translatable("Close"),
    "mark_read": translatable("Mark read"),
    "refund": translatable("Refund"),
    "gesture": translatable("Commercial gesture"),
}
STATES = {
    "pending": translatable("Being sent"),
    "done": translatable("Done"),
    "failed": translatable("Failed"),
}
SENDERS = {
    "Customer": translatable("Customer"),
    "Seller": translatable("You"),
    "GrcOperator": translatable("Cdiscount customer care"),
}
GESTURE_REASONS = {
    "MissingProduct": translatable("Missing product"),
    "DamagedProduct": translatable("Damaged product"),
    "LateDelivery": translatable("Late delivery"),
    "ProductNotAsDescribed": translatable("Product not as described"),
    "CustomerDissatisfaction": translatable("Customer dissatisfaction"),
    "Other": translatable("Other (give details)"),
}
ORDER_STATUSES = {
    "WaitingAcceptance": translatable("Waiting for acceptance"),
    "Accepted": translatable("Accepted"),
    "InPreparation": translatable("In preparation"),
    "Shipped": translatable("Shipped"),
    "Delivered": translatable("Delivered"),
    "Refused": translatable("Refused"),
    "Cancelled": translatable("Cancelled"),
}
RETURN_STATUSES = {
    "Created": translatable("Created"),
    "Referencing": translatable("Being referenced"),
    "Referenced": translatable("Referenced"),
    "Accepted": translatable("Accepted"),
    "Pending": translatable("Pending"),
    "Completed": translatable("Completed"),
}
TEMPLATES = {
    "shipped": translatable("Parcel shipped"),
    "delay": translatable("Apology for a delay"),
    "gesture": translatable("Commercial gesture"),
}
#: The outcomes cdlink itself writes (a refusal keeps the marketplace's own answer).
OUTCOMES = {
    "sent": translatable("Sent"),
    "closed": translatable("Closed"),
    "read": translatable("Marked read"),
    "refund requested": translatable("Refund requested"),
    "gesture requested": translatable("Gesture requested"),
}
