"""The other participants of a group, run by the threshold library in this process.

Tests that have one ledger (the catalogue walk, the projection fixtures) still need a
whole group: these peers do, with the library and their own in-memory secrets, exactly
what the other participants' ledgers would do, and exchange the same JSON messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import coincurve

from ledger.crypto.threshold import bls, frost, musig2
from ledger.crypto.threshold.dkg import (
    DkgRound1Secret,
    DkgRound2Secret,
    dkg_part1,
    dkg_part2,
    dkg_part3,
)
from ledger.crypto.threshold.keys import KeyShare
from ledger.crypto.threshold.messages import DkgSecretShare, SigningPackage
from ledger.crypto.threshold.musig_rounds import (
    MusigKeyPackage,
    MusigNonceMessage,
    MusigPartialSignature,
)
from ledger.crypto.threshold.rounds import (
    CommitmentMessage,
    Round1Message,
    ShareMessage,
    group_session_id,
)
from ledger.crypto.threshold.suites import ciphersuite_by_name, suite_by_name
from ledger.crypto.threshold.transport import (
    EncryptedShare,
    decrypt_share,
    encrypt_share,
    transport_key_pair,
)


class Peers:
    """Participants ``1..participants`` except ``seat`` (the ledger under test)."""

    def __init__(self, suite: str, group_id: str, threshold: int, participants: int,
                 seat: int = 1) -> None:
        self.suite = suite_by_name(suite)
        self.group_id = group_id
        self.seat = seat
        self.ids = [i for i in range(1, participants + 1) if i != seat]
        self.round1_secrets: dict[int, DkgRound1Secret] = {}
        self.round2_secrets: dict[int, DkgRound2Secret] = {}
        self.transport: dict[int, bytearray] = {}
        self.messages: dict[int, Round1Message] = {}
        self.outgoing: list[EncryptedShare] = []
        self.key_shares: dict[int, KeyShare] = {}
        self.nonces: dict[tuple[int, str], frost.SigningNonces] = {}
        self.shares_to_seat: list[bytes] = []
        self.messages_with_seat: dict[int, Round1Message] = {}
        for i in self.ids:
            secret, package = dkg_part1(self.suite, i, threshold, participants,
                                        session_id=group_session_id(group_id))
            self.round1_secrets[i] = secret
            self.transport[i], public = transport_key_pair()
            self.messages[i] = Round1Message(group_id, package, public)

    def round1(self) -> list[dict[str, Any]]:
        return [self.messages[i].to_dict() for i in self.ids]

    def round2(self, seat_round1: dict[str, Any]) -> list[dict[str, Any]]:
        """Every peer's round 2, given the seat's round 1; the shares addressed to the seat."""
        seat = Round1Message.from_dict(seat_round1)
        self.messages_with_seat = {**self.messages, self.seat: seat}
        everyone = self.messages_with_seat
        for i in self.ids:
            others = [everyone[j].package for j in sorted(everyone) if j != i]
            state, shares = dkg_part2(self.round1_secrets[i], others)
            self.round2_secrets[i] = state
            for share in shares:
                if share.recipient == self.seat:
                    self.shares_to_seat.append(bytes(share.value))
                self.outgoing.append(encrypt_share(
                    share, self.transport[i], everyone[share.recipient].transport_public_key))
        return [m.to_dict() for m in self.outgoing if m.recipient == self.seat]

    def finish(self, seat_round2: list[dict[str, Any]]) -> None:
        """Every peer opens the shares addressed to it and computes its key share."""
        sent = [*self.outgoing, *(EncryptedShare.from_dict(m) for m in seat_round2)]
        keys = {i: m.transport_public_key for i, m in self.messages_with_seat.items()}
        for i in self.ids:
            received: list[DkgSecretShare] = [
                decrypt_share(m, self.transport[i], keys[m.sender])
                for m in sent if m.recipient == i]
            self.key_shares[i], _ = dkg_part3(self.round2_secrets[i], received)

    def commit(self, identifier: int, session_id: str) -> dict[str, Any]:
        nonces = frost.commit(self.key_shares[identifier])
        self.nonces[(identifier, session_id)] = nonces
        return CommitmentMessage(self.group_id, session_id, nonces.commitments).to_dict()

    def share(self, identifier: int, session_id: str, message: bytes,
              commitments: list[dict[str, Any]]) -> dict[str, Any]:
        parsed = sorted((CommitmentMessage.from_dict(c) for c in commitments),
                        key=lambda c: c.identifier)
        package = SigningPackage(ciphersuite_by_name(self.suite.name), message,
                                 tuple(c.commitments for c in parsed))
        share = frost.sign(self.key_shares[identifier], self.nonces.pop((identifier,
                                                                          session_id)),
                           package)
        return ShareMessage(self.group_id, session_id, share).to_dict()

    def partial(self, identifier: int, session_id: str, message: bytes) -> dict[str, Any]:
        partial = bls.partial_sign(self.key_shares[identifier], message)
        return ShareMessage(self.group_id, session_id, partial).to_dict()


Run = Callable[[str, dict[str, Any]], dict[str, Any]]
"""Runs one catalogue command on the ledger under test and returns its result."""


def group_with_peers(run: Run, suite: str = "frost-ed25519", *, threshold: int = 2,
                     participants: int = 3, **start: Any) -> tuple[str, Peers]:
    """A whole DKG: the ledger under test is participant 1, the peers are the others."""
    first = run("StartThresholdDkg", {"suite": suite, "threshold": threshold,
                                      "participants": participants, "identifier": 1,
                                      **start})
    group_id = str(first["group_id"])
    peers = Peers(suite, group_id, threshold, participants)
    shared = run("RunThresholdDkgRound", {"group_id": group_id,
                                          "round1_messages": peers.round1()})
    run("FinishThresholdDkg", {"group_id": group_id,
                               "round2_messages": peers.round2(first["message"])})
    peers.finish(list(shared["messages"]))
    return group_id, peers


class MusigPeer:
    """One other MuSig2 participant, run by the BIP-327 library with its own key."""

    def __init__(self) -> None:
        self.secret = bytearray(coincurve.PrivateKey().secret)
        self.public_key = musig2.individual_pubkey(self.secret)
        self.secnonces: dict[str, bytearray] = {}
        self.package: MusigKeyPackage | None = None

    def join(self, package: dict[str, Any]) -> None:
        self.package = MusigKeyPackage.from_dict(package)

    def _package(self) -> MusigKeyPackage:
        assert self.package is not None, "join the group first"
        return self.package

    def commit(self, group_id: str, session_id: str) -> dict[str, Any]:
        package = self._package()
        secnonce, pubnonce = musig2.nonce_gen(self.secret, self.public_key,
                                              package.group_public_key)
        self.secnonces[session_id] = secnonce
        return MusigNonceMessage(group_id, session_id, package.identifier_of(self.public_key),
                                 self.public_key, pubnonce).to_dict()

    def share(self, group_id: str, session_id: str, message: bytes,
              nonces: list[dict[str, Any]]) -> dict[str, Any]:
        package = self._package()
        ordered = sorted((MusigNonceMessage.from_dict(n) for n in nonces),
                         key=lambda n: n.identifier)
        context = musig2.SessionContext(musig2.nonce_agg([n.pubnonce for n in ordered]),
                                        package.public_keys, package.tweaks,
                                        (True,) * len(package.tweaks), message)
        partial = musig2.sign(self.secnonces.pop(session_id), self.secret, context)
        identifier = package.identifier_of(self.public_key)
        return ShareMessage(group_id, session_id,
                            MusigPartialSignature(identifier, partial)).to_dict()
