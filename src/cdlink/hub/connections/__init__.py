"""Connections ("apps" in the interface): linked seller accounts and the rules of their fields."""
