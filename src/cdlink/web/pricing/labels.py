"""The translated labels of price and promotion codes (never shown raw)."""

from __future__ import annotations

from cdlink.core.translatable import translatable

HOLD_REASONS = {
    "below_floor": translatable("Below the floor"),
    "above_ceiling": translatable("Above the ceiling"),
    "max_change": translatable("Bigger change than allowed in one push"),
}
OUTCOMES = {
    "confirmed": translatable("Confirmed"),
    "refused": translatable("Refused"),
}
KINDS = {
    "flash_sale": translatable("Flash sale"),
    "sale": translatable("Sale"),
}
PROMOTION_STATES = {
    "planned": translatable("Planned"),
    "running": translatable("Running"),
    "ended": translatable("Ended"),
    "stopped": translatable("Stopped"),
    "refused": translatable("Refused"),
}
ITEM_STATES = {
    "waiting": translatable("Waiting to be sent"),
    "sent": translatable("Sent"),
    "live": translatable("Live on Cdiscount"),
    "ended": translatable("Ended"),
    "withdrawn": translatable("Withdrawn"),
    "refused": translatable("Refused"),
    "unknown": translatable("Result unknown"),
    "stop_refused": translatable("Stop refused by Cdiscount"),
}
#: What an item state means, where its name alone does not say what to do.
ITEM_HELP = {
    "unknown": translatable(
        "Cdiscount did not give the package's result in time: it may or may not hold this "
        "promotion. Retry sends it again."
    ),
    "stop_refused": translatable(
        "Cdiscount kept this promotion although it was stopped: it runs until its end."
    ),
}
ROUNDINGS = {
    "none": translatable("No rounding"),
    "0.99": translatable("Up to .99"),
    "0.95": translatable("Up to .95"),
    "0.90": translatable("Up to .90"),
    "0.49": translatable("Up to .49"),
    "1": translatable("Up to whole euros"),
}
MARKUP_KINDS = {
    "percent": translatable("Percent"),
    "fixed": translatable("Fixed amount (€)"),
}
CHANNELS = {
    "xml": translatable("XML offer packages (Cdiscount's way)"),
    "json": translatable("JSON offer packages"),
}
BADGES = {
    "planned": "neutral",
    "running": "ok",
    "live": "ok",
    "sent": "neutral",
    "ended": "neutral",
    "stopped": "warning",
    "withdrawn": "warning",
    "refused": "error",
    "waiting": "neutral",
    "unknown": "warning",
    "stop_refused": "error",
}
