"""FROST signing (RFC 9591 sections 4 and 5): two rounds, then verified aggregation.

1. Round 1, :func:`commit`: each chosen signer draws a hiding and a binding nonce with
   ``nonce_generate`` (``H3(random_bytes(32) || SerializeScalar(sk_i))``, so a broken RNG
   alone does not repeat nonces) and publishes their commitments ``(D_i, E_i)``. The nonces
   are a :class:`SigningNonces` object, used once: :meth:`SigningNonces.take` hands them out
   a single time and wipes them, a second use raises :class:`NonceReused`.
2. The coordinator builds a :class:`SigningPackage` (message + commitments sorted by
   identifier) and sends it to the signers.
3. Round 2, :func:`sign`: a signer checks the package (its own commitment unchanged, at
   least ``min_signers`` signers, one suite), derives the binding factors
   ``rho_i = H1(PK || H4(msg) || H5(commitment list) || i)``, the group commitment
   ``R = Σ D_i + rho_i·E_i``, the challenge ``c = H2(R || PK || msg)`` and its Lagrange
   coefficient ``lambda_i``, and returns ``z_i = d_i + e_i·rho_i + lambda_i·s_i·c``.
4. :func:`aggregate` verifies *every* share
   (``z_i·B == D_i + rho_i·E_i + (c·lambda_i)·PK_i``) before summing; bad shares raise
   :class:`InvalidSignatureShare` naming each cheating participant (identifiable abort).
   The signature ``SerializeElement(R) || SerializeScalar(Σ z_i)`` is verified once more.
5. :func:`verify_signature`: RFC 9591 appendix B, ``z·B == R + c·PK``. For
   FROST(Ed25519, SHA-512) this is RFC 8032 verification (H2 is SHA-512 without a context
   string), so the signature also verifies as a plain Ed25519 signature.

:func:`commit_with_randomness` takes the 32-byte randomness explicitly so the RFC vectors
replay; production code calls :func:`commit`, which draws it from ``rng``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.crypto.threshold.ciphersuite import Ciphersuite, KeyGenSuite
from ledger.crypto.threshold.encoding import FORMAT_VERSION, check_shape, parse_hex
from ledger.crypto.threshold.errors import InvalidSignatureShare, NonceReused
from ledger.crypto.threshold.keys import KeyShare, PublicKeyPackage
from ledger.crypto.threshold.messages import SignatureShare, SigningCommitments, SigningPackage
from ledger.crypto.threshold.polynomial import check_identifier, lagrange_coefficient
from ledger.crypto.threshold.scalars import Rng
from ledger.crypto.threshold.suites import ciphersuite_by_name
from ledger.errors import InvalidInput, InvalidSignature

__all__ = [
    "SessionTranscript",
    "SigningNonces",
    "aggregate",
    "binding_factor_inputs",
    "commit",
    "commit_with_randomness",
    "compute_binding_factors",
    "compute_challenge",
    "compute_group_commitment",
    "encode_group_commitment_list",
    "nonce_generate",
    "session_transcript",
    "sign",
    "verify_signature",
    "verify_signature_share",
    "verify_transcript",
]

_RANDOM_SIZE = 32
_NONCES = "frost-signing-nonces"


def _ciphersuite(suite: KeyGenSuite) -> Ciphersuite:
    if not isinstance(suite, Ciphersuite):
        raise InvalidInput(f"{suite.name} keys do not sign with FROST", field="suite")
    return suite


class SigningNonces:
    """One signer's hiding and binding nonces for one session: secret, single use."""

    __slots__ = ("_binding", "_hiding", "_used", "commitments", "identifier", "suite")

    def __init__(self, suite: Ciphersuite, identifier: int, hiding: bytearray,
                 binding: bytearray, commitments: SigningCommitments) -> None:
        self.suite = suite
        self.identifier = identifier
        self._hiding = hiding
        self._binding = binding
        self.commitments = commitments
        self._used = False

    @property
    def used(self) -> bool:
        return self._used

    def take(self) -> tuple[bytes, bytes]:
        """The nonces, once: they are wiped here and any later call raises NonceReused."""
        if self._used:
            raise NonceReused()
        self._used = True
        try:
            return bytes(self._hiding), bytes(self._binding)
        finally:
            zeroize(self._hiding)
            zeroize(self._binding)

    def zeroize(self) -> None:
        """Discard unused nonces (an abandoned session)."""
        self._used = True
        zeroize(self._hiding)
        zeroize(self._binding)

    def to_dict(self) -> dict[str, Any]:
        """The sealable form (``"secret": true``) between round 1 and round 2 commands.

        Whoever stores it must also record its consumption: a restored copy is a new object
        and would sign again (see docs/threshold.md, "sealed nonce state").
        """
        if self._used:
            raise NonceReused()
        return {"type": _NONCES, "version": FORMAT_VERSION, "secret": True,
                "suite": self.suite.name, "identifier": self.identifier,
                "hiding": bytes(self._hiding).hex(), "binding": bytes(self._binding).hex()}

    @classmethod
    def from_dict(cls, data: object) -> SigningNonces:
        fields = check_shape(data, _NONCES, frozenset(
            {"secret", "suite", "identifier", "hiding", "binding"}))
        if fields["secret"] is not True:
            raise InvalidInput("nonces must be marked secret", field=f"{_NONCES}.secret")
        suite = ciphersuite_by_name(fields["suite"], f"{_NONCES}.suite")
        identifier = check_identifier(fields["identifier"], f"{_NONCES}.identifier")
        scalars = suite.group.scalars
        nonces = []
        for name in ("hiding", "binding"):
            value = scalars.deserialize(parse_hex(fields[name], f"{_NONCES}.{name}",
                                                  scalars.size), f"{_NONCES}.{name}")
            if scalars.is_zero(value):
                raise InvalidInput("a nonce must not be zero", field=f"{_NONCES}.{name}")
            nonces.append(bytearray(value))
        commitments = SigningCommitments(suite, identifier,
                                         suite.group.scalar_base_mult(bytes(nonces[0])),
                                         suite.group.scalar_base_mult(bytes(nonces[1])))
        return cls(suite, identifier, nonces[0], nonces[1], commitments)

    def __repr__(self) -> str:
        state = "used" if self._used else "unused"
        return f"SigningNonces(suite={self.suite.name!r}, identifier={self.identifier}, {state})"


