"""Tree heads as C2SP checkpoints, signed as C2SP signed notes with Ed25519.

Why these formats: a checkpoint (https://c2sp.org/tlog-checkpoint) inside a signed note
(https://c2sp.org/signed-note) is what Go's checksum database, Sigstore, Sigsum and the
transparency-dev witnesses already read. Publishing our tree heads in it lets auditors
and witnesses we did not write check and cosign them, with no format of our own to
trust or document.

Layout of a signed checkpoint::

    example.com/ledger          <- origin
    1234                        <- tree size, decimal, no leading zeros
    <base64 of the 32-byte root>
    [extension lines]
                                <- blank line: separator, not part of the signed text
    — <key name> <base64(key ID(4) || Ed25519 signature(64))>

The signed message is the note text exactly, final newline included. Parsing is strict
(canonical base64, no leading zeros, no control characters): two byte strings that
parse to the same checkpoint would let a log show different "identical" heads to
different people.

Errors: malformed or unverifiable data from outside raises
:class:`~ledger.merkle.errors.NoteError` or :class:`~ledger.merkle.errors.CheckpointError`;
bad arguments from our own side (a name with a space, a 31-byte key) raise
:class:`~ledger.errors.InvalidInput`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from hashlib import sha256

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from ledger.errors import InvalidInput
from ledger.merkle.errors import CheckpointError, NoteError
from ledger.merkle.hasher import HASH_SIZE

ED25519_SIGNATURE_TYPE = 0x01
"""Signature type byte for Ed25519 in key IDs and verifier keys (signed-note spec)."""

SIGNATURE_LINE_PREFIX = "\u2014 "
"""Em dash (U+2014) and a space: the start of every signature line."""

MAX_SIGNATURES = 100
"""Signature lines accepted per note; the spec requires at least 16 and Go allows 100."""

MAX_TREE_SIZE = 2**64 - 1
"""Largest tree size accepted: the uint64 range every other implementation uses."""

KEY_ID_SIZE = 4
_ED25519_SIGNATURE_SIZE = 64
_ED25519_KEY_SIZE = 32
_DECIMAL = re.compile(r"0|[1-9][0-9]*")  # ASCII digits only; str.isdigit takes any script
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")  # below U+0020, newline excepted


@dataclass(frozen=True)
class Checkpoint:
    """One tree head: which log, how many leaves, and the RFC 9162 root over them.

    Construction validates every field (else :class:`~ledger.errors.InvalidInput`), so a
    ``Checkpoint`` that exists always has a body that :meth:`parse_body` reads back equal.
    """

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Normalise first, so a bytearray root or a list of extensions cannot leave the
        # frozen object mutable from outside (or unhashable).
        object.__setattr__(self, "root_hash", bytes(self.root_hash))
        object.__setattr__(self, "extensions", tuple(self.extensions))
        if not self.origin or not _is_single_line(self.origin):
            raise InvalidInput("origin must be one non-empty line without control characters",
                               field="origin")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise InvalidInput(f"tree size must be within 0..2^64-1, got {self.size}",
                               field="size")
        if len(self.root_hash) != HASH_SIZE:
            raise InvalidInput(f"root hash must be {HASH_SIZE} bytes, got {len(self.root_hash)}",
                               field="root_hash")
        for line in self.extensions:
            if not line or not _is_single_line(line):
                raise InvalidInput("extension lines must be non-empty single lines without "
                                   "control characters", field="extensions")

    def body(self) -> str:
        """The note text: origin, size and base64 root, then extensions, one per line."""
        lines = [self.origin, str(self.size), _b64(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse_body(cls, text: str) -> Checkpoint:
        """Read a checkpoint body, refusing anything but the one canonical spelling.

        Raises :class:`~ledger.merkle.errors.CheckpointError` unless: the text ends with a
        newline and has at least three lines; it has no control characters but newlines;
        the origin is non-empty; the size is ASCII decimal without leading zeros within
        uint64; the root is canonical standard base64 of exactly 32 bytes; and every
        extension line is non-empty.
        """
        if not text.endswith("\n"):
            raise _body_error("a checkpoint body must end with a newline")
        if _has_control_characters(text):
            raise _body_error("a checkpoint body must not contain control characters")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise _body_error("a checkpoint body needs origin, size and root lines")
        origin, size_line, root_line, *extensions = lines
        if not origin:
            raise _body_error("the origin line is empty")
        if (len(size_line) > len(str(MAX_TREE_SIZE)) or not _DECIMAL.fullmatch(size_line)
                or int(size_line) > MAX_TREE_SIZE):
            raise _body_error("the size line must be a decimal uint64 without leading zeros")
        root_hash = _b64decode_canonical(root_line)
        if root_hash is None or len(root_hash) != HASH_SIZE:
            raise _body_error(f"the root line must be canonical base64 of {HASH_SIZE} bytes")
        if any(not line for line in extensions):
            raise _body_error("extension lines must not be empty")
        return cls(origin, int(size_line), root_hash, tuple(extensions))


def parse_body(text: str) -> Checkpoint:
    """Module-level spelling of :meth:`Checkpoint.parse_body`."""
    return Checkpoint.parse_body(text)


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID: ``SHA-256(name || 0x0A || 0x01 || public_key)[:4]``.

    The type byte keeps one key used with two algorithms from sharing an ID; the name
    keeps two logs that share a key apart.
    """
    material = name.encode("utf-8") + b"\n" + bytes([ED25519_SIGNATURE_TYPE]) + public_key
    return sha256(material).digest()[:KEY_ID_SIZE]


