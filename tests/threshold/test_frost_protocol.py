"""FROST end to end: dealer and DKG keys, signing subsets, identifiable aborts, nonce reuse."""

from __future__ import annotations

import nacl.exceptions
import nacl.signing
import pytest
from cryptography.exceptions import InvalidSignature as PycaInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from py_ecc.secp256k1 import secp256k1 as ref

from ledger.crypto.threshold.ciphersuite import Ciphersuite
from ledger.crypto.threshold.dealer import trusted_dealer_keygen
from ledger.crypto.threshold.dkg import dkg_part1, dkg_part2, dkg_part3
from ledger.crypto.threshold.errors import (
    CheatingParticipant,
    InvalidSignatureShare,
    NonceReused,
)
from ledger.crypto.threshold.frost import (
    SigningNonces,
    aggregate,
    commit,
    compute_challenge,
    sign,
    verify_signature,
    verify_signature_share,
)
from ledger.crypto.threshold.messages import DkgRound1Package, SignatureShare, SigningPackage
from ledger.crypto.threshold.polynomial import interpolate_at_zero
from ledger.crypto.threshold.suites import FROST_ED25519, FROST_SECP256K1
from ledger.errors import InvalidInput, InvalidSignature
from tests.threshold.helpers import run_dkg, run_signing, seeded_rng

SUITES = [FROST_ED25519, FROST_SECP256K1]
MESSAGE = b"pay 10 to bob"


def _verify_independently(suite: Ciphersuite, public_key: bytes, signature: bytes) -> None:
    """Check a group signature with code that is not ours."""
    if suite is FROST_ED25519:
        nacl.signing.VerifyKey(public_key).verify(MESSAGE, signature)
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, MESSAGE)
        return
    # RFC 9591 secp256k1: z·G == R + c·PK, in py_ecc's independent curve arithmetic.
    def point(encoded: bytes) -> tuple[int, int]:
        x = int.from_bytes(encoded[1:], "big")
        y = pow(x**3 + 7, (ref.P + 1) // 4, ref.P)
        if y % 2 != encoded[0] % 2:
            y = ref.P - y
        return x, y
    commitment, response = signature[:33], int.from_bytes(signature[33:], "big")
    challenge = int.from_bytes(compute_challenge(suite, commitment, public_key, MESSAGE), "big")
    left = ref.multiply(ref.G, response)
    right = ref.add(point(commitment), ref.multiply(point(public_key), challenge))
    assert left == right


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.name)
@pytest.mark.parametrize(("t", "n", "signers"), [(2, 3, [1, 3]), (2, 3, [2, 3]),
                                                 (3, 5, [1, 2, 5]), (3, 5, [1, 2, 3, 4, 5])])
def test_dealer_keys_sign(suite: Ciphersuite, t: int, n: int, signers: list[int]) -> None:
    split = trusted_dealer_keygen(suite, t, n, rng=seeded_rng(t * n))
    shares = {s.identifier: s for s in split.shares}
    signature = run_signing(suite, shares, split.public_key_package, signers, MESSAGE)
    public_key = split.public_key_package.group_public_key
    verify_signature(suite, public_key, MESSAGE, signature)
    _verify_independently(suite, public_key, signature)


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.name)
def test_dkg_two_of_three_then_sign_with_each_pair(suite: Ciphersuite) -> None:
    shares, package = run_dkg(suite, 2, 3)
    assert package.participants == [1, 2, 3]
    for signers in ([1, 3], [2, 3], [1, 2]):
        signature = run_signing(suite, shares, package, signers, MESSAGE)
        _verify_independently(suite, package.group_public_key, signature)
    # The secret exists nowhere, but the shares do interpolate to the group key's secret.
    secret = interpolate_at_zero(suite.group.scalars,
                                 [(1, bytes(shares[1].signing_share)),
                                  (3, bytes(shares[3].signing_share))])
    assert suite.group.scalar_base_mult(secret) == package.group_public_key


def test_dkg_runs_differ_by_session() -> None:
    _, first = run_dkg(FROST_ED25519, 2, 3, session_id=b"one", seed=5)
    _, second = run_dkg(FROST_ED25519, 2, 3, session_id=b"two", seed=6)
    assert first.group_public_key != second.group_public_key


def test_dealer_at_255_participants() -> None:
    split = trusted_dealer_keygen(FROST_ED25519, 2, 255, rng=seeded_rng(3))
    shares = {s.identifier: s for s in split.shares}
    signature = run_signing(FROST_ED25519, shares, split.public_key_package, [17, 255], MESSAGE)
    _verify_independently(FROST_ED25519, split.public_key_package.group_public_key, signature)
    with pytest.raises(InvalidInput):
        trusted_dealer_keygen(FROST_ED25519, 2, 256)
    with pytest.raises(InvalidInput):
        trusted_dealer_keygen(FROST_ED25519, 1, 3)
    with pytest.raises(InvalidInput):
        trusted_dealer_keygen(FROST_ED25519, 4, 3)


