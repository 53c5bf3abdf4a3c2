"""``cdlink secrets``: encryption keys and their rotation."""

from __future__ import annotations

import typer

from cdlink.cli.context import friendly, load_settings
from cdlink.core.secret_box import SecretBox, add_key, drop_old_keys, generate_key
from cdlink.store.engine import Database
from cdlink.store.secrets import reencrypt_secrets

app = typer.Typer(help="Encryption keys of stored secrets.")


@app.command("generate-key")
def generate_key_command() -> None:
    """Print a new random encryption key (for CDLINK_ENCRYPTION_KEYS)."""
    typer.echo(generate_key())


@app.command()
@friendly
def rotate(
    keep_keys: bool = typer.Option(
        False, "--keep-keys", help="Re-encrypt with the first existing key; add no new key."
    ),
) -> None:
    """Add a new key and re-encrypt every stored secret with it, in one transaction."""
    settings = load_settings()
    box = SecretBox.from_settings(settings) if keep_keys else add_key(settings)
    database = Database(settings.effective_database_url)
    try:
        with database.session() as session:
            changed = reencrypt_secrets(session, box)
    finally:
        database.dispose()
    if not keep_keys:
        drop_old_keys(settings)
    typer.echo(f"re-encrypted {changed} secret(s) with the newest key")
