"""Connections as the marketplace sees them: testing credentials."""
