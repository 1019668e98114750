"""Pedersen distributed key generation with proofs of knowledge (FROST paper, figure 1).

No participant ever holds the group secret: it is ``Σ_i a_i0`` over everyone's random
constant terms, and only shares of it exist. Three local steps, two message rounds, as
the FROST paper (Komlo and Goldberg, "KeyGen") and the ZF FROST implementation
(``frost-core``'s ``keys::dkg``) describe:

1. :func:`dkg_part1` (round 1, broadcast): participant ``i`` draws a polynomial
   ``f_i`` of degree ``t - 1``, commits ``C_ij = a_ij·B`` and proves knowledge of ``a_i0``
   with a Schnorr proof ``(R_i, mu_i)``: ``k`` random, ``R_i = k·B``,
   ``c_i = H_dkg(len(session) || session || i || C_i0 || R_i)``, ``mu_i = k + a_i0·c_i``.
   The session id is the paper's context string: a proof cannot be replayed in another run.
2. :func:`dkg_part2` (round 2, one secret message per peer): after checking every peer's
   proof (``R_l == mu_l·B - c_l·C_l0``, else :class:`CheatingParticipant` naming ``l``),
   ``i`` sends ``f_i(l)`` to each ``l``, privately.
3. :func:`dkg_part3` (finish): ``i`` checks each received ``f_l(i)`` against ``l``'s
   commitments (``f_l(i)·B == Σ_k C_lk·i^k``, else :class:`CheatingParticipant` naming
   ``l``), and sets ``s_i = Σ_l f_l(i)``. Everyone derives the same public package: group key
   ``Σ_l C_l0`` and verifying shares from the summed commitments.

Each step validates what it receives: one package per other participant, one session, one
suite, exactly ``t`` commitments each. The secret state between steps is a
:class:`DkgRound1Secret` / :class:`DkgRound2Secret` (``"secret": true`` when serialised, for
sealing) whose polynomial is wiped as soon as the shares are computed.

Not byte-compatible with ZF FROST: its challenge has no session id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.crypto.threshold.ciphersuite import KeyGenSuite
from ledger.crypto.threshold.encoding import (
    FORMAT_VERSION,
    check_shape,
    parse_hex,
    parse_int,
)
from ledger.crypto.threshold.errors import CheatingParticipant
from ledger.crypto.threshold.keys import KeyShare, PublicKeyPackage
from ledger.crypto.threshold.messages import (
    DkgRound1Package,
    DkgSecretShare,
    check_session_id,
)
from ledger.crypto.threshold.polynomial import (
    MAX_PARTICIPANTS,
    check_identifier,
    check_threshold,
    commitment_evaluate,
    polynomial_evaluate,
    vss_commit,
    vss_verify,
)
from ledger.crypto.threshold.scalars import Rng
from ledger.crypto.threshold.suites import suite_by_name
from ledger.errors import InvalidInput

__all__ = [
    "DkgRound1Secret",
    "DkgRound2Secret",
    "dkg_part1",
    "dkg_part2",
    "dkg_part3",
    "proof_of_knowledge_challenge",
    "verify_proof_of_knowledge",
]

_R1_STATE = "dkg-round1-secret"  # a type tag, not a secret
_R2_STATE = "dkg-round2-secret"  # a type tag, not a secret


def proof_of_knowledge_challenge(suite: KeyGenSuite, session_id: bytes, identifier: int,
                                 constant_commitment: bytes, proof_commitment: bytes) -> bytes:
    """``c = H_dkg(I2OSP(len(session), 2) || session || i || C_0 || R)``."""
    group = suite.group
    return suite.hash_dkg(len(session_id).to_bytes(2, "big") + session_id
                          + group.scalars.from_int(identifier)
                          + group.serialize_element(constant_commitment)
                          + group.serialize_element(proof_commitment))


def verify_proof_of_knowledge(package: DkgRound1Package) -> None:
    """Raise :class:`CheatingParticipant` unless ``R == mu·B - c·C_0``."""
    group = package.suite.group
    challenge = proof_of_knowledge_challenge(package.suite, package.session_id, package.sender,
                                             package.commitments[0], package.proof_commitment)
    expected = group.sub(group.scalar_base_mult(package.proof_response),
                         group.scalar_mult(challenge, package.commitments[0]))
    if not group.equal(expected, package.proof_commitment):
        raise CheatingParticipant(package.sender, "proof_of_knowledge")


@dataclass(slots=True, repr=False)
class DkgRound1Secret:
    """What participant ``identifier`` keeps between round 1 and round 2 (secret)."""

    suite: KeyGenSuite
    session_id: bytes
    identifier: int
    min_signers: int
    max_signers: int
    coefficients: list[bytearray]
    commitments: tuple[bytes, ...]

    def zeroize(self) -> None:
        for coefficient in self.coefficients:
            zeroize(coefficient)
        self.coefficients = []

    def to_dict(self) -> dict[str, Any]:
        """The sealable form (``"secret": true``)."""
        if not self.coefficients:
            raise InvalidInput("this round 1 state was already used", field="dkg_state")
        group = self.suite.group
        return {"type": _R1_STATE, "version": FORMAT_VERSION, "secret": True,
                "suite": self.suite.name, "session_id": self.session_id.hex(),
                "identifier": self.identifier, "min_signers": self.min_signers,
                "max_signers": self.max_signers,
                "coefficients": [bytes(c).hex() for c in self.coefficients],
                "commitments": [group.serialize_element(c).hex() for c in self.commitments]}

    @classmethod
    def from_dict(cls, data: object) -> DkgRound1Secret:
        fields = check_shape(data, _R1_STATE, frozenset(
            {"secret", "suite", "session_id", "identifier", "min_signers", "max_signers",
             "coefficients", "commitments"}))
        if fields["secret"] is not True:
            raise InvalidInput("DKG state must be marked secret", field=f"{_R1_STATE}.secret")
        suite = suite_by_name(fields["suite"], f"{_R1_STATE}.suite")
        group = suite.group
        min_signers, max_signers = check_threshold(fields["min_signers"], fields["max_signers"])
        raw = fields["coefficients"]
        if not isinstance(raw, list) or len(raw) != min_signers:
            raise InvalidInput("need min_signers coefficients", field=f"{_R1_STATE}.coefficients")
        coefficients = [bytearray(group.scalars.deserialize(
            parse_hex(c, f"{_R1_STATE}.coefficients", group.scalars.size),
            f"{_R1_STATE}.coefficients")) for c in raw]
        commitments = tuple(vss_commit(group, [bytes(c) for c in coefficients]))
        identifier = check_identifier(fields["identifier"], f"{_R1_STATE}.identifier")
        if identifier > max_signers:
            raise InvalidInput("identifier above max_signers", field=f"{_R1_STATE}.identifier")
        session_id = check_session_id(parse_hex(fields["session_id"],
                                                f"{_R1_STATE}.session_id"))
        stated = fields["commitments"]
        if not isinstance(stated, list) or [str(s) for s in stated] != [
                group.serialize_element(c).hex() for c in commitments]:
            raise InvalidInput("commitments do not match the coefficients",
                               field=f"{_R1_STATE}.commitments")
        return cls(suite, session_id, identifier, min_signers, max_signers, coefficients,
                   commitments)

    def __repr__(self) -> str:
        return (f"DkgRound1Secret(suite={self.suite.name!r}, identifier={self.identifier}, "
                f"{self.min_signers}-of-{self.max_signers}, <secret>)")


@dataclass(slots=True, repr=False)
class DkgRound2Secret:
    """What participant ``identifier`` keeps between round 2 and the finish (secret)."""

    suite: KeyGenSuite
    session_id: bytes
    identifier: int
    min_signers: int
    max_signers: int
    own_share: bytearray
    commitments: dict[int, tuple[bytes, ...]] = field(default_factory=dict)
    """Every participant's (own included) round 1 commitments, by identifier."""

    def zeroize(self) -> None:
        zeroize(self.own_share)

    def to_dict(self) -> dict[str, Any]:
        group = self.suite.group
        return {"type": _R2_STATE, "version": FORMAT_VERSION, "secret": True,
                "suite": self.suite.name, "session_id": self.session_id.hex(),
                "identifier": self.identifier, "min_signers": self.min_signers,
                "max_signers": self.max_signers, "own_share": bytes(self.own_share).hex(),
                "commitments": [[i] + [group.serialize_element(c).hex() for c in cs]
                                for i, cs in sorted(self.commitments.items())]}

    @classmethod
    def from_dict(cls, data: object) -> DkgRound2Secret:
        fields = check_shape(data, _R2_STATE, frozenset(
            {"secret", "suite", "session_id", "identifier", "min_signers", "max_signers",
             "own_share", "commitments"}))
        if fields["secret"] is not True:
            raise InvalidInput("DKG state must be marked secret", field=f"{_R2_STATE}.secret")
        suite = suite_by_name(fields["suite"], f"{_R2_STATE}.suite")
        group = suite.group
        where = f"{_R2_STATE}.commitments"
        min_signers, max_signers = check_threshold(fields["min_signers"], fields["max_signers"])
        raw = fields["commitments"]
        if not isinstance(raw, list) or len(raw) != max_signers:
            raise InvalidInput("need every participant's commitments", field=where)
        commitments: dict[int, tuple[bytes, ...]] = {}
        for row in raw:
            if not isinstance(row, list) or len(row) != min_signers + 1:
                raise InvalidInput("malformed commitment row", field=where)
            sender = parse_int(row[0], where, 1, MAX_PARTICIPANTS)
            commitments[sender] = tuple(group.deserialize_element(
                parse_hex(c, where, group.element_size), where) for c in row[1:])
        identifier = check_identifier(fields["identifier"], f"{_R2_STATE}.identifier")
        own = bytearray(group.scalars.deserialize(parse_hex(
            fields["own_share"], f"{_R2_STATE}.own_share", group.scalars.size)))
        if len(commitments) != max_signers or identifier not in commitments or not vss_verify(
                group, identifier, bytes(own), commitments[identifier]):
            zeroize(own)
            raise InvalidInput("the state is inconsistent", field=f"{_R2_STATE}.own_share")
        return cls(suite, check_session_id(parse_hex(fields["session_id"], "session_id")),
                   identifier, min_signers, max_signers, own, commitments)

    def __repr__(self) -> str:
        return (f"DkgRound2Secret(suite={self.suite.name!r}, identifier={self.identifier}, "
                f"{self.min_signers}-of-{self.max_signers}, <secret>)")


