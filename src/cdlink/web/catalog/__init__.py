"""The Products page."""
