"""Prices and promotions: the REST API and the pages."""
