"""ECDSA on P-384 and P-521: Wycheproof ``ecdsa_secp384r1_sha384_test.json`` and the policy.

The Wycheproof file must pass in full: every "valid" case verifies (in uncompressed and
compressed point form) and every "invalid" one raises ``InvalidSignature``. The shared
vectors have no P-521 file; P-521 is covered by the policy tests below, which run on both
curves, and by the PEM interop check in ``test_suite_properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from ledger.crypto._ecdsa_common import EcdsaScheme, encode_signature
from ledger.crypto._ecdsa_wide import WideEcdsaScheme, max_der_signature_size
from ledger.crypto.ecdsa_p384 import P384_ORDER
from ledger.crypto.ecdsa_p521 import P521_ORDER
from ledger.crypto.schemes import get_scheme
from ledger.errors import InvalidInput, InvalidSignature
from tests.crypto._keys import KeyCache
from tests.vectors import wycheproof_cases

P384 = wycheproof_cases("wycheproof/ecdsa_secp384r1_sha384_test.json")
WIDE = {"ecdsa-p384": (P384_ORDER, ec.SECP384R1()), "ecdsa-p521": (P521_ORDER, ec.SECP521R1())}


def _compressed(uncompressed: bytes) -> bytes:
    size = (len(uncompressed) - 1) // 2
    x, y = uncompressed[1 : 1 + size], uncompressed[1 + size :]
    return bytes([2 + (y[-1] & 1)]) + x


def test_wycheproof_file_is_what_we_expect() -> None:
    assert len(P384) == 504
    assert {case["result"] for _, case in P384} == {"valid", "invalid"}


@pytest.mark.parametrize(("group", "case"), P384, ids=[str(c["tcId"]) for _, c in P384])
def test_wycheproof_p384(group: dict[str, Any], case: dict[str, Any]) -> None:
    assert group["sha"] == "SHA-384"
    scheme = get_scheme("ecdsa-p384")
    public_key = bytes.fromhex(group["publicKey"]["uncompressed"])
    message = bytes.fromhex(case["msg"])
    signature = bytes.fromhex(case["sig"])
    if case["result"] == "valid":
        scheme.verify(public_key, message, signature)
        scheme.verify(_compressed(public_key), message, signature)
    else:
        with pytest.raises(InvalidSignature):
            scheme.verify(public_key, message, signature)


@pytest.mark.parametrize("scheme_id", sorted(WIDE))
def test_orders_are_the_curve_orders(scheme_id: str) -> None:
    order, curve = WIDE[scheme_id]
    ec.derive_private_key(order - 1, curve)
    with pytest.raises(ValueError):
        ec.derive_private_key(order, curve)


def test_der_bounds() -> None:
    assert max_der_signature_size(P384_ORDER) == 104
    assert max_der_signature_size(P521_ORDER) == 139
    # The 256-bit bound of _ecdsa_common (72 bytes) follows from the same formula.
    assert max_der_signature_size(2**256 - 1) == 72


@pytest.mark.parametrize("scheme_id", sorted(WIDE))
def test_in_range_seed_is_the_key_and_out_of_range_seeds_remap(scheme_id: str) -> None:
    scheme = get_scheme(scheme_id)
    assert isinstance(scheme, WideEcdsaScheme)
    order, _ = WIDE[scheme_id]
    size = scheme.seed_size
    assert size == (order.bit_length() + 7) // 8
    seed = bytes(range(1, size + 1))
    assert scheme.generate(seed) == bytearray(seed)
    for bad in (bytes(size), order.to_bytes(size, "big"), (order + 1).to_bytes(size, "big")):
        key = scheme.generate(bad)
        assert key == scheme.generate(bad)
        assert 0 < int.from_bytes(key, "big") < order
        scheme.verify(scheme.public_key(key), b"m", scheme.sign(key, b"m"))


def test_p521_ignores_the_seed_bits_above_521() -> None:
    scheme = get_scheme("ecdsa-p521")
    seed = bytearray(range(66))
    seed[0] = 0x01
    high = bytearray(seed)
    high[0] |= 0xFE  # the 7 bits above bit 520
    assert scheme.generate(high) == scheme.generate(seed) == seed


@pytest.mark.parametrize("scheme_id", sorted(WIDE))
@pytest.mark.parametrize("value", ["zero", "order"])
def test_out_of_range_private_key_is_refused(scheme_id: str, value: str) -> None:
    scheme = get_scheme(scheme_id)
    order, _ = WIDE[scheme_id]
    size = scheme.info.private_key_size
    bad = bytearray(size) if value == "zero" else bytearray(order.to_bytes(size, "big"))
    with pytest.raises(InvalidInput):
        scheme.sign(bad, b"m")
    with pytest.raises(InvalidInput):
        scheme.public_key(bad)


@pytest.mark.parametrize("scheme_id", sorted(WIDE))
def test_signatures_are_deterministic_low_s_and_the_high_s_policy(
    scheme_id: str, keys: KeyCache
) -> None:
    scheme = get_scheme(scheme_id)
    assert isinstance(scheme, EcdsaScheme)
    order, _ = WIDE[scheme_id]
    private_key, public_key = keys.keypair(scheme_id)
    for i in range(16):
        message = f"message {i}".encode()
        signature = scheme.sign(private_key, message)
        assert signature == scheme.sign(private_key, message)  # RFC 6979
        assert len(signature) <= max_der_signature_size(order)
        r, s = decode_dss_signature(signature)
        assert s <= order // 2
        scheme.verify_low_s(public_key, message, signature)
        high = encode_signature(r, order - s)
        scheme.verify(public_key, message, high)  # standard ECDSA accepts the twin
        with pytest.raises(InvalidSignature):
            scheme.verify_low_s(public_key, message, high)


@pytest.mark.parametrize("scheme_id", sorted(WIDE))
def test_uncompressed_key_and_off_curve_points(scheme_id: str, keys: KeyCache) -> None:
    scheme = get_scheme(scheme_id)
    _, curve = WIDE[scheme_id]
    private_key, public_key = keys.keypair(scheme_id)
    signature = scheme.sign(private_key, b"m")
    uncompressed = ec.EllipticCurvePublicKey.from_encoded_point(curve, public_key).public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    scheme.verify(uncompressed, b"m", signature)
    off_curve = bytearray(uncompressed)
    off_curve[-1] ^= 0x01
    with pytest.raises(InvalidInput):
        scheme.verify(bytes(off_curve), b"m", signature)
    hybrid = bytes([6]) + uncompressed[1:]  # SEC1 "hybrid" form is not accepted
    with pytest.raises(InvalidInput):
        scheme.verify(hybrid, b"m", signature)


@pytest.mark.parametrize(
    ("scheme_id", "digest"), [("ecdsa-p384", hashes.SHA384()), ("ecdsa-p521", hashes.SHA512())]
)
def test_openssl_signatures_verify(
    scheme_id: str, digest: hashes.HashAlgorithm, keys: KeyCache
) -> None:
    """Signatures made directly by OpenSSL (random nonce, any s) verify under our scheme."""
    scheme = get_scheme(scheme_id)
    private_key, public_key = keys.keypair(scheme_id)
    _, curve = WIDE[scheme_id]
    key = ec.derive_private_key(int.from_bytes(private_key, "big"), curve)
    for i in range(8):
        message = f"openssl {i}".encode()
        scheme.verify(public_key, message, key.sign(message, ec.ECDSA(digest)))
