from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdlink.core.errors import ConfigurationError, SecretBoxError
from cdlink.core.secret_box import (
    SecretBox,
    add_key,
    drop_old_keys,
    generate_key,
    key_file_path,
    load_keys,
)
from cdlink.core.settings import Settings

BOX = SecretBox([generate_key()])


@given(st.text())
@pytest.mark.slow
def test_given_any_text_when_encrypted_then_it_decrypts_to_itself(plaintext: str) -> None:
    token = BOX.encrypt(plaintext)

    assert BOX.decrypt(token) == plaintext
    assert BOX.encrypt(plaintext) != token  # a fresh IV every time: equal secrets look different


def test_given_no_key_when_first_used_then_a_private_key_file_is_created(
    settings: Settings,
) -> None:
    box = SecretBox.from_settings(settings)

    path = key_file_path(settings)
    assert path.stat().st_mode & 0o777 == 0o600
    assert SecretBox.from_settings(settings).decrypt(box.encrypt("x")) == "x"  # same key reused


def test_given_a_key_file_others_can_read_when_loading_then_it_is_refused(
    settings: Settings,
) -> None:
    SecretBox.from_settings(settings)
    key_file_path(settings).chmod(0o644)

    with pytest.raises(ConfigurationError, match="can be read by other users") as caught:
        SecretBox.from_settings(settings)
    assert "chmod 600" in caught.value.hint


def test_given_keys_in_the_environment_when_loading_then_no_key_file_is_written(
    tmp_path: Path,
) -> None:
    first, second = generate_key(), generate_key()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path, encryption_keys=f"{first}, {second}"
    )

    assert load_keys(settings) == [first, second]
    assert not key_file_path(settings).exists()
    with pytest.raises(ConfigurationError, match="cannot edit"):
        add_key(settings)


def test_given_an_invalid_key_when_building_the_box_then_the_error_says_how_to_make_one() -> None:
    with pytest.raises(ConfigurationError) as caught:
        SecretBox(["not-a-key"])

    assert "generate-key" in caught.value.hint


def test_given_a_token_from_another_key_when_decrypting_then_a_secret_box_error_is_raised() -> None:
    token = SecretBox([generate_key()]).encrypt("client-secret")

    with pytest.raises(SecretBoxError) as caught:
        BOX.decrypt(token)
    assert "client-secret" not in str(caught.value)


def test_given_a_new_key_when_rotating_then_old_tokens_move_to_it(settings: Settings) -> None:
    old_box = SecretBox.from_settings(settings)
    token = old_box.encrypt("the secret")

    new_box = add_key(settings)
    rotated = new_box.rotate(token)
    drop_old_keys(settings)

    assert not new_box.is_current(token)
    assert new_box.is_current(rotated)
    only_new = SecretBox.from_settings(settings)
    assert only_new.key_count == 1
    assert only_new.decrypt(rotated) == "the secret"
    with pytest.raises(SecretBoxError):
        only_new.decrypt(token)


def test_given_a_box_when_printed_then_no_key_appears() -> None:
    key = generate_key()

    assert key not in repr(SecretBox([key]))
    assert repr(SecretBox([key])) == "<SecretBox keys=1>"


def test_given_many_threads_starting_at_once_when_loading_keys_then_all_get_the_same_whole_key(
    settings: Settings,
) -> None:
    with ThreadPoolExecutor(max_workers=16) as pool:
        loaded = list(pool.map(lambda _: tuple(load_keys(settings)), range(64)))

    assert len(set(loaded)) == 1
    assert len(loaded[0]) == 1
    assert SecretBox(list(loaded[0])).key_count == 1
    assert [p.name for p in settings.data_dir.iterdir()] == ["encryption.keys"]
