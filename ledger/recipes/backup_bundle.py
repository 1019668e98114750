"""Recipe: threshold backup bundles of key-ring entries and home secrets, for custodians.

Requirements:

1. A bundle holds the data key of every chosen key version, wallet seed version and
   threshold seat's signing share (``threshold-share``: its sealed share stays in the log,
   like all sealed material); optionally the ledger's signing key and identity keys of the
   home (a whole-ledger backup). Everything secret is one payload sealed (AES-256-GCM)
   under the bundle's own fresh 32-byte data key (DEK).
2. The DEK is split ``threshold``-of-``n`` with the wallet backups' recipe
   (:func:`ledger.recipes.wallet_backup.split_for_custodians`): Shamir over secp256k1 with
   Feldman commitments, or SLIP-39. Each custodian's share document is sealed to that
   custodian's public key with HPKE (:mod:`ledger.recipes.custody_keys`: ML-KEM-768+X25519
   or X25519), bound to the bundle id and the share index. No share exists in clear
   anywhere but in its custodian's hands.
3. The bundle is JSON. Everything but ``signature`` is its *header*; the ledger signs
   ``"SKMS-BACKUP-v1\\0" || canonical_json(header)`` with its Ed25519 key, and the event
   that records the backup keeps ``SHA-256`` of the signed bundle (:func:`bundle_digest`),
   the commitment digests and the share digests, so a bundle, a share or a commitment set
   made up later is refused.
4. :func:`verify` checks a bundle without opening it (no share, no private key): format,
   signature, sizes, the custodians' keys, the split's public part.
5. :func:`open_share` is the custodian's side (offline, with their private key document);
   :func:`open_payload` rebuilds the DEK from ``threshold`` share documents (M-1 are
   refused, naming how many are valid and how many are needed) and returns the secrets.
6. The payload's associated data is the digest of the header without its payload, so no
   field of the manifest can be changed without the payload failing to open.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ledger.canonical import canonical_json
from ledger.crypto import aead, secret_sharing
from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.crypto.schemes import get_scheme
from ledger.errors import CryptoError, InvalidInput, InvalidSignature
from ledger.recipes import custody_keys, wallet_backup
from ledger.recipes.custody_keys import CustodyKey

__all__ = [
    "BUNDLE_FORMAT",
    "SHARE_FORMAT",
    "Entry",
    "NewBundle",
    "Secret",
    "bundle_digest",
    "create",
    "open_payload",
    "open_share",
    "split_record",
    "verify",
]

BUNDLE_FORMAT = "skms-backup-bundle/v1"
SHARE_FORMAT = "skms-backup-share/v1"
SIGNING_LABEL = b"SKMS-BACKUP-v1\x00"
_PAYLOAD_LABEL = b"skms/backup-payload/v1\x00"
DEK_SIZE = 32
KINDS = ("key-version", "wallet-seed", "threshold-share", "ledger-key", "identity")
MAX_ENTRIES = 100_000
MAX_SECRET = 16_384


@dataclass(frozen=True, slots=True, repr=False)
class Entry:
    """One secret of a bundle: ``public`` is its manifest line (no secret), ``secret`` the
    bytes sealed in the payload (a data key, or a home's private key)."""

    public: dict[str, Any]
    secret: bytearray

    def __repr__(self) -> str:
        return f"Entry({self.public.get('kind')}, {self.public.get('id')})"


@dataclass(frozen=True, slots=True, repr=False)
class Secret:
    """A secret out of an opened bundle: its manifest line and the bytes (wipe them)."""

    public: Mapping[str, Any]
    secret: bytearray

    def __repr__(self) -> str:
        return f"Secret({self.public.get('kind')}, {self.public.get('id')})"


@dataclass(frozen=True, slots=True, repr=False)
class NewBundle:
    """A bundle and what the ledger records of it (digests only)."""

    bundle: dict[str, Any]
    digest: bytes
    scheme_id: str
    commitment_digests: list[bytes]
    ciphertext_digest: bytes
    custodian_digests: list[bytes] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"NewBundle({self.bundle['bundle_id']})"


def _context(bundle_id: str) -> bytes:
    return f"skms-backup-bundle:v1:{bundle_id}".encode()


def _share_context(bundle_id: str, index: int) -> bytes:
    return f"skms-backup-share:v1:{bundle_id}:{index}".encode()


def _header(bundle: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in bundle.items() if k != "signature"}


def _payload_aad(bundle: Mapping[str, Any]) -> bytes:
    without = {k: v for k, v in bundle.items() if k not in ("signature", "payload")}
    return _PAYLOAD_LABEL + hashlib.sha256(canonical_json(without)).digest()


def bundle_digest(bundle: Mapping[str, Any]) -> bytes:
    """SHA-256 of the whole signed bundle (canonical JSON): what the ledger records."""
    return hashlib.sha256(canonical_json(dict(bundle))).digest()


Signer = Callable[[bytes], bytes]
"""The ledger's Ed25519 signature over a message (:meth:`ledger.application.Ledger.
ledger_signature`)."""


def create(entries: Sequence[Entry], *, bundle_id: str, ledger_id: str,
           ledger_public_key: bytes, sign: Signer, created_at: int, created_by: str,
           custodians: Sequence[CustodyKey], threshold: int, scheme: str) -> NewBundle:
    """Seal ``entries`` under a fresh DEK and split it for ``custodians``; the ledger signs
    the bundle (``sign``). The entries' secrets stay the caller's."""
    if not entries:
        raise InvalidInput("nothing to back up", field="keys")
    if len(entries) > MAX_ENTRIES:
        raise InvalidInput(f"at most {MAX_ENTRIES} entries per bundle", field="keys")
    names = [c.name for c in custodians]
    if len(set(names)) != len(names) or len({c.public_key for c in custodians}) != len(names):
        raise InvalidInput("name distinct custodians with distinct keys", field="custodians")
    if not 1 <= threshold <= len(custodians):
        raise InvalidInput(f"must be a whole number from 1 to {len(custodians)}",
                           field="threshold")
    dek = random_bytes(DEK_SIZE)
    plaintext = bytearray()
    try:
        split = wallet_backup.split_for_custodians(
            dek, share_format=SHARE_FORMAT, subject=("bundle_id", bundle_id),
            split_id=bundle_id, scheme=scheme, threshold=threshold, custodians=names,
            context=_context(bundle_id), extra={"ledger_id": ledger_id})
        sealed_shares = []
        for custodian, document in zip(custodians, split.documents, strict=True):
            text = bytearray(canonical_json(document))
            try:
                sealed_shares.append(custody_keys.seal_to(
                    custodian, text, context=_share_context(bundle_id, document["index"])))
            finally:
                zeroize(text)
        manifest = []
        for entry in entries:
            manifest.append({**entry.public, "size": len(entry.secret)})
            plaintext += entry.secret
        first = split.documents[0]
        bundle: dict[str, Any] = {
            "format": BUNDLE_FORMAT, "bundle_id": bundle_id, "ledger_id": ledger_id,
            "ledger_public_key": ledger_public_key.hex(),
            "created_at": created_at, "created_by": created_by,
            "scheme": split.scheme_id, "threshold": threshold, "share_count": len(names),
            "custodians": [{**c.to_dict(), "index": n, "sealed_share": blob.hex()}
                           for n, (c, blob) in enumerate(zip(custodians, sealed_shares,
                                                             strict=True), start=1)],
            "split": ({"commitments": first["commitments"], "ciphertext": first["ciphertext"]}
                      if "commitments" in first else
                      {"share_digests": [d.hex() for d in split.commitment_digests]}),
            "manifest": manifest,
        }
        bundle["payload"] = aead.seal(dek, plaintext, _payload_aad(bundle)).hex()
        bundle["signature"] = sign(SIGNING_LABEL + canonical_json(bundle)).hex()
        for document in split.documents:  # the clear shares die here
            document.pop("share", None)
            document.pop("mnemonic", None)
    finally:
        zeroize(dek)
        zeroize(plaintext)
    return NewBundle(bundle, bundle_digest(bundle), split.scheme_id,
                     split.commitment_digests, split.ciphertext_digest,
                     [c.digest for c in custodians])


# --- checking without opening -------------------------------------------------------------

def _require(condition: bool, message: str, field: str = "bundle") -> None:
    if not condition:
        raise InvalidInput(message, field=field)


def _hex(value: object, what: str) -> bytes:
    raw: bytes | None = None
    if isinstance(value, str):
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            raw = None
    _require(raw is not None, f"the bundle's {what} is not hex")
    assert raw is not None
    return raw


def _integer(value: object, what: str, low: int, high: int) -> int:
    _require(isinstance(value, int) and not isinstance(value, bool) and low <= value <= high,
             f"the bundle's {what} is not a whole number from {low} to {high}")
    assert isinstance(value, int)
    return value


@dataclass(frozen=True, slots=True)
class Checked:
    """A bundle that passed :func:`verify`: its parsed public parts."""

    bundle: Mapping[str, Any]
    custodians: list[CustodyKey]
    sealed_shares: list[bytes]
    manifest: list[Mapping[str, Any]]
    digest: bytes


def verify(bundle: Mapping[str, Any], *, ledger_public_key: bytes | None = None) -> Checked:
    """Check a bundle without opening it; raise ``InvalidInput`` naming what is wrong, or
    ``InvalidSignature`` if the ledger's signature does not verify (against the pinned
    ``ledger_public_key`` if given, else the one the bundle names)."""
    _require(isinstance(bundle, Mapping) and bundle.get("format") == BUNDLE_FORMAT,
             f"not a {BUNDLE_FORMAT} document")
    for name in ("bundle_id", "ledger_id", "created_by", "scheme"):
        _require(isinstance(bundle.get(name), str) and bool(bundle.get(name)),
                 f"the bundle lacks {name}")
    named_key = _hex(bundle.get("ledger_public_key"), "ledger_public_key")
    if ledger_public_key is not None and not hmac.compare_digest(named_key,
                                                                  ledger_public_key):
        raise InvalidSignature("the bundle names another ledger key than the pinned one")
    try:
        get_scheme("ed25519").verify(named_key, SIGNING_LABEL + canonical_json(
            _header(bundle)), _hex(bundle.get("signature"), "signature"))
    except InvalidInput:
        raise InvalidSignature("the bundle's signature is malformed") from None
    share_count = _integer(bundle.get("share_count"), "share_count", 1, 255)
    threshold = _integer(bundle.get("threshold"), "threshold", 1, share_count)
    _integer(bundle.get("created_at"), "created_at", 0, 2**63 - 1)
    scheme = bundle["scheme"]
    _require(scheme in wallet_backup.SCHEMES.values(), "the bundle's scheme is unknown")
    raw_custodians = bundle.get("custodians")
    _require(isinstance(raw_custodians, list) and len(raw_custodians) == share_count,
             "the bundle's custodians do not match share_count")
    assert isinstance(raw_custodians, list)
    custodians, sealed = [], []
    for index, entry in enumerate(raw_custodians, start=1):
        _require(isinstance(entry, Mapping) and entry.get("index") == index,
                 "the bundle's custodians are out of order")
        custodians.append(custody_keys.parse_public(entry, field="bundle"))
        sealed.append(_hex(entry.get("sealed_share"), "sealed_share"))
    split = bundle.get("split")
    _require(isinstance(split, Mapping), "the bundle lacks its split")
    assert isinstance(split, Mapping)
    if scheme == wallet_backup.SCHEMES["feldman"]:
        commitments = split.get("commitments")
        _require(isinstance(commitments, list) and len(commitments) == threshold,
                 "the bundle's commitments do not match its threshold")
        assert isinstance(commitments, list)
        for commitment in commitments:
            _require(len(_hex(commitment, "commitments")) == 33,
                     "a commitment is not a compressed point")
        _hex(split.get("ciphertext"), "split ciphertext")
    else:
        digests = split.get("share_digests")
        _require(isinstance(digests, list) and len(digests) == share_count,
                 "the bundle's share digests do not match share_count")
    manifest = bundle.get("manifest")
    _require(isinstance(manifest, list) and 1 <= len(manifest) <= MAX_ENTRIES,
             "the bundle's manifest is empty or too long")
    assert isinstance(manifest, list)
    total = 0
    for line in manifest:
        _require(isinstance(line, Mapping) and line.get("kind") in KINDS,
                 "a manifest entry has an unknown kind")
        total += _integer(line.get("size"), "entry size", 1, MAX_SECRET)
    payload = _hex(bundle.get("payload"), "payload")
    _require(len(payload) == total + aead.OVERHEAD,
             "the payload's size does not match the manifest")
    return Checked(bundle, custodians, sealed, list(manifest), bundle_digest(bundle))


def split_record(checked: Checked) -> dict[str, Any]:
    """The split as :func:`~ledger.recipes.wallet_backup.recover_from_documents` checks it,
    from a verified bundle; the caller compares its digests with the ledger's record."""
    bundle = checked.bundle
    split = bundle["split"]
    if bundle["scheme"] == wallet_backup.SCHEMES["feldman"]:
        from_record = [secret_sharing.commitment_digest(bytes.fromhex(c))
                       for c in split["commitments"]]
        ciphertext = secret_sharing.ciphertext_digest(
            bytes.fromhex(split["ciphertext"]))
    else:
        from_record = [bytes.fromhex(d) for d in split["share_digests"]]
        ciphertext = b""
    return {"split_id": bundle["bundle_id"], "scheme": bundle["scheme"],
            "threshold": bundle["threshold"], "share_count": bundle["share_count"],
            "commitment_digests": from_record, "ciphertext_digest": ciphertext}


# --- opening ------------------------------------------------------------------------------

def open_share(bundle: Mapping[str, Any], private_key: Mapping[str, Any] | str | bytes
               ) -> dict[str, Any]:
    """The custodian's side: their share document out of a verified bundle (secret)."""
    checked = verify(bundle)
    public, secret = custody_keys.parse_private(private_key)
    try:
        position = next((n for n, c in enumerate(checked.custodians)
                         if c.public_key == public.public_key and c.kem == public.kem), None)
        if position is None:
            raise InvalidInput("this key is not one of the bundle's custodians",
                               field="private_key")
        text = custody_keys.open_with(public, secret, checked.sealed_shares[position],
                                      context=_share_context(bundle["bundle_id"],
                                                             position + 1))
    finally:
        zeroize(secret)
    try:
        document: dict[str, Any] = json.loads(bytes(text))
    finally:
        zeroize(text)
    return document


def open_payload(checked: Checked, documents: Sequence[Mapping[str, Any]],
                 record: Mapping[str, Any]) -> tuple[list[Secret], list[int]]:
    """Rebuild the DEK from share documents checked against ``record`` (the digests the
    ledger recorded, as :func:`split_record` shapes them) and open the payload: every
    secret with its manifest line (wipe them), and the share indexes used."""
    bundle = checked.bundle
    dek, indexes = wallet_backup.recover_from_documents(
        documents, share_format=SHARE_FORMAT, subject=("bundle_id", bundle["bundle_id"]),
        split=record, context=_context(bundle["bundle_id"]))
    try:
        if len(dek) != DEK_SIZE:
            raise CryptoError("the shares rebuild a secret of the wrong size")
        plaintext = aead.open_(dek, bytes.fromhex(bundle["payload"]), _payload_aad(bundle))
    finally:
        zeroize(dek)
    secrets, offset = [], 0
    try:
        for line in checked.manifest:
            size = int(line["size"])
            secrets.append(Secret(line, bytearray(plaintext[offset:offset + size])))
            offset += size
    finally:
        zeroize(plaintext)
    return secrets, indexes
