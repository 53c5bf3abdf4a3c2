"""The sync log page."""