def nonce_generate(suite: Ciphersuite, secret: bytes, randomness: bytes) -> bytes:
    """RFC 9591 ``nonce_generate``: ``H3(random_bytes || SerializeScalar(secret))``."""
    if len(randomness) != _RANDOM_SIZE:
        raise InvalidInput(f"nonce randomness must be {_RANDOM_SIZE} bytes", field="randomness")
    return suite.h3(bytes(randomness) + bytes(secret))


def commit_with_randomness(key_share: KeyShare, hiding_randomness: bytes | bytearray,
                           binding_randomness: bytes | bytearray) -> SigningNonces:
    """Round 1 (RFC ``commit``) with the 32-byte randomness given (vectors replay with it)."""
    suite = _ciphersuite(key_share.suite)
    secret = key_share.secret_scalar()
    hiding = bytearray(nonce_generate(suite, secret, bytes(hiding_randomness)))
    binding = bytearray(nonce_generate(suite, secret, bytes(binding_randomness)))
    if suite.group.scalars.is_zero(bytes(hiding)) or suite.group.scalars.is_zero(bytes(binding)):
        raise InvalidInput("nonce generation produced zero; draw new randomness",
                           field="randomness")  # pragma: no cover - probability 2**-250
    commitments = SigningCommitments(suite, key_share.identifier,
                                     suite.group.scalar_base_mult(bytes(hiding)),
                                     suite.group.scalar_base_mult(bytes(binding)))
    return SigningNonces(suite, key_share.identifier, hiding, binding, commitments)


def commit(key_share: KeyShare, *, rng: Rng = random_bytes) -> SigningNonces:
    """Round 1: fresh nonces and their commitments (``nonces.commitments`` is public)."""
    hiding_randomness, binding_randomness = rng(_RANDOM_SIZE), rng(_RANDOM_SIZE)
    try:
        return commit_with_randomness(key_share, hiding_randomness, binding_randomness)
    finally:
        zeroize(hiding_randomness)
        zeroize(binding_randomness)