def verifier_key_string(name: str, public_key: bytes) -> str:
    """The standard verifier key text ``name+hex(key ID)+base64(0x01 || public_key)``."""
    _require_key_name(name)
    _require_length(public_key, _ED25519_KEY_SIZE, "public_key")
    typed_key = bytes([ED25519_SIGNATURE_TYPE]) + public_key
    return f"{name}+{key_id(name, public_key).hex()}+{_b64(typed_key)}"


def parse_verifier_key(text: str) -> tuple[str, bytes]:
    """Read a verifier key string into (name, 32-byte Ed25519 public key).

    Raises :class:`~ledger.errors.InvalidInput` unless the name is valid, the key is
    canonical base64 of the Ed25519 type byte and 32 bytes, and the stated key ID is the
    one derived from them; a mismatched ID means the string was edited or mis-copied.
    """
    parts = text.split("+", 2)  # names have no '+'; base64 may
    if len(parts) != 3:
        raise InvalidInput("a verifier key is name+keyid+key", field="verifier_key")
    name, id_hex, key_b64 = parts
    _require_key_name(name, field="verifier_key")
    typed_key = _b64decode_canonical(key_b64)
    if (typed_key is None or len(typed_key) != 1 + _ED25519_KEY_SIZE
            or typed_key[0] != ED25519_SIGNATURE_TYPE):
        raise InvalidInput("the key part must be base64 of 0x01 and a 32-byte Ed25519 key",
                           field="verifier_key")
    public_key = typed_key[1:]
    if id_hex.lower() != key_id(name, public_key).hex() or len(id_hex) != 2 * KEY_ID_SIZE:
        raise InvalidInput("the key ID does not match the name and key", field="verifier_key")
    return name, public_key