def dkg_part1(suite: KeyGenSuite, identifier: int, min_signers: int, max_signers: int, *,
              session_id: bytes, rng: Rng = random_bytes
              ) -> tuple[DkgRound1Secret, DkgRound1Package]:
    """Round 1: this participant's secret polynomial and its broadcast package."""
    min_signers, max_signers = check_threshold(min_signers, max_signers)
    identifier = check_identifier(identifier)
    if identifier > max_signers:
        raise InvalidInput(f"identifiers run from 1 to max_signers ({max_signers})",
                           field="identifier")
    session_id = check_session_id(session_id)
    group = suite.group
    coefficients = [bytearray(group.scalars.random(rng)) for _ in range(min_signers)]
    commitments = tuple(vss_commit(group, [bytes(c) for c in coefficients]))
    nonce = group.scalars.random(rng)
    proof_commitment = group.scalar_base_mult(nonce)
    challenge = proof_of_knowledge_challenge(suite, session_id, identifier, commitments[0],
                                             proof_commitment)
    response = group.scalars.add(nonce, group.scalars.mul(bytes(coefficients[0]), challenge))
    secret = DkgRound1Secret(suite, session_id, identifier, min_signers, max_signers,
                             coefficients, commitments)
    package = DkgRound1Package(suite, session_id, identifier, commitments, proof_commitment,
                               response)
    return secret, package


