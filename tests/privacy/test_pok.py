"""Schnorr NIZK proof of knowledge (RFC 8235): validity, bindings, tampering, strict parsing.

Independent checks: the verification equation ``V = G*[r] + A*[c]`` and the RFC's hash
layout are recomputed here with other code than the module's: the naive edwards25519 of
``tests/privacy/reference.py`` and py_ecc's secp256k1, with ``c`` hashed by hand.
"""

from __future__ import annotations

import hashlib

import nacl.exceptions
import nacl.signing
import pytest
from coincurve import PrivateKey
from py_ecc.secp256k1 import secp256k1 as ref_k1

from ledger.crypto.privacy import pok
from ledger.errors import InvalidInput, InvalidSignature
from tests.privacy import reference as ref
from tests.privacy.conftest import counter_rng, identity

SERVICE = "skms://ledger-7f3a"
PURPOSE = "identity-login"


def challenge(label: bytes = b"c1") -> pok.PoKChallenge:
    return pok.issue_challenge(SERVICE, PURPOSE, rng=counter_rng(label))


def secp256k1_key(label: str) -> tuple[bytearray, bytes]:
    secret = hashlib.sha256(label.encode()).digest()
    return bytearray(secret), PrivateKey(secret).public_key.format(compressed=True)


KEYS = {"ed25519": identity, "secp256k1": secp256k1_key}


def lp(*items: bytes) -> bytes:
    return b"".join(len(i).to_bytes(4, "big") + i for i in items)


def expected_challenge(suite: str, generator: bytes, public: bytes, proof: pok.SchnorrProof,
                       user_id: str, ch: pok.PoKChallenge, order: int) -> int:
    """RFC 8235 3.3's c = H(G || V || A || UserID || OtherInfo), written out again here."""
    other_info = lp(b"SKMS-POK-v1", suite.encode(), ch.service.encode(), ch.purpose.encode(),
                    ch.nonce)
    data = lp(generator, proof.commitment, public, user_id.encode(), other_info)
    byteorder = "little" if suite == "ed25519" else "big"  # RFC 8032's and SEC 1's habits
    return int.from_bytes(hashlib.sha512(data).digest(), byteorder) % order


@pytest.mark.parametrize("suite", sorted(KEYS))
def test_valid_proof_verifies(suite: str) -> None:
    secret, public = KEYS[suite]("alice")
    ch = challenge()
    proof = pok.prove(suite, secret, user_id="alice", challenge=ch)
    pok.verify(suite, public, proof, user_id="alice", challenge=ch)
    pok.verify(suite, public, proof.to_bytes(), user_id="alice", challenge=ch)
    assert len(proof.to_bytes()) == (66 if suite == "ed25519" else 67)


def test_ed25519_proof_checks_out_with_independent_arithmetic() -> None:
    seed, public = identity("alice")
    ch = challenge()
    proof = pok.prove("ed25519", seed, user_id="alice", challenge=ch)
    c = expected_challenge("ed25519", ref.encode(ref.BASE), public, proof, "alice", ch, ref.L)
    r = int.from_bytes(proof.response, "little")
    a_point = ref.decode(public)
    assert a_point is not None
    v = ref.add(ref.mul(r, ref.BASE), ref.mul(c, a_point))
    assert ref.encode(v) == proof.commitment


def test_secp256k1_proof_checks_out_with_py_ecc() -> None:
    secret, public = secp256k1_key("alice")
    ch = challenge()
    proof = pok.prove("secp256k1", secret, user_id="alice", challenge=ch)
    g = b"\x02" + ref_k1.G[0].to_bytes(32, "big")  # G has even y
    assert ref_k1.G[1] % 2 == 0
    c = expected_challenge("secp256k1", g, public, proof, "alice", ch, ref_k1.N)
    r = int.from_bytes(proof.response, "big")
    a_point = ref_k1.privtopub(bytes(secret))
    v = ref_k1.add(ref_k1.multiply(ref_k1.G, r), ref_k1.multiply(a_point, c))
    assert bytes([2 + v[1] % 2]) + v[0].to_bytes(32, "big") == proof.commitment


