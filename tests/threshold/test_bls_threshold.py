"""Threshold BLS: combined signatures are standard BLS signatures (blspy and py_ecc agree)."""

from __future__ import annotations

import pytest
from blspy import G1Element, G2Element, PopSchemeMPL
from py_ecc.bls import G2ProofOfPossession as PyEccPop

from ledger.crypto import bls12381_pop
from ledger.crypto.threshold.bls import (
    PartialSignature,
    combine,
    combine_possession,
    partial_prove_possession,
    partial_sign,
    trusted_dealer_keygen,
    verify_partial,
)
from ledger.crypto.threshold.errors import InvalidSignatureShare
from ledger.crypto.threshold.frost import commit
from ledger.crypto.threshold.keys import KeyShare, PublicKeyPackage
from ledger.crypto.threshold.suites import BLS12381_KEYGEN
from ledger.errors import InvalidInput, InvalidSignature
from tests.threshold.helpers import run_dkg, seeded_rng

MESSAGE = b"attest block 1234"


@pytest.fixture(scope="module")
def dealer_3_of_5() -> tuple[dict[int, KeyShare], PublicKeyPackage]:
    split = trusted_dealer_keygen(3, 5, rng=seeded_rng(8))
    return {s.identifier: s for s in split.shares}, split.public_key_package


@pytest.fixture(scope="module")
def dkg_2_of_3() -> tuple[dict[int, KeyShare], PublicKeyPackage]:
    return run_dkg(BLS12381_KEYGEN, 2, 3, seed=9)


@pytest.mark.parametrize("signers", [[1, 2, 3], [1, 4, 5], [2, 3, 4, 5]])
def test_dealer_threshold_signature_verifies_as_plain_bls(dealer_3_of_5, signers) -> None:  # type: ignore[no-untyped-def]
    shares, package = dealer_3_of_5
    partials = [partial_sign(shares[i], MESSAGE) for i in signers]
    signature = combine(package, MESSAGE, partials)
    bls12381_pop.SCHEME.verify(package.group_public_key, MESSAGE, signature)
    assert PopSchemeMPL.verify(G1Element.from_bytes(package.group_public_key), MESSAGE,
                               G2Element.from_bytes(signature))
    assert PyEccPop.Verify(package.group_public_key, MESSAGE, signature)


def test_every_subset_gives_the_same_signature(dealer_3_of_5) -> None:  # type: ignore[no-untyped-def]
    shares, package = dealer_3_of_5
    first = combine(package, MESSAGE, [partial_sign(shares[i], MESSAGE) for i in (1, 2, 3)])
    second = combine(package, MESSAGE, [partial_sign(shares[i], MESSAGE) for i in (5, 3, 4)])
    assert first == second  # BLS is deterministic: the group key's own signature


def test_dealer_split_of_an_existing_key_signs_like_it() -> None:
    private = bls12381_pop.keygen(bytes(range(32)))
    split = trusted_dealer_keygen(2, 3, secret_key=private, rng=seeded_rng(1))
    assert split.public_key_package.group_public_key == bls12381_pop.SCHEME.public_key(private)
    shares = {s.identifier: s for s in split.shares}
    signature = combine(split.public_key_package, MESSAGE,
                        [partial_sign(shares[i], MESSAGE) for i in (1, 3)])
    assert signature == bls12381_pop.SCHEME.sign(private, MESSAGE)


def test_dkg_key_signs_and_verifies(dkg_2_of_3) -> None:  # type: ignore[no-untyped-def]
    shares, package = dkg_2_of_3
    for signers in ([1, 3], [2, 3]):
        signature = combine(package, MESSAGE, [partial_sign(shares[i], MESSAGE) for i in signers])
        assert PyEccPop.Verify(package.group_public_key, MESSAGE, signature)
        with pytest.raises(InvalidSignature):
            bls12381_pop.SCHEME.verify(package.group_public_key, MESSAGE + b"x", signature)


def test_group_proof_of_possession(dkg_2_of_3) -> None:  # type: ignore[no-untyped-def]
    shares, package = dkg_2_of_3
    proof = combine_possession(package, [partial_prove_possession(shares[i]) for i in (1, 2)])
    bls12381_pop.verify_possession(package.group_public_key, proof)
    assert PyEccPop.PopVerify(package.group_public_key, proof)
    not_a_proof = PartialSignature(3, partial_sign(shares[3], MESSAGE).signature)
    with pytest.raises(InvalidSignatureShare) as caught:
        combine_possession(package, [partial_prove_possession(shares[1]), not_a_proof])
    assert caught.value.identifiers == [3]


def test_bad_partial_names_its_signer(dealer_3_of_5) -> None:  # type: ignore[no-untyped-def]
    shares, package = dealer_3_of_5
    good = [partial_sign(shares[i], MESSAGE) for i in (1, 2)]
    wrong_message = partial_sign(shares[4], b"something else")
    forged = PartialSignature(4, wrong_message.signature)
    with pytest.raises(InvalidSignatureShare) as caught:
        verify_partial(package, MESSAGE, forged)
    assert caught.value.identifier == 4
    with pytest.raises(InvalidSignatureShare) as caught:
        combine(package, MESSAGE, [*good, forged])
    assert caught.value.identifiers == [4]
    # A partial presented under another signer's identifier is also caught.
    with pytest.raises(InvalidSignatureShare):
        combine(package, MESSAGE, [good[0], PartialSignature(3, good[1].signature), good[1]])


def test_too_few_or_duplicate_partials(dealer_3_of_5) -> None:  # type: ignore[no-untyped-def]
    shares, package = dealer_3_of_5
    partials = [partial_sign(shares[i], MESSAGE) for i in (1, 2)]
    with pytest.raises(InvalidInput, match="needed"):
        combine(package, MESSAGE, partials)
    with pytest.raises(InvalidInput, match="one partial"):
        combine(package, MESSAGE, [*partials, partials[0]])


def test_bls_shares_do_not_sign_frost(dkg_2_of_3) -> None:  # type: ignore[no-untyped-def]
    shares, _ = dkg_2_of_3
    with pytest.raises(InvalidInput):
        commit(shares[1], rng=seeded_rng(1))


def test_partial_signature_parsing(dealer_3_of_5) -> None:  # type: ignore[no-untyped-def]
    shares, _ = dealer_3_of_5
    partial = partial_sign(shares[2], MESSAGE)
    assert PartialSignature.from_dict(partial.to_dict()) == partial
    data = partial.to_dict()
    for key, value in [("signature", "00" * 96), ("signature", partial.signature.hex()[:-2]),
                       ("identifier", 0), ("identifier", True), ("suite", "frost-ed25519"),
                       ("version", 2), ("extra", 1)]:
        with pytest.raises(InvalidInput):
            PartialSignature.from_dict({**data, key: value})
