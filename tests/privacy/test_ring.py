"""LSAG ring signatures: verify, tamper every component, rings, linkability, strictness.

Independent check: ``independent_verify`` re-implements the verification equations of the
module docstring with the naive edwards25519 of ``reference.py`` and hashlib, taking only
``Hp``'s Elligator map from libsodium (called directly, from its documented input).
"""

from __future__ import annotations

import hashlib

import nacl.bindings
import pytest

from ledger.crypto.privacy import ring
from ledger.crypto.privacy.ed25519_group import seed_scalar
from ledger.errors import InvalidInput, InvalidSignature
from tests.privacy import reference as ref
from tests.privacy.conftest import counter_rng, identity

MESSAGE = b"approve change request CR-1042"
SCOPE = b"proposal:CR-1042"
MEMBERS = [identity(f"member-{i}") for i in range(5)]
RING = [public for _, public in MEMBERS]


def lp(*items: bytes) -> bytes:
    return b"".join(len(i).to_bytes(4, "big") + i for i in items)


def hp(scope: bytes, public: bytes) -> ref.Point:
    uniform = hashlib.sha512(lp(b"SKMS-LSAG-v1/Hp", lp(scope, public))).digest()[:32]
    point = ref.decode(nacl.bindings.crypto_core_ed25519_from_uniform(uniform))
    assert point is not None
    return point


def independent_verify(keys: list[bytes], message: bytes, sig: ring.RingSignature,
                       scope: bytes) -> bool:
    image = ref.decode(sig.key_image)
    assert image is not None
    prefix = lp(b"SKMS-LSAG-v1", scope, len(keys).to_bytes(2, "big"), *keys, sig.key_image,
                message)
    c = int.from_bytes(sig.c0, "little")
    for key, s_bytes in zip(keys, sig.responses, strict=True):
        point = ref.decode(key)
        assert point is not None
        s = int.from_bytes(s_bytes, "little")
        left = ref.add(ref.mul(s, ref.BASE), ref.mul(c, point))
        right = ref.add(ref.mul(s, hp(scope, key)), ref.mul(c, image))
        digest = hashlib.sha512(prefix + ref.encode(left) + ref.encode(right)).digest()
        c = int.from_bytes(digest, "little") % ref.L
    return c == int.from_bytes(sig.c0, "little")


def sign_as(index: int, keys: list[bytes] = RING, message: bytes = MESSAGE,
            scope: bytes = SCOPE) -> ring.RingSignature:
    seed = MEMBERS[index][0]
    return ring.sign(keys, keys.index(MEMBERS[index][1]), seed, message, scope=scope)


@pytest.mark.parametrize("index", range(len(MEMBERS)))
def test_every_member_can_sign_and_it_verifies(index: int) -> None:
    sig = sign_as(index)
    assert ring.verify(RING, MESSAGE, sig, scope=SCOPE) == sig
    assert ring.verify(RING, MESSAGE, sig.to_bytes(), scope=SCOPE) == sig
    assert len(sig.to_bytes()) == 67 + 32 * len(RING)


def test_signature_verifies_with_independent_arithmetic() -> None:
    sig = sign_as(2)
    assert independent_verify(RING, MESSAGE, sig, SCOPE)
    key_image = ref.mul(int.from_bytes(bytes(seed_scalar(MEMBERS[2][0])), "little"),
                        hp(SCOPE, RING[2]))
    assert ref.encode(key_image) == sig.key_image  # I = x * Hp(P), recomputed
    assert not independent_verify(RING, MESSAGE + b"!", sig, SCOPE)


def test_every_byte_of_the_signature_is_covered() -> None:
    keys = RING[:2]
    data = sign_as(0, keys).to_bytes()
    for index in range(len(data)):
        tampered = bytearray(data)
        tampered[index] ^= 0x01
        with pytest.raises((InvalidInput, InvalidSignature)):
            ring.verify(keys, MESSAGE, bytes(tampered), scope=SCOPE)


def test_tampered_components_fail() -> None:
    sig = sign_as(1)
    other = sign_as(3)
    swapped_image = ring.RingSignature(other.key_image, sig.c0, sig.responses)
    swapped_c0 = ring.RingSignature(sig.key_image, other.c0, sig.responses)
    for i in range(len(RING)):
        responses = list(sig.responses)
        responses[i] = other.responses[i]
        with pytest.raises(InvalidSignature):
            ring.verify(RING, MESSAGE, ring.RingSignature(sig.key_image, sig.c0,
                                                          tuple(responses)), scope=SCOPE)
    for bad in (swapped_image, swapped_c0):
        with pytest.raises(InvalidSignature):
            ring.verify(RING, MESSAGE, bad, scope=SCOPE)
    with pytest.raises(InvalidSignature):
        ring.verify(RING, MESSAGE + b".", sig, scope=SCOPE)
    with pytest.raises(InvalidSignature):
        ring.verify(RING, MESSAGE, sig, scope=b"proposal:CR-1043")


def test_wrong_reordered_and_resized_rings_fail() -> None:
    sig = sign_as(1)
    outsider = identity("outsider")[1]
    with pytest.raises(InvalidSignature):
        ring.verify([*RING[:4], outsider], MESSAGE, sig, scope=SCOPE)
    with pytest.raises(InvalidSignature):
        ring.verify(RING[::-1], MESSAGE, sig, scope=SCOPE)
    with pytest.raises(InvalidSignature):
        ring.verify(RING[1:] + RING[:1], MESSAGE, sig, scope=SCOPE)  # rotated
    with pytest.raises(InvalidSignature, match="ring of 5"):
        ring.verify([*RING, outsider], MESSAGE, sig, scope=SCOPE)


