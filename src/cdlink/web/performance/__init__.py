"""Seller performance: the indicators API and the Performance page."""
