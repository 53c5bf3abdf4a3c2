"""The translated names of the performance indicators, sources and levels (never shown raw)."""

from __future__ import annotations

from cdlink.core.translatable import translatable

INDICATORS = {
    "order_acceptation": translatable("Order acceptance rate"),
    "product_shipping": translatable("Product shipping rate"),
    "deadline_compliance": translatable("Preparation deadlines met"),
    "order_claims": translatable("Orders with a claim"),
    "order_refunds": translatable("Orders with a refund"),
}
SOURCES = {"cdiscount": translatable("Cdiscount"), "cdlink": translatable("cdlink")}
LEVELS = {
    "ok": translatable("Fine"),
    "near": translatable("Near the threshold"),
    "beyond": translatable("Threshold crossed"),
    "unknown": translatable("Not read yet"),
}
BADGES = {"ok": "ok", "near": "warning", "beyond": "error", "unknown": "neutral"}
THRESHOLD_KINDS = {
    "ThresholdMin": translatable("at least %(value)s %%"),
    "ThresholdMax": translatable("below %(value)s %%"),
}