def encode_group_commitment_list(suite: Ciphersuite,
                                 commitments: Sequence[SigningCommitments]) -> bytes:
    """``SerializeScalar(i) || SerializeElement(D_i) || SerializeElement(E_i)`` for each i."""
    group = suite.group
    return b"".join(group.scalars.from_int(c.identifier) + group.serialize_element(c.hiding)
                    + group.serialize_element(c.binding) for c in commitments)


def binding_factor_inputs(group_public_key: bytes, package: SigningPackage,
                          message_hash: bytes | None = None) -> dict[int, bytes]:
    """``rho_input`` per signer: ``PK || H4(msg) || H5(encoded list) || SerializeScalar(i)``
    (``message_hash``: ``H4(msg)`` given instead of the package's message)."""
    suite = package.suite
    hashed = suite.h4(package.message) if message_hash is None else message_hash
    prefix = (suite.group.serialize_element(group_public_key) + hashed
              + suite.h5(encode_group_commitment_list(suite, package.commitments)))
    return {c.identifier: prefix + suite.group.scalars.from_int(c.identifier)
            for c in package.commitments}


def compute_binding_factors(group_public_key: bytes, package: SigningPackage,
                            message_hash: bytes | None = None) -> dict[int, bytes]:
    """RFC ``compute_binding_factors``: ``rho_i = H1(rho_input_i)``."""
    return {identifier: package.suite.h1(rho_input)
            for identifier, rho_input in binding_factor_inputs(group_public_key, package,
                                                               message_hash).items()}


def compute_group_commitment(package: SigningPackage,
                             binding_factors: dict[int, bytes]) -> bytes:
    """``R = Σ D_i + rho_i·E_i``."""
    group = package.suite.group
    return group.sum(group.add(c.hiding, group.scalar_mult(binding_factors[c.identifier],
                                                           c.binding))
                     for c in package.commitments)


def compute_challenge(suite: Ciphersuite, group_commitment: bytes, group_public_key: bytes,
                      message: bytes) -> bytes:
    """``c = H2(SerializeElement(R) || SerializeElement(PK) || msg)``."""
    group = suite.group
    return suite.h2(group.serialize_element(group_commitment)
                    + group.serialize_element(group_public_key) + message)


@dataclass(frozen=True, slots=True)
class _Session:
    binding_factors: dict[int, bytes]
    group_commitment: bytes
    challenge: bytes


def _session(group_public_key: bytes, package: SigningPackage) -> _Session:
    factors = compute_binding_factors(group_public_key, package)
    commitment = compute_group_commitment(package, factors)
    challenge = compute_challenge(package.suite, commitment, group_public_key, package.message)
    return _Session(factors, commitment, challenge)


@dataclass(frozen=True, slots=True)
class SessionTranscript:
    """What a session's log records beside the commitments and shares (public values):
    ``H4(msg)``, from which anyone recomputes the binding factors and ``R``, and the
    challenge ``c = H2(R || PK || msg)``, which needs the message itself."""

    message_hash: bytes
    challenge: bytes


def session_transcript(group_public_key: bytes, package: SigningPackage) -> SessionTranscript:
    """The transcript of ``package`` (the values :func:`verify_transcript` checks)."""
    session = _session(group_public_key, package)
    return SessionTranscript(package.suite.h4(package.message), session.challenge)


