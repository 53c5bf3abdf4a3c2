"""Customer service in the back office.

Discussions and claims as imported (``records``), the inbox and its timers (``queries``,
``timers``), the seller's replies, closings, refunds and gestures recorded before they are sent
(``actions``, checked by ``rules``), and the returns of fulfilment orders (``returns``).
"""