def test_dkg_at_255_participants_and_a_majority_threshold() -> None:
    """The issue's bound (n up to 255) through the DKG itself, not only the dealer; and a
    threshold well above 2 (9 of 16), so the commitments' degree is exercised too."""
    shares, package = run_dkg(FROST_ED25519, 2, 255, seed=7)
    assert package.participants == list(range(1, 256))
    for signers in ([1, 255], [17, 200]):
        signature = run_signing(FROST_ED25519, shares, package, signers, MESSAGE)
        _verify_independently(FROST_ED25519, package.group_public_key, signature)
    with pytest.raises(InvalidInput):
        dkg_part1(FROST_ED25519, 1, 2, 256, session_id=b"s", rng=seeded_rng(1))
    majority, big = run_dkg(FROST_ED25519, 9, 16, seed=8)
    signature = run_signing(FROST_ED25519, majority, big, [2, 3, 5, 7, 11, 13, 14, 15, 16],
                            MESSAGE)
    _verify_independently(FROST_ED25519, big.group_public_key, signature)
    with pytest.raises(InvalidInput, match="8 signer\\(s\\) in the package, 9 needed"):
        run_signing(FROST_ED25519, majority, big, [1, 2, 3, 4, 5, 6, 7, 8], MESSAGE)


# --- DKG cheaters are named ----------------------------------------------------------------

def _round1(suite: Ciphersuite, session: bytes = b"s") -> dict[int, tuple]:  # type: ignore[type-arg]
    rng = seeded_rng(11)
    return {i: dkg_part1(suite, i, 2, 3, session_id=session, rng=rng) for i in (1, 2, 3)}


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.name)
def test_dkg_bad_proof_of_knowledge_names_the_sender(suite: Ciphersuite) -> None:
    r1 = _round1(suite)
    honest = r1[2][1]
    forged = DkgRound1Package(suite, honest.session_id, 2, honest.commitments,
                              honest.proof_commitment,
                              suite.group.scalars.add(honest.proof_response,
                                                      suite.group.scalars.one()))
    with pytest.raises(CheatingParticipant) as caught:
        dkg_part2(r1[1][0], [forged, r1[3][1]])
    assert caught.value.identifier == 2
    assert caught.value.stage == "proof_of_knowledge"


def test_dkg_proof_is_bound_to_the_session() -> None:
    r1 = _round1(FROST_ED25519, b"session-a")
    replayed = r1[3][1]
    moved = DkgRound1Package(FROST_ED25519, b"session-b", 3, replayed.commitments,
                             replayed.proof_commitment, replayed.proof_response)
    other = dkg_part1(FROST_ED25519, 1, 2, 3, session_id=b"session-b", rng=seeded_rng(2))
    second = dkg_part1(FROST_ED25519, 2, 2, 3, session_id=b"session-b", rng=seeded_rng(3))
    with pytest.raises(CheatingParticipant) as caught:
        dkg_part2(other[0], [second[1], moved])
    assert caught.value.identifier == 3


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.name)
def test_dkg_bad_secret_share_names_the_sender(suite: Ciphersuite) -> None:
    r1 = _round1(suite)
    r2 = {i: dkg_part2(r1[i][0], [r1[j][1] for j in r1 if j != i]) for i in r1}
    to_one = [s for j in (2, 3) for s in r2[j][1] if s.recipient == 1]
    cheat = next(s for s in to_one if s.sender == 3)
    cheat.value[:] = suite.group.scalars.add(bytes(cheat.value), suite.group.scalars.one())
    with pytest.raises(CheatingParticipant) as caught:
        dkg_part3(r2[1][0], to_one)
    assert caught.value.identifier == 3
    assert caught.value.stage == "secret_share"


def test_dkg_refuses_missing_duplicate_and_foreign_packages() -> None:
    r1 = _round1(FROST_ED25519)
    with pytest.raises(InvalidInput, match="no round 1 package"):
        dkg_part2(r1[1][0], [r1[2][1]])
    with pytest.raises(InvalidInput, match="two round 1 packages"):
        dkg_part2(r1[1][0], [r1[2][1], r1[2][1], r1[3][1]])
    with pytest.raises(InvalidInput, match="unexpected"):
        dkg_part2(r1[1][0], [r1[1][1], r1[2][1], r1[3][1]])
    secp = dkg_part1(FROST_SECP256K1, 3, 2, 3, session_id=b"s", rng=seeded_rng(4))[1]
    with pytest.raises(CheatingParticipant):
        dkg_part2(r1[1][0], [r1[2][1], secp])


def test_dkg_round1_state_is_single_use() -> None:
    r1 = _round1(FROST_ED25519)
    others = [r1[2][1], r1[3][1]]
    dkg_part2(r1[1][0], others)
    with pytest.raises(InvalidInput, match="already used"):
        dkg_part2(r1[1][0], others)


# --- signing aborts ------------------------------------------------------------------------

