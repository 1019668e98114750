"""Bulletproofs range proofs: completeness, refusal out of range, and every byte binding."""

from __future__ import annotations

import random

import pytest

from ledger.crypto.zk import pedersen, range_proof
from ledger.crypto.zk.pedersen import GROUP_ORDER, PedersenCommitment
from ledger.crypto.zk.range_proof import RangeProof
from ledger.errors import InvalidInput, InvalidSignature


def fixed_rng(seed: int):  # type: ignore[no-untyped-def]
    generator = random.Random(seed)
    return lambda n: bytearray(generator.randbytes(n))


@pytest.mark.parametrize(("bits", "values"), [
    (64, [0]), (64, [2**64 - 1]), (8, [255]), (16, [1, 65535]), (32, [5, 6, 7, 2**32 - 1]),
    (64, list(range(16))),
])
def test_proofs_verify_and_have_the_documented_size(bits: int, values: list[int]) -> None:
    proof, blindings = range_proof.prove(values, bits=bits, context=b"ctx")
    assert len(proof.proof) == range_proof.proof_size(bits, len(values))
    range_proof.verify(proof, context=b"ctx")
    for commitment, value, blinding in zip(proof.commitments, values, blindings, strict=True):
        pedersen.verify_opening(commitment, value, blinding)


def test_sizes_are_the_bulletproofs_formula() -> None:
    assert range_proof.proof_size(64, 1) == 672
    assert range_proof.proof_size(64, 4) == 800
    assert range_proof.proof_size(8, 1) == 480


@pytest.mark.parametrize(("bits", "value"), [
    (8, 256), (16, 2**16), (32, 2**32), (64, 2**64), (64, -1), (32, GROUP_ORDER - 1),
])
def test_out_of_range_values_cannot_be_proved(bits: int, value: int) -> None:
    with pytest.raises(InvalidInput) as info:
        range_proof.prove([value], bits=bits)
    assert info.value.field == "values"


def test_a_proof_does_not_transfer_to_a_commitment_of_an_out_of_range_value() -> None:
    """C + 2^32·G commits to v + 2^32: the proof for C must not cover it."""
    proof, blindings = range_proof.prove([10], bits=32, rng=fixed_rng(1))
    shift, zero = pedersen.commit(2**32, blinding=bytearray(32))
    moved = proof.commitments[0] + shift
    pedersen.verify_opening(moved, 10 + 2**32, blindings[0])
    with pytest.raises(InvalidSignature):
        range_proof.verify(RangeProof(32, (moved,), proof.proof))
    assert zero == bytearray(32)


def test_the_commitment_is_bound_to_the_proof() -> None:
    proof, _ = range_proof.prove([10, 20], bits=64)
    other, _ = range_proof.prove([10, 20], bits=64)
    swapped = RangeProof(64, (proof.commitments[1], proof.commitments[0]), proof.proof)
    with pytest.raises(InvalidSignature):
        range_proof.verify(swapped)
    with pytest.raises(InvalidSignature):
        range_proof.verify(RangeProof(64, other.commitments, proof.proof))


def test_context_and_bit_size_are_bound() -> None:
    proof, _ = range_proof.prove([3], bits=32, context=b"key-1:limit")
    range_proof.verify(proof, context=b"key-1:limit")
    with pytest.raises(InvalidSignature):
        range_proof.verify(proof, context=b"key-2:limit")
    with pytest.raises(InvalidSignature):
        range_proof.verify(proof)
    with pytest.raises(InvalidInput):
        range_proof.verify(RangeProof(64, proof.commitments, proof.proof))


@pytest.mark.parametrize(("bits", "count"), [(64, 1), (32, 4)])
def test_every_changed_byte_fails(bits: int, count: int) -> None:
    proof, _ = range_proof.prove(list(range(count)), bits=bits)
    encoded = proof.to_bytes()
    for position in range(len(encoded)):
        tampered = bytearray(encoded)
        tampered[position] ^= 0x01 << (position % 8)
        with pytest.raises((InvalidInput, InvalidSignature)):
            range_proof.verify(RangeProof.from_bytes(bytes(tampered)))


def test_a_fixed_rng_gives_the_same_proof_and_fresh_randomness_does_not() -> None:
    first, _ = range_proof.prove([7, 8], bits=16, rng=fixed_rng(9))
    second, _ = range_proof.prove([7, 8], bits=16, rng=fixed_rng(9))
    third, _ = range_proof.prove([7, 8], bits=16)
    assert first == second
    assert third.proof != first.proof


def test_given_blindings_are_used() -> None:
    blindings = [pedersen.random_blinding(), pedersen.random_blinding()]
    expected = [pedersen.commit(v, blinding=bytearray(b))[0] for v, b in zip((4, 5), blindings,
                                                                             strict=True)]
    proof, returned = range_proof.prove([4, 5], bits=8, blindings=blindings)
    assert list(proof.commitments) == expected
    assert returned == blindings


@pytest.mark.parametrize("values", [[], [1, 2, 3], list(range(32))])
def test_counts_must_be_powers_of_two_up_to_16(values: list[int]) -> None:
    with pytest.raises(InvalidInput):
        range_proof.prove(values)


@pytest.mark.parametrize("bits", [0, 7, 24, 128, True])
def test_bit_sizes_are_the_crates(bits: int) -> None:
    with pytest.raises(InvalidInput):
        range_proof.prove([1], bits=bits)


def test_context_limit() -> None:
    with pytest.raises(InvalidInput):
        range_proof.prove([1], context=b"x" * 1025)


def test_serialisation_round_trips_and_rejects_malformed_input() -> None:
    proof, _ = range_proof.prove([1, 2], bits=16)
    encoded = proof.to_bytes()
    assert RangeProof.from_bytes(encoded) == proof
    assert RangeProof.from_dict(proof.to_dict()) == proof
    malformed = [
        b"", encoded[:-1], encoded + b"\0", b"\x02" + encoded[1:],
        encoded[:1] + b"\x18" + encoded[2:], encoded[:2] + b"\x03" + encoded[3:],
        encoded[:3] + b"\xff" * 32 + encoded[35:],
    ]
    for bad in malformed:
        with pytest.raises(InvalidInput):
            RangeProof.from_bytes(bad)
    good = proof.to_dict()
    for bad_dict in ({**good, "scheme": "x"}, {**good, "bits": "16"}, {**good, "proof": "zz"},
                     {**good, "commitments": good["commitments"][:1]}, {**good, "x": 1}):
        with pytest.raises(InvalidInput):
            RangeProof.from_dict(bad_dict)
    with pytest.raises(InvalidInput):
        RangeProof(16, (PedersenCommitment(bytes(32)),) * 2, proof.proof[:-32])
