"""Outgoing webhooks: subscriptions, the event outbox, signed deliveries and their attempts."""
