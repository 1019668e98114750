"""Commitments, range proofs and the zero-knowledge reads through the ledger (Session ->
handler -> Key aggregate -> event -> SQLite), the auditor re-checking every chain after.

Independent checks: sums of commitments against libsodium's ristretto255 addition; STARK
end values against the chain computed directly; the Groth16 fixture in tests/zk/data was
made and verified by stock snarkjs (``snarkjs groth16 fullprove`` / ``verify``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commands import zk_reads
from commands.session import Session
from ledger.audit import Auditor
from ledger.crypto.zk import stark
from ledger.envelope import open_envelope
from ledger.errors import (
    AuthenticationFailed,
    CommandRejected,
    IllegalTransition,
    InvalidInput,
    InvalidSignature,
    MaterialDestroyed,
    NotFound,
    UnsupportedAlgorithm,
)
from tests.ledger.conftest import new_session
from tests.zk import sodium_ristretto

DATA = Path(__file__).parent / "data"


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    """alice (key-manager), bob (signer), carol (auditor)."""
    current = new_session(tmp_path / "home")
    current.initialize(name="zk", checkpoint_every_events=8)
    current.add_actor("admin", "alice", ["key-manager"], ["*"])
    current.add_actor("admin", "bob", ["signer"], ["*"])
    current.add_actor("admin", "carol", ["auditor"], ["*"])
    yield current
    current.close()


def create(session: Session, algorithm: str = "pedersen-ristretto255", **args: Any) -> str:
    return str(session.act("alice", "CreateKey", "default",
                           {"algorithm": algorithm, **args}).result["key_id"])


def commit(session: Session, key_id: str, name: str, value: int | None = None,
           parts: list[str] | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"key_id": key_id, "commitment_id": name}
    if value is not None:
        params["value"] = value
    if parts is not None:
        params["parts"] = parts
    result: dict[str, Any] = session.run("bob", "Commit", **params).result
    return result


def prove(session: Session, key_id: str, ids: list[str], values: list[int], bits: int = 64,
          context: bytes = b"") -> dict[str, Any]:
    result: dict[str, Any] = session.run("bob", "ProveRange", key_id=key_id,
                                         commitment_ids=ids, values=values, bits=bits,
                                         context=context.hex()).result
    return result


def events(session: Session, event_type: str) -> list[dict[str, Any]]:
    store, _ = session.store()
    return [e.event() for e in (open_envelope(s) for s in store.read("default"))
            if e.event_type == event_type]


def recorded_reason(session: Session, refusal: CommandRejected) -> str:
    assert refusal.seq is not None, "the refusal was not recorded"
    store, _ = session.store()
    stored = next(iter(store.read("default", refusal.seq, refusal.seq + 1)))
    return str(open_envelope(stored).event()["reason_code"])


def audit(session: Session) -> None:
    Auditor(session.store()[0]).verify()


# --- commitments --------------------------------------------------------------------------

def test_commitments_hide_add_up_and_record_no_value(session: Session,
                                                     tmp_path: Path) -> None:
    key_id = create(session)
    assert session.ledger().key(key_id).usage == ["commit"]
    first = commit(session, key_id, "alice-balance", 123_456_789)
    again = commit(session, key_id, "same-value-other-id", 123_456_789)
    assert first["commitment"] != again["commitment"]  # a blinding per commitment id
    second = commit(session, key_id, "bob-balance", 987_654)
    total = commit(session, key_id, "total", parts=["alice-balance", "bob-balance"])
    lib = sodium_ristretto.load()
    assert lib is not None, "libsodium is part of the machine image"
    assert total["commitment"] == sodium_ristretto.add(
        lib, bytes.fromhex(first["commitment"]), bytes.fromhex(second["commitment"])).hex()
    created = events(session, "CommitmentCreated")
    assert [e["commitment_id"] for e in created] == ["alice-balance", "same-value-other-id",
                                                     "bob-balance", "total"]
    assert created[3]["parts"] == ["alice-balance", "bob-balance"]
    assert created[0]["commitment"] == bytes.fromhex(first["commitment"])
    assert set(created[0]) >= {"key_id", "key_version", "commitment", "actor_id"}
    assert "value" not in created[0]
    database = (tmp_path / "home" / "ledger.db").read_bytes()
    for secret in (b"123456789", (123_456_789).to_bytes(8, "little"), b"987654"):
        assert secret not in database
    audit(session)


def test_a_sum_proves_in_range_across_a_rotation(session: Session) -> None:
    key_id = create(session)
    commit(session, key_id, "before", 40)
    session.key_command("alice", "RotateKey", key_id)
    after = commit(session, key_id, "after", 2)
    assert after["key_version"] == 2
    commit(session, key_id, "sum", parts=["before", "after"])
    made = prove(session, key_id, ["sum", "before"], [42, 40], bits=8, context=b"audit")
    assert made["bits"] == 8 and made["proof_size"] == len(bytes.fromhex(made["proof"]))
    checked = zk_reads.verify_range(None, made["proof"], b"audit".hex(),
                                    commitments=made["commitments"], bits=8)
    assert checked["valid"] and checked["proof_digest"] == made["proof_digest"]
    (issued,) = events(session, "RangeProofIssued")
    assert issued["proof_digest"] == bytes.fromhex(made["proof_digest"])
    assert issued["commitment_ids"] == ["sum", "before"]
    assert issued["context_digest"] == hashlib.sha256(b"audit").digest()
    assert [c.hex() for c in issued["commitments"]] == made["commitments"]
    audit(session)


def test_the_values_must_open_the_commitments(session: Session) -> None:
    key_id = create(session)
    commit(session, key_id, "a", 5)
    with pytest.raises(AuthenticationFailed, match="not the one it commits to") as refused:
        prove(session, key_id, ["a"], [6])
    assert refused.value.field == "values"
    assert recorded_reason(session, refused.value) == "opening-mismatch"  # guessing shows
    assert events(session, "RangeProofIssued") == []


def test_no_range_proof_for_an_out_of_range_value(session: Session) -> None:
    key_id = create(session)
    commit(session, key_id, "big", 256)
    with pytest.raises(InvalidInput, match="outside"):
        prove(session, key_id, ["big"], [256], bits=8)
    assert prove(session, key_id, ["big"], [256], bits=16)["bits"] == 16


@pytest.mark.parametrize(("params", "error", "field"), [
    ({"commitment_id": "x"}, InvalidInput, "value"),
    ({"commitment_id": "x", "value": 1, "parts": ["a"]}, InvalidInput, "value"),
    ({"commitment_id": "x", "parts": ["a", "a"]}, InvalidInput, "parts"),
    ({"commitment_id": "x", "parts": ["missing"]}, NotFound, "commitment_id"),
    ({"commitment_id": "a", "value": 2}, IllegalTransition, None),
    ({"commitment_id": "x", "value": -1}, InvalidInput, "value"),
])
def test_commit_refusals_name_the_field(session: Session, params: dict[str, Any],
                                        error: type[Exception], field: str | None) -> None:
    key_id = create(session)
    commit(session, key_id, "a", 1)
    with pytest.raises(error) as refused:
        session.run("bob", "Commit", key_id=key_id, **params)
    if field is not None:
        assert getattr(refused.value, "field", None) == field


def test_prove_range_refusals(session: Session) -> None:
    key_id = create(session)
    for name in ("a", "b", "c"):
        commit(session, key_id, name, 1)
    with pytest.raises(InvalidInput, match="power of two"):
        prove(session, key_id, ["a", "b", "c"], [1, 1, 1])
    with pytest.raises(InvalidInput, match="need 2 values") as refused:
        prove(session, key_id, ["a", "b"], [1])
    assert refused.value.field == "values"
    with pytest.raises(NotFound):
        prove(session, key_id, ["nope"], [1])


def test_only_commitment_keys_commit(session: Session) -> None:
    aes = create(session, "aes-256-gcm")
    with pytest.raises(UnsupportedAlgorithm, match="cannot make commitments"):
        commit(session, aes, "a", 1)


def test_a_destroyed_key_can_never_prove_again(session: Session) -> None:
    key_id = create(session, destruction_wait_days=0)
    commit(session, key_id, "a", 1)
    session.key_command("alice", "RevokeKey", key_id)
    session.key_command("alice", "DestroyKey", key_id)
    with pytest.raises(MaterialDestroyed):
        prove(session, key_id, ["a"], [1])
    audit(session)


def test_a_suspended_key_refuses(session: Session) -> None:
    key_id = create(session)
    session.key_command("alice", "SuspendKey", key_id)
    with pytest.raises(IllegalTransition):
        commit(session, key_id, "a", 1)


# --- range proof verification (offline read) ----------------------------------------------

@pytest.fixture
def range_proof(session: Session) -> dict[str, Any]:
    key_id = create(session)
    commit(session, key_id, "a", 1000)
    return prove(session, key_id, ["a"], [1000], bits=16, context=b"ctx")


def test_verify_range_refuses_every_changed_byte(range_proof: dict[str, Any]) -> None:
    raw = bytes.fromhex(range_proof["proof"])
    for index in range(len(raw)):
        changed = bytearray(raw)
        changed[index] ^= 0x01
        with pytest.raises((InvalidInput, InvalidSignature)):
            zk_reads.verify_range(None, changed.hex(), b"ctx".hex())


def test_verify_range_pins(range_proof: dict[str, Any]) -> None:
    proof = range_proof["proof"]
    with pytest.raises(InvalidSignature):
        zk_reads.verify_range(None, proof, b"other".hex())
    with pytest.raises(InvalidSignature, match="other commitments"):
        zk_reads.verify_range(None, proof, b"ctx".hex(), commitments=["00" * 32])
    with pytest.raises(InvalidSignature, match="16 bits, not 64"):
        zk_reads.verify_range(None, proof, b"ctx".hex(), bits=64)
    with pytest.raises(InvalidInput):
        zk_reads.verify_range(None, proof[:-2], b"ctx".hex())


# --- Groth16 and STARK reads --------------------------------------------------------------

def snark_fixture() -> dict[str, Any]:
    return {name: json.loads((DATA / f"snarkjs_{name}.json").read_text())
            for name in ("vkey", "proof", "public")}


def test_verify_snark_accepts_the_stock_snarkjs_proof_and_refuses_tampering() -> None:
    given = snark_fixture()
    answer = zk_reads.verify_snark(None, **given)
    assert answer["valid"] and answer["n_public"] == 1
    assert answer["public_signals"] == given["public"]
    wrong = dict(given, public=[str(int(given["public"][0]) + 1)])
    with pytest.raises(InvalidSignature):
        zk_reads.verify_snark(None, **wrong)
    proof = json.loads(json.dumps(given["proof"]))
    proof["pi_a"][0], proof["pi_c"][0] = proof["pi_c"][0], proof["pi_a"][0]
    with pytest.raises((InvalidInput, InvalidSignature)):
        zk_reads.verify_snark(None, **dict(given, proof=proof))
    with pytest.raises(InvalidInput) as refused:
        zk_reads.verify_snark(None, **dict(given, vkey=[1]))
    assert refused.value.field == "vkey"
    with pytest.raises(InvalidInput):
        zk_reads.verify_snark(None, **dict(given, public=["21888242871839275222246405745257275"
                                                          "088548364400416034343698204186575808"
                                                          "495617"]))


def test_a_stark_made_through_the_ledger_is_recorded_and_verifies(session: Session) -> None:
    made = session.run("bob", "ProveStark", start=b"ledger event".hex(), steps=64).result
    start = stark.start_from_bytes(b"ledger event")
    assert made["start"] == start.hex()
    assert made["end"] == stark.hash_chain(start, 64).hex()
    assert made["security_bits"] >= 100
    (recorded,) = events(session, "StarkProofRecorded")
    proof = bytes.fromhex(made["proof"])
    assert recorded["proof_digest"] == hashlib.sha256(proof).digest()
    assert (bytes(recorded["start"]), bytes(recorded["end"]), recorded["steps"]) == (
        start, bytes.fromhex(made["end"]), 64)
    assert recorded["proof_size"] == len(proof) and "proof" not in recorded
    assert recorded["actor_id"] == session.home.identity("bob").actor_id
    audit(session)
    checked = zk_reads.verify_stark(None, made["proof"], start=made["start"], end=made["end"],
                                    steps=64)
    assert checked["valid"] and checked["proof_digest"] == made["proof_digest"]
    with pytest.raises(InvalidSignature, match="another end"):
        zk_reads.verify_stark(None, made["proof"], end="00" * 32)
    with pytest.raises(InvalidSignature, match="another steps"):
        zk_reads.verify_stark(None, made["proof"], steps=32)
    raw = bytearray(proof)
    raw[-40] ^= 0x10
    with pytest.raises((InvalidInput, InvalidSignature)):
        zk_reads.verify_stark(None, raw.hex())
    with pytest.raises(InvalidInput, match="power of two"):
        session.run("bob", "ProveStark", start=b"x".hex(), steps=3)
    assert len(events(session, "StarkProofRecorded")) == 1  # the refusal recorded nothing


def test_sums_of_sums_are_bounded_and_open_with_one_unsealing_per_version(
        session: Session) -> None:
    """Doubling sums: 2^k leaves after k levels; 256 leaves (MAX_LEAVES) still prove, 512 are
    refused when the sum is made, naming the field."""
    key_id = create(session)
    commit(session, key_id, "a", 1)
    session.key_command("alice", "RotateKey", key_id)
    commit(session, key_id, "b", 2)  # another version: the sum spans two
    left, right = "a", "b"
    for level in range(1, 9):
        commit(session, key_id, f"d{level}", parts=[left, right])
        commit(session, key_id, f"e{level}", parts=[left, right])
        left, right = f"d{level}", f"e{level}"
    made = prove(session, key_id, ["d8"], [128 * 3], bits=16)
    assert zk_reads.verify_range(None, made["proof"], commitments=made["commitments"])["valid"]
    with pytest.raises(InvalidInput, match="at most 256") as refused:
        commit(session, key_id, "d9", parts=["d8", "e8"])
    assert refused.value.field == "parts"
