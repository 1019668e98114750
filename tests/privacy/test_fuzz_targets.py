"""The atheris targets under Hypothesis: random and mutated bytes raise only InvalidInput.

A target may also return normally (the bytes parsed, re-encoded to themselves, and
verification failed as expected). Anything else, an ``AssertionError`` from a
non-canonical parse included, fails the test. The same targets run under atheris through
``tools/fuzz/fuzz_privacy.py``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.crypto.privacy import fuzz_targets, pok, ring
from ledger.crypto.privacy.paillier import PaillierCiphertext
from ledger.errors import InvalidInput
from tests.privacy.conftest import counter_rng, identity

FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def only_invalid_input(target: Callable[[bytes], None], data: bytes) -> None:
    with contextlib.suppress(InvalidInput):
        target(data)


def valid_ring_signature() -> bytes:
    members = [identity(f"f{i}") for i in range(2)]
    keys = [public for _, public in members]
    return ring.sign(keys, 0, members[0][0], b"m", scope=b"s", rng=counter_rng(b"f")).to_bytes()


def valid_proof() -> bytes:
    seed, _ = identity("fuzz")
    ch = pok.PoKChallenge("svc", "p", bytes(32))
    return pok.prove("ed25519", seed, user_id="u", challenge=ch, rng=counter_rng(b"f")).to_bytes()


def mutated(seed: bytes) -> st.SearchStrategy[bytes]:
    """A valid encoding with a few bytes overwritten, cut or extended."""
    def apply(edits: list[tuple[int, int]], cut: int, tail: bytes) -> bytes:
        data = bytearray(seed)
        for index, value in edits:
            data[index % len(data)] = value
        return bytes(data[:len(data) - cut]) + tail
    return st.builds(apply, st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)),
                                     max_size=4),
                     st.integers(0, 3), st.binary(max_size=3))


RING_BYTES = valid_ring_signature()
PROOF_BYTES = valid_proof()


@FUZZ
@given(st.binary(max_size=600))
def test_ring_target_on_random_bytes(data: bytes) -> None:
    only_invalid_input(fuzz_targets.ring_signature_target, data)


@FUZZ
@given(mutated(RING_BYTES))
def test_ring_target_on_mutated_signatures(data: bytes) -> None:
    only_invalid_input(fuzz_targets.ring_signature_target, data)


@FUZZ
@given(st.binary(max_size=100) | st.builds(lambda body: b"\x01" + body, st.binary(max_size=80)))
def test_pok_target_on_random_bytes(data: bytes) -> None:
    only_invalid_input(fuzz_targets.pok_proof_target, data)


@FUZZ
@given(mutated(PROOF_BYTES))
def test_pok_target_on_mutated_proofs(data: bytes) -> None:
    only_invalid_input(fuzz_targets.pok_proof_target, data)


@FUZZ
@given(st.binary(max_size=600) | st.binary(min_size=512, max_size=512))
def test_paillier_target_on_random_bytes(data: bytes) -> None:
    only_invalid_input(fuzz_targets.paillier_ciphertext_target, data)


def test_targets_accept_valid_encodings() -> None:
    """The targets are not trivially refusing everything: valid inputs pass through."""
    fuzz_targets.ring_signature_target(RING_BYTES)
    fuzz_targets.pok_proof_target(PROOF_BYTES)
    key = fuzz_targets.paillier_fuzz_key()
    body = PaillierCiphertext(key, 2**1000).to_bytes()[17:]  # n is odd: a unit
    fuzz_targets.paillier_ciphertext_target(body)