def verify_transcript(public_key_package: PublicKeyPackage,
                      commitments: Sequence[SigningCommitments], transcript: SessionTranscript,
                      shares: Sequence[SignatureShare], signature: bytes | None = None) -> None:
    """RFC 9591 section 5.4 ``verify_signature_share`` of every share given (with a
    ``signature``: exactly one per signer; without: any of the signers'), and section 5.3's
    final check ``z·B == R + c·PK`` of ``signature`` (with ``R`` the group commitment and
    ``z`` the sum of the shares), from public values: the binding factors and ``R`` are
    recomputed from ``H4(msg)``, the commitments and the group key; ``c`` is the recorded
    challenge, since the message is not at hand (so its tie to the message is the one step
    left to whoever holds the message).

    Raises :class:`InvalidSignatureShare` naming every share that does not verify against
    its signer's verifying share, :class:`InvalidSignature` for a signature that is not
    the shares' sum or does not verify, ``InvalidInput`` for a malformed transcript.
    """
    suite = _ciphersuite(public_key_package.suite)
    package = SigningPackage(suite, b"", tuple(commitments))
    _check_session(public_key_package, package)
    scalars = suite.group.scalars
    if len(transcript.message_hash) != len(suite.h4(b"")):
        raise InvalidInput(f"a {suite.name} message hash is {len(suite.h4(b''))} bytes",
                           field="message_hash")
    challenge = scalars.deserialize(bytes(transcript.challenge), "challenge")
    if scalars.is_zero(challenge):  # c = 0 would make every share check vacuous
        raise InvalidInput("the challenge is zero", field="challenge")
    by_signer = {share.identifier: share for share in shares}
    wanted = package.signers if signature is not None else sorted(by_signer)
    if not set(wanted) <= set(package.signers) or sorted(by_signer) != wanted or len(
            by_signer) != len(shares) or any(share.suite is not suite for share in shares):
        raise InvalidInput(f"{suite.name} shares of signers {sorted(by_signer)} (each once) "
                           f"do not fit the signing set {package.signers}", field="shares")
    factors = compute_binding_factors(public_key_package.group_public_key, package,
                                      bytes(transcript.message_hash))
    session = _Session(factors, compute_group_commitment(package, factors), challenge)
    bad = [i for i in wanted
           if not _share_is_valid(public_key_package, package, session, by_signer[i])]
    if bad:
        raise InvalidSignatureShare(bad)
    if signature is None:
        return
    group = suite.group
    if len(signature) != group.element_size + scalars.size:
        raise InvalidSignature(f"a {suite.name} signature is "
                               f"{group.element_size + scalars.size} bytes")
    if signature[:group.element_size] != group.serialize_element(session.group_commitment):
        raise InvalidSignature("the signature's R is not the group commitment of the "
                               "recorded commitments")
    total = scalars.zero()
    for identifier in package.signers:
        total = scalars.add(total, by_signer[identifier].share)
    if signature[group.element_size:] != total:
        raise InvalidSignature("the signature's z is not the sum of the recorded shares")
    expected = group.add(session.group_commitment, group.scalar_mult(
        challenge, public_key_package.group_public_key))
    # every share verifying implies this; it stays as a last guard
    if not group.equal(group.scalar_base_mult(total), expected):  # pragma: no cover - implied
        raise InvalidSignature("z·B != R + c·PK")


def sign(key_share: KeyShare, nonces: SigningNonces, package: SigningPackage) -> SignatureShare:
    """Round 2: this participant's signature share over ``package`` (consumes ``nonces``)."""
    suite = _ciphersuite(key_share.suite)
    if package.suite is not suite or nonces.suite is not suite:
        raise InvalidInput("the key share, nonces and package are in different suites",
                           field="suite")
    if nonces.identifier != key_share.identifier:
        raise InvalidInput("these nonces belong to another participant", field="nonces")
    needed = key_share.min_signers  # secret-ok: the threshold is public
    if len(package.commitments) < needed:
        raise InvalidInput(f"{len(package.commitments)} signer(s) in the package, "
                           f"{needed} needed", field="commitments")
    own = package.commitment_of(key_share.identifier)
    group = suite.group
    if not (group.equal(own.hiding, nonces.commitments.hiding)
            and group.equal(own.binding, nonces.commitments.binding)):
        raise InvalidInput("the package does not carry this participant's commitments",
                           field="commitments")
    if nonces.used:
        raise NonceReused()
    session = _session(key_share.group_public_key, package)
    scalars = group.scalars
    lagrange = lagrange_coefficient(scalars, package.signers, key_share.identifier)
    secret = key_share.secret_scalar()
    hiding, binding = nonces.take()
    share = scalars.add(
        scalars.add(hiding, scalars.mul(binding, session.binding_factors[key_share.identifier])),
        scalars.mul(scalars.mul(lagrange, secret), session.challenge))
    return SignatureShare(suite, key_share.identifier, share)


