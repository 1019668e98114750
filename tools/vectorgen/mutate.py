"""The small, named ways the generator damages product records.

Three strengths of forgery, because an auditor must catch each by a different check:

* :func:`flip_bit`/:func:`flip_char`/column edits: damage as a disk or a careless edit
  leaves it; the stored hash no longer matches, or a column disagrees with the body.
* :func:`rehash`: new body bytes with a recomputed event hash (someone who knows the hash
  rule, but not the Avro format).
* :func:`reseal`: a well-formed envelope re-encoded by the product's own
  :func:`~ledger.envelope.seal_envelope` with some fields changed (someone running SKMS
  code): only links, signatures, state and Merkle roots can catch it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from vectorgen.product import StoredEnvelope, event_hash_of, open_envelope, seal_envelope


def flip_bit(data: bytes, index: int, bit: int = 0) -> bytes:
    """``data`` with bit ``bit`` of byte ``index`` inverted (negative index from the end)."""
    mutable = bytearray(data)
    mutable[index] ^= 1 << bit
    return bytes(mutable)


def flip_char(text: str) -> str:
    """``text`` with its last character's lowest bit inverted: one "byte flip" of a column."""
    return text[:-1] + chr(ord(text[-1]) ^ 1)


def with_columns(stored: StoredEnvelope, **columns: Any) -> StoredEnvelope:
    """The same envelope with stored columns replaced and nothing recomputed."""
    return dataclasses.replace(stored, **columns)


def rehash(stored: StoredEnvelope, body: bytes) -> StoredEnvelope:
    """New body bytes with the event hash recomputed over them (columns unchanged)."""
    return dataclasses.replace(stored, body=body, event_hash=event_hash_of(body))


def reseal(stored: StoredEnvelope, **fields: Any) -> StoredEnvelope:
    """Open the envelope, change body fields, and seal it again with the product's code."""
    envelope = dataclasses.replace(open_envelope(stored), **fields)
    return seal_envelope(envelope)
