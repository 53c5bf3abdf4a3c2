"""The dashboard's figures: the shop's health, each an aggregate in SQL."""
