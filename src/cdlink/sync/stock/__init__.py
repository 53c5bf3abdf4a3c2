"""The stock streams: the stock pusher (outbox to offer packages) and the offer import."""
