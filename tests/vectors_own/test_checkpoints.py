"""Own checkpoint vectors: SKMS opens each signed note to the stated checkpoint or refuses it
with the stated error; notes that are validly signed but lie about a chain are caught by
the auditor; a minimal signed-note and checkpoint parser written from the C2SP texts, with
pyca/cryptography for Ed25519, reaches the same verdicts."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from ledger.audit import Auditor
from ledger.errors import SkmsError, VerificationError
from ledger.merkle import open_checkpoint, parse_verifier_key
from tests.own_vectors import OwnVector, as_is, assert_error, load_own_json, load_own_vectors
from tests.vectors_own import reference
from tests.vectors_own.chain_export import apply_edits, snapshot

HAPPY = load_own_vectors("checkpoints/happy", as_is)
CORRUPT = load_own_vectors("checkpoints/corrupt", as_is)
LYING = [v for v in CORRUPT if "want_audit" in v.data]


def path_of(vector: OwnVector) -> str:
    return vector.path


def verifiers(data: dict[str, Any]) -> dict[str, bytes]:
    return {name: bytes.fromhex(key) for name, key in data["verifiers"].items()}


def parsed(checkpoint: Any) -> dict[str, Any]:
    return {"origin": checkpoint.origin, "size": checkpoint.size,
            "root": checkpoint.root_hash.hex(), "extensions": list(checkpoint.extensions)}


def reference_verdict(data: dict[str, Any]) -> dict[str, Any] | str:
    """The independent reading: the parsed checkpoint, or which layer refused the note."""
    try:
        text, _ = reference.parse_note(data["note"])
        signed = any(reference.note_signed_by(data["note"], name, key)
                     for name, key in verifiers(data).items())
    except (AssertionError, ValueError):
        return "note"
    if not signed:
        return "note"
    try:
        return reference.parse_checkpoint(text)
    except ValueError:
        return "checkpoint"


@pytest.mark.parametrize("vector", HAPPY, ids=path_of)
def test_signed_checkpoint_opens(vector: OwnVector) -> None:
    data = vector.data
    assert parsed(open_checkpoint(data["note"], verifiers(data))) == data["want"]
    assert reference_verdict(data) == data["want"]


@pytest.mark.parametrize("vector", HAPPY, ids=path_of)
def test_verifier_key_string(vector: OwnVector) -> None:
    name, key = next(iter(verifiers(vector.data).items()))
    assert parse_verifier_key(vector.data["verifier_key"]) == (name, key)
    key_id = reference.note_key_id(name, key).hex()
    typed = base64.b64encode(b"\x01" + key).decode()
    assert vector.data["verifier_key"] == f"{name}+{key_id}+{typed}"


@pytest.mark.parametrize("vector", CORRUPT, ids=path_of)
def test_corrupt_note_gets_the_named_verdict(vector: OwnVector) -> None:
    data = vector.data
    if data["want_error"] is None:
        assert parsed(open_checkpoint(data["note"], verifiers(data))) == data["want"]
        assert reference_verdict(data) == data["want"]
        return
    with pytest.raises(SkmsError) as caught:
        open_checkpoint(data["note"], verifiers(data))
    assert_error(caught.value, data["want_error"])
    layer = {"NoteError": "note", "CheckpointError": "checkpoint"}[data["want_error"]["error"]]
    assert reference_verdict(data) == layer


@pytest.mark.parametrize("vector", LYING, ids=path_of)
def test_auditor_catches_a_lying_note(vector: OwnVector) -> None:
    audit = vector.data["want_audit"]
    export = load_own_json(audit["base"])
    store = snapshot(apply_edits(export["chains"], audit["edits"]))
    with pytest.raises(VerificationError) as caught:
        Auditor(store).verify()
    assert_error(caught.value, audit["want_error"])


def test_every_named_corruption_is_there() -> None:
    names = {v.path.rsplit("/", 1)[-1].removesuffix(".json") for v in CORRUPT}
    assert {"wrong-key-name", "bad-signature", "extra-line-in-text",
            "extra-line-after-signatures", "wrong-origin", "root-mismatch",
            "size-beyond-chain"} <= names
    assert len(LYING) == 3