def _check_round1(secret: DkgRound1Secret | DkgRound2Secret,
                  packages: Sequence[DkgRound1Package]) -> dict[int, DkgRound1Package]:
    """One valid round 1 package from each other participant, all in this session."""
    by_sender: dict[int, DkgRound1Package] = {}
    for package in packages:
        if package.suite is not secret.suite or package.session_id != secret.session_id:
            raise CheatingParticipant(package.sender, "round1_package",
                                      f"participant {package.sender}'s package belongs to "
                                      "another suite or session")
        if package.sender == secret.identifier or package.sender > secret.max_signers:
            raise InvalidInput(f"unexpected round 1 package from {package.sender}",
                               field="round1_packages")
        if package.sender in by_sender:
            raise InvalidInput(f"two round 1 packages from {package.sender}",
                               field="round1_packages")
        if len(package.commitments) != secret.min_signers:
            raise CheatingParticipant(package.sender, "commitments",
                                      f"participant {package.sender} committed to a polynomial "
                                      f"of the wrong degree")
        by_sender[package.sender] = package
    expected = set(range(1, secret.max_signers + 1)) - {secret.identifier}
    missing = sorted(expected - set(by_sender))
    if missing:
        raise InvalidInput(f"no round 1 package from {missing}", field="round1_packages")
    return by_sender


