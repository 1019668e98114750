"""C2SP checkpoint bodies and Ed25519 signed notes.

Why a known-answer test from another implementation: a note that only our own code can
open is worthless to witnesses. The PeterNeumann note below is the documented example of
Go's golang.org/x/mod/sumdb/note package (package doc comment and example_test.go, also
cmd/go/internal/note), the implementation the C2SP signed-note spec was written from.
Ed25519 is deterministic, so signing its text with its key must give its exact bytes.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey

from ledger.errors import InvalidInput
from ledger.merkle import (
    Checkpoint,
    CheckpointError,
    NoteError,
    add_signature,
    chain_origin,
    chain_verifier_key,
    key_id,
    ledger_verifiers,
    open_checkpoint,
    open_note,
    parse_body,
    parse_verifier_key,
    sign_checkpoint,
    sign_ledger_checkpoint,
    sign_note,
    verifier_key_string,
)

# --- golang.org/x/mod/sumdb/note documented example -----------------------------------

GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = ("If you think cryptography is the answer to your problem,\n"
           "then you don't know what your problem is.\n")
GO_NOTE = (GO_TEXT + "\n" + "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuG"
           "UgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")


def _go_seed() -> bytes:
    typed = base64.b64decode(GO_SIGNER_KEY.split("+", 4)[4])
    assert typed[0] == 0x01 and len(typed) == 33
    return typed[1:]


def test_go_verifier_key_parses_and_round_trips() -> None:
    name, public_key = parse_verifier_key(GO_VERIFIER_KEY)
    assert name == "PeterNeumann"
    assert key_id(name, public_key).hex() == "c74f20a3"
    assert verifier_key_string(name, public_key) == GO_VERIFIER_KEY
    assert bytes(SigningKey(_go_seed()).verify_key.encode()) == public_key


def test_go_note_opens() -> None:
    name, public_key = parse_verifier_key(GO_VERIFIER_KEY)
    assert open_note(GO_NOTE, {name: public_key}) == GO_TEXT


def test_signing_go_text_reproduces_go_note() -> None:
    assert sign_note(GO_TEXT, "PeterNeumann", _go_seed()) == GO_NOTE
    assert sign_note(GO_TEXT, "PeterNeumann", bytearray(_go_seed())) == GO_NOTE


# --- checkpoint bodies ---------------------------------------------------------------

ROOT = hashlib.sha256(b"root").digest()
ROOT_B64 = base64.b64encode(ROOT).decode()


def test_body_layout() -> None:
    checkpoint = Checkpoint("example.com/ledger", 1234, ROOT)
    assert checkpoint.body() == f"example.com/ledger\n1234\n{ROOT_B64}\n"
    with_ext = Checkpoint("example.com/ledger", 0, ROOT, ("ext one", "ext two"))
    assert with_ext.body() == f"example.com/ledger\n0\n{ROOT_B64}\next one\next two\n"


def test_checkpoint_fields_are_normalised_to_immutable_types() -> None:
    checkpoint = Checkpoint("o", 1, bytearray(ROOT), ["ext"])  # type: ignore[arg-type]
    assert type(checkpoint.root_hash) is bytes
    assert checkpoint.extensions == ("ext",)
    assert hash(checkpoint) == hash(Checkpoint("o", 1, ROOT, ("ext",)))


def test_c2sp_spec_example_body_parses() -> None:
    # Body of the example in https://c2sp.org/tlog-checkpoint.
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    checkpoint = parse_body(text)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert len(checkpoint.root_hash) == 32
    assert checkpoint.body() == text


_line = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)


@settings(max_examples=60)
@given(origin=_line, size=st.integers(0, 2**64 - 1), root=st.binary(min_size=32, max_size=32),
       extensions=st.lists(_line, max_size=3))
def test_body_round_trip(origin: str, size: int, root: bytes, extensions: list[str]) -> None:
    checkpoint = Checkpoint(origin, size, root, tuple(extensions))
    assert Checkpoint.parse_body(checkpoint.body()) == checkpoint


URLSAFE_ROOT = base64.urlsafe_b64encode(bytes([0xFF]) * 32).decode()
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# 32 bytes fill 43 characters with 2 bits to spare; set a spare bit in the last one.
NON_CANONICAL_ROOT = ROOT_B64[:-2] + _ALPHABET[_ALPHABET.index(ROOT_B64[-2]) | 1] + "="

MALFORMED_BODIES = {
    "no-trailing-newline": f"o\n5\n{ROOT_B64}",
    "two-lines": "o\n5\n",
    "empty": "",
    "empty-origin": f"\n5\n{ROOT_B64}\n",
    "leading-zero": f"o\n05\n{ROOT_B64}\n",
    "plus-sign": f"o\n+5\n{ROOT_B64}\n",
    "negative": f"o\n-5\n{ROOT_B64}\n",
    "space-in-size": f"o\n 5\n{ROOT_B64}\n",
    "non-ascii-digit": f"o\n\u0665\n{ROOT_B64}\n",
    "size-over-uint64": f"o\n{2**64}\n{ROOT_B64}\n",
    "size-very-long": f"o\n{'9' * 5000}\n{ROOT_B64}\n",
    "empty-size": f"o\n\n{ROOT_B64}\n",
    "root-31-bytes": f"o\n5\n{base64.b64encode(ROOT[:31]).decode()}\n",
    "root-33-bytes": f"o\n5\n{base64.b64encode(ROOT + b'x').decode()}\n",
    "root-unpadded": f"o\n5\n{ROOT_B64.rstrip('=')}\n",
    "root-urlsafe": f"o\n5\n{URLSAFE_ROOT}\n",
    "root-non-canonical": f"o\n5\n{NON_CANONICAL_ROOT}\n",
    "root-hex": f"o\n5\n{ROOT.hex()}\n",
    "empty-extension": f"o\n5\n{ROOT_B64}\n\n",
    "carriage-return": f"o\r\n5\n{ROOT_B64}\n",
    "tab-in-origin": f"o\tx\n5\n{ROOT_B64}\n",
}


@pytest.mark.parametrize("text", MALFORMED_BODIES.values(), ids=MALFORMED_BODIES.keys())
def test_malformed_bodies_are_rejected(text: str) -> None:
    with pytest.raises(CheckpointError):
        parse_body(text)


def test_sanity_of_malformed_root_fixture() -> None:
    assert base64.b64decode(NON_CANONICAL_ROOT) == ROOT  # decodes, but is not canonical


@pytest.mark.parametrize(
    "kwargs",
    [
        {"origin": ""},
        {"origin": "a\nb"},
        {"size": -1},
        {"size": 2**64},
        {"root_hash": ROOT[:31]},
        {"extensions": ("",)},
        {"extensions": ("a\nb",)},
    ],
    ids=["empty-origin", "multi-line-origin", "negative-size", "huge-size", "short-root",
         "empty-extension", "multi-line-extension"],
)
def test_checkpoint_fields_are_validated(kwargs: dict[str, object]) -> None:
    fields: dict[str, object] = {"origin": "o", "size": 1, "root_hash": ROOT}
    fields.update(kwargs)
    with pytest.raises(InvalidInput):
        Checkpoint(**fields)  # type: ignore[arg-type]


# --- signed notes --------------------------------------------------------------------

LOG_SEED = hashlib.sha256(b"test log key").digest()
LOG_NAME = "example.com/ledger"
LOG_PUBLIC = bytes(SigningKey(LOG_SEED).verify_key.encode())
OTHER_SEED = hashlib.sha256(b"another key").digest()
OTHER_PUBLIC = bytes(SigningKey(OTHER_SEED).verify_key.encode())
CHECKPOINT = Checkpoint(LOG_NAME, 42, ROOT)


def _signed() -> str:
    return sign_checkpoint(CHECKPOINT, LOG_NAME, LOG_SEED)


def test_sign_and_open_round_trip() -> None:
    note = _signed()
    body, _, signatures = note.partition("\n\n")
    assert body + "\n" == CHECKPOINT.body()
    assert signatures.startswith(f"\u2014 {LOG_NAME} ")
    blob = base64.b64decode(signatures.split(" ")[2])
    assert blob[:4] == key_id(LOG_NAME, LOG_PUBLIC) and len(blob) == 68
    assert open_note(note, {LOG_NAME: LOG_PUBLIC}) == CHECKPOINT.body()
    assert open_checkpoint(note, {LOG_NAME: LOG_PUBLIC}) == CHECKPOINT


def test_key_id_definition() -> None:
    digest = hashlib.sha256(LOG_NAME.encode() + b"\n\x01" + LOG_PUBLIC).digest()
    assert key_id(LOG_NAME, LOG_PUBLIC) == digest[:4]
    vkey = verifier_key_string(LOG_NAME, LOG_PUBLIC)
    typed_key = base64.b64encode(bytes([1]) + LOG_PUBLIC).decode()
    assert vkey == f"{LOG_NAME}+{digest[:4].hex()}+{typed_key}"
    assert parse_verifier_key(vkey) == (LOG_NAME, LOG_PUBLIC)


def test_tampered_body_is_rejected() -> None:
    note = _signed().replace("\n42\n", "\n43\n")
    with pytest.raises(NoteError, match="does not verify"):
        open_note(note, {LOG_NAME: LOG_PUBLIC})


def test_wrong_key_under_the_right_name_is_rejected() -> None:
    # A different key has a different key ID, so the signature is "unknown" and nothing
    # trusted signed the note.
    with pytest.raises(NoteError, match="no trusted key"):
        open_note(_signed(), {LOG_NAME: OTHER_PUBLIC})


def test_unknown_key_name_is_rejected() -> None:
    with pytest.raises(NoteError, match="no trusted key"):
        open_note(_signed(), {"example.com/other": LOG_PUBLIC})
    with pytest.raises(NoteError):
        open_note(_signed(), {})


def test_known_key_with_bad_signature_is_rejected() -> None:
    note = _signed()
    prefix, blob_b64 = note.rstrip("\n").rsplit(" ", 1)
    blob = bytearray(base64.b64decode(blob_b64))
    blob[-1] ^= 0x01  # same key ID, broken signature
    forged = f"{prefix} {base64.b64encode(bytes(blob)).decode()}\n"
    with pytest.raises(NoteError, match="does not verify"):
        open_note(forged, {LOG_NAME: LOG_PUBLIC})


def test_known_key_id_with_short_signature_is_rejected() -> None:
    body = CHECKPOINT.body()
    blob = key_id(LOG_NAME, LOG_PUBLIC) + b"\x00" * 10
    note = f"{body}\n\u2014 {LOG_NAME} {base64.b64encode(blob).decode()}\n"
    with pytest.raises(NoteError, match="wrong length"):
        open_note(note, {LOG_NAME: LOG_PUBLIC})


def test_unknown_cosignatures_are_ignored() -> None:
    note = _signed()
    cosigned = sign_note(CHECKPOINT.body(), "witness.example/w1", OTHER_SEED)
    extra_line = cosigned.split("\n\n")[1]
    both = note + extra_line
    assert open_note(both, {LOG_NAME: LOG_PUBLIC}) == CHECKPOINT.body()
    assert open_note(both, {"witness.example/w1": OTHER_PUBLIC}) == CHECKPOINT.body()
    assert open_note(both, {LOG_NAME: LOG_PUBLIC, "witness.example/w1": OTHER_PUBLIC}) \
        == CHECKPOINT.body()


def test_one_failing_trusted_signature_rejects_the_note() -> None:
    zero_signature = key_id("witness.example/w1", OTHER_PUBLIC) + bytes(64)
    bad_witness = f"\u2014 witness.example/w1 {base64.b64encode(zero_signature).decode()}\n"
    note = _signed() + bad_witness
    with pytest.raises(NoteError, match="does not verify"):
        open_note(note, {LOG_NAME: LOG_PUBLIC, "witness.example/w1": OTHER_PUBLIC})


def _malformed_notes() -> dict[str, str]:
    note = _signed()
    body = CHECKPOINT.body()
    line = note[len(body) + 1 :]
    return {
        "hyphen-not-em-dash": body + "\n" + line.replace("\u2014", "-"),
        "two-hyphens": body + "\n" + line.replace("\u2014", "--"),
        "no-space-after-dash": body + "\n" + line.replace("\u2014 ", "\u2014"),
        "double-space": body + "\n" + line.replace(f"{LOG_NAME} ", f"{LOG_NAME}  "),
        "extra-field": note[:-1] + " extra\n",
        "no-signature-blob": body + f"\n\u2014 {LOG_NAME}\n",
        "signature-not-base64": body + f"\n\u2014 {LOG_NAME} !!!!\n",
        "signature-too-short": body + f"\n\u2014 {LOG_NAME} AAAA\n",
        "missing-final-newline": note[:-1],
        "no-blank-line": body + line,
        "no-signatures": body + "\n",
        "blank-line-in-signatures": note + "\n",
        "control-character": note.replace("example.com", "example\x01com", 1),
        "carriage-returns": note.replace("\n", "\r\n"),
        "lone-surrogate": note.replace("42", "4\ud8002", 1),
        "too-many-signatures": note + line * 100,
    }


@pytest.mark.parametrize("name", list(_malformed_notes()))
def test_malformed_notes_are_rejected(name: str) -> None:
    with pytest.raises(NoteError):
        open_note(_malformed_notes()[name], {LOG_NAME: LOG_PUBLIC})


def test_sixteen_signatures_are_accepted() -> None:
    note = _signed()
    line = note.split("\n\n")[1]
    assert open_note(note + line * 15, {LOG_NAME: LOG_PUBLIC}) == CHECKPOINT.body()


@pytest.mark.parametrize(
    ("body", "name", "seed"),
    [
        ("no newline", LOG_NAME, LOG_SEED),
        ("tab\there\n", LOG_NAME, LOG_SEED),
        ("ok\n", "", LOG_SEED),
        ("ok\n", "has space", LOG_SEED),
        ("ok\n", "has+plus", LOG_SEED),
        ("ok\n", LOG_NAME, LOG_SEED[:31]),
        ("bad \ud800 text\n", LOG_NAME, LOG_SEED),
    ],
    ids=["no-newline", "control-char", "empty-name", "space-in-name", "plus-in-name",
         "short-seed", "lone-surrogate"],
)
def test_sign_note_refuses_unopenable_notes(body: str, name: str, seed: bytes) -> None:
    with pytest.raises(InvalidInput):
        sign_note(body, name, seed)


def test_open_note_refuses_bad_verifier_configuration() -> None:
    with pytest.raises(InvalidInput):
        open_note(_signed(), {LOG_NAME: LOG_PUBLIC[:31]})
    with pytest.raises(InvalidInput):
        open_note(_signed(), {"bad name": LOG_PUBLIC})


def _bad_verifier_keys() -> dict[str, str]:
    good = verifier_key_string(LOG_NAME, LOG_PUBLIC)
    name, id_hex, key_b64 = good.split("+", 2)
    wrong_type = base64.b64encode(bytes([2]) + LOG_PUBLIC).decode()
    short_key = base64.b64encode(bytes([1]) + LOG_PUBLIC[:31]).decode()
    return {
        "wrong-id": f"{name}+00000000+{key_b64}",
        "short-id": f"{name}+{id_hex[:6]}+{key_b64}",
        "wrong-type": f"{name}+{id_hex}+{wrong_type}",
        "short-key": f"{name}+{id_hex}+{short_key}",
        "bad-base64": f"{name}+{id_hex}+{key_b64[:-1]}",
        "missing-part": f"{name}+{id_hex}",
        "space-in-name": f"bad name+{id_hex}+{key_b64}",
        "other-name": f"example.com/other+{id_hex}+{key_b64}",
    }


@pytest.mark.parametrize("name", list(_bad_verifier_keys()))
def test_malformed_verifier_keys_are_rejected(name: str) -> None:
    with pytest.raises(InvalidInput):
        parse_verifier_key(_bad_verifier_keys()[name])


# --- SKMS's key names: the chain's origin line and the ledger's origin ---------------------

CHAIN_CHECKPOINT = Checkpoint(chain_origin(LOG_NAME, "default"), 42, ROOT)


def test_ledger_checkpoints_carry_an_origin_named_and_a_ledger_named_line() -> None:
    note = sign_ledger_checkpoint(CHAIN_CHECKPOINT, LOG_NAME, LOG_SEED)
    lines = note.split("\n\n", 1)[1].splitlines()
    assert [line.split(" ")[1] for line in lines] == [f"{LOG_NAME}/default", LOG_NAME]
    assert note.startswith(sign_checkpoint(CHAIN_CHECKPOINT, CHAIN_CHECKPOINT.origin, LOG_SEED))
    for name in (CHAIN_CHECKPOINT.origin, LOG_NAME):
        assert open_checkpoint(note, {name: LOG_PUBLIC}) == CHAIN_CHECKPOINT
    assert open_checkpoint(note, ledger_verifiers(LOG_NAME, "default", LOG_PUBLIC)) \
        == CHAIN_CHECKPOINT
    assert chain_verifier_key(LOG_NAME, "default", LOG_PUBLIC) == verifier_key_string(
        f"{LOG_NAME}/default", LOG_PUBLIC)


def test_a_bad_line_under_either_trusted_name_rejects_the_note() -> None:
    note = sign_ledger_checkpoint(CHAIN_CHECKPOINT, LOG_NAME, LOG_SEED)
    for line in (0, 1):  # break the origin-named, then the ledger-named signature
        body, block = note.split("\n\n", 1)
        lines = block.splitlines()
        prefix, blob_b64 = lines[line].rsplit(" ", 1)
        blob = bytearray(base64.b64decode(blob_b64))
        blob[-1] ^= 0x01  # same key ID, broken signature
        lines[line] = f"{prefix} {base64.b64encode(bytes(blob)).decode()}"
        forged = body + "\n\n" + "\n".join(lines) + "\n"
        with pytest.raises(NoteError, match="does not verify"):
            open_checkpoint(forged, ledger_verifiers(LOG_NAME, "default", LOG_PUBLIC))


def test_add_signature_keeps_the_lines_and_refuses_what_is_not_a_note() -> None:
    note = _signed()
    cosigned = add_signature(note, "witness.example/w1", OTHER_SEED)
    assert cosigned.startswith(note) and cosigned.count("\u2014 ") == 2
    assert open_note(cosigned, {"witness.example/w1": OTHER_PUBLIC}) == CHECKPOINT.body()
    for not_a_note in (CHECKPOINT.body(), note.rstrip("\n")):
        with pytest.raises(InvalidInput):
            add_signature(not_a_note, "witness.example/w1", OTHER_SEED)


@pytest.mark.parametrize("name", ["log\udc80", "\ud800"])
def test_key_names_that_are_not_valid_unicode_are_invalid_input(name: str) -> None:
    """Regression (fuzzing, tests/fuzz/corpus/checkpoint/regression-surrogate-in-verifier-
    key-name): a lone surrogate in a verifier key's name escaped as UnicodeEncodeError
    from the key ID's hash input; a name must be text a note can carry."""
    good = verifier_key_string(LOG_NAME, LOG_PUBLIC)
    with pytest.raises(InvalidInput):
        parse_verifier_key(name + good[len(LOG_NAME):])
    with pytest.raises(InvalidInput):
        open_note(_signed(), {name: LOG_PUBLIC})
    with pytest.raises(InvalidInput):
        sign_note(CHECKPOINT.body(), name, LOG_SEED)
