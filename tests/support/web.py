"""The web app as a browser sees it: the administrator's login, the CSRF token, logging in."""

from __future__ import annotations

import functools
import re

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from cdlink.core.clock import Clock
from cdlink.store.models import User
from cdlink.store.users import hash_password, normalize_email

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


@functools.cache
def password_hash(password: str) -> str:
    """The argon2id hash ``create_user`` stores for ``password``, computed once per process."""
    return hash_password(password)


def add_user(
    session: Session, clock: Clock, email: str, password: str, *, is_admin: bool = False
) -> User:
    """A user as ``create_user`` makes one, the password hashed once per test process.

    A hash at the production strength costs about 0.1 s (more on a busy machine) and the page
    and API fixtures make a user for about a thousand tests; the rules of ``create_user``
    itself are tested in tests/integration/test_store.py.
    """
    user = User(
        email=normalize_email(email),
        password_hash=password_hash(password),
        is_admin=is_admin,
        is_active=True,
        display_name="",
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    return user
