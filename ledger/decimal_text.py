"""Decimal text: the one spelling of a non-negative integer that parsers here accept.

Why not ``str.isdigit``: it is true for every Unicode digit ("²", "٣", "𝟗"), and ``int``
refuses some of those ("²") and reads others ("٣" is 3), so a check with ``isdigit``
followed by ``int`` either raises ``ValueError`` out of a parser or accepts a second
spelling of a number that was signed or declared. Found by the ``chains`` fuzz harness.
"""

from __future__ import annotations

__all__ = ["is_decimal"]


def is_decimal(text: str) -> bool:
    """Whether ``text`` is one or more ASCII digits ``0-9`` and nothing else."""
    return text.isascii() and text.isdigit()
