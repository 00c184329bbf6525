"""Kubernetes resource quantities as exact numbers (``resource.Quantity``, enough of it)."""

from __future__ import annotations

from fractions import Fraction

__all__ = ["parse_quantity"]

_SUFFIX = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
    "Ki": Fraction(2**10),
    "Mi": Fraction(2**20),
    "Gi": Fraction(2**30),
    "Ti": Fraction(2**40),
    "Pi": Fraction(2**50),
    "Ei": Fraction(2**60),
}


def parse_quantity(text: str | int | float) -> Fraction:
    """``"500m"`` → 1/2, ``"1Gi"`` → 1073741824; exact, so sums never drift."""
    if isinstance(text, int | float):
        return Fraction(text)
    s = text.strip()
    for n in (2, 1):
        if len(s) > n and s[-n:] in _SUFFIX:
            return Fraction(s[:-n]) * _SUFFIX[s[-n:]]
    if "e" in s.lower():
        return Fraction(float(s))
    return Fraction(s)
