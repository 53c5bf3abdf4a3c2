"""Login, first setup, sessions and personal API tokens."""
