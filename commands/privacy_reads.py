"""The privacy reads: an approval group, and the client-side steps of blind signatures,
Paillier encryption and ring verification (ledger/catalogue/privacy.py).

All but :func:`get_approval_group` are offline (``ReadSpec(offline=True)``): answered from
their parameters alone, so the CLI computes them on the caller's machine and the issuer
never sees the message being blinded. A signature that does not verify is an
:class:`~ledger.errors.InvalidSignature` (a 422 problem, CLI exit 1), never a
``valid: false`` answer.

Why ``ctx: Any``: :mod:`commands.reads` merges :data:`PRIVACY_READS` into its table, so
this module cannot import its ``ReadContext``; the online read uses ``ledger`` and
``check_domain`` of it only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from typing import Any

from ledger.crypto.memory import zeroize
from ledger.crypto.privacy import blind_rsa, paillier
from ledger.crypto.privacy import ring as lsag
from ledger.domain.approval_group import ApprovalGroup, approval_scope, approval_statement
from ledger.errors import InvalidInput

__all__ = ["INTEGER", "PRIVACY_READS", "group_row"]

INTEGER = re.compile(r"-?[0-9]+")
"""A decimal integer (Paillier values and constants exceed JSON's safe integers)."""


def group_row(group: ApprovalGroup) -> dict[str, Any]:
    """Everything public about a group (the catalogue's ``ApprovalGroup`` shape)."""
    return {"group_id": group.group_id, "domain": group.domain, "label": group.label,
            "members": list(group.members), "ring": [bytes(k).hex() for k in group.ring],
            "ring_digest": bytes(group.ring_digest).hex(), "quorum": group.quorum,
            "proposals": [{"proposal": name, "approvals": len(entry["images"]),
                           "approved": len(entry["images"]) >= group.quorum,
                           "message_digest": bytes(entry["message_digest"]).hex()}
                          for name, entry in sorted(group.proposals.items())]}


def get_approval_group(ctx: Any, group_id: str) -> dict[str, Any]:
    group: ApprovalGroup = ctx.ledger.group(group_id)
    ctx.check_domain("groups.read", group.domain)
    return group_row(group)


def verify_ring_signature(ctx: object, ring: Sequence[str], proposal: str, message: bytes,
                          signature: str, group_id: str = "") -> dict[str, Any]:
    """A group's approval (``group_id``) or an ad-hoc ring's signature (``""``): the same
    statement and linking scope ``skms zk ring-sign`` signs."""
    keys = [bytes.fromhex(k) for k in ring]
    digest = hashlib.sha256(message).digest()
    checked = lsag.verify(keys, approval_statement(group_id, proposal, digest),
                           bytes.fromhex(signature), scope=approval_scope(group_id, proposal))
    return {"valid": True, "key_image": checked.key_image.hex(),
            "ring_digest": lsag.ring_digest(keys)}


def blind_message(ctx: object, public_key: str, variant: str,
                  message: bytes) -> dict[str, Any]:
    chosen = blind_rsa.variant_named(variant)
    spki = bytes.fromhex(public_key)
    prepared = blind_rsa.prepare(chosen, bytes(message))
    blinded = blind_rsa.blind(chosen, spki, prepared)
    try:
        inverse = blinded.inverse.hex()
    finally:
        zeroize(blinded.inverse)
    return {"prepared_message": prepared, "blinded_message": blinded.blinded_message,
            "inverse": inverse}


def finalize_blind_signature(ctx: object, public_key: str, variant: str,
                             prepared_message: bytes, blind_signature: str,
                             inverse: str) -> dict[str, Any]:
    chosen = blind_rsa.variant_named(variant)
    unblinding = bytearray(bytes.fromhex(inverse))
    try:
        signature = blind_rsa.finalize(chosen, bytes.fromhex(public_key),
                                       bytes(prepared_message),
                                       bytes.fromhex(blind_signature), unblinding)
    finally:
        zeroize(unblinding)
    return {"signature": signature.hex(), "variant": chosen.name}


def verify_blind_signature(ctx: object, public_key: str, variant: str,
                           prepared_message: bytes, signature: str) -> dict[str, Any]:
    chosen = blind_rsa.variant_named(variant)
    spki = bytes.fromhex(public_key)
    blind_rsa.verify(chosen, spki, bytes(prepared_message), bytes.fromhex(signature))
    return {"valid": True, "variant": chosen.name,
            "key_fingerprint": blind_rsa.BlindRsaPublicKey.from_spki(spki).fingerprint()}


def homomorphic_encrypt(ctx: object, public_key: str, value: str) -> dict[str, Any]:
    key = paillier.PaillierPublicKey.from_bytes(bytes.fromhex(public_key))
    if INTEGER.fullmatch(value) is None:
        raise InvalidInput("must be a decimal integer", field="value")
    number = int(value)
    if not -key.n // 2 < number < key.n:
        raise InvalidInput("must be in (-n/2, n)", field="value")
    ciphertext = key.encrypt(number % key.n).to_bytes()
    return {"ciphertext": ciphertext, "ciphertext_digest": hashlib.sha256(ciphertext)
            .hexdigest(), "key_fingerprint": key.fingerprint()}


PRIVACY_READS: dict[str, Callable[..., Any]] = {
    "GetApprovalGroup": get_approval_group,
    "VerifyRingSignature": verify_ring_signature,
    "BlindMessage": blind_message,
    "FinalizeBlindSignature": finalize_blind_signature,
    "VerifyBlindSignature": verify_blind_signature,
    "HomomorphicEncrypt": homomorphic_encrypt,
}
"""Catalogue read name -> its function (merged into :data:`commands.reads.READS`)."""
