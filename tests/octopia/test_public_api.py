"""The public surface of cdlink.octopia is exactly what __all__ says."""

from __future__ import annotations

import types

import cdlink.octopia
import cdlink.octopia.models


def test_given_the_package_when_listing_public_names_then_they_are_exactly_all() -> None:
    public = {
        name
        for name, value in vars(cdlink.octopia).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(cdlink.octopia.__all__)


def test_given_the_models_package_when_listing_public_names_then_they_are_exactly_all() -> None:
    public = {
        name
        for name, value in vars(cdlink.octopia.models).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(cdlink.octopia.models.__all__)
