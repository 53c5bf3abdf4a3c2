"""Plain words for what the sync engine records: stream names, states, intervals and failures.

A seller never reads an error class or a raw marketplace message first: each failure is told in
a sentence of their language (by error class, then by failure type), and the technical message
stays folded away beside it.
"""

from __future__ import annotations

from cdlink.core.translatable import translatable

#: Every stream cdlink ships, as a seller names it.
STREAMS = {
    "orders": translatable("Orders"),
    "orders_history": translatable("Order history import"),
    "orders_reconciliation": translatable("Order check (nothing missing)"),
    "order_actions": translatable("Order actions sent to Cdiscount"),
    "cancellation_reasons": translatable("Cancellation reasons"),
    "carriers": translatable("Carriers"),
    "deadline_alerts": translatable("Deadline alerts"),
    "stock": translatable("Stock sent to Cdiscount"),
    "offers": translatable("Offers"),
    "stock_drift": translatable("Stock check on Cdiscount (every 15 seconds)"),
    "discussions": translatable("Customer discussions"),
    "customer_service_actions": translatable("Customer service replies sent"),
    "returns": translatable("Returns"),
    "taxonomy": translatable("Cdiscount categories"),
    "catalog_import": translatable("Catalog import"),
    "products": translatable("Products sent to Cdiscount"),
}

#: What a stream is doing now (``StreamView.state``).
STATES = {
    "running": translatable("Running"),
    "requested": translatable("Run requested"),
    "ok": translatable("Up to date"),
    "waiting": translatable("Waiting for its first run"),
    "failing": translatable("Failing, will retry"),
    "dead": translatable("Stopped after repeated failures"),
    "paused": translatable("Paused: the application needs attention"),
}
#: The badge colour of each state.
TONES = {
    "running": "neutral",
    "requested": "neutral",
    "ok": "ok",
    "waiting": "neutral",
    "failing": "warning",
    "dead": "error",
    "paused": "error",
}

#: The interval choices (``schedules.INTERVAL_CHOICES`` plus "default").
INTERVALS = {
    "default": translatable("Default"),
    "continuous": translatable("Continuously (every few seconds)"),
    "5m": translatable("Every 5 minutes"),
    "15m": translatable("Every 15 minutes"),
    "60m": translatable("Every hour"),
    "events": translatable("Only when something changes"),
}

#: A failure in plain words, by the error's class name.
FAILURES = {
    "TransportError": translatable(
        "Cdiscount could not be reached (network or timeout). cdlink tries again by itself."
    ),
    "CredentialsRejected": translatable(
        "Cdiscount refused the application's credentials. Enter the Client ID and Client "
        "Secret again in Apps."
    ),
    "AuthError": translatable("Cdiscount's login service failed. cdlink tries again by itself."),
    "Forbidden": translatable(
        "The seller account is not allowed to use this part of the Cdiscount API. Ask Cdiscount "
        "to open it for your account."
    ),
    "RateLimited": translatable(
        "Cdiscount asked cdlink to slow down. cdlink waits and carries on by itself."
    ),
    "ServerError": translatable("Cdiscount had a server error. cdlink tries again by itself."),
    "NotFound": translatable(
        "Cdiscount answered that what cdlink asked for does not exist (yet). It is tried again "
        "later."
    ),
    "InvalidRequest": translatable(
        "Cdiscount refused what cdlink sent. The detail below says which field."
    ),
    "Conflict": translatable(
        "Cdiscount refused the change because the record changed meanwhile. It is tried again."
    ),
    "MalformedResponse": translatable(
        "Cdiscount sent an answer cdlink could not read. It is tried again later."
    ),
    "WorkerLost": translatable(
        "The worker stopped during this run (a restart). Nothing is lost: the next run carries on."
    ),
    "OperationalError": translatable("The database could not be reached. cdlink tries again."),
    "StorageError": translatable("The database could not be reached. cdlink tries again."),
    "ConnectionPaused": translatable(
        "The application is paused until its credentials are entered again in Apps."
    ),
}
#: When the class is not in ``FAILURES``: who can fix it.
FAILURE_TYPES = {
    "configuration": translatable("A setting must be fixed before this can work again."),
    "transient": translatable("A temporary problem. cdlink tries again by itself."),
    "system": translatable(
        "An unexpected error in cdlink. It is tried again a few times; if it keeps failing, "
        "send the detail below to your administrator."
    ),
}
UNKNOWN_FAILURE = translatable("The run failed. The detail below says why.")


def failure_text(error_class: str | None, failure_type: str | None) -> str:
    """The plain sentence (untranslated: the page translates it) for a failed run."""
    if error_class and error_class in FAILURES:
        return FAILURES[error_class]
    if failure_type and failure_type in FAILURE_TYPES:
        return FAILURE_TYPES[failure_type]
    return UNKNOWN_FAILURE


def stream_title(stream: str) -> str:
    return STREAMS.get(stream, stream.replace("_", " ").capitalize())
