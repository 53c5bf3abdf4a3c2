"""Seller performance: the indicators stream."""
