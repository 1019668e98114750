"""A circuit's input file (``parse_inputs``): decimal strings are ASCII digits only."""

from __future__ import annotations

import pytest

from ledger.crypto.zk.snarkjs import parse_inputs
from ledger.errors import InvalidInput


def test_decimal_strings_and_integers_are_read() -> None:
    assert parse_inputs(b'{"secret": "12", "blinding": [3, "4"]}') == {
        "secret": 12, "blinding": [3, 4]}


@pytest.mark.parametrize("text", ["\u00b2", "\u0663", "1\u00b2"])
def test_unicode_digits_are_refused_by_field(text: str) -> None:
    """``str.isdigit`` is true for these; ``int`` refuses "²" and reads "٣" as 3 (found by
    tracing the chains fuzz harness's finding to this parser)."""
    with pytest.raises(InvalidInput, match="not a decimal number") as refused:
        parse_inputs(f'{{"secret": "{text}"}}'.encode())
    assert refused.value.field == "input"
