"""Customer service on the marketplace: the discussions and returns streams, and the exporter
of the seller's replies, closings, refunds and gestures."""
