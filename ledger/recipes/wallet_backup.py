"""Recipe: threshold backups of a wallet seed, as share documents for custodians.

Requirements:

1. A backup splits the wallet's current 64-byte seed ``threshold``-of-``n``, one share per
   named custodian, with one of two schemes:

   * ``feldman`` (:mod:`ledger.crypto.secret_sharing`): Feldman-verifiable shares of a
     random key that seals the seed with AES-256-GCM; any custodian can check their share.
   * ``slip39`` (:mod:`ledger.crypto.slip39`): SLIP-39 mnemonic shares of the seed as
     master secret, restorable in any SLIP-39 wallet (same BIP-32 seed, same addresses).

2. What the ledger records (:meth:`Backup.record`) identifies every share without being
   one: Feldman commitment digests and the ciphertext digest, or per-share SHA-256 digests
   for SLIP-39 (each share carries >= 128 bits of unpredictable data, so its digest is not
   a handle for guessing).
3. Recovery checks each presented document against that record first, names every bad
   share by index, refuses below-threshold sets, and returns the seed only if it
   rebuilds exactly (the caller compares its master fingerprint with the wallet's).

A share document is JSON-ready: ``format``, ``scheme``, ``wallet_id``, ``split_id``,
``index`` (1-based), ``custodian``, ``threshold``, ``share_count``,
``master_fingerprint`` (public), plus ``share``/``commitments``/``ciphertext`` (Feldman,
hex) or ``mnemonic`` (SLIP-39). Only ``share`` and ``mnemonic`` are secret.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ledger.crypto import secret_sharing, slip39
from ledger.crypto.ecdsa_secp256k1 import SECP256K1_ORDER
from ledger.crypto.shamir import InsufficientShares, InvalidShare, ScalarShare
from ledger.errors import InvalidInput

__all__ = ["SCHEMES", "SHARE_FORMAT", "Backup", "make_backup", "recover_from_documents",
           "recover_seed", "split_for_custodians"]

SHARE_FORMAT = "skms-wallet-share/v1"
SCHEMES: dict[str, str] = {"feldman": secret_sharing.SCHEME_ID, "slip39": "slip39"}
"""CLI name → scheme id recorded in ``SecretSplit``."""

_SLIP39_DIGEST_LABEL = b"skms/slip39-share-digest/v1\x00"


@dataclass(frozen=True, slots=True, repr=False)
class Backup:
    """A fresh backup: the public record and the secret share documents."""

    scheme_id: str
    commitment_digests: list[bytes]
    ciphertext_digest: bytes
    documents: list[dict[str, Any]] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"Backup({self.scheme_id}, {len(self.documents)} shares)"


def backup_context(wallet_id: str, split_id: str) -> bytes:
    return f"skms-wallet-backup:v1:{wallet_id}:{split_id}".encode()


def _slip39_digest(split_id: str, index: int, mnemonic: str) -> bytes:
    words = " ".join(unicodedata.normalize("NFKD", mnemonic).split())
    return hashlib.sha256(_SLIP39_DIGEST_LABEL + f"{split_id}\x00{index}\x00".encode()
                          + words.encode()).digest()


def make_backup(seed: bytes | bytearray, *, wallet_id: str, split_id: str, scheme: str,
                threshold: int, custodians: Sequence[str],
                master_fingerprint: bytes) -> Backup:
    """Split ``seed`` for ``custodians`` (share ``i`` goes to ``custodians[i-1]``)."""
    return split_for_custodians(
        seed, share_format=SHARE_FORMAT, subject=("wallet_id", wallet_id), split_id=split_id,
        scheme=scheme, threshold=threshold, custodians=custodians,
        context=backup_context(wallet_id, split_id),
        extra={"master_fingerprint": master_fingerprint.hex()})


def split_for_custodians(secret: bytes | bytearray, *, share_format: str,
                         subject: tuple[str, str], split_id: str, scheme: str, threshold: int,
                         custodians: Sequence[str], context: bytes,
                         extra: Mapping[str, Any] | None = None) -> Backup:
    """Split any secret into share documents (the wallet seed's recipe, for any owner).

    ``subject`` is the (field, value) naming what the shares belong to (``wallet_id``,
    ``bundle_id``); ``context`` binds the Feldman ciphertext to it; ``extra`` adds public
    fields to every document.
    """
    scheme_id = SCHEMES.get(scheme)
    if scheme_id is None:
        raise InvalidInput(f"must be one of {', '.join(SCHEMES)}", field="scheme")
    count = len(custodians)
    common = {"format": share_format, "scheme": scheme_id, subject[0]: subject[1],
              "split_id": split_id, "threshold": threshold, "share_count": count,
              **dict(extra or {})}
    documents: list[dict[str, Any]] = []
    if scheme == "feldman":
        split = secret_sharing.split_secret(secret, threshold, count, context=context)
        commitments = [c.hex() for c in split.commitments]
        for share in split.shares:
            documents.append({**common, "index": share.index,
                              "custodian": custodians[share.index - 1],
                              "share": share.to_bytes().hex(), "commitments": commitments,
                              "ciphertext": split.ciphertext.hex()})
        return Backup(scheme_id, [secret_sharing.commitment_digest(c)
                                  for c in split.commitments],
                      secret_sharing.ciphertext_digest(split.ciphertext), documents)
    mnemonics = slip39.split(secret, threshold, count)
    digests = []
    for index, mnemonic in enumerate(mnemonics, start=1):
        documents.append({**common, "index": index, "custodian": custodians[index - 1],
                          "mnemonic": mnemonic})
        digests.append(_slip39_digest(split_id, index, mnemonic))
    return Backup(scheme_id, digests, b"", documents)


# --- recovery --------------------------------------------------------------------------------

def _text(document: Mapping[str, Any], name: str) -> str:
    value = document.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"a share document lacks {name}", field="shares")
    return value


def _check_common(documents: Sequence[Mapping[str, Any]], share_format: str,
                  subject: tuple[str, str], split_id: str, scheme_id: str,
                  share_count: int) -> list[int]:
    indexes = []
    for document in documents:
        if not isinstance(document, Mapping) or document.get("format") != share_format:
            raise InvalidInput(f"not a {share_format} share document", field="shares")
        if (_text(document, subject[0]) != subject[1]
                or _text(document, "split_id") != split_id):
            owner = subject[0].removesuffix("_id")
            raise InvalidInput(f"the shares belong to another {owner} or backup",
                               field="shares")
        if _text(document, "scheme") != scheme_id:
            raise InvalidInput("the shares were made with another scheme", field="shares")
        index = document.get("index")
        if not isinstance(index, int) or isinstance(index, bool) or not 1 <= index <= share_count:
            raise InvalidInput("a share index is outside the backup", field="shares")
        indexes.append(index)
    if len(set(indexes)) != len(indexes):
        raise InvalidInput("the same share was presented twice", field="shares")
    return indexes


def _hex_field(document: Mapping[str, Any], name: str) -> bytes | None:
    value = document.get(name)
    if not isinstance(value, str):
        return None
    try:
        return bytes.fromhex(value)
    except ValueError:
        return None


def _feldman(documents: Sequence[Mapping[str, Any]], indexes: list[int],
             split: Mapping[str, Any], context: bytes) -> bytearray:
    recorded: list[bytes] = list(split["commitment_digests"])
    bad: list[int] = []
    shares: list[ScalarShare] = []
    commitments: list[bytes] | None = None
    ciphertext: bytes | None = None
    for document, index in zip(documents, indexes, strict=True):
        raw = document.get("commitments")
        points = ([_hex_field({"c": c}, "c") for c in raw] if isinstance(raw, list) else [])
        blob = _hex_field(document, "ciphertext")
        value = _hex_field(document, "share")
        digests_match = (len(points) == len(recorded) and all(
            p is not None and hmac.compare_digest(secret_sharing.commitment_digest(p), d)
            for p, d in zip(points, recorded, strict=True)))
        blob_matches = blob is not None and hmac.compare_digest(
            secret_sharing.ciphertext_digest(blob), bytes(split["ciphertext_digest"]))
        scalar = int.from_bytes(value, "big") if value is not None and len(value) == 32 else 0
        if not (digests_match and blob_matches and 1 <= scalar < SECP256K1_ORDER):
            bad.append(index)
            continue
        commitments = [p for p in points if p is not None]
        ciphertext = blob
        shares.append(ScalarShare(index, scalar))
    if commitments is not None:
        for share in shares:
            try:
                secret_sharing.verify_share(share, commitments)
            except InvalidShare:
                bad.append(share.index)
    if bad:
        raise InvalidShare(bad, f"share(s) {', '.join(map(str, sorted(bad)))} do not match "
                                "the commitments recorded for this backup")
    if commitments is None or ciphertext is None or len(shares) < split["threshold"]:
        raise InsufficientShares(len(shares), split["threshold"])
    return secret_sharing.recover_secret(shares, commitments, ciphertext, context=context)


def _slip39(documents: Sequence[Mapping[str, Any]], indexes: list[int],
            split: Mapping[str, Any], split_id: str) -> bytearray:
    recorded: list[bytes] = list(split["commitment_digests"])
    bad = []
    mnemonics = []
    for document, index in zip(documents, indexes, strict=True):
        mnemonic = document.get("mnemonic")
        if not isinstance(mnemonic, str) or not hmac.compare_digest(
                _slip39_digest(split_id, index, mnemonic), recorded[index - 1]):
            bad.append(index)
            continue
        mnemonics.append(mnemonic)
    if bad:
        raise InvalidShare(bad, f"share(s) {', '.join(map(str, sorted(bad)))} differ from "
                                "the shares recorded for this backup")
    if len(mnemonics) < split["threshold"]:
        raise InsufficientShares(len(mnemonics), split["threshold"])
    return slip39.combine(mnemonics)


def recover_seed(documents: Sequence[Mapping[str, Any]], *, wallet_id: str,
                 split: Mapping[str, Any]) -> tuple[bytearray, list[int]]:
    """The seed (a buffer to wipe) and the sorted share indexes used.

    ``split`` is the backup as the wallet recorded it (``Wallet.splits[split_id]``).
    """
    return recover_from_documents(documents, share_format=SHARE_FORMAT,
                                  subject=("wallet_id", wallet_id), split=split,
                                  context=backup_context(wallet_id, split["split_id"]))


def recover_from_documents(documents: Sequence[Mapping[str, Any]], *, share_format: str,
                           subject: tuple[str, str], split: Mapping[str, Any],
                           context: bytes) -> tuple[bytearray, list[int]]:
    """The secret of :func:`split_for_custodians` (a buffer to wipe) and the sorted share
    indexes used, after checking every document against ``split`` (what the ledger
    recorded: ``split_id``, ``scheme``, ``threshold``, ``share_count``,
    ``commitment_digests``, ``ciphertext_digest``)."""
    if not documents:
        raise InsufficientShares(0, split["threshold"])
    split_id = split["split_id"]
    indexes = _check_common(documents, share_format, subject, split_id, split["scheme"],
                            split["share_count"])
    if split["scheme"] == secret_sharing.SCHEME_ID:
        secret = _feldman(documents, indexes, split, context)
    else:
        secret = _slip39(documents, indexes, split, split_id)
    return secret, sorted(indexes)