@pytest.mark.parametrize("suite", sorted(KEYS))
def test_wrong_key_fails(suite: str) -> None:
    secret, _ = KEYS[suite]("alice")
    _, other_public = KEYS[suite]("mallory")
    ch = challenge()
    proof = pok.prove(suite, secret, user_id="alice", challenge=ch)
    with pytest.raises(InvalidSignature):
        pok.verify(suite, other_public, proof, user_id="alice", challenge=ch)


@pytest.mark.parametrize("suite", sorted(KEYS))
def test_every_bound_value_matters(suite: str) -> None:
    secret, public = KEYS[suite]("alice")
    ch = challenge()
    proof = pok.prove(suite, secret, user_id="alice", challenge=ch)
    others = {
        "user": ("bob", ch),
        "nonce": ("alice", challenge(b"c2")),
        "service": ("alice", pok.PoKChallenge("skms://other", PURPOSE, ch.nonce)),
        "purpose": ("alice", pok.PoKChallenge(SERVICE, "sign-in-elsewhere", ch.nonce)),
    }
    for what, (user_id, other) in others.items():
        with pytest.raises(InvalidSignature):
            pok.verify(suite, public, proof, user_id=user_id, challenge=other)
            pytest.fail(f"a proof verified with another {what}")


def test_proof_for_one_group_is_not_accepted_for_the_other() -> None:
    seed, _ = identity("alice")
    _, k1_public = secp256k1_key("alice")
    ch = challenge()
    ed_proof = pok.prove("ed25519", seed, user_id="alice", challenge=ch)
    with pytest.raises(InvalidSignature, match="another group"):
        pok.verify("secp256k1", k1_public, ed_proof, user_id="alice", challenge=ch)


@pytest.mark.parametrize("suite", sorted(KEYS))
def test_every_tampered_byte_fails(suite: str) -> None:
    secret, public = KEYS[suite]("alice")
    ch = challenge()
    data = pok.prove(suite, secret, user_id="alice", challenge=ch).to_bytes()
    for index in range(len(data)):
        for flip in (0x01, 0x80):
            tampered = bytearray(data)
            tampered[index] ^= flip
            with pytest.raises((InvalidInput, InvalidSignature)):
                pok.verify(suite, public, bytes(tampered), user_id="alice", challenge=ch)


@pytest.mark.parametrize("public", ref.SMALL_ORDER_POINTS, ids=lambda p: p.hex()[:8])
def test_small_order_public_keys_are_refused(public: bytes) -> None:
    """With A of small order, r*G + c*A could be forced without knowing any logarithm."""
    seed, _ = identity("alice")
    ch = challenge()
    proof = pok.prove("ed25519", seed, user_id="alice", challenge=ch)
    with pytest.raises(InvalidInput, match="prime-order subgroup"):
        pok.verify("ed25519", public, proof, user_id="alice", challenge=ch)


def test_torsioned_public_key_and_commitment_are_refused() -> None:
    seed, public = identity("alice")
    ch = challenge()
    proof = pok.prove("ed25519", seed, user_id="alice", challenge=ch)
    t = ref.decode(ref.SMALL_ORDER_POINTS[4])
    a = ref.decode(public)
    v = ref.decode(proof.commitment)
    assert t is not None and a is not None and v is not None
    with pytest.raises(InvalidInput):
        pok.verify("ed25519", ref.encode(ref.add(a, t)), proof, user_id="alice", challenge=ch)
    bad = bytes([1, 1]) + ref.encode(ref.add(v, t)) + proof.response
    with pytest.raises(InvalidInput, match="commitment"):
        pok.verify("ed25519", public, bad, user_id="alice", challenge=ch)


