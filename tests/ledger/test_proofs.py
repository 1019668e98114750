"""Proof documents: every part tied to what the verifier trusts (regressions of the
assurance work; the malicious-store suite in tests/adversarial shows the same over forks).

Each test is one fix: a proof about one chain passed for another (the origin line was not
checked), a pinned key vouched for a document with no signed root, an old checkpoint in a
consistency proof was not checked, a non-hex key or a non-list path escaped as
``ValueError``/``TypeError``, and a proof could not be anchored at a trusted checkpoint.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from commands.cli.main import cli
from commands.reads import ReadContext, verify_proof
from commands.session import Session
from ledger.errors import InvalidInput, VerificationError
from ledger.proofs import build_consistency, build_inclusion, verify_proof_document
from ledger.stores.base import EventStore, StoredCheckpoint
from tests.ledger.conftest import create_key, new_session


@pytest.fixture(scope="module")
def ledger_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """A ledger with checkpoints of ``default`` at two sizes at least, and of ``system``."""
    session = new_session(tmp_path_factory.mktemp("proofs") / "home")
    session.initialize(name="proofs", checkpoint_every_events=1000)
    session.add_actor("admin", "alice", ["key-manager"], ["*"])
    session.add_actor("admin", "bob", ["signer"], ["*"])
    session.add_actor("admin", "carol", ["auditor"], ["*"])
    key_id = create_key(session)
    for n in range(3):
        session.sign("bob", key_id, f"first {n}".encode())
    session.act("carol", "RequestCheckpoint", "default", {})
    for n in range(4):
        session.sign("bob", key_id, f"second {n}".encode())
    session.act("carol", "RequestCheckpoint", "default", {})
    session.act("carol", "RequestCheckpoint", "system", {})
    yield session
    session.close()


def store_of(session: Session) -> EventStore:
    return session.store()[0]


def checkpoints(session: Session, chain: str = "default") -> list[StoredCheckpoint]:
    return store_of(session).checkpoints(chain)


def oldest_and_latest(session: Session) -> tuple[StoredCheckpoint, StoredCheckpoint]:
    found = checkpoints(session)
    assert found[0].size < found[-1].size
    return found[0], found[-1]


def key_of(session: Session) -> bytes:
    return session.home.ledger_public_key()


def test_honest_proofs_verify_pinned(ledger_session: Session) -> None:
    store, key = store_of(ledger_session), key_of(ledger_session)
    old, new = oldest_and_latest(ledger_session)
    inclusion = build_inclusion(store, "default", 2, new.size)
    assert "pinned" in verify_proof_document(inclusion, key)["detail"]
    consistency = build_consistency(store, "default", old.size, new.size)
    detail = verify_proof_document(consistency, key)["detail"]
    assert "old root signed too" in detail


def test_a_proof_of_another_chain_is_refused(ledger_session: Session) -> None:
    store = store_of(ledger_session)
    size = checkpoints(ledger_session, "system")[-1].size
    document = dict(build_inclusion(store, "system", 1, size), chain="default")
    with pytest.raises(VerificationError, match="not of chain 'default'") as caught:
        verify_proof_document(document, key_of(ledger_session))
    assert caught.value.check == "checkpoint"


def test_a_pinned_key_needs_a_signed_root(ledger_session: Session) -> None:
    store = store_of(ledger_session)
    sizes = {c.size for c in checkpoints(ledger_session)}
    unsigned = next(n for n in range(3, 20) if n not in sizes)
    document = build_inclusion(store, "default", 1, unsigned)
    assert document["checkpoint"] is None
    assert "not covered" in verify_proof_document(document, None)["detail"]
    with pytest.raises(VerificationError, match="no signed checkpoint covers"):
        verify_proof_document(document, key_of(ledger_session))


def test_the_old_checkpoint_of_a_consistency_proof_is_checked(ledger_session: Session) -> None:
    store = store_of(ledger_session)
    old, new = oldest_and_latest(ledger_session)
    document = dict(build_consistency(store, "default", old.size, new.size),
                    old_checkpoint=new.note)
    with pytest.raises(VerificationError, match="old checkpoint names another size"):
        verify_proof_document(document, key_of(ledger_session))


@pytest.mark.parametrize(("change", "field"), [
    ({"ledger_public_key": "zz"}, "ledger_public_key"),
    ({"ledger_public_key": None}, "ledger_public_key"),
    ({"path": "AAAA"}, "path"),
    ({"path": None}, "path"),
    ({"ledger_key_name": 7}, "ledger_key_name"),
])
def test_malformed_fields_are_invalid_input_naming_the_field(
        ledger_session: Session, change: dict[str, Any], field: str) -> None:
    store = store_of(ledger_session)
    document = {**build_inclusion(store, "default", 1, None), **change}
    with pytest.raises(InvalidInput) as caught:
        verify_proof_document(document, None)
    assert caught.value.field == field


def test_proofs_are_anchored_at_a_trusted_checkpoint(ledger_session: Session) -> None:
    store, key = store_of(ledger_session), key_of(ledger_session)
    old, new = oldest_and_latest(ledger_session)
    consistency = build_consistency(store, "default", old.size, new.size)
    assert "your trusted checkpoint at size" in verify_proof_document(
        consistency, key, old.note)["detail"]
    with pytest.raises(VerificationError, match="not those of the checkpoint you trusted"):
        verify_proof_document(consistency, key, new.note)
    inclusion = build_inclusion(store, "default", 1, new.size)
    verify_proof_document(inclusion, key, new.note)
    with pytest.raises(VerificationError, match="tree size and root are not those") as caught:
        verify_proof_document(inclusion, key, old.note)
    assert caught.value.check == "trusted-checkpoint"
    system = checkpoints(ledger_session, "system")[-1].note
    with pytest.raises(VerificationError, match="trusted checkpoint is of"):
        verify_proof_document(consistency, key, system)


def test_the_verify_proof_read_takes_the_trusted_checkpoint(ledger_session: Session) -> None:
    store = store_of(ledger_session)
    old, new = oldest_and_latest(ledger_session)
    ctx = ReadContext(ledger_session.ledger(), store)
    consistency = build_consistency(store, "default", old.size, new.size)
    key = key_of(ledger_session).hex()
    assert verify_proof(ctx, consistency, key, [old.note])["valid"] is True
    with pytest.raises(VerificationError):
        verify_proof(ctx, consistency, key, [new.note])


def test_the_cli_takes_the_trusted_checkpoint(ledger_session: Session, tmp_path: Path) -> None:
    store = store_of(ledger_session)
    old, new = oldest_and_latest(ledger_session)
    proof = tmp_path / "proof.json"
    proof.write_text(json.dumps(build_consistency(store, "default", old.size, new.size)))
    for note, code in ((old.note, 0), (new.note, 1)):
        trusted = tmp_path / "trusted.note"
        trusted.write_text(note)
        result = CliRunner().invoke(cli, ["--home", str(ledger_session.home.path), "audit",
                                          "verify-proof", str(proof), "--trusted-checkpoint",
                                          str(trusted)], catch_exceptions=False)
        assert result.exit_code == code, result.output
