"""Linkable ring signatures (LSAG) over Ed25519, on libsodium's group operations.

What it proves: "one of the holders of these ``n`` public keys signed this message, within
this scope", without saying which one (signer ambiguity under the DDH assumption in the
random-oracle model), plus a *key image* ``I`` that is the same every time the same key
signs in the same scope and differs between keys (linkability), so a second approval by
the same member is visible without revealing who the member is.

The scheme is Back's LSAG (bLSAG) as "Zero to Monero" 2.0 (section 3.4) describes it for
CryptoNote, with the key image ``I = x * Hp(P)``:

1. Signer ``pi`` with secret ``x`` (``P_pi = x * G``) computes ``I = x * Hp(P_pi)``.
2. Draws ``alpha`` and ``s_i`` (``i != pi``); ``c_{pi+1} = Hn(T, alpha*G, alpha*Hp(P_pi))``.
3. For ``i = pi+1, ..., pi-1`` (mod ``n``):
   ``c_{i+1} = Hn(T, s_i*G + c_i*P_i, s_i*Hp(P_i) + c_i*I)``.
4. ``s_pi = alpha - c_pi * x mod L``. The signature is ``(I, c_0, s_0 .. s_{n-1})``.
5. The verifier recomputes ``c_1 .. c_n`` from ``c_0`` by step 3 for every ``i`` and accepts
   iff ``c_n = c_0``.

``T``, the transcript prefix hashed into every challenge, is
``"SKMS-LSAG-v1" || scope || n || P_0 .. P_{n-1} || I || message`` (length-prefixed). Hashing
the ring and the key image into every challenge is what Liu, Wei and Wong's original LSAG
does (``H1(L, I, m, ...)``): it fixes the ring and its order, so a signature does not verify
for a reordered, rotated or different ring, and the image cannot be swapped; the scope is
hashed for the same reason. ``Hn`` is SHA-512 reduced modulo ``L`` (read little-endian).

``Hp`` and the scope: ``Hp_scope(P)`` is :func:`~.ed25519_group.hash_to_point` of
``("SKMS-LSAG-v1/Hp", scope || P)`` (why that construction, and not RFC 9380's, is in
:mod:`.ed25519_group`). With an empty ``scope`` the key image is CryptoNote's global one:
one key, one image, forever. For approvals, pass the proposal's id as ``scope``: a member's
two approvals of the same proposal share an image (the double approval is caught), while
their approvals of different proposals have unrelated images and cannot be linked to each
other. This is the "event-oriented" linkability of the LSAG literature.

Strict encoding (every check is :class:`~ledger.errors.InvalidInput` before any arithmetic):

* ring: ``MIN_RING_SIZE`` to ``MAX_RING_SIZE`` distinct keys, each a canonical point of the
  prime-order subgroup (no small-order or torsioned keys);
* key image: a canonical point of the prime-order subgroup, so ``I + T`` for a torsion point
  ``T`` (the trick that let one CryptoNote key spend twice with "different" images) is refused;
* ``c_0`` and every ``s_i``: canonical non-zero scalars (``0 < s < L``);
* bytes: ``01`` (version) || ``n`` (2 bytes, big-endian) || ``I`` || ``c_0`` || ``s_0..s_{n-1}``,
  exactly ``67 + 32 n`` bytes.

Private keys are RFC 8032 seeds (the SKMS Ed25519 key format); the doc page recommends a
dedicated approval key per member rather than the identity key.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.crypto.privacy import ed25519_group as ed
from ledger.crypto.privacy.wire import (
    MAX_RETRIES,
    Reader,
    Rng,
    length_prefixed,
    require_bytes,
    unhex,
)
from ledger.errors import CryptoError, InvalidInput, InvalidSignature

__all__ = [
    "DOMAIN",
    "FORMAT_VERSION",
    "MAX_RING_SIZE",
    "MAX_SCOPE_SIZE",
    "MIN_RING_SIZE",
    "RingSignature",
    "key_image",
    "linked",
    "parse_ring",
    "ring_digest",
    "sign",
    "verify",
]

DOMAIN = b"SKMS-LSAG-v1"
HP_DOMAIN = b"SKMS-LSAG-v1/Hp"
FORMAT_VERSION = 0x01
MIN_RING_SIZE = 2
MAX_RING_SIZE = 1024  # verifying costs about 0.3 ms per member; 1024 members, about 0.3 s
MAX_SCOPE_SIZE = 256
MAX_MESSAGE_SIZE = 1 << 20
_HEADER = 3  # version + ring size


def parse_ring(ring: object) -> tuple[bytes, ...]:
    """A ring of distinct, valid Ed25519 public keys within the size limits."""
    if not isinstance(ring, Sequence) or isinstance(ring, bytes | bytearray | str):
        raise InvalidInput("ring must be a sequence of public keys", field="ring")
    if not MIN_RING_SIZE <= len(ring) <= MAX_RING_SIZE:
        raise InvalidInput(
            f"ring must have {MIN_RING_SIZE} to {MAX_RING_SIZE} members, not {len(ring)}",
            field="ring",
        )
    keys = tuple(ed.parse_point(key, f"ring[{i}]") for i, key in enumerate(ring))
    if len(set(keys)) != len(keys):
        raise InvalidInput("ring has a repeated public key", field="ring")
    return keys


def _scope(scope: object) -> bytes:
    data = require_bytes(scope, "scope")
    if len(data) > MAX_SCOPE_SIZE:
        raise InvalidInput(f"scope is longer than {MAX_SCOPE_SIZE} bytes", field="scope")
    return data


def _message(message: object) -> bytes:
    data = require_bytes(message, "message")
    if len(data) > MAX_MESSAGE_SIZE:
        raise InvalidInput(f"message is longer than {MAX_MESSAGE_SIZE} bytes", field="message")
    return data


def ring_digest(ring: Sequence[bytes]) -> str:
    """SHA-256 naming a ring (its keys, in order): what an event records beside an image."""
    keys = parse_ring(ring)
    return hashlib.sha256(length_prefixed(DOMAIN + b"/ring", *keys)).hexdigest()


def _hp(scope: bytes, public_key: bytes) -> bytes:
    return ed.hash_to_point(HP_DOMAIN, length_prefixed(scope, public_key))


def key_image(private_key: bytes | bytearray, *, scope: bytes) -> bytes:
    """``I = x * Hp_scope(P)`` of an RFC 8032 seed, without signing anything."""
    secret = ed.seed_scalar(private_key)
    try:
        return ed.mul(secret, _hp(_scope(scope), ed.base_mul(secret)))
    finally:
        zeroize(secret)


@dataclass(frozen=True)
class RingSignature:
    """``(I, c_0, s_0 .. s_{n-1})``; constructing it validates every component."""

    key_image: bytes
    c0: bytes
    responses: tuple[bytes, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_image", ed.parse_point(self.key_image, "key_image"))
        object.__setattr__(self, "c0", ed.parse_scalar(self.c0, "c0"))
        responses = self.responses
        if not isinstance(responses, tuple | list) or not (
            MIN_RING_SIZE <= len(responses) <= MAX_RING_SIZE
        ):
            raise InvalidInput(
                f"signature must have {MIN_RING_SIZE} to {MAX_RING_SIZE} responses",
                field="responses",
            )
        object.__setattr__(self, "responses", tuple(
            ed.parse_scalar(s, f"responses[{i}]") for i, s in enumerate(responses)
        ))

    @property
    def ring_size(self) -> int:
        return len(self.responses)

    def to_bytes(self) -> bytes:
        return (bytes([FORMAT_VERSION]) + self.ring_size.to_bytes(2, "big") + self.key_image
                + self.c0 + b"".join(self.responses))

    @classmethod
    def from_bytes(cls, data: object) -> RingSignature:
        """Strict parse; any malformed input is :class:`InvalidInput`."""
        reader = Reader(data, "ring_signature")
        if reader.uint(1, "version") != FORMAT_VERSION:
            raise InvalidInput("ring signature has an unknown format version",
                               field="ring_signature")
        size = reader.uint(2, "ring size")
        if not MIN_RING_SIZE <= size <= MAX_RING_SIZE:
            raise InvalidInput(f"ring signature declares a ring of {size} members",
                               field="ring_signature")
        image = reader.take(ed.POINT_SIZE, "key image")
        c0 = reader.take(ed.SCALAR_SIZE, "c0")
        responses = tuple(reader.take(ed.SCALAR_SIZE, "responses") for _ in range(size))
        reader.finish()
        return cls(image, c0, responses)

    def to_dict(self) -> dict[str, object]:
        return {"key_image": self.key_image.hex(), "c0": self.c0.hex(),
                "responses": [s.hex() for s in self.responses]}

    @classmethod
    def from_dict(cls, data: object) -> RingSignature:
        if not isinstance(data, dict) or set(data) != {"key_image", "c0", "responses"}:
            raise InvalidInput("ring signature must have exactly key_image, c0, responses",
                               field="ring_signature")
        responses = data["responses"]
        if not isinstance(responses, list):
            raise InvalidInput("responses must be a list", field="responses")
        return cls(unhex(data["key_image"], "key_image"), unhex(data["c0"], "c0"),
                   tuple(unhex(s, f"responses[{i}]") for i, s in enumerate(responses)))

    def digest(self) -> str:
        """SHA-256 of the encoding, for ledger events."""
        return hashlib.sha256(self.to_bytes()).hexdigest()


class _Transcript:
    """``Hn(T, L, R)`` with the fixed prefix ``T`` hashed once and copied per step."""

    def __init__(self, scope: bytes, ring: tuple[bytes, ...], image: bytes, message: bytes):
        self._prefix = hashlib.sha512(length_prefixed(
            DOMAIN, scope, len(ring).to_bytes(2, "big"), *ring, image, message
        ))

    def challenge(self, left: bytes, right: bytes) -> bytes:
        state = self._prefix.copy()
        state.update(left + right)
        return ed.reduce_wide(state.digest())


def _step(transcript: _Transcript, s: bytes | bytearray, c: bytes, member: bytes,
          hp: bytes, image: bytes) -> bytes:
    """``c_{i+1}`` from ``s_i``, ``c_i``: ``Hn(T, s*G + c*P, s*Hp(P) + c*I)``."""
    left = ed.add(ed.base_mul(s), ed.mul(c, member))
    right = ed.add(ed.mul(s, hp), ed.mul(c, image))
    return transcript.challenge(left, right)


def sign(ring: Sequence[bytes], signer_index: int, private_key: bytes | bytearray,
         message: bytes, *, scope: bytes, rng: Rng = random_bytes) -> RingSignature:
    """Sign ``message`` as member ``signer_index`` of ``ring`` (whose key must match)."""
    keys = parse_ring(ring)
    link_scope = _scope(scope)
    data = _message(message)
    if not isinstance(signer_index, int) or not 0 <= signer_index < len(keys):
        raise InvalidInput("signer_index is not a position in the ring", field="signer_index")
    secret = ed.seed_scalar(private_key)
    try:
        if not hmac.compare_digest(ed.base_mul(secret), keys[signer_index]):
            raise InvalidInput("private key does not match ring[signer_index]",
                               field="private_key")
        hps = [_hp(link_scope, key) for key in keys]
        image = ed.mul(secret, hps[signer_index])
        transcript = _Transcript(link_scope, keys, image, data)
        for _ in range(MAX_RETRIES):  # retried only if a challenge or response is zero
            try:
                return _sign_once(keys, hps, signer_index, secret, image, transcript, rng)
            except CryptoError:
                continue
        raise CryptoError("could not make a ring signature (random source looks broken)")
    finally:
        zeroize(secret)


def _sign_once(keys: tuple[bytes, ...], hps: list[bytes], pi: int, secret: bytearray,
               image: bytes, transcript: _Transcript, rng: Rng) -> RingSignature:
    n = len(keys)
    responses: list[bytes] = [b""] * n
    challenges: list[bytes] = [b""] * n
    alpha = ed.random_scalar(rng)
    try:
        current = transcript.challenge(ed.base_mul(alpha), ed.mul(alpha, hps[pi]))
        for offset in range(1, n):
            i = (pi + offset) % n
            if not any(current):
                raise CryptoError("zero challenge")
            challenges[i] = current
            s = ed.random_scalar(rng)
            responses[i] = bytes(s)
            current = _step(transcript, s, current, keys[i], hps[i], image)
        if not any(current):
            raise CryptoError("zero challenge")
        challenges[pi] = current
        s_pi = ed.scalar_mul_sub(alpha, secret, current)
        if not any(s_pi):
            raise CryptoError("zero response")
        responses[pi] = s_pi
    finally:
        zeroize(alpha)
    return RingSignature(image, challenges[0], tuple(responses))


def verify(ring: Sequence[bytes], message: bytes, signature: RingSignature | bytes, *,
           scope: bytes) -> RingSignature:
    """Raise :class:`InvalidSignature` unless ``signature`` closes over ``ring``.

    Returns the parsed signature, so the caller can read (and record) its key image.
    Malformed rings, scopes or signature bytes are :class:`InvalidInput`.
    """
    keys = parse_ring(ring)
    link_scope = _scope(scope)
    data = _message(message)
    parsed = signature if isinstance(signature, RingSignature) else (
        RingSignature.from_bytes(signature))
    if parsed.ring_size != len(keys):
        raise InvalidSignature(
            f"signature is for a ring of {parsed.ring_size} members, not {len(keys)}")
    transcript = _Transcript(link_scope, keys, parsed.key_image, data)
    current = parsed.c0
    try:
        for i, key in enumerate(keys):
            if not any(current):
                raise InvalidSignature("ring signature does not verify")
            current = _step(transcript, parsed.responses[i], current, key, _hp(link_scope, key),
                            parsed.key_image)
    except CryptoError:
        raise InvalidSignature("ring signature does not verify") from None
    if not hmac.compare_digest(current, parsed.c0):
        raise InvalidSignature("ring signature does not verify")
    return parsed


def linked(first: RingSignature, second: RingSignature) -> bool:
    """Whether two valid signatures (same scope) were made by the same key."""
    return hmac.compare_digest(first.key_image, second.key_image)
