"""Schnorr non-interactive proof of knowledge of a discrete log (RFC 8235), bound to a challenge.

What it proves: "whoever made this proof knows ``x`` with ``A = x * G``", for the public key
``A`` the verifier already holds (an actor's registered Ed25519 identity key, or a secp256k1
key), and nothing else about ``x`` (honest-verifier zero knowledge, in the random-oracle
model, under the discrete-log assumption).

The protocol, exactly RFC 8235 section 3.3 (elliptic-curve form, Fiat-Shamir):

1. The prover draws a uniform non-zero ``v`` and computes ``V = G * [v]``.
2. ``c = H(G || V || A || UserID || OtherInfo)``, every item 4-byte length-prefixed (the
   RFC's recommendation, so item boundaries cannot shift), ``H`` = SHA-512 (output longer
   than the group order, as the RFC requires) reduced modulo the order ``n``, the digest
   read little-endian for Ed25519 (as RFC 8032 reads its SHA-512 values) and big-endian
   for secp256k1 (SEC 1). Points are the canonical compressed encodings (32 bytes for
   Ed25519, 33 for secp256k1), ``G`` included.
3. ``r = v - x * c mod n``; the proof is ``(V, r)``.
4. The verifier checks that ``A`` is a valid point of the prime-order group (the RFC's
   "``A * [h]`` is not the point at infinity"; here the full subgroup check, see
   :mod:`.ed25519_group`), and that ``V = G * [r] + A * [c]``.

Why it is not a reusable signature: a Fiat-Shamir proof with data in the hash is formally a
Schnorr signature on that data, so what makes it a *login* and not a token is the binding.
``UserID`` is the actor id and ``OtherInfo`` is
``"SKMS-POK-v1" || group || service || purpose || nonce`` (length-prefixed), where the
verifier (the service) chose a fresh random 32-byte ``nonce`` for this one attempt
(:func:`issue_challenge`) and names itself and the purpose. So a proof cannot be replayed to
another service, for another purpose, by another actor, or twice to the same service, as long
as the service accepts each nonce once and only for a short time; that bookkeeping belongs to
the service (see the integration plan). Because the hash input starts with the generator
and is length-prefixed, it never equals the input of an Ed25519 signature
(``SHA-512(R || A || M)``) or an SKMS command signature, so a proof is not a signature the
actor made on anything else. Honest limit: the proof is transferable (the service can show
it to a third party as evidence the actor answered its challenge), like any NIZK; an
interactive Schnorr identification would be deniable, at the cost of a round trip.

Encoding (``to_bytes``): ``01`` (format version) || group id (``01`` Ed25519, ``02``
secp256k1) || ``V`` (32 or 33 bytes) || ``r`` (32 bytes). Parsing is strict: exact length,
canonical subgroup point, canonical non-zero scalar.

Private keys: Ed25519 takes the 32-byte RFC 8032 seed (the identity-key format), secp256k1
the 32-byte scalar. ``v`` and the secret scalar are ``bytearray`` buffers zeroed after use.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.crypto.privacy.ed25519_group import ED25519
from ledger.crypto.privacy.group import PrimeOrderGroup
from ledger.crypto.privacy.secp256k1_group import SECP256K1
from ledger.crypto.privacy.wire import (
    MAX_RETRIES,
    Reader,
    Rng,
    length_prefixed,
    require_bytes,
    require_text,
    unhex,
)
from ledger.errors import CryptoError, InvalidInput, InvalidSignature

__all__ = [
    "DOMAIN",
    "FORMAT_VERSION",
    "GROUPS",
    "NONCE_SIZE",
    "PoKChallenge",
    "SchnorrProof",
    "challenge_scalar",
    "group_named",
    "issue_challenge",
    "prove",
    "verify",
]

DOMAIN = b"SKMS-POK-v1"
FORMAT_VERSION = 0x01
NONCE_SIZE = 32
GROUPS: dict[str, PrimeOrderGroup] = {ED25519.name: ED25519, SECP256K1.name: SECP256K1}
_BY_ID = {group.suite_id: group for group in GROUPS.values()}


def group_named(suite: object) -> PrimeOrderGroup:
    """The group called ``suite`` (``ed25519`` or ``secp256k1``)."""
    if not isinstance(suite, str) or suite not in GROUPS:
        raise InvalidInput(f"suite must be one of {sorted(GROUPS)}", field="suite")
    return GROUPS[suite]


@dataclass(frozen=True)
class PoKChallenge:
    """What the verifier sends first: who it is, what the proof is for, a one-time nonce."""

    service: str
    purpose: str
    nonce: bytes

    def __post_init__(self) -> None:
        require_text(self.service, "service", max_length=256)
        require_text(self.purpose, "purpose", max_length=256)
        nonce = require_bytes(self.nonce, "nonce")
        if len(nonce) != NONCE_SIZE:
            raise InvalidInput(f"nonce must be {NONCE_SIZE} bytes", field="nonce")
        object.__setattr__(self, "nonce", nonce)

    def other_info(self, group: PrimeOrderGroup) -> bytes:
        """RFC 8235's ``OtherInfo``: domain, group, service, purpose, nonce (length-prefixed)."""
        return length_prefixed(
            DOMAIN,
            group.name.encode(),
            self.service.encode("utf-8"),
            self.purpose.encode("utf-8"),
            self.nonce,
        )

    def to_dict(self) -> dict[str, str]:
        return {"service": self.service, "purpose": self.purpose, "nonce": self.nonce.hex()}

    @classmethod
    def from_dict(cls, data: object) -> PoKChallenge:
        if not isinstance(data, dict) or set(data) != {"service", "purpose", "nonce"}:
            raise InvalidInput("challenge must have exactly service, purpose, nonce",
                               field="challenge")
        return cls(data["service"], data["purpose"], unhex(data["nonce"], "nonce"))


