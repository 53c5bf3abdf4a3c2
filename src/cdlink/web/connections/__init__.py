"""The Apps pages and /api/v1/connections: connecting, testing and removing seller accounts."""
