"""Circuit keys through the ledger: a recorded ceremony becomes a key, proofs made by SKMS
verify in stock ``snarkjs groth16 verify`` and in py_ecc, refusals name their field.

The ceremony is tools/zk/build from `make zk-tools` (the conftest runs one otherwise).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commands.session import Session
from ledger.audit import Auditor
from ledger.crypto.zk import poseidon
from ledger.crypto.zk.groth16 import Groth16Proof, PublicSignals, VerificationKey
from ledger.envelope import open_envelope
from ledger.errors import (
    IllegalTransition,
    InvalidInput,
    MaterialDestroyed,
    UnsupportedAlgorithm,
)
from tests.ledger.conftest import new_session
from tests.zk import pyecc_groth16

CIRCUIT = "commitment_opening"
SECRET, BLINDING = 987_654_321_987_654_321, 123_456_789_123_456_789


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    current = new_session(tmp_path / "home")
    current.initialize(name="zk", checkpoint_every_events=8)
    current.add_actor("admin", "alice", ["key-manager"], ["*"])
    current.add_actor("admin", "bob", ["signer"], ["*"])
    yield current
    current.close()


def files(ceremony: Path, name: str = CIRCUIT) -> dict[str, bytes]:
    return {"transcript": (ceremony / "transcript.json").read_bytes(),
            "zkey": (ceremony / f"{name}.zkey").read_bytes(),
            "wasm": (ceremony / f"{name}_js" / f"{name}.wasm").read_bytes(),
            "vkey": (ceremony / f"{name}.vkey.json").read_bytes()}


def register(session: Session, ceremony: Path, **changes: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"circuit": CIRCUIT, "domain": "default", **files(ceremony),
                              **changes}
    result: dict[str, Any] = session.run("alice", "RegisterCircuit", **params).result
    return result


def opening_input(secret: int = SECRET, blinding: int = BLINDING) -> bytes:
    return json.dumps({"secret": str(secret), "blinding": str(blinding),
                       "commitment": str(poseidon.hash2(secret, blinding))}).encode()


def events(session: Session, event_type: str) -> list[dict[str, Any]]:
    store, _ = session.store()
    return [e.event() for e in (open_envelope(s) for s in store.read("default"))
            if e.event_type == event_type]


def stock_verify(node_modules: Path, tmp: Path, vkey: bytes, proof: Any,
                 public: Any) -> subprocess.CompletedProcess[bytes]:
    (tmp / "vkey.json").write_bytes(vkey)
    (tmp / "proof.json").write_text(json.dumps(proof))
    (tmp / "public.json").write_text(json.dumps(public))
    cli = node_modules / "snarkjs" / "build" / "cli.cjs"
    return subprocess.run(["node", str(cli), "groth16", "verify", "vkey.json", "public.json",
                           "proof.json"], cwd=tmp, capture_output=True, check=False)


def test_a_ceremony_becomes_a_key_whose_proofs_verify_in_stock_snarkjs(
        session: Session, ceremony: Path, node_modules: Path, tmp_path: Path) -> None:
    made = register(session, ceremony, label="opening")
    transcript = (ceremony / "transcript.json").read_bytes()
    assert made["transcript_digest"] == hashlib.sha256(transcript).hexdigest()
    assert (made["algorithm"], made["state"], made["n_public"]) == ("groth16-bn254", "active", 1)
    key = session.ledger().key(made["key_id"])
    public_key = key.versions[1]["public_key"]
    assert VerificationKey.from_json(public_key) == VerificationKey.from_json(
        files(ceremony)["vkey"])
    (setup,) = events(session, "SnarkSetupRecorded")
    assert setup["transcript_digest"] == hashlib.sha256(transcript).digest()
    assert setup["zkey_digest"] == hashlib.sha256(files(ceremony)["zkey"]).digest()
    assert setup["circuit"] == CIRCUIT and setup["power"] == 10
    assert any(t.startswith("snarkjs@") for t in setup["tools"])

    proved = session.run("bob", "ProveSnark", key_id=made["key_id"],
                         input=opening_input()).result
    assert proved["public"] == [str(poseidon.hash2(SECRET, BLINDING))]
    ok = stock_verify(node_modules, tmp_path, public_key, proved["proof"], proved["public"])
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert pyecc_groth16.verify(VerificationKey.from_json(public_key).to_dict(),
                                proved["proof"], proved["public"])
    wrong = [str(int(proved["public"][0]) + 1)]
    assert stock_verify(node_modules, tmp_path, public_key, proved["proof"],
                        wrong).returncode != 0
    (issued,) = events(session, "SnarkProofIssued")
    assert issued["proof_digest"] == Groth16Proof.from_dict(proved["proof"]).digest()
    assert issued["public_signals"] == proved["public"]
    assert issued["public_digest"] == PublicSignals.from_list(proved["public"]).digest()
    database = (tmp_path / "home" / "ledger.db").read_bytes()
    assert str(SECRET).encode() not in database and str(BLINDING).encode() not in database
    Auditor(session.store()[0]).verify()


def _other_transcript(ceremony: Path) -> bytes:
    """The real transcript, with the commitment circuit's vkey digest swapped for the other
    circuit's: every file then matches it, but the proving key holds another vkey."""
    document = json.loads((ceremony / "transcript.json").read_bytes())
    document["files"][f"{CIRCUIT}.vkey.json"] = document["files"]["bounded_value.vkey.json"]
    return json.dumps(document).encode()


