"""MuSig2 (BIP-327): n-of-n Schnorr multi-signatures whose result is a BIP-340 signature.

Built on the secp256k1 group of :mod:`ledger.crypto.threshold.group_secp256k1`
(libsecp256k1 through coincurve, with the identity and the zero scalar handled there) and
written step by step as BIP-327's specification defines the algorithms; scalars modulo
``n`` are Python integers for the same reason as in that module (coincurve exposes no
scalar arithmetic that admits zero). The aggregate signature verifies with coincurve's
``PublicKeyXOnly.verify`` (BIP-340) under the aggregate x-only key.

1. Keys: :func:`key_sort`, :func:`key_agg` (``Q = Σ a_i·P_i`` with
   ``a_i = H_agg(L || P_i)``, 1 for the second distinct key), :func:`apply_tweak` (plain or
   x-only, tracking ``gacc``/``tacc``), :func:`key_agg_and_tweak`.
2. Nonces: :func:`nonce_gen` (fresh ``rand'`` from ``rng``) and :func:`nonce_gen_with_randomness`
   (BIP's ``NonceGen`` with ``rand'`` given, for the vectors); :func:`nonce_agg`.
3. Signing: :func:`sign` (the 97-byte ``secnonce`` is a ``bytearray`` whose nonces are zeroed
   before anything else happens, so a second call fails: "first secnonce value is out of
   range."), :func:`deterministic_sign` (BIP's ``DeterministicSign`` for a last signer
   without a nonce store), :func:`partial_sig_verify`, :func:`partial_sig_agg`.

Errors follow the BIP's two kinds: a malformed argument is :class:`InvalidInput` whose
message is the BIP reference's text; a party's invalid contribution is
:class:`InvalidContribution` carrying the signer's index (``None`` for the aggregator) and
the contribution's name. A partial signature that does not verify raises
:class:`InvalidSignatureShare` naming the signer's index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from coincurve import PublicKeyXOnly

from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.crypto.threshold.errors import InvalidContribution, InvalidSignatureShare
from ledger.crypto.threshold.group_secp256k1 import SECP256K1, SECP256K1_IDENTITY
from ledger.crypto.threshold.scalars import Rng
from ledger.errors import CryptoError, InvalidInput, InvalidSignature

__all__ = [
    "KeyAggContext",
    "SessionContext",
    "apply_tweak",
    "deterministic_sign",
    "individual_pubkey",
    "key_agg",
    "key_agg_and_tweak",
    "key_agg_coeff",
    "key_sort",
    "nonce_agg",
    "nonce_gen",
    "nonce_gen_with_randomness",
    "partial_sig_agg",
    "partial_sig_verify",
    "partial_sig_verify_internal",
    "sign",
    "verify_bip340",
]

N = SECP256K1.order
_G = SECP256K1.generator()
_PUBKEY_SIZE = 33
_PUBNONCE_SIZE = 66
_SECNONCE_SIZE = 97


def _tagged_hash(tag: str, message: bytes) -> bytes:
    tag_hash = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(tag_hash + tag_hash + message).digest()


def _int(data: bytes | bytearray) -> int:
    return int.from_bytes(data, "big")


def _bytes32(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _mul(point: bytes, scalar: int) -> bytes:
    return SECP256K1.scalar_mult(_bytes32(scalar % N), point)


def _base(scalar: int) -> bytes:
    return SECP256K1.scalar_base_mult(_bytes32(scalar % N))


def _xbytes(point: bytes) -> bytes:
    return point[1:]


def _even(point: bytes) -> bool:
    return SECP256K1.has_even_y(point)


def _cpoint(data: bytes) -> bytes:
    """BIP-327 ``cpoint``: a 33-byte compressed point, else :class:`InvalidInput`."""
    return SECP256K1.deserialize_element(bytes(data), "point")


def _cpoint_ext(data: bytes) -> bytes:
    """``cpoint_ext``: 33 zero bytes are the point at infinity."""
    if bytes(data) == SECP256K1_IDENTITY:
        return SECP256K1_IDENTITY
    return _cpoint(data)


def _check_bytes(value: object, size: int, message: str, field: str) -> bytes:
    if not isinstance(value, bytes | bytearray) or len(value) != size:
        raise InvalidInput(message, field=field)
    return bytes(value)


# --- keys ----------------------------------------------------------------------------------

def individual_pubkey(secret_key: bytes | bytearray) -> bytes:
    """``IndividualPubkey(sk)``: the 33-byte plain public key."""
    d = _int(_check_bytes(secret_key, 32, "The secret key must be 32 bytes.", "secret_key"))
    if not 1 <= d <= N - 1:
        raise InvalidInput("The secret key must be an integer in the range 1..n-1.",
                           field="secret_key")
    return _base(d)


def key_sort(pubkeys: Sequence[bytes]) -> list[bytes]:
    """``KeySort``: lexicographic order of the 33-byte encodings."""
    return sorted(bytes(pk) for pk in pubkeys)


@dataclass(frozen=True, slots=True)
class KeyAggContext:
    """``(Q, gacc, tacc)``: aggregate point, accumulated sign and tweak."""

    Q: bytes
    gacc: int
    tacc: int

    def xonly_pubkey(self) -> bytes:
        """``GetXonlyPubkey``: the 32-byte BIP-340 key."""
        return _xbytes(self.Q)

    def plain_pubkey(self) -> bytes:
        """``GetPlainPubkey``: the 33-byte compressed key."""
        return self.Q


def _hash_keys(pubkeys: Sequence[bytes]) -> bytes:
    return _tagged_hash("KeyAgg list", b"".join(pubkeys))


def _second_key(pubkeys: Sequence[bytes]) -> bytes:
    for pk in pubkeys[1:]:
        if pk != pubkeys[0]:
            return pk
    return bytes(_PUBKEY_SIZE)


def _coefficient(pubkeys: Sequence[bytes], pk: bytes, second: bytes, keys_hash: bytes) -> int:
    if pk == second:
        return 1
    return _int(_tagged_hash("KeyAgg coefficient", keys_hash + pk)) % N


def key_agg_coeff(pubkeys: Sequence[bytes], pk: bytes) -> int:
    """``KeyAggCoeff(pk1..u, pk')``."""
    keys = [bytes(k) for k in pubkeys]
    return _coefficient(keys, bytes(pk), _second_key(keys), _hash_keys(keys))


def key_agg(pubkeys: Sequence[bytes]) -> KeyAggContext:
    """``KeyAgg``: names the first signer whose key is not a valid point."""
    keys = [bytes(k) for k in pubkeys]
    second, keys_hash = _second_key(keys), _hash_keys(keys)
    total = SECP256K1_IDENTITY
    for index, pk in enumerate(keys):
        try:
            point = _cpoint(pk)
        except InvalidInput:
            raise InvalidContribution(index, "pubkey") from None
        total = SECP256K1.add(total, _mul(point, _coefficient(keys, pk, second, keys_hash)))
    if SECP256K1.is_identity(total):
        raise CryptoError("the aggregate key is infinity")  # pragma: no cover - negligible
    return KeyAggContext(total, 1, 0)


def apply_tweak(context: KeyAggContext, tweak: bytes, is_xonly: bool) -> KeyAggContext:
    """``ApplyTweak``: ``Q' = g·Q + t·G`` with ``g = -1`` for an x-only tweak of odd ``Q``."""
    t = _int(_check_bytes(tweak, 32, "The tweak must be a 32-byte array.", "tweak"))
    g = N - 1 if is_xonly and not _even(context.Q) else 1
    if t >= N:
        raise InvalidInput("The tweak must be less than n.", field="tweak")
    tweaked = SECP256K1.add(_mul(context.Q, g), _base(t))
    if SECP256K1.is_identity(tweaked):
        raise InvalidInput("The result of tweaking cannot be infinity.", field="tweak")
    return KeyAggContext(tweaked, g * context.gacc % N, (t + g * context.tacc) % N)


def key_agg_and_tweak(pubkeys: Sequence[bytes], tweaks: Sequence[bytes],
                      is_xonly: Sequence[bool]) -> KeyAggContext:
    if len(tweaks) != len(is_xonly):
        raise InvalidInput("The `tweaks` and `is_xonly` arrays must have the same length.",
                           field="tweaks")
    context = key_agg(pubkeys)
    for tweak, xonly in zip(tweaks, is_xonly, strict=True):
        context = apply_tweak(context, tweak, xonly)
    return context


# --- nonces --------------------------------------------------------------------------------

def _nonce_hash(rand: bytes, pk: bytes, aggpk: bytes, index: int, msg_prefixed: bytes,
                extra_in: bytes) -> int:
    data = (rand + bytes([len(pk)]) + pk + bytes([len(aggpk)]) + aggpk + msg_prefixed
            + len(extra_in).to_bytes(4, "big") + extra_in + bytes([index]))
    return _int(_tagged_hash("MuSig/nonce", data))


def nonce_gen_with_randomness(rand_: bytes | bytearray, secret_key: bytes | bytearray | None,
                              pubkey: bytes, aggpk: bytes | None, msg: bytes | None,
                              extra_in: bytes | None) -> tuple[bytearray, bytes]:
    """``NonceGen`` with the 32-byte ``rand'`` given: ``(secnonce, pubnonce)``."""
    rand_ = _check_bytes(rand_, 32, "rand' must be 32 bytes.", "rand")
    if secret_key is not None:
        key = _check_bytes(secret_key, 32, "The optional byte array sk must have length 32.",
                           "secret_key")
        mask = _tagged_hash("MuSig/aux", rand_)
        rand = bytes(a ^ b for a, b in zip(key, mask, strict=True))
    else:
        rand = rand_
    pk = _check_bytes(pubkey, _PUBKEY_SIZE, "The public key must be 33 bytes.", "pubkey")
    if aggpk is not None:
        aggpk = _check_bytes(aggpk, 32, "The optional byte array aggpk must have length 32.",
                             "aggpk")
    msg_prefixed = b"\x00" if msg is None else (b"\x01" + len(msg).to_bytes(8, "big")
                                                 + bytes(msg))
    extra = b"" if extra_in is None else bytes(extra_in)
    k1 = _nonce_hash(rand, pk, aggpk or b"", 0, msg_prefixed, extra) % N
    k2 = _nonce_hash(rand, pk, aggpk or b"", 1, msg_prefixed, extra) % N
    if k1 == 0 or k2 == 0:
        raise CryptoError("nonce generation produced zero")  # pragma: no cover - negligible
    pubnonce = _base(k1) + _base(k2)
    return bytearray(_bytes32(k1) + _bytes32(k2) + pk), pubnonce


def nonce_gen(secret_key: bytes | bytearray | None, pubkey: bytes, aggpk: bytes | None = None,
              msg: bytes | None = None, extra_in: bytes | None = None, *,
              rng: Rng = random_bytes) -> tuple[bytearray, bytes]:
    """``NonceGen`` with a fresh ``rand'``: keep ``secnonce`` secret and use it once."""
    rand_ = rng(32)
    try:
        return nonce_gen_with_randomness(rand_, secret_key, pubkey, aggpk, msg, extra_in)
    finally:
        zeroize(rand_)


def nonce_agg(pubnonces: Sequence[bytes]) -> bytes:
    """``NonceAgg``: names the first signer whose public nonce is invalid."""
    aggregate = b""
    for half in (0, 1):
        total = SECP256K1_IDENTITY
        for index, pubnonce in enumerate(pubnonces):
            if not isinstance(pubnonce, bytes | bytearray) or len(pubnonce) != _PUBNONCE_SIZE:
                raise InvalidContribution(index, "pubnonce")
            try:
                point = _cpoint(pubnonce[half * 33:(half + 1) * 33])
            except InvalidInput:
                raise InvalidContribution(index, "pubnonce") from None
            total = SECP256K1.add(total, point)
        aggregate += total  # cbytes_ext: the identity is 33 zero bytes
    return aggregate


# --- signing -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SessionContext:
    """``(aggnonce, pk1..u, tweak1..v, is_xonly_t1..v, m)``."""

    aggnonce: bytes
    pubkeys: tuple[bytes, ...]
    tweaks: tuple[bytes, ...]
    is_xonly: tuple[bool, ...]
    msg: bytes


@dataclass(frozen=True, slots=True)
class _SessionValues:
    Q: bytes
    gacc: int
    tacc: int
    b: int
    R: bytes
    e: int


def _session_values(session: SessionContext) -> _SessionValues:
    context = key_agg_and_tweak(session.pubkeys, session.tweaks, session.is_xonly)
    aggnonce = _check_bytes(session.aggnonce, _PUBNONCE_SIZE, "aggnonce must be 66 bytes.",
                            "aggnonce")
    b = _int(_tagged_hash("MuSig/noncecoef", aggnonce + _xbytes(context.Q) + session.msg)) % N
    try:
        r1, r2 = _cpoint_ext(aggnonce[:33]), _cpoint_ext(aggnonce[33:])
    except InvalidInput:
        raise InvalidContribution(None, "aggnonce") from None
    combined = SECP256K1.add(r1, _mul(r2, b))
    final = _G if SECP256K1.is_identity(combined) else combined
    e = _int(_tagged_hash("BIP0340/challenge", _xbytes(final) + _xbytes(context.Q)
                          + session.msg)) % N
    return _SessionValues(context.Q, context.gacc, context.tacc, b, final, e)


def _session_coefficient(session: SessionContext, pk: bytes) -> int:
    if pk not in session.pubkeys:
        raise InvalidInput("The signer's pubkey must be included in the list of pubkeys.",
                           field="pubkeys")
    return key_agg_coeff(session.pubkeys, pk)


def sign(secnonce: bytearray, secret_key: bytes | bytearray, session: SessionContext) -> bytes:
    """``Sign``: the 32-byte partial signature; wipes the nonces in ``secnonce`` first."""
    if not isinstance(secnonce, bytearray) or len(secnonce) != _SECNONCE_SIZE:
        raise InvalidInput("secnonce must be a 97-byte bytearray.", field="secnonce")
    values = _session_values(session)
    k1_, k2_ = _int(secnonce[:32]), _int(secnonce[32:64])
    nonce_pubkey = bytes(secnonce[64:])
    # Zeroed before any check, so a second call with the same buffer always fails.
    secnonce[:64] = bytes(64)
    if not 0 < k1_ < N:
        raise InvalidInput("first secnonce value is out of range.", field="secnonce")
    if not 0 < k2_ < N:
        raise InvalidInput("second secnonce value is out of range.", field="secnonce")
    k1 = k1_ if _even(values.R) else N - k1_
    k2 = k2_ if _even(values.R) else N - k2_
    d_ = _int(_check_bytes(secret_key, 32, "The secret key must be 32 bytes.", "secret_key"))
    if not 0 < d_ < N:
        raise InvalidInput("secret key value is out of range.", field="secret_key")
    pk = _base(d_)
    if pk != nonce_pubkey:
        raise InvalidInput("Public key does not match nonce_gen argument", field="secnonce")
    a = _session_coefficient(session, pk)
    g = 1 if _even(values.Q) else N - 1
    d = g * values.gacc * d_ % N
    psig = _bytes32((k1 + values.b * k2 + values.e * a * d) % N)
    pubnonce = _base(k1_) + _base(k2_)
    if not _partial_valid(psig, pubnonce, pk, session):  # pragma: no cover - a fault
        raise CryptoError("MuSig2 produced a partial signature that does not verify")
    return psig


def _partial_valid(psig: bytes, pubnonce: bytes, pk: bytes, session: SessionContext) -> bool:
    values = _session_values(session)
    s = _int(_check_bytes(psig, 32, "A partial signature must be 32 bytes.", "psig"))
    if s >= N:
        return False
    r1, r2 = _cpoint(pubnonce[:33]), _cpoint(pubnonce[33:66])
    effective = SECP256K1.add(r1, _mul(r2, values.b))
    if not _even(values.R):
        effective = SECP256K1.negate(effective)
    point = _cpoint(pk)
    a = _session_coefficient(session, pk)
    g = 1 if _even(values.Q) else N - 1
    right = SECP256K1.add(effective, _mul(point, values.e * a * g * values.gacc % N))
    return SECP256K1.equal(_base(s), right)


def partial_sig_verify_internal(psig: bytes, pubnonce: bytes, pubkey: bytes,
                                session: SessionContext, index: int) -> None:
    """``PartialSigVerifyInternal``; raises :class:`InvalidSignatureShare` naming ``index``."""
    if not _partial_valid(bytes(psig), bytes(pubnonce), bytes(pubkey), session):
        raise InvalidSignatureShare([index])


def partial_sig_verify(psig: bytes, pubnonces: Sequence[bytes], pubkeys: Sequence[bytes],
                       tweaks: Sequence[bytes], is_xonly: Sequence[bool], msg: bytes,
                       index: int) -> None:
    """``PartialSigVerify`` of signer ``index``; raises instead of returning False."""
    if len(pubnonces) != len(pubkeys):
        raise InvalidInput("The `pubnonces` and `pubkeys` arrays must have the same length.",
                           field="pubnonces")
    if len(tweaks) != len(is_xonly):
        raise InvalidInput("The `tweaks` and `is_xonly` arrays must have the same length.",
                           field="tweaks")
    aggnonce = nonce_agg(pubnonces)
    session = SessionContext(aggnonce, tuple(bytes(k) for k in pubkeys),
                             tuple(bytes(t) for t in tweaks), tuple(is_xonly), bytes(msg))
    partial_sig_verify_internal(psig, pubnonces[index], pubkeys[index], session, index)


def deterministic_sign(secret_key: bytes | bytearray, aggothernonce: bytes,
                       pubkeys: Sequence[bytes], tweaks: Sequence[bytes],
                       is_xonly: Sequence[bool], msg: bytes,
                       rand: bytes | None = None) -> tuple[bytes, bytes]:
    """``DeterministicSign``: ``(pubnonce, psig)`` for the last signer, no nonce state kept."""
    key = _check_bytes(secret_key, 32, "The secret key must be 32 bytes.", "secret_key")
    if rand is not None:
        mask = _tagged_hash("MuSig/aux", _check_bytes(rand, 32, "rand must be 32 bytes.",
                                                      "rand"))
        key_ = bytes(a ^ b for a, b in zip(key, mask, strict=True))
    else:
        key_ = key
    aggpk = key_agg_and_tweak(pubkeys, tweaks, is_xonly).xonly_pubkey()

    def nonce(index: int) -> int:
        data = (key_ + bytes(aggothernonce) + aggpk + len(msg).to_bytes(8, "big") + bytes(msg)
                + bytes([index]))
        return _int(_tagged_hash("MuSig/deterministic/nonce", data)) % N

    k1, k2 = nonce(0), nonce(1)
    pubnonce = _base(k1) + _base(k2)
    secnonce = bytearray(_bytes32(k1) + _bytes32(k2) + individual_pubkey(key))
    try:
        aggnonce = nonce_agg([pubnonce, aggothernonce])
    except InvalidContribution:
        raise InvalidContribution(None, "aggothernonce") from None
    session = SessionContext(aggnonce, tuple(bytes(k) for k in pubkeys),
                             tuple(bytes(t) for t in tweaks), tuple(is_xonly), bytes(msg))
    try:
        return pubnonce, sign(secnonce, key, session)
    finally:
        zeroize(secnonce)


def partial_sig_agg(psigs: Sequence[bytes], session: SessionContext) -> bytes:
    """``PartialSigAgg``: the 64-byte BIP-340 signature ``x(R) || s``."""
    values = _session_values(session)
    total = 0
    for index, psig in enumerate(psigs):
        if not isinstance(psig, bytes | bytearray) or len(psig) != 32 or _int(psig) >= N:
            raise InvalidContribution(index, "psig")
        total = (total + _int(psig)) % N
    g = 1 if _even(values.Q) else N - 1
    total = (total + values.e * g * values.tacc) % N
    return _xbytes(values.R) + _bytes32(total)


def verify_bip340(xonly_pubkey: bytes, msg: bytes, signature: bytes) -> None:
    """BIP-340 verification by libsecp256k1 (coincurve); raises :class:`InvalidSignature`."""
    try:
        key = PublicKeyXOnly(bytes(xonly_pubkey))
    except ValueError:
        raise InvalidSignature("the x-only public key is not on the curve") from None
    if len(signature) != 64 or not key.verify(bytes(signature), bytes(msg)):
        raise InvalidSignature("signature does not verify")
