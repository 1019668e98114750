"""Validating batches: one pass when every item is plainly valid, and the first bad item
named by its index otherwise (the same answer as checking items one by one)."""

from __future__ import annotations

import hashlib

import pytest

from ledger.catalogue import CATALOGUE
from ledger.catalogue.validation import check_value
from ledger.errors import InvalidInput

DIGESTS = CATALOGUE.command("SignBatch").arg("message_digests")
MESSAGES = CATALOGUE.command("SignBatch").inputs[0]


def digests(count: int) -> list[str]:
    return [hashlib.sha256(str(n).encode()).hexdigest() for n in range(count)]


def test_a_valid_batch_passes_unchanged() -> None:
    batch = digests(1000)
    assert check_value(DIGESTS, batch, "message_digests") == batch
    assert check_value(MESSAGES, [b"a", bytearray(b"b")], "messages") == [b"a", b"b"]


@pytest.mark.parametrize(("bad", "reason"), [
    ("zz" * 32, "not lower-case hexadecimal"),
    ("ab" * 31, "must be 32 bytes"),
    ("ab" * 30 + " abab", "not lower-case hexadecimal"),  # bytes.fromhex would take it
    ("AB" * 32, "not lower-case hexadecimal"),
    (b"\x00" * 32, "hexadecimal text"),
    (None, "must not be null"),
])
def test_the_first_bad_digest_is_named_by_its_index(bad: object, reason: str) -> None:
    batch: list[object] = list(digests(10))
    batch[7] = bad
    with pytest.raises(InvalidInput) as refused:
        check_value(DIGESTS, batch, "message_digests")
    assert refused.value.field == "message_digests[7]" and reason in refused.value.message


def test_an_oversized_message_is_named_by_its_index() -> None:
    limit = MESSAGES.item.maximum if MESSAGES.item else None
    assert limit is not None
    with pytest.raises(InvalidInput) as refused:
        check_value(MESSAGES, [b"ok", b"x" * (limit + 1)], "messages")
    assert refused.value.field == "messages[1]"
