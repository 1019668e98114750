"""DKG share transport (sealed to the recipient, authenticated by the sender) and the
round messages ledgers exchange: round trips, and a refusal for every kind of tampering."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from ledger.crypto.threshold.dkg import dkg_part1, dkg_part2
from ledger.crypto.threshold.messages import DkgSecretShare
from ledger.crypto.threshold.rounds import (
    CommitmentMessage,
    Round1Message,
    ShareMessage,
    check_group_id,
    group_session_id,
    transcript_digest,
)
from ledger.crypto.threshold.suites import FROST_ED25519
from ledger.crypto.threshold.transport import (
    EncryptedShare,
    decrypt_share,
    encrypt_share,
    transport_key_pair,
)
from ledger.errors import CryptoError, InvalidInput

GROUP = str(uuid.UUID(int=7))


def _share(sender: int = 1, recipient: int = 2) -> DkgSecretShare:
    secrets = {i: dkg_part1(FROST_ED25519, i, 2, 3, session_id=group_session_id(GROUP))
               for i in (1, 2, 3)}
    _, shares = dkg_part2(secrets[sender][0],
                          [secrets[j][1] for j in (1, 2, 3) if j != sender])
    return next(s for s in shares if s.recipient == recipient)


def _flip(document: dict[str, Any], key: str) -> dict[str, Any]:
    changed = json.loads(json.dumps(document))
    value = bytearray(bytes.fromhex(changed[key]))
    value[len(value) // 2] ^= 1
    changed[key] = bytes(value).hex()
    return changed


def test_a_share_opens_only_for_its_recipient_from_its_sender() -> None:
    share = _share()
    sender, sender_public = transport_key_pair()
    recipient, recipient_public = transport_key_pair()
    stranger, stranger_public = transport_key_pair()
    sealed = EncryptedShare.from_dict(encrypt_share(share, sender, recipient_public).to_dict())
    opened = decrypt_share(sealed, recipient, sender_public)
    assert bytes(opened.value) == bytes(share.value) and opened.sender == 1
    assert bytes(share.value).hex() not in json.dumps(sealed.to_dict())
    with pytest.raises(CryptoError, match="participant 1"):
        decrypt_share(sealed, stranger, sender_public)          # not the recipient
    with pytest.raises(CryptoError):
        decrypt_share(sealed, recipient, stranger_public)       # someone else's name
    forged = encrypt_share(share, stranger, recipient_public)   # a relay forging it
    with pytest.raises(CryptoError):
        decrypt_share(forged, recipient, sender_public)
    tampered = EncryptedShare.from_dict(_flip(sealed.to_dict(), "ciphertext"))
    with pytest.raises(CryptoError):
        decrypt_share(tampered, recipient, sender_public)
    moved = sealed.to_dict()
    moved["header"]["recipient"] = 3                            # readdressed
    with pytest.raises(CryptoError):
        decrypt_share(EncryptedShare.from_dict(moved), recipient, sender_public)


@pytest.mark.parametrize("change", [
    {"ephemeral_key": "00" * 31}, {"ciphertext": "00" * 8}, {"ciphertext": "AB" * 45},
    {"extra": 1}, {"type": "dkg-round1-package"}, {"version": 2}])
def test_encrypted_share_parsing_is_strict(change: dict[str, Any]) -> None:
    sender, _ = transport_key_pair()
    _, recipient_public = transport_key_pair()
    document = {**encrypt_share(_share(), sender, recipient_public).to_dict(), **change}
    with pytest.raises(InvalidInput):
        EncryptedShare.from_dict(document)


def test_round_messages_round_trip_and_refuse_other_groups() -> None:
    secret, package = dkg_part1(FROST_ED25519, 1, 2, 3, session_id=group_session_id(GROUP))
    _, public = transport_key_pair()
    message = Round1Message(GROUP, package, public)
    assert Round1Message.from_dict(message.to_dict()) == message
    other = {**message.to_dict(), "group_id": str(uuid.UUID(int=8))}
    with pytest.raises(InvalidInput, match="another group"):
        Round1Message.from_dict(other)
    with pytest.raises(InvalidInput):
        Round1Message.from_dict({**message.to_dict(), "transport_public_key": "00"})
    digest = transcript_digest([message])
    assert digest != transcript_digest([Round1Message(GROUP, package, bytes(32))])
    secret.zeroize()


@pytest.mark.parametrize("value", ["", "not-a-uuid", str(uuid.UUID(int=0xabc)).upper(), 5,
                                   "{00000000-0000-0000-0000-000000000abc}"])
def test_group_ids_are_canonical_uuids(value: object) -> None:
    with pytest.raises(InvalidInput):
        check_group_id(value)


def test_commitment_and_share_messages_are_strict() -> None:
    commitment = {"type": "threshold-signing-commitment", "version": 1, "group_id": GROUP,
                  "session_id": "", "commitments": {}}
    with pytest.raises(InvalidInput):
        CommitmentMessage.from_dict(commitment)
    share = {"type": "threshold-signature-share", "version": 1, "group_id": GROUP,
             "session_id": "s", "share": {"type": "frost-signature-share", "version": 1,
                                          "suite": "frost-ed25519", "identifier": 1,
                                          "share": "ff" * 32}}
    with pytest.raises(InvalidInput):  # not a canonical scalar
        ShareMessage.from_dict(share)
    share["share"] = {"type": "bls-partial-signature", "version": 1,
                      "suite": "bls12381-min-pk", "identifier": 1, "signature": "00" * 96}
    with pytest.raises(InvalidInput):  # not a G2 point
        ShareMessage.from_dict(share)
