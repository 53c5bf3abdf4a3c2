"""The customers: who bought, how often and how much, from the ``customers`` table."""
