"""Pedersen commitments over ristretto255: ``C = v·G + r·H``.

Why: a commitment lets a party fix a value now (a balance, a counter, a limit) and reveal or
prove things about it later; the ledger records ``C`` only. It is perfectly hiding (for a
uniformly random ``r``, ``C`` is a uniformly random group element whatever ``v`` is) and
computationally binding (opening ``C`` two ways yields ``log_G H``, which nobody knows).

1. ``G`` and ``H`` are SKMS's own generators: RFC 9380 ``hash_to_ristretto255`` with
   expand_message_xmd(SHA-512) and the DST ``PEDERSEN_DST``, from the messages ``"G"`` and
   ``"H"``; they are the generators the Bulletproofs range proofs use.
2. Values are integers ``0 <= v < ℓ`` (ℓ = 2^252 + 27742317777372353535851937790883648493);
   range proofs further restrict them to ``n`` bits. Values and blindings cross into the
   extension as ``bytearray`` and are wiped here after use.
3. Commitments add: ``commit(a, r) + commit(b, s) == commit(a + b, r + s)``; ``add_blindings``
   gives the blinding that opens the sum.
4. A commitment is 32 bytes (a canonical compressed ristretto255 point); ``from_bytes`` and
   ``from_dict`` reject anything else.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.crypto.zk import native
from ledger.errors import InvalidInput, InvalidSignature

__all__ = [
    "COMMITMENT_SIZE",
    "GROUP_ORDER",
    "PEDERSEN_DST",
    "PedersenCommitment",
    "add_blindings",
    "commit",
    "generators",
    "random_blinding",
    "scalar_bytes",
    "sub_blindings",
    "verify_opening",
]

COMMITMENT_SIZE = 32
SCALAR_SIZE = 32
GROUP_ORDER = 2**252 + 27742317777372353535851937790883648493
PEDERSEN_DST = b"SKMS-V1-PEDERSEN-ristretto255_XMD:SHA-512_R255MAP_RO_"

Rng = Callable[[int], bytearray]


@dataclass(frozen=True)
class PedersenCommitment:
    """A commitment ``C = v·G + r·H``: public, safe to record in a ledger event."""

    point: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.point, bytes) or len(self.point) != COMMITMENT_SIZE:
            raise InvalidInput(f"a commitment is {COMMITMENT_SIZE} bytes", field="commitment")

    def to_bytes(self) -> bytes:
        return self.point

    @classmethod
    def from_bytes(cls, data: bytes) -> PedersenCommitment:
        """Parse 32 bytes, checking they encode a ristretto255 point."""
        commitment = cls(bytes(data) if isinstance(data, bytes | bytearray) else data)
        # Adding the identity decodes the point in the extension (canonical encoding check).
        native.returns_bytes("pedersen_add", commitment.point, bytes(COMMITMENT_SIZE))
        return commitment

    def to_dict(self) -> dict[str, str]:
        return {"scheme": "pedersen-ristretto255-v1", "commitment": self.point.hex()}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PedersenCommitment:
        if set(data) != {"scheme", "commitment"}:
            raise InvalidInput("expected exactly the keys scheme and commitment",
                               field="commitment")
        if data["scheme"] != "pedersen-ristretto255-v1":
            raise InvalidInput("unknown commitment scheme", field="scheme")
        text = data["commitment"]
        if not isinstance(text, str) or len(text) != 2 * COMMITMENT_SIZE:
            raise InvalidInput(f"a commitment is {2 * COMMITMENT_SIZE} hex digits",
                               field="commitment")
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise InvalidInput("not hexadecimal", field="commitment") from None
        if raw.hex() != text:
            raise InvalidInput("hex digits must be lower case", field="commitment")
        return cls.from_bytes(raw)

    def __add__(self, other: PedersenCommitment) -> PedersenCommitment:
        return PedersenCommitment(native.returns_bytes("pedersen_add", self.point, other.point))

    def __sub__(self, other: PedersenCommitment) -> PedersenCommitment:
        return PedersenCommitment(native.returns_bytes("pedersen_sub", self.point, other.point))


def generators() -> tuple[bytes, bytes]:
    """The compressed generators ``(G, H)``."""
    pair = native.invoke("pedersen_generators")
    if not (isinstance(pair, tuple) and len(pair) == 2
            and all(isinstance(p, bytes) for p in pair)):
        raise InvalidInput("unexpected generators from the extension")
    return pair[0], pair[1]


def scalar_bytes(value: int, *, field: str = "value") -> bytearray:
    """``value`` (0 <= value < ℓ) as 32 little-endian bytes, in a buffer to wipe after use."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < GROUP_ORDER:
        raise InvalidInput("must be an integer from 0 to the group order ℓ − 1", field=field)
    return bytearray(value.to_bytes(SCALAR_SIZE, "little"))


def random_blinding(rng: Rng = random_bytes) -> bytearray:
    """A uniform blinding scalar: 64 random bytes reduced mod ℓ (bias below 2^-250)."""
    wide = rng(64)
    try:
        if not isinstance(wide, bytearray) or len(wide) != 64:
            raise InvalidInput("the rng must return a 64-byte bytearray", field="rng")
        return native.returns_bytearray("scalar_from_wide", wide)
    finally:
        if isinstance(wide, bytearray):
            zeroize(wide)


def _check_blinding(blinding: bytearray) -> None:
    if not isinstance(blinding, bytearray) or len(blinding) != SCALAR_SIZE:
        raise InvalidInput(f"a blinding is a {SCALAR_SIZE}-byte bytearray", field="blinding")


def commit(value: int, *, blinding: bytearray | None = None,
           rng: Rng = random_bytes) -> tuple[PedersenCommitment, bytearray]:
    """Commit to ``value``; returns the commitment and its blinding (the caller wipes it).

    A given ``blinding`` is used as is (and returned as the same buffer); otherwise a fresh one
    is drawn from ``rng``.
    """
    encoded = scalar_bytes(value)
    try:
        if blinding is None:
            blinding = random_blinding(rng)
        _check_blinding(blinding)
        point = native.returns_bytes("pedersen_commit", encoded, blinding)
        return PedersenCommitment(point), blinding
    finally:
        zeroize(encoded)


def verify_opening(commitment: PedersenCommitment, value: int, blinding: bytearray) -> None:
    """Raise ``InvalidSignature`` unless ``(value, blinding)`` opens ``commitment``."""
    _check_blinding(blinding)
    encoded = scalar_bytes(value)
    try:
        expected = native.returns_bytes("pedersen_commit", encoded, blinding)
    finally:
        zeroize(encoded)
    if not hmac.compare_digest(expected, commitment.point):
        raise InvalidSignature("the value and blinding do not open this commitment")


def add_blindings(left: bytearray, right: bytearray) -> bytearray:
    """``left + right mod ℓ``: the blinding that opens the sum of two commitments."""
    _check_blinding(left)
    _check_blinding(right)
    return native.returns_bytearray("scalar_add", left, right)


def sub_blindings(left: bytearray, right: bytearray) -> bytearray:
    """``left − right mod ℓ``: the blinding that opens the difference of two commitments."""
    _check_blinding(left)
    _check_blinding(right)
    return native.returns_bytearray("scalar_sub", left, right)