def sign_note(body: str, name: str, private_key: bytes | bytearray) -> str:
    """Sign ``body`` with the Ed25519 seed ``private_key`` and return the complete note.

    ``body`` must be non-empty, end with a newline, and hold no control characters other
    than newlines; ``name`` must be non-empty without spaces or '+'; the seed must be 32
    bytes. Anything else raises :class:`~ledger.errors.InvalidInput`, because such a note
    could not be opened again. The caller keeps ownership of ``private_key`` and should
    wipe it; the library makes its own short-lived copy, which Python cannot wipe.
    """
    _require_key_name(name)
    _require_length(private_key, _ED25519_KEY_SIZE, "private_key")
    if not body.endswith("\n") or _has_control_characters(body):
        raise InvalidInput("note text must end with a newline and contain no control "
                           "characters other than newlines", field="body")
    message = _utf8(body)
    if message is None:
        raise InvalidInput("note text must be valid Unicode", field="body")
    signing_key = SigningKey(bytes(private_key))
    public_key = bytes(signing_key.verify_key.encode())
    signature = bytes(signing_key.sign(message).signature)
    blob = _b64(key_id(name, public_key) + signature)
    return f"{body}\n{SIGNATURE_LINE_PREFIX}{name} {blob}\n"


def open_note(note_text: str, verifiers: Mapping[str, bytes]) -> str:
    """Verify a signed note against trusted keys and return its text (the signed body).

    ``verifiers`` maps key names to 32-byte Ed25519 public keys. Following the
    signed-note spec, a signature line whose (name, key ID) pair is not a trusted key is
    ignored, so witnesses can add cosignatures and logs can rotate keys. Raises
    :class:`~ledger.merkle.errors.NoteError` when the note is malformed (no blank line
    before the signatures, a signature line not of the form ``— name base64``, control
    characters, more than :data:`MAX_SIGNATURES` lines), when any trusted key's signature
    fails, or when no trusted key signed at all.
    """
    trusted = _trusted_keys(verifiers)
    if _has_control_characters(note_text) or _utf8(note_text) is None:
        raise _note_error("a note must be valid UTF-8 without control characters")
    split = note_text.rfind("\n\n")
    if split < 0:
        raise _note_error("no blank line separates the note text from its signatures")
    body, block = note_text[: split + 1], note_text[split + 2 :]
    if not block.endswith("\n"):
        raise _note_error("a signed note must end with a signature line and a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise _note_error(f"a note may carry at most {MAX_SIGNATURES} signatures")
    message = body.encode("utf-8")
    verified = False
    for line in lines:
        name, blob = _parse_signature_line(line)
        verify_key = trusted.get((name, blob[:KEY_ID_SIZE]))
        if verify_key is None:
            continue
        if len(blob) != KEY_ID_SIZE + _ED25519_SIGNATURE_SIZE:
            raise _note_error(f"the signature by {name} has the wrong length")
        try:
            verify_key.verify(message, blob[KEY_ID_SIZE:])
        except BadSignatureError:
            raise _note_error(f"the signature by trusted key {name} does not verify") from None
        verified = True
    if not verified:
        raise _note_error("no trusted key signed this note",
                          hint="check the verifier key names and IDs against the note")
    return body


def sign_checkpoint(checkpoint: Checkpoint, name: str, private_key: bytes | bytearray) -> str:
    """Sign a checkpoint's body as a note; ``name`` should be the checkpoint's origin."""
    return sign_note(checkpoint.body(), name, private_key)


def open_checkpoint(note_text: str, verifiers: Mapping[str, bytes]) -> Checkpoint:
    """Verify a signed checkpoint note, then parse its body (see :func:`open_note`)."""
    return Checkpoint.parse_body(open_note(note_text, verifiers))


# --- SKMS's naming of chains and keys ---------------------------------------------------------

def chain_origin(ledger_origin: str, chain_id: str) -> str:
    """The origin line of a chain's checkpoints: ``<ledger origin>/<chain id>``."""
    return f"{ledger_origin}/{chain_id}"


def add_signature(note_text: str, name: str, private_key: bytes | bytearray) -> str:
    """``note_text`` with one more signature line over the same text, by ``name``.

    For a second key name on one note (or a cosignature). The existing lines are kept as
    they are; the note's layout is checked as :func:`sign_note` checks a body.
    """
    split = note_text.rfind("\n\n")
    if split < 0 or not note_text.endswith("\n"):
        raise InvalidInput("not a signed note (no blank line before signatures)",
                           field="note")
    body = note_text[: split + 1]
    signed = sign_note(body, name, private_key)
    return note_text + signed[signed.rfind("\n", 0, -1) + 1 :]


def sign_ledger_checkpoint(checkpoint: Checkpoint, ledger_origin: str,
                           private_key: bytes | bytearray) -> str:
    """A chain checkpoint signed by the ledger key under two key names.

    First under the checkpoint's origin line, as C2SP tlog-checkpoint asks ("the key name
    SHOULD be the origin"; witnesses look the log's key up by origin), then under the
    ledger's origin, the one name every earlier SKMS signed with and verifies against, so
    notes stay readable by older auditors and old notes (one line) still verify.
    """
    note = sign_checkpoint(checkpoint, checkpoint.origin, private_key)
    return add_signature(note, ledger_origin, private_key)


def ledger_verifiers(ledger_origin: str, chain_id: str, public_key: bytes
                     ) -> dict[str, bytes]:
    """The trusted keys to open a chain's checkpoints with: both names the ledger signs
    under (:func:`sign_ledger_checkpoint`); a present line by either must verify."""
    return {ledger_origin: public_key, chain_origin(ledger_origin, chain_id): public_key}


def chain_verifier_key(ledger_origin: str, chain_id: str, public_key: bytes) -> str:
    """The C2SP verifier key of a chain's checkpoints (``origin+keyid+base64``): what a
    witness or ``golang.org/x/mod/sumdb/note`` is configured with for that log."""
    return verifier_key_string(chain_origin(ledger_origin, chain_id), public_key)


def _parse_signature_line(line: str) -> tuple[str, bytes]:
    if not line.startswith(SIGNATURE_LINE_PREFIX):
        raise _note_error("a signature line must start with an em dash and a space")
    fields = line[len(SIGNATURE_LINE_PREFIX) :].split(" ")
    if len(fields) != 2 or not _is_key_name(fields[0]):
        raise _note_error("a signature line must be '— <key name> <base64 signature>'")
    blob = _b64decode_canonical(fields[1])
    if blob is None or len(blob) <= KEY_ID_SIZE:
        raise _note_error("a signature must be canonical base64 of a key ID and signature")
    return fields[0], blob


def _trusted_keys(verifiers: Mapping[str, bytes]) -> dict[tuple[str, bytes], VerifyKey]:
    trusted: dict[tuple[str, bytes], VerifyKey] = {}
    for name, public_key in verifiers.items():
        _require_key_name(name, field="verifiers")
        _require_length(public_key, _ED25519_KEY_SIZE, "verifiers")
        trusted[(name, key_id(name, public_key))] = VerifyKey(bytes(public_key))
    return trusted


def _is_key_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name) \
        and not _has_control_characters(name) and _utf8(name) is not None


def _require_key_name(name: str, field: str = "name") -> None:
    if not _is_key_name(name):
        raise InvalidInput("a key name must be non-empty, without spaces, '+' or control "
                           "characters", field=field)


def _require_length(value: bytes | bytearray, size: int, field: str) -> None:
    if len(value) != size:
        raise InvalidInput(f"must be {size} bytes, got {len(value)}", field=field)


def _is_single_line(text: str) -> bool:
    return "\n" not in text and not _has_control_characters(text)


def _has_control_characters(text: str) -> bool:
    """True for any character below U+0020 other than newline (forbidden in notes)."""
    return _CONTROL.search(text) is not None


def _utf8(text: str) -> bytes | None:
    """UTF-8 bytes, or None for strings holding lone surrogates (not valid Unicode)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _b64decode_canonical(text: str) -> bytes | None:
    """Standard base64 with padding, accepted only in its one canonical spelling."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None
    return raw if _b64(raw) == text else None


def _body_error(message: str) -> CheckpointError:
    return CheckpointError(message, check="checkpoint.body")


def _note_error(message: str, hint: str = "") -> NoteError:
    return NoteError(message, check="note.signature", hint=hint)
