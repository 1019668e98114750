"""``checkpoints/``: the ledger's C2SP signed-note checkpoints, and notes that must fail.

Happy files give a note, the trusted verifier keys (name -> Ed25519 public key, and the
standard ``name+keyid+key`` verifier string) and the checkpoint it must parse to. Corrupt
files either name the error opening the note must raise (``want_error``: ``NoteError``
for the signed-note layer, ``CheckpointError`` for the checkpoint body), or, for notes that
are genuinely signed but lie about the chain (wrong origin, a root or size the chain does
not have), give the parse result and ``want_audit``: the fault the auditor must report
when the note is stored as one of the chain's checkpoints in ``chains/ledger.json``.
"""

from __future__ import annotations

import base64

from vectorgen.chains import BASE as CHAIN_BASE
from vectorgen.jsonio import Json, stored_checkpoint
from vectorgen.mutate import flip_bit
from vectorgen.product import (
    Checkpoint,
    MerkleTree,
    StoredCheckpoint,
    hash_leaf,
    open_checkpoint,
    verifier_key_string,
)
from vectorgen.sample import DEFAULT_DOMAIN, PAYMENTS_DOMAIN, SampleLedger

WITNESS_NAME = "witness.example/skms-vectors"
OTHER_NAME = "skms.ledger/someone-else"

NOTE_ERROR = {"error": "NoteError", "check": "note.signature"}
BODY_ERROR = {"error": "CheckpointError", "check": "checkpoint.body"}


def checkpoint_vectors(sample: SampleLedger) -> dict[str, Json]:
    return {**_happy(sample), **_corrupt(sample)}


def _verifiers(sample: SampleLedger) -> Json:
    return {sample.origin: sample.ledger_public_key.hex()}


def _parsed(checkpoint: Checkpoint) -> Json:
    return {"origin": checkpoint.origin, "size": checkpoint.size,
            "root": checkpoint.root_hash.hex(), "extensions": list(checkpoint.extensions)}


def _happy_file(sample: SampleLedger, desc: str, note: str, checkpoint: Checkpoint,
                verifiers: Json | None = None) -> Json:
    return {"desc": desc, "note": note, "verifiers": verifiers or _verifiers(sample),
            "verifier_key": verifier_key_string(sample.origin, sample.ledger_public_key),
            "want": _parsed(checkpoint), "want_error": None}


def _happy(sample: SampleLedger) -> dict[str, Json]:
    files: dict[str, Json] = {}
    trusted = {sample.origin: sample.ledger_public_key}
    for chain_id, stored in sample.checkpoints().items():
        last = stored[-1]
        files[f"checkpoints/happy/{chain_id}-{last.size}.json"] = _happy_file(
            sample, f"the last stored checkpoint of chain {chain_id!r}", last.note,
            open_checkpoint(last.note, trusted))
    last = sample.checkpoints()[PAYMENTS_DOMAIN][-1]
    base = open_checkpoint(last.note, trusted)
    extended = Checkpoint(base.origin, base.size, base.root_hash,
                          ("skms-vectors: an extension line",))
    files["checkpoints/happy/with-extension.json"] = _happy_file(
        sample, "a checkpoint with one extension line, signed by the ledger key",
        sample.sign_with_ledger_key(extended.body()), extended)
    witness_line = sample.sign_with_foreign_key(base.body(), WITNESS_NAME).split("\n\n")[-1]
    files["checkpoints/happy/cosigned-by-witness.json"] = _happy_file(
        sample, "the ledger's note with a witness cosignature appended: a signature by an "
        "untrusted key is ignored", last.note + witness_line, base)
    return files


