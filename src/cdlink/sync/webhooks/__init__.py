"""The ``webhooks`` stream: delivers the event outbox to the subscribed receivers."""
