"""``Ledger.writes``: a process that shares a store with others writes only the chains it is
given (commands/service/cluster.py). Without it every chain is written; with it, a command,
the checkpoint timer's work and the scheduler's due work for any other chain are neither
decided nor stored, and the refusal names the owner."""

from __future__ import annotations

import hashlib

import pytest

from commands.scheduler import run_due
from commands.session import Session
from ledger.errors import NotChainOwner


def test_a_command_for_a_chain_this_process_does_not_write_is_refused_unstored(
        session: Session) -> None:
    key_id = session.act("alice", "CreateKey", "payments", {"algorithm": "ed25519"}
                         ).result["key_id"]
    ledger = session.ledger()
    before = {c: ledger.store.head(c) for c in ledger.store.chains()}
    ledger.writes = lambda chain_id: chain_id != "payments"
    ledger.owner_of = lambda chain_id: "https://owner.example:8443"
    with pytest.raises(NotChainOwner) as refused:
        session.act("bob", "Sign", "payments", {"key_id": key_id, "message_digest": "00" * 32})
    assert refused.value.owner == "https://owner.example:8443"
    assert "https://owner.example:8443 does" in refused.value.message
    assert ledger.maybe_checkpoint("payments") is None
    run_due(ledger)
    assert {c: ledger.store.head(c) for c in ledger.store.chains()} == before

    # Given the chain (back), the same ledger decides and stores again.
    ledger.writes = lambda chain_id: True
    ledger.follow("payments")
    message = b"signed once the chain is ours"
    outcome = session.act("bob", "Sign", "payments",
                          {"key_id": key_id,
                           "message_digest": hashlib.sha256(message).hexdigest()},
                          inputs={"message": message})
    assert outcome.chain_id == "payments" and outcome.seqs == [before["payments"].seq + 1]
