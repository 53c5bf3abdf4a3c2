"""Customer service in the web app: the inbox pages and the ``/api/v1`` discussions, refunds,
gestures and returns."""
