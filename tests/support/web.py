"""The web app as a browser sees it: the administrator's login, the CSRF token, logging in."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

ADMIN_EMAIL = "admin@boutique.fr"
ADMIN_PASSWORD = "correct horse battery"
BASE_URL = "http://127.0.0.1:8000"
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_token(client: TestClient, path: str = "/login") -> str:
    """The CSRF token a page gives this client (the client keeps the cookie)."""
    page = client.get(path)
    found = _CSRF.search(page.text)
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def log_in(client: TestClient, email: str, password: str) -> httpx.Response:
    """Post the login form as an English-speaking browser would."""
    token = csrf_token(client)
    return client.post(
        "/login",
        data={"csrf_token": token, "email": email, "password": password, "next": "/"},
        headers={"Accept-Language": "en"},
    )