def issue_challenge(service: str, purpose: str, *, rng: Rng = random_bytes) -> PoKChallenge:
    """A fresh challenge; the service must accept its nonce once, within a short window."""
    return PoKChallenge(service, purpose, bytes(rng(NONCE_SIZE)))


@dataclass(frozen=True)
class SchnorrProof:
    """``(V, r)`` of RFC 8235 for one group; constructing it validates both values."""

    suite: str
    commitment: bytes
    response: bytes

    def __post_init__(self) -> None:
        group = group_named(self.suite)
        object.__setattr__(self, "commitment", group.parse_point(self.commitment, "commitment"))
        object.__setattr__(self, "response", group.parse_scalar(self.response, "response"))

    def to_bytes(self) -> bytes:
        group = GROUPS[self.suite]
        return bytes([FORMAT_VERSION, group.suite_id]) + self.commitment + self.response

    @classmethod
    def from_bytes(cls, data: object) -> SchnorrProof:
        """Strict parse; any malformed input is :class:`InvalidInput` (field ``proof``)."""
        reader = Reader(data, "proof")
        if reader.uint(1, "version") != FORMAT_VERSION:
            raise InvalidInput("proof has an unknown format version", field="proof")
        suite_id = reader.uint(1, "group id")
        if suite_id not in _BY_ID:
            raise InvalidInput("proof names an unknown group", field="proof")
        group = _BY_ID[suite_id]
        commitment = reader.take(group.point_size, "commitment")
        response = reader.take(group.scalar_size, "response")
        reader.finish()
        return cls(group.name, commitment, response)

    def to_dict(self) -> dict[str, str]:
        return {"suite": self.suite, "commitment": self.commitment.hex(),
                "response": self.response.hex()}

    @classmethod
    def from_dict(cls, data: object) -> SchnorrProof:
        if not isinstance(data, dict) or set(data) != {"suite", "commitment", "response"}:
            raise InvalidInput("proof must have exactly suite, commitment, response",
                               field="proof")
        return cls(data["suite"], unhex(data["commitment"], "commitment"),
                   unhex(data["response"], "response"))

    def digest(self) -> str:
        """SHA-256 of the encoding: what a ledger event records instead of the proof."""
        return hashlib.sha256(self.to_bytes()).hexdigest()


def challenge_scalar(group: PrimeOrderGroup, public_key: bytes, commitment: bytes,
                     user_id: str, challenge: PoKChallenge) -> bytes:
    """``c = H(G || V || A || UserID || OtherInfo)`` reduced modulo the order."""
    return group.hash_to_scalar(length_prefixed(
        group.generator,
        commitment,
        public_key,
        require_text(user_id, "user_id", max_length=256).encode("utf-8"),
        challenge.other_info(group),
    ))


def prove(suite: str, private_key: bytes | bytearray, *, user_id: str,
          challenge: PoKChallenge, rng: Rng = random_bytes) -> SchnorrProof:
    """Prove knowledge of ``private_key``'s discrete log for ``user_id`` and ``challenge``."""
    group = group_named(suite)
    if not isinstance(challenge, PoKChallenge):
        raise InvalidInput("challenge must be a PoKChallenge", field="challenge")
    secret = group.private_scalar(private_key)
    try:
        public_key = group.base_mul(secret)
        for _ in range(MAX_RETRIES):  # one retry happens with probability about 2**-250
            nonce = group.random_scalar(rng)
            try:
                commitment = group.base_mul(nonce)
                c = challenge_scalar(group, public_key, commitment, user_id, challenge)
                if not any(c):
                    continue
                try:
                    response = group.schnorr_response(nonce, secret, c)
                except CryptoError:
                    continue
                if any(response):
                    return SchnorrProof(group.name, commitment, bytes(response))
            finally:
                zeroize(nonce)
        raise CryptoError("could not make a proof (random source looks broken)")
    finally:
        zeroize(secret)


def verify(suite: str, public_key: bytes, proof: SchnorrProof | bytes, *, user_id: str,
           challenge: PoKChallenge) -> None:
    """Raise :class:`InvalidSignature` unless ``proof`` is valid for all the bound values.

    Malformed inputs (a public key that is not a valid group point, undecodable proof bytes)
    are :class:`InvalidInput`; a well-formed proof that fails the equation, or was made for
    another group, user, service, purpose or nonce, is :class:`InvalidSignature`.
    """
    group = group_named(suite)
    key = group.parse_point(public_key, "public_key")
    parsed = proof if isinstance(proof, SchnorrProof) else SchnorrProof.from_bytes(proof)
    if parsed.suite != group.name:
        raise InvalidSignature("proof was made for another group")
    if not isinstance(challenge, PoKChallenge):
        raise InvalidInput("challenge must be a PoKChallenge", field="challenge")
    c = challenge_scalar(group, key, parsed.commitment, user_id, challenge)
    if not any(c):
        raise InvalidSignature("proof challenge is zero")
    try:
        expected = group.add(group.base_mul(parsed.response), group.mul(c, key))
    except CryptoError:
        raise InvalidSignature("proof does not verify") from None
    if not hmac.compare_digest(expected, parsed.commitment):
        raise InvalidSignature("proof does not verify")

