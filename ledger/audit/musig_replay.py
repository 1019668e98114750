"""The auditor's replay of a MuSig2 seat from the public values logged.

Why: a MuSig2 seat's events record the participants' keys, the tweaks, every public nonce
of a session and the seat's partial signature. From those alone the auditor can check:

1. ``MusigKeyAggregated``: the recorded package recomputes (BIP-327 KeySort, KeyAgg, the
   x-only tweaks in order) to the recorded internal and group key; the seat's own key is
   at its identifier's position; n-of-n.
2. ``ThresholdShareIssued``: the session's nonce list names every participant once with
   the group's keys, carries the seat's own committed nonce unchanged (a replayed or
   substituted nonce would have been refused; a log showing one signed is a finding), and
   the signing set is everybody. When the signed message is recorded (a PSBT input's
   sighash, which is public), the partial signature is verified on it.
3. ``ThresholdSignatureAggregated``: the signing set is everybody and the signature is
   64 bytes (the message itself is not logged for plain messages).
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from ledger.crypto.threshold import musig2
from ledger.crypto.threshold.errors import InvalidSignatureShare
from ledger.crypto.threshold.musig_rounds import MusigKeyPackage, MusigNonceMessage
from ledger.crypto.threshold.rounds import ShareMessage, canonical_text
from ledger.domain.threshold_group import ThresholdGroup

__all__ = ["musig_problem"]


def _aggregated(record: dict[str, Any], group: ThresholdGroup) -> str | None:
    package = MusigKeyPackage.from_dict(json.loads(group.public_key_package))
    if group.group_public_key != package.group_public_key:
        return "the recorded group key differs from the package's"
    if record and (list(record["public_keys"]) != list(package.public_keys)
                   or record["internal_key"] != package.internal_key
                   or list(record["tweaks"]) != list(package.tweaks)):
        return "the recorded keys, internal key or tweaks differ from the package's"
    if not group.threshold == group.participants == package.participants:
        return "a MuSig2 group is n-of-n over its keys"
    if record and package.public_keys[group.identifier - 1] != record["public_key"]:
        return "the seat's key is not at its identifier's position"
    return None


def _everybody(group: ThresholdGroup, record: dict[str, Any]) -> str | None:
    if list(record["signers"]) != list(range(1, group.participants + 1)):
        return f"the signing set {list(record['signers'])} is not the whole MuSig2 group"
    return None


def _share(record: dict[str, Any], group: ThresholdGroup) -> str | None:
    package = MusigKeyPackage.from_dict(json.loads(group.public_key_package))
    signing = json.loads(record["signing_package"])
    nonces = [MusigNonceMessage.from_dict(n) for n in signing["pubnonces"]]
    if [n.identifier for n in nonces] != list(range(1, package.participants + 1)) or \
            [n.public_key for n in nonces] != list(package.public_keys):
        return "the session's nonces do not name every participant once with its key"
    session = group.sessions.get(record["session_id"], {})
    own = canonical_text(nonces[group.identifier - 1].to_dict())
    if not hmac.compare_digest(own.encode(), str(session.get("commitments", "")).encode()):
        return "the seat signed with a nonce list that does not carry its committed nonce"
    problem = _everybody(group, record)
    if problem is not None or signing.get("signed_message") is None:
        return problem
    share = ShareMessage.from_dict(json.loads(record["signature_share"])).share
    context = musig2.SessionContext(
        musig2.nonce_agg([n.pubnonce for n in nonces]), package.public_keys, package.tweaks,
        (True,) * len(package.tweaks), bytes.fromhex(signing["signed_message"]))
    own_nonce = nonces[group.identifier - 1]
    try:
        musig2.partial_sig_verify_internal(getattr(share, "partial_signature", b""),
                                           own_nonce.pubnonce, own_nonce.public_key, context,
                                           group.identifier)
    except InvalidSignatureShare:
        return "the seat's partial signature does not verify on the recorded sighash"
    return None


def musig_problem(event_type: str, record: dict[str, Any],
                  group: ThresholdGroup) -> str | None:
    """What is wrong with a MuSig2 seat's event (``None``: nothing)."""
    if event_type == "MusigKeyAggregated":
        return _aggregated(record, group)
    if event_type == "ThresholdShareIssued":
        return _share(record, group)
    if event_type == "ThresholdSignatureAggregated":
        if len(record["signature"]) != 64:
            return "a MuSig2 signature is 64 bytes (BIP-340)"
        return _everybody(group, record)
    return None
