"""Alembic migrations of cdlink's schema."""
