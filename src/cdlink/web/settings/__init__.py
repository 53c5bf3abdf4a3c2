"""The Settings page: account, language and theme, API tokens, warehouses."""