def _corrupt(sample: SampleLedger) -> dict[str, Json]:
    checkpoints = sample.checkpoints()
    last = checkpoints[PAYMENTS_DOMAIN][-1]
    note = last.note
    body, signatures = note.split("\n\n")
    # A note carries one signature line per key name (the chain's origin, the ledger's
    # older name); the corruptions below work on the line of the name the verifiers trust.
    ours = next(line for line in signatures.rstrip("\n").split("\n")
                if line.split(" ")[1] == sample.origin)
    name_part, blob = ours.split(" ")[1:]
    flipped = base64.b64encode(flip_bit(base64.b64decode(blob), -1)).decode()
    short = base64.b64encode(base64.b64decode(blob)[:-1]).decode()
    origin = f"{sample.origin}/{PAYMENTS_DOMAIN}"
    leaves = [hash_leaf(e.event_hash) for e in sample.chains()[PAYMENTS_DOMAIN]]
    tree = MerkleTree(leaves)
    lines = body.split("\n")  # origin, size, root (the text without its final newline)
    root_b64 = lines[2]
    short_root = base64.b64encode(tree.root(last.size)[:-1]).decode()
    signed = sample.sign_with_ledger_key
    verifiers = _verifiers(sample)

    def failing(desc: str, text: str, want: Json, trusted: Json | None = None) -> Json:
        return {"desc": desc, "note": text, "verifiers": trusted or verifiers, "want": None,
                "want_error": want}

    files = {
        "wrong-key-name": failing(
            "the verifier's key name differs from the name that signed",
            note, NOTE_ERROR, {OTHER_NAME: sample.ledger_public_key.hex()}),
        "signed-under-other-name": failing(
            "signed by the ledger key, but under another key name", sample.sign_with_ledger_key(
                body + "\n", OTHER_NAME),
            NOTE_ERROR),
        "signed-by-other-key": failing(
            "signed under the ledger's key name by another key",
            sample.sign_with_foreign_key(body + "\n", sample.origin), NOTE_ERROR),
        "bad-signature": failing(
            "the last bit of the signature flipped", f"{body}\n\n— {name_part} {flipped}\n",
            NOTE_ERROR),
        "signature-truncated": failing(
            "the signature is one byte short", f"{body}\n\n— {name_part} {short}\n",
            NOTE_ERROR),
        "extra-line-in-text": failing(
            "a line inserted into the signed text after signing",
            f"{body}\ninserted line\n\n{signatures}", NOTE_ERROR),
        "extra-line-after-signatures": failing(
            "a line that is not a signature after the signature lines", note + "trailing\n",
            NOTE_ERROR),
        "no-blank-line": failing(
            "the blank line between text and signatures removed", f"{body}\n{signatures}",
            NOTE_ERROR),
        "no-final-newline": failing(
            "the note does not end with a newline", note[:-1], NOTE_ERROR),
        "control-character": failing(
            "a tab in the origin line", note.replace("/", "\t", 1), NOTE_ERROR),
        "empty-extension-line": failing(
            "signed by the ledger key, but the body has an empty line after the root",
            signed(f"{origin}\n{last.size}\n{root_b64}\n\nextension\n"), BODY_ERROR),
        "size-leading-zero": failing(
            "signed by the ledger key, but the size is written with a leading zero",
            signed(f"{origin}\n0{last.size}\n{root_b64}\n"), BODY_ERROR),
        "root-31-bytes": failing(
            "signed by the ledger key, but the root line is base64 of 31 bytes",
            signed(f"{origin}\n{last.size}\n{short_root}\n"), BODY_ERROR),
        "too-few-lines": failing(
            "signed by the ledger key, but the body has no root line",
            signed(f"{origin}\n{last.size}\n"), BODY_ERROR),
    }
    result = {f"checkpoints/corrupt/{name}.json": case for name, case in files.items()}
    result.update(_lying(sample, checkpoints, tree))
    return result


def _lying(sample: SampleLedger, checkpoints: dict[str, list[StoredCheckpoint]],
           tree: MerkleTree) -> dict[str, Json]:
    """Notes with valid signatures that the chain contradicts: only the auditor sees it."""
    p = PAYMENTS_DOMAIN
    stored = checkpoints[p]
    origin = f"{sample.origin}/{p}"
    trusted = {sample.origin: sample.ledger_public_key}
    foreign_origin = next(c for c in checkpoints[DEFAULT_DOMAIN] if c.size == stored[1].size)
    last = stored[-1]
    root_mismatch = Checkpoint(origin, last.size, tree.root(last.size - 1))
    too_long = Checkpoint(origin, tree.size + 1, tree.root())
    cases = [
        ("wrong-origin", f"the {DEFAULT_DOMAIN!r} chain's checkpoint of size "
         f"{foreign_origin.size}, offered as the {p!r} chain's", foreign_origin.note, 1,
         {"error": "VerificationError", "chain": p, "seq": None, "check": "checkpoint"}),
        ("root-mismatch", f"size {last.size} with the root of size {last.size - 1}, signed "
         "by the ledger key", sample.sign_with_ledger_key(root_mismatch.body()), 2,
         {"error": "VerificationError", "chain": p, "seq": last.size - 1,
          "check": "checkpoint"}),
        ("size-beyond-chain", f"size {too_long.size} for a chain of {tree.size} envelopes, "
         "signed by the ledger key", sample.sign_with_ledger_key(too_long.body()), 2,
         {"error": "VerificationError", "chain": p, "seq": tree.size, "check": "checkpoint"}),
    ]
    files: dict[str, Json] = {}
    for name, desc, note, index, want in cases:
        checkpoint = open_checkpoint(note, trusted)
        files[f"checkpoints/corrupt/{name}.json"] = {
            "desc": desc, "note": note, "verifiers": _verifiers(sample),
            "want": _parsed(checkpoint), "want_error": None,
            "want_audit": {
                "base": CHAIN_BASE,
                "edits": [{"op": "replace_checkpoint", "chain": p, "index": index,
                           "checkpoint": stored_checkpoint(StoredCheckpoint(
                               p, checkpoint.size, note))}],
                "want_error": want}}
    return files