@pytest.fixture(scope="module", params=SUITES, ids=lambda s: s.name)
def group_2_of_3(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    suite = request.param
    shares, package = run_dkg(suite, 2, 3, seed=21)
    return suite, shares, package


def _session(group_2_of_3, signers=(1, 3)):  # type: ignore[no-untyped-def]
    suite, shares, package = group_2_of_3
    nonces = {i: commit(shares[i], rng=seeded_rng(100 + i)) for i in signers}
    signing = SigningPackage(suite, MESSAGE, tuple(nonces[i].commitments for i in signers))
    return suite, shares, package, nonces, signing


def test_bad_share_names_the_participant(group_2_of_3) -> None:  # type: ignore[no-untyped-def]
    suite, shares, package, nonces, signing = _session(group_2_of_3)
    good = sign(shares[1], nonces[1], signing)
    honest = sign(shares[3], nonces[3], signing)
    bad = SignatureShare(suite, 3, suite.group.scalars.add(honest.share,
                                                          suite.group.scalars.one()))
    verify_signature_share(package, signing, good)
    with pytest.raises(InvalidSignatureShare) as caught:
        verify_signature_share(package, signing, bad)
    assert caught.value.identifier == 3
    with pytest.raises(InvalidSignatureShare) as caught:
        aggregate(package, signing, [good, bad])
    assert caught.value.identifiers == [3]
    assert isinstance(caught.value, InvalidSignature)


def test_nonces_are_single_use_and_wiped(group_2_of_3) -> None:  # type: ignore[no-untyped-def]
    _suite, shares, _, nonces, signing = _session(group_2_of_3)
    sign(shares[1], nonces[1], signing)
    assert nonces[1].used
    assert bytes(nonces[1]._hiding) == bytes(len(nonces[1]._hiding))
    with pytest.raises(NonceReused):
        sign(shares[1], nonces[1], signing)
    with pytest.raises(NonceReused):
        nonces[1].to_dict()
    assert "hiding" not in repr(nonces[3]) and "unused" in repr(nonces[3])


def test_sealed_nonces_round_trip(group_2_of_3) -> None:  # type: ignore[no-untyped-def]
    suite, shares, package, nonces, signing = _session(group_2_of_3)
    restored = SigningNonces.from_dict(nonces[1].to_dict())
    assert restored.commitments == nonces[1].commitments
    signature = aggregate(package, signing, [sign(shares[1], restored, signing),
                                             sign(shares[3], nonces[3], signing)])
    verify_signature(suite, package.group_public_key, MESSAGE, signature)


def test_one_signer_is_refused(group_2_of_3) -> None:  # type: ignore[no-untyped-def]
    suite, shares, _ = group_2_of_3
    nonces = commit(shares[1], rng=seeded_rng(1))
    with pytest.raises(InvalidInput, match="at least two"):
        SigningPackage(suite, MESSAGE, (nonces.commitments,))


def test_signer_refuses_an_altered_commitment(group_2_of_3) -> None:  # type: ignore[no-untyped-def]
    suite, shares, _, nonces, _signing = _session(group_2_of_3)
    other = commit(shares[1], rng=seeded_rng(999)).commitments
    tampered = SigningPackage(suite, MESSAGE, (other, nonces[3].commitments))
    with pytest.raises(InvalidInput, match="commitments"):
        sign(shares[1], nonces[1], tampered)
    assert not nonces[1].used  # nothing was signed, the nonces are still usable


def test_aggregate_needs_exactly_the_committed_signers(group_2_of_3) -> None:  # type: ignore[no-untyped-def]
    _suite, shares, package, nonces, signing = _session(group_2_of_3)
    share = sign(shares[1], nonces[1], signing)
    with pytest.raises(InvalidInput, match="missing"):
        aggregate(package, signing, [share])


def test_wrong_message_or_key_fails_verification(group_2_of_3) -> None:  # type: ignore[no-untyped-def]
    suite, shares, package = group_2_of_3
    signature = run_signing(suite, shares, package, [1, 2], MESSAGE)
    with pytest.raises(InvalidSignature):
        verify_signature(suite, package.group_public_key, MESSAGE + b"!", signature)
    with pytest.raises(InvalidSignature):
        verify_signature(suite, package.verifying_shares[1], MESSAGE, signature)
    flipped = bytearray(signature)
    flipped[-1] ^= 1
    with pytest.raises(InvalidSignature):
        verify_signature(suite, package.group_public_key, MESSAGE, bytes(flipped))
    with pytest.raises(InvalidSignature):
        verify_signature(suite, package.group_public_key, MESSAGE, signature[:-1])
    if suite is FROST_ED25519:
        with pytest.raises(nacl.exceptions.BadSignatureError):
            nacl.signing.VerifyKey(package.group_public_key).verify(MESSAGE + b"!", signature)
        with pytest.raises(PycaInvalidSignature):
            Ed25519PublicKey.from_public_bytes(package.group_public_key).verify(
                bytes(flipped), MESSAGE)
