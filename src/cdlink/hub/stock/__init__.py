"""Stock in the back office.

Levels per warehouse, reservations, buffers, warehouse mappings, available-to-sell (in Python and
in SQL), queries and CSV.
"""
