"""Schnorr proofs of knowledge and LSAG ring signatures: argument types, shapes, a crafted
proof whose verification sum is the identity, and the size limits."""

from __future__ import annotations

import hashlib

import pytest

from ledger.crypto.ecdsa_secp256k1 import SECP256K1_ORDER
from ledger.crypto.privacy import ed25519_group as ed
from ledger.crypto.privacy import pok, ring
from ledger.errors import InvalidInput, InvalidSignature
from tests.privacy.conftest import counter_rng, identity

SERVICE = "skms://ledger-7f3a"
PURPOSE = "identity-login"
MESSAGE = b"approve change request CR-1042"
SCOPE = b"proposal:CR-1042"
MEMBERS = [identity(f"edge-member-{i}") for i in range(3)]
RING = [public for _, public in MEMBERS]


def challenge() -> pok.PoKChallenge:
    return pok.issue_challenge(SERVICE, PURPOSE, rng=counter_rng(b"edges"))


# --- proofs of knowledge --------------------------------------------------------------------

def test_challenge_dict_round_trip_and_shape() -> None:
    ch = challenge()
    assert pok.PoKChallenge.from_dict(ch.to_dict()) == ch
    for bad in (None, [ch.to_dict()], {"service": SERVICE, "purpose": PURPOSE},
                {**ch.to_dict(), "extra": "1"}):
        with pytest.raises(InvalidInput, match="exactly service, purpose, nonce") as caught:
            pok.PoKChallenge.from_dict(bad)
        assert caught.value.field == "challenge"


def test_proof_dict_round_trip_and_shape() -> None:
    seed, _ = identity("alice")
    proof = pok.prove("ed25519", seed, user_id="alice", challenge=challenge())
    assert pok.SchnorrProof.from_dict(proof.to_dict()) == proof
    assert proof.digest() == hashlib.sha256(proof.to_bytes()).hexdigest()
    for bad in (None, proof.to_bytes(), {"suite": "ed25519", "commitment": "00"},
                {**proof.to_dict(), "extra": "1"}):
        with pytest.raises(InvalidInput, match="exactly suite, commitment, response") as caught:
            pok.SchnorrProof.from_dict(bad)
        assert caught.value.field == "proof"


def test_challenge_must_be_a_challenge_object() -> None:
    seed, public = identity("alice")
    ch = challenge()
    proof = pok.prove("ed25519", seed, user_id="alice", challenge=ch)
    for bad in (ch.to_dict(), ch.nonce, None):
        with pytest.raises(InvalidInput, match="challenge must be a PoKChallenge") as caught:
            pok.prove("ed25519", seed, user_id="alice", challenge=bad)  # type: ignore[arg-type]
        assert caught.value.field == "challenge"
        with pytest.raises(InvalidInput, match="challenge must be a PoKChallenge") as caught:
            pok.verify("ed25519", public, proof, user_id="alice",
                       challenge=bad)  # type: ignore[arg-type]
        assert caught.value.field == "challenge"


def test_proof_whose_check_sums_to_the_identity_is_refused_ed25519() -> None:
    """``r = -c x`` makes ``G*[r] + A*[c]`` the identity: refused, not a crash."""
    seed, public = identity("alice")
    x = int.from_bytes(ed.seed_scalar(seed), "little")
    ch = challenge()
    commitment = ed.base_mul((12345).to_bytes(32, "little"))
    c = int.from_bytes(pok.challenge_scalar(ed.ED25519, public, commitment, "alice", ch),
                       "little")
    response = (-c * x % ed.ORDER).to_bytes(32, "little")
    crafted = pok.SchnorrProof("ed25519", commitment, response)
    with pytest.raises(InvalidSignature, match="proof does not verify"):
        pok.verify("ed25519", public, crafted, user_id="alice", challenge=ch)


def test_proof_whose_check_sums_to_the_identity_is_refused_secp256k1() -> None:
    group = pok.group_named("secp256k1")
    x = int.from_bytes(hashlib.sha256(b"bob").digest(), "big") % SECP256K1_ORDER
    public = group.base_mul(x.to_bytes(32, "big"))
    ch = challenge()
    commitment = group.base_mul((777).to_bytes(32, "big"))
    c = int.from_bytes(pok.challenge_scalar(group, public, commitment, "bob", ch), "big")
    response = (-c * x % SECP256K1_ORDER).to_bytes(32, "big")
    crafted = pok.SchnorrProof("secp256k1", commitment, response)
    with pytest.raises(InvalidSignature, match="proof does not verify"):
        pok.verify("secp256k1", public, crafted, user_id="bob", challenge=ch)
    # The honest proof for the same key and challenge verifies.
    honest = pok.prove("secp256k1", x.to_bytes(32, "big"), user_id="bob", challenge=ch)
    pok.verify("secp256k1", public, honest, user_id="bob", challenge=ch)


# --- ring signatures ------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [b"".join(RING), RING[0].hex(), None, 3, {"a": RING[0]}])
def test_ring_must_be_a_sequence_of_keys(bad: object) -> None:
    with pytest.raises(InvalidInput, match="ring must be a sequence of public keys") as caught:
        ring.parse_ring(bad)
    assert caught.value.field == "ring"


def test_message_size_limit() -> None:
    seed = MEMBERS[0][0]
    signature = ring.sign(RING, 0, seed, b"x" * ring.MAX_MESSAGE_SIZE, scope=SCOPE)
    ring.verify(RING, b"x" * ring.MAX_MESSAGE_SIZE, signature, scope=SCOPE)
    too_long = b"x" * (ring.MAX_MESSAGE_SIZE + 1)
    for call in (lambda: ring.sign(RING, 0, seed, too_long, scope=SCOPE),
                 lambda: ring.verify(RING, too_long, signature, scope=SCOPE)):
        with pytest.raises(InvalidInput, match="message is longer than 1048576 bytes") as caught:
            call()
        assert caught.value.field == "message"


def test_signature_components_shape() -> None:
    signature = ring.sign(RING, 1, MEMBERS[1][0], MESSAGE, scope=SCOPE)
    assert signature.digest() == hashlib.sha256(signature.to_bytes()).hexdigest()
    for responses in (signature.responses[:1], (), signature.responses[0], None,
                      signature.responses * 400):
        with pytest.raises(InvalidInput, match="signature must have 2 to 1024 responses") \
                as caught:
            ring.RingSignature(signature.key_image, signature.c0,
                               responses)  # type: ignore[arg-type]
        assert caught.value.field == "responses"
    as_list = ring.RingSignature(signature.key_image, signature.c0, list(signature.responses))
    assert as_list == signature  # a list is accepted and stored as the tuple


def test_signature_dict_shape() -> None:
    signature = ring.sign(RING, 2, MEMBERS[2][0], MESSAGE, scope=SCOPE)
    as_dict = signature.to_dict()
    assert ring.RingSignature.from_dict(as_dict) == signature
    for bad in (None, [as_dict], {"key_image": as_dict["key_image"], "c0": as_dict["c0"]},
                {**as_dict, "extra": 1}):
        with pytest.raises(InvalidInput, match="exactly key_image, c0, responses") as caught:
            ring.RingSignature.from_dict(bad)
        assert caught.value.field == "ring_signature"
    for responses in ("".join(as_dict["responses"]), tuple(as_dict["responses"]), None):
        with pytest.raises(InvalidInput, match="responses must be a list") as caught:
            ring.RingSignature.from_dict({**as_dict, "responses": responses})
        assert caught.value.field == "responses"
