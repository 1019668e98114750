"""A threshold group key seen as a ledger key: its algorithm profile and verification.

Why: a finished DKG (or an accepted deal) records the group key as a ledger ``Key`` whose
algorithm is the group's suite (``frost-ed25519``, ``frost-secp256k1``,
``bls12381-min-pk``), so key reads, the keys projection and the inventory reports show it
beside every other key. Such a key has a public key and verifies signatures like any
signature key, but no ledger holds its secret: it is made only by the threshold commands
and signs only in a threshold session. So these profiles resolve by id (for reads, the
projections and verification) but are not among the algorithms ``CreateKey`` offers.

1. :data:`GROUP_KEY_KINDS`: one profile per suite, with the ordinary scheme its public key
   and signatures are (``frost-ed25519``: an Ed25519 key, RFC 8032 signatures;
   ``bls12381-min-pk``: a ``bls12381-pop`` key and signature), or none
   (``frost-secp256k1``: RFC 9591 signatures, ``R(33) || z(32)``, verified here).
2. :func:`verify_group_signature`: the signature check of a group key.

Pure data until a signature is checked: importing this module pulls in no group
arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.errors import UnsupportedAlgorithm

__all__ = ["GROUP_KEY_KINDS", "GroupKeyKind", "group_key_kind", "is_group_key_kind",
           "verify_group_signature"]


@dataclass(frozen=True, slots=True)
class GroupKeyKind:
    """What a group key of one suite is, as a ledger key."""

    kind_id: str
    security_bits: int
    public_key_size: int
    signature_size: int
    same_as: str | None  # the signature scheme whose keys and signatures these are
    description: str


GROUP_KEY_KINDS: dict[str, GroupKeyKind] = {kind.kind_id: kind for kind in (
    GroupKeyKind("frost-ed25519", 128, 32, 64, "ed25519",
                 "FROST(Ed25519, SHA-512) group key (RFC 9591): t of n ledgers sign in "
                 "rounds (threshold sign); the signature is a plain Ed25519 one"),
    GroupKeyKind("frost-secp256k1", 128, 33, 65, None,
                 "FROST(secp256k1, SHA-256) group key (RFC 9591): t of n ledgers sign in "
                 "rounds (threshold sign); R(33) || z(32), not BIP-340"),
    GroupKeyKind("bls12381-min-pk", 128, 48, 96, "bls12381-pop",
                 "threshold BLS12-381 group key (min-pk, PoP suite): t partial signatures "
                 "combine (threshold sign); verifies as a bls12381-pop signature"),
)}


def is_group_key_kind(kind_id: str) -> bool:
    return kind_id in GROUP_KEY_KINDS


def group_key_kind(kind_id: str) -> GroupKeyKind:
    kind = GROUP_KEY_KINDS.get(kind_id)
    if kind is None:
        raise UnsupportedAlgorithm(f"{kind_id!r} is not a threshold group key kind",
                                   field="algorithm",
                                   hint=f"one of: {', '.join(sorted(GROUP_KEY_KINDS))}")
    return kind


def verify_group_signature(kind_id: str, public_key: bytes, message: bytes,
                           signature: bytes) -> None:
    """Raise :class:`~ledger.errors.InvalidSignature` unless ``signature`` is the group
    key's signature of ``message`` (``InvalidInput`` for a malformed public key)."""
    kind = group_key_kind(kind_id)
    if kind.same_as is not None:
        from ledger.crypto.schemes import get_scheme  # light until used

        get_scheme(kind.same_as).verify(public_key, message, signature)
        return
    from ledger.crypto.threshold.frost import verify_signature
    from ledger.crypto.threshold.suites import ciphersuite_by_name

    verify_signature(ciphersuite_by_name(kind_id), public_key, message, signature)
