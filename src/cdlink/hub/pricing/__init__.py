"""Prices and promotions: price lists, guards, held prices, history, sales and flash sales."""
