"""Stored secrets: re-encrypting them under the newest key when keys rotate."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.core.secret_box import SecretBox
from cdlink.store.models import Connection, EmailSettings


def reencrypt_secrets(session: Session, box: SecretBox) -> int:
    """Re-encrypt every stored secret under ``box``'s newest key; return how many changed.

    Runs in the caller's transaction: either every secret is rotated or none is.
    """
    changed = 0
    for connection in session.scalars(select(Connection).with_for_update()):
        # A removed connection's secret is erased (empty): nothing to re-encrypt.
        if not connection.secret_ciphertext or box.is_current(connection.secret_ciphertext):
            continue
        connection.secret_ciphertext = box.rotate(connection.secret_ciphertext)
        changed += 1
    smtp = session.get(EmailSettings, 1, with_for_update=True)
    if (
        smtp is not None
        and smtp.password_ciphertext
        and not box.is_current(smtp.password_ciphertext)
    ):
        smtp.password_ciphertext = box.rotate(smtp.password_ciphertext)
        changed += 1
    return changed