def test_non_canonical_public_key_is_refused() -> None:
    seed, _ = identity("alice")
    ch = challenge()
    proof = pok.prove("ed25519", seed, user_id="alice", challenge=ch)
    non_canonical = (ref.P + 1).to_bytes(32, "little")  # y = 1 + p: the identity, again
    with pytest.raises(InvalidInput):
        pok.verify("ed25519", non_canonical, proof, user_id="alice", challenge=ch)


def _valid_proof_bytes() -> bytes:
    seed, _ = identity("alice")
    return pok.prove("ed25519", seed, user_id="alice", challenge=challenge(),
                     rng=counter_rng(b"p")).to_bytes()


MALFORMED = {
    "empty": lambda d: b"",
    "truncated": lambda d: d[:-1],
    "trailing": lambda d: d + b"\x00",
    "version": lambda d: b"\x02" + d[1:],
    "group": lambda d: d[:1] + b"\x09" + d[2:],
    "zero response": lambda d: d[:34] + bytes(32),
    "response >= L": lambda d: d[:34] + ref.L.to_bytes(32, "little"),
    "secp256k1 id, Ed25519 body": lambda d: d[:1] + b"\x02" + d[2:],
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_strict_parsing(case: str) -> None:
    data = _valid_proof_bytes()
    pok.SchnorrProof.from_bytes(data)  # the untouched encoding parses
    with pytest.raises(InvalidInput):
        pok.SchnorrProof.from_bytes(MALFORMED[case](data))


def test_non_bytes_proof_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        pok.SchnorrProof.from_bytes("not bytes")


def test_proofs_replay_from_the_rng_and_round_trip() -> None:
    seed, _ = identity("alice")
    ch = challenge()
    first = pok.prove("ed25519", seed, user_id="alice", challenge=ch, rng=counter_rng(b"v"))
    again = pok.prove("ed25519", seed, user_id="alice", challenge=ch, rng=counter_rng(b"v"))
    fresh = pok.prove("ed25519", seed, user_id="alice", challenge=ch)
    assert first == again != fresh
    assert pok.SchnorrProof.from_bytes(first.to_bytes()) == first
    assert pok.SchnorrProof.from_dict(first.to_dict()) == first
    assert pok.PoKChallenge.from_dict(ch.to_dict()) == ch
    assert first.digest() == hashlib.sha256(first.to_bytes()).hexdigest()


def test_proof_is_not_an_ed25519_signature_of_the_challenge() -> None:
    """(V, r) read as an RFC 8032 signature on the nonce or OtherInfo does not verify."""
    seed, public = identity("alice")
    ch = challenge()
    proof = pok.prove("ed25519", seed, user_id="alice", challenge=ch)
    verify_key = nacl.signing.VerifyKey(public)
    for message in (ch.nonce, ch.other_info(pok.GROUPS["ed25519"])):
        with pytest.raises(nacl.exceptions.BadSignatureError):
            verify_key.verify(message, proof.commitment + proof.response)


def test_bad_arguments_are_invalid_input() -> None:
    seed, public = identity("alice")
    ch = challenge()
    with pytest.raises(InvalidInput, match="suite"):
        pok.prove("p256", seed, user_id="alice", challenge=ch)
    with pytest.raises(InvalidInput, match="seed"):
        pok.prove("ed25519", bytearray(31), user_id="alice", challenge=ch)
    with pytest.raises(InvalidInput, match="user_id"):
        pok.prove("ed25519", seed, user_id="", challenge=ch)
    with pytest.raises(InvalidInput, match="nonce"):
        pok.PoKChallenge(SERVICE, PURPOSE, b"short")
    with pytest.raises(InvalidInput, match="out of range"):
        pok.prove("secp256k1", bytearray(32), user_id="alice", challenge=ch)
    with pytest.raises(InvalidInput, match="public_key"):
        pok.verify("ed25519", public[:31], b"", user_id="alice", challenge=ch)