def dkg_part2(secret: DkgRound1Secret, round1_packages: Sequence[DkgRound1Package]
              ) -> tuple[DkgRound2Secret, list[DkgSecretShare]]:
    """Round 2: verify every peer's proof, then one secret share per peer (wipes ``secret``)."""
    if not secret.coefficients:
        raise InvalidInput("this round 1 state was already used", field="dkg_state")
    by_sender = _check_round1(secret, round1_packages)
    for sender in sorted(by_sender):
        verify_proof_of_knowledge(by_sender[sender])
    scalars = secret.suite.group.scalars
    polynomial = [bytes(c) for c in secret.coefficients]
    outgoing = [DkgSecretShare(secret.suite, secret.session_id, secret.identifier, recipient,
                               bytearray(polynomial_evaluate(scalars, scalars.from_int(recipient),
                                                             polynomial)))
                for recipient in sorted(by_sender)]
    own = bytearray(polynomial_evaluate(scalars, scalars.from_int(secret.identifier),
                                        polynomial))
    commitments = {sender: package.commitments for sender, package in by_sender.items()}
    commitments[secret.identifier] = secret.commitments
    state = DkgRound2Secret(secret.suite, secret.session_id, secret.identifier,
                            secret.min_signers, secret.max_signers, own, commitments)
    secret.zeroize()
    return state, outgoing


def dkg_part3(secret: DkgRound2Secret, round2_shares: Sequence[DkgSecretShare]
              ) -> tuple[KeyShare, PublicKeyPackage]:
    """Finish: verify each received share against its sender's commitments, sum them.

    Raises :class:`CheatingParticipant` naming the first sender whose share is wrong;
    wipes the received shares and the state in every case.
    """
    try:
        return _finish(secret, round2_shares)
    finally:
        for share in round2_shares:
            share.zeroize()
        secret.zeroize()


def _finish(secret: DkgRound2Secret, shares: Sequence[DkgSecretShare]
            ) -> tuple[KeyShare, PublicKeyPackage]:
    group = secret.suite.group
    scalars = group.scalars
    received: dict[int, DkgSecretShare] = {}
    for share in shares:
        sender, recipient = share.sender, share.recipient  # secret-ok: identifiers
        if share.suite is not secret.suite or share.session_id != secret.session_id:
            raise CheatingParticipant(sender, "secret_share",
                                      f"participant {sender}'s share belongs to another "
                                      "suite or session")
        if recipient != secret.identifier:
            raise InvalidInput(f"a share addressed to {recipient}, not to this "
                               "participant", field="round2_shares")
        if sender not in secret.commitments or sender == secret.identifier:
            raise InvalidInput(f"unexpected share from {sender}", field="round2_shares")
        if sender in received:
            raise InvalidInput(f"two shares from {sender}", field="round2_shares")
        received[sender] = share
    missing = sorted(set(secret.commitments) - set(received) - {secret.identifier})
    if missing:
        raise InvalidInput(f"no round 2 share from {missing}", field="round2_shares")
    for sender in sorted(received):
        if not vss_verify(group, secret.identifier, bytes(received[sender].value),
                          secret.commitments[sender]):
            raise CheatingParticipant(sender, "secret_share",
                                      f"participant {sender}'s share does not match its "
                                      "commitments")
    signing_share = bytes(secret.own_share)
    for sender in sorted(received):
        signing_share = scalars.add(signing_share, bytes(received[sender].value))
    summed = _sum_commitments(secret.suite, secret.commitments, secret.min_signers)
    verifying = {j: commitment_evaluate(group, summed, j) for j in sorted(secret.commitments)}
    group_key = summed[0]
    if group.is_identity(group_key):
        raise InvalidInput("the group key is the identity; run the DKG again",
                           field="round1_packages")  # pragma: no cover - needs collusion
    if not group.equal(group.scalar_base_mult(signing_share), verifying[secret.identifier]):
        raise InvalidInput("the signing share does not match the verifying share",
                           field="round2_shares")  # pragma: no cover - checked above
    key_share = KeyShare(secret.suite, secret.identifier, bytearray(signing_share),
                         verifying[secret.identifier], group_key, secret.min_signers)
    return key_share, PublicKeyPackage(secret.suite, group_key, verifying, secret.min_signers)


def _sum_commitments(suite: KeyGenSuite, commitments: Mapping[int, Sequence[bytes]],
                     degree: int) -> list[bytes]:
    group = suite.group
    return [group.sum(commitments[i][k] for i in sorted(commitments)) for k in range(degree)]
