"""The Stock pages and API, warehouses and buffers."""
