"""The catalog: products and the offers they have on each connection."""