def _share_is_valid(public_key_package: PublicKeyPackage, package: SigningPackage,
                    session: _Session, share: SignatureShare) -> bool:
    group = package.suite.group
    commitment = package.commitment_of(share.identifier)
    verifying_share = public_key_package.verifying_share(share.identifier)
    lagrange = lagrange_coefficient(group.scalars, package.signers, share.identifier)
    commitment_share = group.add(commitment.hiding, group.scalar_mult(
        session.binding_factors[share.identifier], commitment.binding))
    right = group.add(commitment_share, group.scalar_mult(
        group.scalars.mul(session.challenge, lagrange), verifying_share))
    return group.equal(group.scalar_base_mult(share.share), right)


def _check_session(public_key_package: PublicKeyPackage, package: SigningPackage) -> None:
    if public_key_package.suite is not package.suite:
        raise InvalidInput("the package is not in the group's suite", field="suite")
    if len(package.commitments) < public_key_package.min_signers:
        raise InvalidInput(f"{len(package.commitments)} signer(s), "
                           f"{public_key_package.min_signers} needed", field="commitments")
    strangers = [i for i in package.signers if i not in public_key_package.verifying_shares]
    if strangers:
        raise InvalidInput(f"participant(s) {strangers} are not in this group",
                           field="commitments")


def verify_signature_share(public_key_package: PublicKeyPackage, package: SigningPackage,
                           share: SignatureShare) -> None:
    """RFC ``verify_signature_share``; raises :class:`InvalidSignatureShare` naming the signer."""
    _check_session(public_key_package, package)
    if share.suite is not package.suite:
        raise InvalidInput("the share is not in the package's suite", field="suite")
    session = _session(public_key_package.group_public_key, package)
    if not _share_is_valid(public_key_package, package, session, share):
        raise InvalidSignatureShare([share.identifier])  # secret-ok: an identifier


def aggregate(public_key_package: PublicKeyPackage, package: SigningPackage,
              shares: Sequence[SignatureShare]) -> bytes:
    """Verify every share, then ``SerializeElement(R) || SerializeScalar(Σ z_i)``."""
    _check_session(public_key_package, package)
    by_signer = {share.identifier: share for share in shares}
    if len(by_signer) != len(shares):
        raise InvalidInput("one signature share per signer", field="shares")
    if any(share.suite is not package.suite for share in shares):
        raise InvalidInput("every share must be in the package's suite", field="shares")
    missing = [i for i in package.signers if i not in by_signer]
    extra = sorted(i for i in by_signer if i not in package.signers)
    if missing or extra:
        raise InvalidInput(f"shares must come from exactly the committed signers "
                           f"(missing {missing}, unexpected {extra})", field="shares")
    session = _session(public_key_package.group_public_key, package)
    bad = [i for i in package.signers
           if not _share_is_valid(public_key_package, package, session, by_signer[i])]
    if bad:
        raise InvalidSignatureShare(bad)
    group = package.suite.group
    total = group.scalars.zero()
    for identifier in package.signers:
        total = group.scalars.add(total, by_signer[identifier].share)
    signature = group.serialize_element(session.group_commitment) + total
    verify_signature(package.suite, public_key_package.group_public_key, package.message,
                     signature)
    return signature


def verify_signature(suite: Ciphersuite, group_public_key: bytes, message: bytes,
                     signature: bytes) -> None:
    """RFC 9591 appendix B: raise :class:`InvalidSignature` unless ``z·B == R + c·PK``."""
    group = suite.group
    size = group.element_size + group.scalars.size
    if not isinstance(signature, bytes | bytearray) or len(signature) != size:
        raise InvalidSignature(f"a {suite.name} signature is {size} bytes")
    try:
        public_key = group.deserialize_element(bytes(group_public_key), "group_public_key")
    except InvalidInput:
        raise InvalidSignature("the group public key is not a valid element") from None
    try:
        commitment = group.deserialize_element(bytes(signature[:group.element_size]))
        response = group.scalars.deserialize(bytes(signature[group.element_size:]))
    except InvalidInput:
        raise InvalidSignature("the signature is malformed") from None
    challenge = compute_challenge(suite, commitment, public_key, bytes(message))
    expected = group.add(commitment, group.scalar_mult(challenge, public_key))
    if not group.equal(group.scalar_base_mult(response), expected):
        raise InvalidSignature("signature does not verify")
