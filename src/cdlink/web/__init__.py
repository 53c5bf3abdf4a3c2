"""Web: the FastAPI application (HTML pages and the REST API)."""
