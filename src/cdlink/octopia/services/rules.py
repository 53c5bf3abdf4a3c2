"""Marketplace rules as typed errors: refused before sending, or read from the answer.

The customer-service services check what they can before a request leaves (a reply's length,
its attachments, a gesture's amount and the order's status) and raise ``RuleViolation`` with the
rule in the message. What only the marketplace can judge comes back as a 400/422 whose ``errors``
name the field; ``translate`` turns such an ``InvalidRequest`` into a ``RuleViolation`` naming
the rule, so the caller handles both the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager

from cdlink.octopia.errors import InvalidRequest, RuleViolation

# (field of the answer's ``errors``, ending) → rule; the first match wins.
FIELD_RULES: Sequence[tuple[str, str, str]] = (
    ("attachments", ".fileName", "attachment_type"),
    ("attachments", ".content", "attachment_size"),
    ("attachments", "attachments", "attachment_count"),
    ("body", "body", "message_length"),
    ("receiver", "", "message_receiver"),
    ("subtypologyCode", "", "sub_typology_status"),
    ("amount", "", "gesture_amount"),
    ("reasonDetails", "", "gesture_reason_details"),
    ("orderId", "", "order_status"),
    ("orderSellerId", "", "order_status"),
    ("supplyMode", "", "returns_fulfilment_only"),
    ("salesChannel", "", "cancellation_unavailable"),
    ("updatedAtMin", "", "discussion_window"),
    ("file", "", "invoice_file"),
)


def refuse(rule: str, message: str) -> RuleViolation:
    """A rule broken by the request itself, caught before anything is sent."""
    return RuleViolation(f"{rule}: {message}", rule=rule, sent=False)


def rule_of(error: InvalidRequest, rules: Collection[str] | None = None) -> str | None:
    """The rule whose field the answer's ``errors`` name (among ``rules``, if given)."""
    fields = list(error.problem.errors) if error.problem else []
    for field in fields:
        for start, end, rule in FIELD_RULES:
            if start in field and field.endswith(end) and (rules is None or rule in rules):
                return rule
    return None


def violation(error: InvalidRequest, rules: Collection[str] | None = None) -> RuleViolation | None:
    rule = rule_of(error, rules)
    if rule is None or isinstance(error, RuleViolation):
        return None
    return RuleViolation(
        f"{rule}: {error.message}",
        rule=rule,
        sent=True,
        hint=error.hint if type(error) is not InvalidRequest else None,
        status=error.status,
        problem=error.problem,
        headers=error.headers,
        trace_id=error.trace_id,
        method=error.method,
        path=error.path,
    )


@contextmanager
def translate(*rules: str) -> Iterator[None]:
    """Re-raise a marketplace 400/422 that names the field of a rule (one of ``rules``, or
    any known one) as ``RuleViolation``."""
    try:
        yield
    except InvalidRequest as error:
        mapped = violation(error, rules or None)
        if mapped is None:
            raise
        raise mapped from error
