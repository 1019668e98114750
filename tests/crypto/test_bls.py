"""BLS12-381 (proof-of-possession suite) against the 32 Ethereum consensus-spec-tests cases.

Each ``bls/<handler>/<case>/data.yaml`` has ``input`` and ``output``; an ``output`` of
``null`` (sign, aggregate) or ``false`` (the verify handlers) means the operation must fail.
py_ecc, an independent pure-Python implementation, cross-checks key generation, signing
and proof of possession; it is slow (about 0.4 s a signature, 1 s a verification), so it
runs on a handful of inputs only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from py_ecc.bls import G2ProofOfPossession as PyEccPop
from py_ecc.optimized_bls12_381 import field_modulus

from ledger.crypto import bls12381_pop as bls
from ledger.crypto.schemes import get_scheme
from ledger.errors import InvalidInput, InvalidSignature, SkmsError
from tests.crypto._keys import KeyCache
from tests.vectors import vectors_dir

SCHEME = get_scheme("bls12381-pop")
HANDLERS = ("sign", "verify", "aggregate", "aggregate_verify", "fast_aggregate_verify")


def _cases() -> list[tuple[str, str, dict[str, Any]]]:
    root = vectors_dir() / "bls"
    cases = []
    for path in sorted(root.glob("*/*/data.yaml")):
        handler, name = path.parts[-3], path.parts[-2]
        cases.append((handler, name, yaml.safe_load(Path(path).read_text())))
    return cases


CASES = _cases()


def _hex(value: str) -> bytes:
    assert value.startswith("0x")
    return bytes.fromhex(value[2:])


def test_vector_set_is_complete() -> None:
    assert len(CASES) == 32
    counts = {handler: sum(1 for h, _, _ in CASES if h == handler) for handler in HANDLERS}
    assert counts == {
        "sign": 10,
        "verify": 9,
        "aggregate": 4,
        "aggregate_verify": 3,
        "fast_aggregate_verify": 6,
    }


def _run(handler: str, given: Any) -> bytes | None:
    """Call our API for one case; returns the output bytes of sign and aggregate."""
    if handler == "sign":
        return SCHEME.sign(bytearray(_hex(given["privkey"])), _hex(given["message"]))
    if handler == "aggregate":
        return bls.aggregate([_hex(s) for s in given])
    if handler == "verify":
        SCHEME.verify(_hex(given["pubkey"]), _hex(given["message"]), _hex(given["signature"]))
    elif handler == "aggregate_verify":
        bls.aggregate_verify(
            [_hex(k) for k in given["pubkeys"]],
            [_hex(m) for m in given["messages"]],
            _hex(given["signature"]),
        )
    else:
        assert handler == "fast_aggregate_verify"
        bls.fast_aggregate_verify(
            [_hex(k) for k in given["pubkeys"]], _hex(given["message"]), _hex(given["signature"])
        )
    return None


@pytest.mark.parametrize(("handler", "name", "data"), CASES, ids=[f"{h}/{n}" for h, n, _ in CASES])
def test_consensus_spec_vector(handler: str, name: str, data: dict[str, Any]) -> None:
    given, expected = data["input"], data["output"]
    producing = handler in ("sign", "aggregate")
    if expected is None or expected is False:
        # sign/aggregate refuse bad inputs; the verify handlers reject the signature.
        with pytest.raises(InvalidInput if producing else InvalidSignature):
            _run(handler, given)
    elif producing:
        assert _run(handler, given) == _hex(expected)
    else:
        assert expected is True
        assert _run(handler, given) is None


def test_keygen_matches_py_ecc() -> None:
    for i in range(8):
        seed = bytes([i]) * 32
        assert int.from_bytes(SCHEME.generate(seed), "big") == PyEccPop.KeyGen(seed)
    long_seed = bytes(range(48))
    assert int.from_bytes(bls.keygen(long_seed, b"info"), "big") == PyEccPop.KeyGen(
        long_seed, b"info"
    )


def test_sign_public_key_and_proof_of_possession_match_py_ecc() -> None:
    private_key = SCHEME.generate(bytes(range(32)))
    scalar = int.from_bytes(private_key, "big")
    public_key = SCHEME.public_key(private_key)
    assert public_key == PyEccPop.SkToPk(scalar)
    message = b"checkpoint 1024"
    assert SCHEME.sign(private_key, message) == PyEccPop.Sign(scalar, message)
    proof = bls.prove_possession(private_key)
    assert proof == PyEccPop.PopProve(scalar)
    bls.verify_possession(public_key, proof)


def test_py_ecc_accepts_our_fast_aggregate() -> None:
    private_keys = [SCHEME.generate(bytes([i + 1]) * 32) for i in range(3)]
    public_keys = [SCHEME.public_key(k) for k in private_keys]
    message = b"block 7"
    aggregate = bls.aggregate([SCHEME.sign(k, message) for k in private_keys])
    bls.fast_aggregate_verify(public_keys, message, aggregate)
    assert PyEccPop.FastAggregateVerify(public_keys, message, aggregate)


def test_aggregate_edge_cases(keys: KeyCache) -> None:
    private_key, public_key = keys.keypair("bls12381-pop")
    signature = SCHEME.sign(private_key, b"m")
    with pytest.raises(InvalidInput):
        bls.aggregate([])
    with pytest.raises(InvalidInput):
        bls.aggregate([signature, b"\x00" * 96])
    # blspy alone accepts an aggregate over no keys; we do not.
    infinity = bytes([0xC0]) + bytes(95)
    with pytest.raises(InvalidSignature):
        bls.aggregate_verify([], [], infinity)
    with pytest.raises(InvalidSignature):
        bls.fast_aggregate_verify([], b"m", infinity)
    with pytest.raises(InvalidInput):
        bls.aggregate_verify([public_key], [b"m", b"n"], signature)
    bls.aggregate_verify([public_key], [b"m"], signature)
    # The proof-of-possession suite allows repeated messages in AggregateVerify.
    other_key, other_public = keys.keypair("bls12381-pop", 1)
    both = bls.aggregate([signature, SCHEME.sign(other_key, b"m")])
    bls.aggregate_verify([public_key, other_public], [b"m", b"m"], both)


def test_proof_of_possession_is_bound_to_the_key_and_suite(keys: KeyCache) -> None:
    private_key, public_key = keys.keypair("bls12381-pop")
    _, other_public = keys.keypair("bls12381-pop", 1)
    proof = bls.prove_possession(private_key)
    bls.verify_possession(public_key, proof)
    with pytest.raises(InvalidSignature):
        bls.verify_possession(other_public, proof)
    # A plain signature over the key bytes uses another DST and is not a proof.
    plain = SCHEME.sign(private_key, public_key)
    assert plain != proof
    with pytest.raises(InvalidSignature):
        bls.verify_possession(public_key, plain)


def _g1_point_outside_the_subgroup() -> bytes:
    """A compressed point on E(Fp) that is not in the order-r subgroup (cofactor ~2**126)."""
    p = field_modulus
    for x in range(1, 1000):
        rhs = (x**3 + 4) % p
        y = pow(rhs, (p + 1) // 4, p)  # p = 3 mod 4
        if y * y % p == rhs:
            encoded = bytearray(x.to_bytes(48, "big"))
            encoded[0] |= 0x80 | (0x20 if y > p - y else 0)
            return bytes(encoded)
    raise AssertionError("no point found")  # pragma: no cover


def test_points_outside_the_subgroup_are_refused(keys: KeyCache) -> None:
    private_key, _ = keys.keypair("bls12381-pop")
    signature = SCHEME.sign(private_key, b"m")
    rogue = _g1_point_outside_the_subgroup()
    with pytest.raises(InvalidInput):
        SCHEME.verify(rogue, b"m", signature)
    with pytest.raises(SkmsError):
        bls.fast_aggregate_verify([rogue], b"m", signature)


def test_private_key_range() -> None:
    with pytest.raises(InvalidInput):
        SCHEME.public_key(bytearray(32))
    with pytest.raises(InvalidInput):
        SCHEME.sign(bytearray(bls.BLS12381_ORDER.to_bytes(32, "big")), b"m")
    top = bytearray((bls.BLS12381_ORDER - 1).to_bytes(32, "big"))
    SCHEME.verify(SCHEME.public_key(top), b"m", SCHEME.sign(top, b"m"))
