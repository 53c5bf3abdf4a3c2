"""EAN-13 check digits: the sandbox rejects offers whose GTIN Cdiscount would reject."""

from __future__ import annotations


def ean13_check_digit(first_twelve: str) -> int:
    """The check digit that completes twelve digits into a valid EAN-13."""
    weighted = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(first_twelve))
    return (10 - weighted % 10) % 10


def is_valid_ean13(gtin: object) -> bool:
    if not isinstance(gtin, str) or len(gtin) != 13 or not gtin.isdigit():
        return False
    return ean13_check_digit(gtin[:12]) == int(gtin[12])