def test_registration_refusals_name_the_field(session: Session, ceremony: Path) -> None:
    other = files(ceremony, "bounded_value")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"circuit": "nope"}, "circuit"),
        ({"zkey": other["zkey"]}, "zkey"),
        ({"wasm": other["wasm"]}, "wasm"),
        ({"vkey": other["vkey"]}, "vkey"),
        ({"transcript": _other_transcript(ceremony), "vkey": other["vkey"]}, "vkey"),
        ({"transcript": b"{}"}, "transcript"),
    ]
    for changes, field in cases:
        with pytest.raises(InvalidInput) as refused:
            register(session, ceremony, **changes)
        assert refused.value.field == field, (changes.keys(), refused.value)
    transcript = files(ceremony)["transcript"]
    with pytest.raises(InvalidInput) as refused:
        session.act("alice", "RegisterCircuit", "default", {
            "circuit": CIRCUIT, "transcript_digest": "00" * 32},
            inputs=files(ceremony))
    assert refused.value.field == "transcript_digest"
    assert hashlib.sha256(transcript).hexdigest() != "00" * 32
    assert events(session, "SnarkSetupRecorded") == []


def test_circuit_keys_are_not_generated_or_rotated(session: Session, ceremony: Path) -> None:
    with pytest.raises(UnsupportedAlgorithm, match="ceremony"):
        session.act("alice", "CreateKey", "default", {"algorithm": "groth16-bn254"})
    made = register(session, ceremony)
    with pytest.raises(UnsupportedAlgorithm, match="ceremony"):
        session.key_command("alice", "RotateKey", made["key_id"])


def test_inputs_that_do_not_satisfy_the_circuit_are_refused(session: Session,
                                                           ceremony: Path) -> None:
    made = register(session, ceremony)
    bad = json.dumps({"secret": "1", "blinding": "2", "commitment": "3"}).encode()
    with pytest.raises(InvalidInput) as refused:
        session.run("bob", "ProveSnark", key_id=made["key_id"], input=bad)
    assert refused.value.field == "input"
    with pytest.raises(InvalidInput, match="not JSON"):
        session.run("bob", "ProveSnark", key_id=made["key_id"], input=b"secret=1")
    assert events(session, "SnarkProofIssued") == []


def test_a_suspended_or_destroyed_circuit_key_cannot_prove(session: Session,
                                                          ceremony: Path) -> None:
    made = register(session, ceremony)
    key_id = made["key_id"]
    session.key_command("alice", "SuspendKey", key_id)
    with pytest.raises(IllegalTransition):
        session.run("bob", "ProveSnark", key_id=key_id, input=opening_input())
    session.key_command("alice", "ReactivateKey", key_id)
    session.key_command("alice", "ChangeKeyPolicy", key_id, {"destruction_wait_days": 0})
    session.key_command("alice", "RevokeKey", key_id)
    session.key_command("alice", "DestroyKey", key_id)
    with pytest.raises(MaterialDestroyed):
        session.run("bob", "ProveSnark", key_id=key_id, input=opening_input())
    Auditor(session.store()[0]).verify()


def test_the_bound_circuit_proves_below_the_bound_only(session: Session,
                                                      ceremony: Path) -> None:
    """'This committed value is below a bound': the second built-in circuit, as a key."""
    made = register(session, ceremony, circuit="bounded_value", **files(ceremony,
                                                                        "bounded_value"))
    assert made["n_public"] == 2

    def witness(value: int, bound: int) -> bytes:
        blinding = 2**200 + 7
        return json.dumps({"value": str(value), "blinding": str(blinding),
                           "bound": str(bound),
                           "commitment": str(poseidon.hash2(value, blinding))}).encode()

    proved = session.run("bob", "ProveSnark", key_id=made["key_id"],
                         input=witness(4999, 5000)).result
    assert proved["public"][1] == "5000"  # public signals: commitment, bound
    for value in (5000, 5001):
        with pytest.raises(InvalidInput) as refused:
            session.run("bob", "ProveSnark", key_id=made["key_id"], input=witness(value, 5000))
        assert refused.value.field == "input"
    assert len(events(session, "SnarkProofIssued")) == 1
