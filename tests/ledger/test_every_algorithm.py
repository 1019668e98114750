"""Every registered algorithm works through the ledger: create, sign, verify, rotate, audit."""

from __future__ import annotations

import pytest

from commands.session import Session
from ledger.audit import Auditor
from ledger.crypto.schemes import all_schemes, get_scheme
from ledger.errors import InvalidInput, InvalidSignature
from tests.ledger.conftest import create_key

ALGORITHMS = [s.scheme_id for s in all_schemes()]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_algorithm_through_the_ledger(session: Session, algorithm: str) -> None:
    key_id = create_key(session, algorithm)
    scheme = get_scheme(algorithm)
    message = f"ledger message for {algorithm}".encode()
    first = bytes.fromhex(session.sign("bob", key_id, message).result["signature"])
    key = session.ledger().key(key_id)
    scheme.verify(key.versions[1]["public_key"], message, first)
    assert session.key_command("alice", "RotateKey", key_id).result["version"] == 2
    second = bytes.fromhex(session.sign("bob", key_id, message).result["signature"])
    scheme.verify(key.versions[2]["public_key"], message, second)
    with pytest.raises((InvalidSignature, InvalidInput)):  # the old version's key refuses it
        scheme.verify(key.versions[1]["public_key"], message, second)
    Auditor(session.store()[0]).verify()
