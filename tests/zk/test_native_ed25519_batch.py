"""ed25519-dalek's one-at-a-time and batch verification in skms_native, measured for the
auditor (tools/bench/bench_batch_verify.py), against RFC 8032 and Wycheproof, and against
signatures PyNaCl (libsodium) made: independent code on both sides."""

from __future__ import annotations

import os

import nacl.signing
import pytest

from ledger.crypto.zk import native
from ledger.errors import InvalidInput
from tests.vectors import load_json, wycheproof_cases

RFC8032 = load_json("ed25519/rfc8032_ed25519_test_vectors.json")["vectors"]
WYCHEPROOF = wycheproof_cases("wycheproof/ed25519_test.json")


def verifies(kind: str, messages: list[bytes], signatures: list[bytes],
             keys: list[bytes]) -> bool:
    try:
        return native.invoke(f"ed25519_verify_{kind}", messages, signatures, keys) is True
    except InvalidInput:
        return False


@pytest.mark.parametrize("kind", ["each", "batch"])
def test_rfc8032_vectors_verify_together(kind: str) -> None:
    columns = ([bytes.fromhex(v["message"]) for v in RFC8032],
               [bytes.fromhex(v["signature"]) for v in RFC8032],
               [bytes.fromhex(v["public_key"]) for v in RFC8032])
    assert verifies(kind, *columns)


@pytest.mark.parametrize("kind", ["each", "batch"])
def test_libsodium_signatures_verify_and_one_bad_bit_fails_the_lot(kind: str) -> None:
    signers = [nacl.signing.SigningKey.generate() for _ in range(5)]
    messages = [os.urandom(40 + n) for n in range(64)]
    signatures = [signers[n % 5].sign(m).signature for n, m in enumerate(messages)]
    keys = [bytes(signers[n % 5].verify_key) for n in range(64)]
    assert verifies(kind, messages, signatures, keys)
    tampered = bytearray(signatures[37])
    tampered[5] ^= 0x01
    assert not verifies(kind, messages, [*signatures[:37], bytes(tampered), *signatures[38:]],
                        keys)
    assert not verifies(kind, messages, signatures, [*keys[1:], keys[0]])  # keys moved


def test_one_at_a_time_agrees_with_every_wycheproof_case() -> None:
    for group, case in WYCHEPROOF:
        key = bytes.fromhex(group["publicKey"]["pk"])
        got = verifies("each", [bytes.fromhex(case["msg"])], [bytes.fromhex(case["sig"])],
                       [key])
        assert got == (case["result"] == "valid"), case


def test_the_batch_accepts_a_non_canonical_r_that_strict_verification_refuses() -> None:
    """Why the auditor does not batch as it is: dalek's batch equation accepts case 151 (R
    encoding y = 1 with the sign bit of x set), which libsodium and ``verify_strict``
    refuse. Every other Wycheproof case agrees."""
    disagreeing = []
    for group, case in WYCHEPROOF:
        key = bytes.fromhex(group["publicKey"]["pk"])
        got = verifies("batch", [bytes.fromhex(case["msg"])], [bytes.fromhex(case["sig"])],
                       [key])
        if got != (case["result"] == "valid"):
            disagreeing.append(case["tcId"])
    assert disagreeing == [151]


@pytest.mark.parametrize(("columns", "field"), [
    (([b"m"], [b"\x00" * 63], [b"\x00" * 32]), "signatures"),
    (([b"m"], [b"\x00" * 64], [b"\x00" * 31]), "public_keys"),
    (([b"m", b"n"], [b"\x00" * 64], [b"\x00" * 32]), "signatures"),
])
def test_malformed_columns_name_their_field(columns: tuple[list[bytes], ...], field: str) -> None:
    for kind in ("each", "batch"):
        with pytest.raises(InvalidInput) as caught:
            native.invoke(f"ed25519_verify_{kind}", *columns)
        assert caught.value.field == field
