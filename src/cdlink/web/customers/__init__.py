"""The customers pages and API."""
