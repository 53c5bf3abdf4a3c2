"""Seller performance: Cdiscount's indicators kept as history, cdlink's own figures, alerts."""
