"""A marker for English messages that the web interface shows translated.

``translatable("Seller ID must be a number")`` returns its argument unchanged; the message
extractor (``make messages``) collects every such string into the catalogues, and the web layer
looks them up in the user's language. Layers below web thus speak English and stay free of any
notion of a request's language.
"""

from __future__ import annotations


def translatable(message: str) -> str:
    return message