def test_linkability_by_key_image() -> None:
    first = sign_as(2, message=b"approve")
    second = sign_as(2, message=b"approve, really")
    smaller_ring = sign_as(2, keys=RING[1:4])
    other_member = sign_as(3, message=b"approve")
    assert first.key_image == second.key_image == smaller_ring.key_image
    assert ring.linked(first, second) and ring.linked(first, smaller_ring)
    assert not ring.linked(first, other_member)
    assert len({sign_as(i).key_image for i in range(len(MEMBERS))}) == len(MEMBERS)


def test_scope_separates_key_images() -> None:
    """Approvals of different proposals by one member cannot be linked to each other."""
    a = sign_as(2, scope=b"proposal:A")
    b = sign_as(2, scope=b"proposal:B")
    monero_style = sign_as(2, scope=b"")
    assert len({a.key_image, b.key_image, monero_style.key_image}) == 3
    assert ring.key_image(MEMBERS[2][0], scope=b"proposal:A") == a.key_image


def test_key_image_does_not_depend_on_the_signers_position() -> None:
    """The image is a function of the key and scope alone: no index is encoded in it."""
    seed, public = MEMBERS[4]
    images = set()
    for position in range(3):
        keys = RING[:3]
        keys = [*keys[:position], public, *keys[position:]][:4]
        sig = ring.sign(keys, position, seed, MESSAGE, scope=SCOPE)
        ring.verify(keys, MESSAGE, sig, scope=SCOPE)
        images.add(sig.key_image)
    assert images == {ring.key_image(seed, scope=SCOPE)}
    # Nor is it a public function of any member's key that a verifier could match.
    image = images.pop()
    for key in RING:
        assert image not in (key, ref.encode(hp(SCOPE, key)),
                             ref.encode(ref.mul(8, hp(SCOPE, key))))


def test_signatures_by_different_members_look_alike() -> None:
    """Same size and layout, all responses canonical: nothing positional to read off."""
    sigs = [sign_as(i) for i in range(len(MEMBERS))]
    assert len({len(s.to_bytes()) for s in sigs}) == 1
    for sig in sigs:
        assert all(0 < int.from_bytes(s, "little") < ref.L for s in sig.responses)


def test_torsioned_key_image_is_refused() -> None:
    """I + T would be a "different" image for the same key (the 2017 CryptoNote bug)."""
    sig = sign_as(0)
    image = ref.decode(sig.key_image)
    assert image is not None
    for torsion in ref.SMALL_ORDER_POINTS[1:]:
        t = ref.decode(torsion)
        assert t is not None
        forged = ref.encode(ref.add(image, t))
        data = sig.to_bytes()
        with pytest.raises(InvalidInput, match="key_image"):
            ring.RingSignature.from_bytes(data[:3] + forged + data[35:])
    for small in ref.SMALL_ORDER_POINTS:
        with pytest.raises(InvalidInput, match="key_image"):
            ring.RingSignature(small, sig.c0, sig.responses)


def test_ring_validation() -> None:
    seed, public = MEMBERS[0]
    with pytest.raises(InvalidInput, match="2 to 1024"):
        ring.sign([public], 0, seed, MESSAGE, scope=SCOPE)
    with pytest.raises(InvalidInput, match="2 to 1024"):
        ring.parse_ring([public] * (ring.MAX_RING_SIZE + 1))
    with pytest.raises(InvalidInput, match="repeated"):
        ring.sign([public, public, RING[1]], 0, seed, MESSAGE, scope=SCOPE)
    with pytest.raises(InvalidInput, match=r"ring\[1\]"):
        ring.sign([public, ref.SMALL_ORDER_POINTS[4]], 0, seed, MESSAGE, scope=SCOPE)
    with pytest.raises(InvalidInput, match="does not match"):
        ring.sign(RING, 1, seed, MESSAGE, scope=SCOPE)
    with pytest.raises(InvalidInput, match="signer_index"):
        ring.sign(RING, 5, seed, MESSAGE, scope=SCOPE)
    with pytest.raises(InvalidInput, match="scope"):
        ring.sign(RING, 0, seed, MESSAGE, scope=b"x" * 257)
    assert ring.ring_digest(RING) != ring.ring_digest(RING[::-1])


def test_strict_encoding() -> None:
    sig = sign_as(0, RING[:2])
    data = sig.to_bytes()
    assert ring.RingSignature.from_bytes(data) == sig
    assert ring.RingSignature.from_dict(sig.to_dict()) == sig
    high = bytearray(data)
    high[35:67] = ref.L.to_bytes(32, "little")  # c0 = L: non-canonical
    bad = {
        "truncated": data[:-1],
        "trailing": data + b"\x00",
        "version": b"\x02" + data[1:],
        "size 1": data[:1] + (1).to_bytes(2, "big") + data[3:],
        "size mismatch": data[:1] + (3).to_bytes(2, "big") + data[3:],
        "c0 = L": bytes(high),
        "zero response": data[:67] + bytes(32) + data[99:],
    }
    for name, blob in bad.items():
        with pytest.raises(InvalidInput):
            ring.RingSignature.from_bytes(blob)
            pytest.fail(f"{name} parsed")


def test_signing_replays_from_the_rng() -> None:
    seed = MEMBERS[1][0]
    first = ring.sign(RING, 1, seed, MESSAGE, scope=SCOPE, rng=counter_rng(b"r"))
    again = ring.sign(RING, 1, seed, MESSAGE, scope=SCOPE, rng=counter_rng(b"r"))
    fresh = ring.sign(RING, 1, seed, MESSAGE, scope=SCOPE)
    assert first == again
    assert fresh.c0 != first.c0 and fresh.key_image == first.key_image
