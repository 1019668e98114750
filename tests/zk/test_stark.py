"""The hash-chain STARK: completeness, the statement bound, every byte of a proof binding."""

from __future__ import annotations

import pytest

from ledger.crypto.zk import stark
from ledger.crypto.zk.stark import GOLDILOCKS_MODULUS, HashChainProof
from ledger.errors import InvalidInput, InvalidSignature

START = stark.start_from_bytes(b"SKMS test chain")


@pytest.fixture(scope="module")
def proof4() -> HashChainProof:
    return stark.prove(START, 4)


def test_parameters_are_the_documented_ones() -> None:
    assert stark.parameters() == {
        "field_modulus_bits": 64, "extension_degree": 2, "blowup": 8, "queries": 38,
        "grinding_bits": 16, "fri_folding": 8, "fri_remainder_max_degree": 31,
        "conjectured_security_bits": 127, "max_steps": 16384, "max_proof_bytes": 1 << 20,
    }


@pytest.mark.parametrize("steps", [1, 2, 16, 128])
def test_proofs_verify_and_end_where_the_library_hasher_ends(steps: int) -> None:
    """The trace is built round by round; the end is checked against Rp64_256::hash_elements."""
    proof = stark.prove(START, steps)
    assert proof.end == stark.hash_chain(START, steps)
    stark.verify(proof)


def test_the_chain_is_iterated_hashing() -> None:
    two = stark.hash_chain(START, 2)
    assert stark.hash_chain(stark.hash_chain(START, 1), 1) == two
    assert two != stark.hash_chain(START, 1) != START


def test_proving_is_deterministic(proof4: HashChainProof) -> None:
    assert stark.prove(START, 4) == proof4


def test_a_wrong_end_start_or_length_fails(proof4: HashChainProof) -> None:
    other_end = stark.hash_chain(START, 8)
    with pytest.raises(InvalidSignature):
        stark.verify(HashChainProof(proof4.start, 4, other_end, proof4.proof))
    with pytest.raises(InvalidSignature):
        stark.verify(HashChainProof(stark.start_from_bytes(b"other"), 4, proof4.end,
                                    proof4.proof))
    # Same end value claimed for 8 steps: the proof's trace is for 4, so it is refused.
    with pytest.raises(InvalidInput):
        stark.verify(HashChainProof(proof4.start, 8, proof4.end, proof4.proof))


def test_every_changed_byte_of_the_proof_fails(proof4: HashChainProof) -> None:
    accepted = []
    for position in range(len(proof4.proof)):
        tampered = bytearray(proof4.proof)
        tampered[position] ^= 1 << (position % 8)
        try:
            stark.verify(HashChainProof(proof4.start, 4, proof4.end, bytes(tampered)))
        except (InvalidInput, InvalidSignature):
            continue
        accepted.append(position)
    assert accepted == []


def test_truncated_extended_and_hostile_proofs_are_refused(proof4: HashChainProof) -> None:
    body = proof4.proof
    hostile = [body[:-1], body + b"\0", body[:100], b"\xff" * len(body), b"\0" * 64,
               body[:60] + b"\x00" * 9 + body[69:]]
    for bad in hostile:
        with pytest.raises((InvalidInput, InvalidSignature)):
            stark.verify(HashChainProof(proof4.start, 4, proof4.end, bad))


def test_a_proof_for_another_chain_does_not_verify_here(proof4: HashChainProof) -> None:
    other = stark.prove(stark.start_from_bytes(b"second"), 4)
    with pytest.raises(InvalidSignature):
        stark.verify(HashChainProof(proof4.start, 4, proof4.end, other.proof))


@pytest.mark.parametrize("steps", [0, 3, 12, 2**15, -1, True, 1.0])
def test_step_counts_are_powers_of_two_up_to_the_limit(steps: object) -> None:
    with pytest.raises(InvalidInput) as info:
        stark.prove(START, steps)  # type: ignore[arg-type]
    assert info.value.field == "steps"


def test_digests_must_be_canonical_goldilocks_elements() -> None:
    non_canonical = GOLDILOCKS_MODULUS.to_bytes(8, "little") + START[8:]
    for bad in (START[:31], START + b"\0", non_canonical, "x" * 32):
        with pytest.raises(InvalidInput):
            stark.prove(bad, 1)  # type: ignore[arg-type]


def test_start_from_bytes_gives_canonical_digests() -> None:
    for data in (b"", b"a", b"\xff" * 100):
        digest = stark.start_from_bytes(data)
        assert len(digest) == 32
        assert all(int.from_bytes(digest[i:i + 8], "little") < GOLDILOCKS_MODULUS
                   for i in range(0, 32, 8))
    assert stark.start_from_bytes(b"a") != stark.start_from_bytes(b"b")


def test_serialisation_round_trips_and_is_strict(proof4: HashChainProof) -> None:
    encoded = proof4.to_bytes()
    assert HashChainProof.from_bytes(encoded) == proof4
    assert HashChainProof.from_dict(proof4.to_dict()) == proof4
    for bad in (b"", encoded[:-1], encoded + b"\0", b"\x02" + encoded[1:],
                encoded[:1] + (3).to_bytes(4, "big") + encoded[5:]):
        with pytest.raises(InvalidInput):
            HashChainProof.from_bytes(bad)
    good = proof4.to_dict()
    for bad_dict in ({**good, "scheme": "x"}, {**good, "steps": "4"}, {**good, "end": "zz"},
                     {**good, "start": "00" * 33}, {**good, "extra": 1}):
        with pytest.raises(InvalidInput):
            HashChainProof.from_dict(bad_dict)
