"""Store: the database edge. SQLAlchemy 2 models, engine and sessions, Alembic migrations.

SQLite (WAL, foreign keys on) is the default; PostgreSQL through psycopg 3 is the scale option.
Alembic is the only way the schema changes.
"""
