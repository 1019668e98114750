"""Properties of every registered signature scheme, reached only through the registry."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.crypto._ecdsa_common import EcdsaScheme, encode_signature
from ledger.crypto.ecdsa_p256 import P256_ORDER
from ledger.crypto.ecdsa_secp256k1 import SECP256K1_ORDER
from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.crypto.scheme import SignatureScheme
from ledger.crypto.schemes import all_schemes, get_scheme
from ledger.errors import InvalidInput, InvalidSignature, UnsupportedAlgorithm

SCHEME_IDS = ["ecdsa-p256", "ecdsa-secp256k1", "ed25519"]
ECDSA_IDS = ["ecdsa-p256", "ecdsa-secp256k1"]
ORDERS = {"ecdsa-p256": P256_ORDER, "ecdsa-secp256k1": SECP256K1_ORDER}
CURVES: dict[str, ec.EllipticCurve] = {
    "ecdsa-p256": ec.SECP256R1(),
    "ecdsa-secp256k1": ec.SECP256K1(),
}


def _keypair(scheme: SignatureScheme) -> tuple[bytearray, bytes]:
    seed = random_bytes(scheme.seed_size)
    try:
        private_key = scheme.generate(seed)
    finally:
        zeroize(seed)
    return private_key, scheme.public_key(private_key)


def test_registry_lists_the_builtin_schemes() -> None:
    registered = [s.scheme_id for s in all_schemes()]
    assert registered == sorted(registered)
    assert set(SCHEME_IDS) <= set(registered)  # the full suite is pinned in test_suite_properties
    for scheme_id in SCHEME_IDS:
        assert get_scheme(scheme_id).info.scheme_id == scheme_id


def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(UnsupportedAlgorithm) as info:
        get_scheme("rsa-512")
    assert "ed25519" in info.value.hint


def test_orders_match_the_libraries() -> None:
    from coincurve.utils import GROUP_ORDER_INT

    assert SECP256K1_ORDER == GROUP_ORDER_INT
    # P-256: n - 1 is a valid scalar, n is not.
    ec.derive_private_key(P256_ORDER - 1, ec.SECP256R1())
    with pytest.raises(ValueError):
        ec.derive_private_key(P256_ORDER, ec.SECP256R1())


@pytest.mark.parametrize("scheme_id", SCHEME_IDS)
def test_round_trip_and_sizes(scheme_id: str) -> None:
    scheme = get_scheme(scheme_id)
    private_key, public_key = _keypair(scheme)
    assert isinstance(private_key, bytearray)
    assert len(private_key) == scheme.info.private_key_size
    assert len(public_key) == scheme.info.public_key_size
    message = b"append event 42 to chain main"
    signature = scheme.sign(private_key, message)
    if scheme.info.signature_size is not None:
        assert len(signature) == scheme.info.signature_size
    scheme.verify(public_key, message, signature)
    zeroize(private_key)


@pytest.mark.parametrize("scheme_id", SCHEME_IDS)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.binary(min_size=32, max_size=32), message=st.binary(max_size=256))
def test_round_trip_property(scheme_id: str, seed: bytes, message: bytes) -> None:
    scheme = get_scheme(scheme_id)
    private_key = scheme.generate(seed)
    public_key = scheme.public_key(private_key)
    signature = scheme.sign(private_key, message)
    scheme.verify(public_key, message, signature)
    with pytest.raises(InvalidSignature):
        scheme.verify(public_key, message + b"\x00", signature)


@pytest.mark.parametrize("scheme_id", SCHEME_IDS)
def test_generate_is_deterministic_in_the_seed(scheme_id: str) -> None:
    scheme = get_scheme(scheme_id)
    seed = bytes(range(32))
    first, second = scheme.generate(seed), scheme.generate(bytearray(seed))
    assert first == second
    assert scheme.generate(bytes(range(1, 33))) != first
    # An in-range seed is the key itself.
    assert first == bytearray(seed)


@pytest.mark.parametrize("scheme_id", ECDSA_IDS)
@pytest.mark.parametrize("kind", ["zero", "order", "all-ones"])
def test_out_of_range_seed_maps_deterministically_into_range(scheme_id: str, kind: str) -> None:
    scheme = get_scheme(scheme_id)
    order = ORDERS[scheme_id]
    seed = {
        "zero": bytes(32),
        "order": order.to_bytes(32, "big"),
        "all-ones": b"\xff" * 32,
    }[kind]
    key = scheme.generate(seed)
    assert key == scheme.generate(seed)
    assert key != bytearray(seed)
    assert 0 < int.from_bytes(key, "big") < order
    scheme.verify(scheme.public_key(key), b"m", scheme.sign(key, b"m"))


@pytest.mark.parametrize("scheme_id", SCHEME_IDS)
def test_wrong_seed_size_is_refused(scheme_id: str) -> None:
    with pytest.raises(InvalidInput) as info:
        get_scheme(scheme_id).generate(bytes(31))
    assert info.value.field == "seed"


@pytest.mark.parametrize("scheme_id", ECDSA_IDS)
@pytest.mark.parametrize("value", ["zero", "order"])
def test_out_of_range_private_key_is_refused(scheme_id: str, value: str) -> None:
    scheme = get_scheme(scheme_id)
    bad = bytearray(32) if value == "zero" else bytearray(ORDERS[scheme_id].to_bytes(32, "big"))
    with pytest.raises(InvalidInput):
        scheme.sign(bad, b"m")
    with pytest.raises(InvalidInput):
        scheme.public_key(bad)


@pytest.mark.parametrize("scheme_id", SCHEME_IDS)
def test_wrong_key_and_tampering_are_rejected(scheme_id: str) -> None:
    scheme = get_scheme(scheme_id)
    private_key, public_key = _keypair(scheme)
    _, other_public = _keypair(scheme)
    message = b"rotate key k-17"
    signature = scheme.sign(private_key, message)
    with pytest.raises(InvalidSignature):
        scheme.verify(other_public, message, signature)
    with pytest.raises(InvalidSignature):
        scheme.verify(public_key, b"rotate key k-18", signature)
    for index in (0, len(signature) // 2, len(signature) - 1):
        tampered = bytearray(signature)
        tampered[index] ^= 0x01
        with pytest.raises(InvalidSignature):
            scheme.verify(public_key, message, bytes(tampered))
    with pytest.raises(InvalidSignature):
        scheme.verify(public_key, message, signature + b"\x00")
    with pytest.raises(InvalidSignature):
        scheme.verify(public_key, message, b"")


@pytest.mark.parametrize("scheme_id", SCHEME_IDS)
def test_signing_is_deterministic(scheme_id: str) -> None:
    scheme = get_scheme(scheme_id)
    private_key, _ = _keypair(scheme)
    assert scheme.sign(private_key, b"same") == scheme.sign(private_key, b"same")
    assert scheme.sign(private_key, b"same") != scheme.sign(private_key, b"other")


@pytest.mark.parametrize("scheme_id", SCHEME_IDS)
def test_pem_round_trip_and_interop(scheme_id: str) -> None:
    """The PEM loads in cryptography, names the same key, and verifies our signatures."""
    scheme = get_scheme(scheme_id)
    private_key, public_key = _keypair(scheme)
    pem = scheme.public_key_pem(public_key)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    loaded = serialization.load_pem_public_key(pem.encode())
    message = b"interop"
    signature = scheme.sign(private_key, message)
    if isinstance(loaded, ed25519.Ed25519PublicKey):
        assert scheme_id == "ed25519"
        assert loaded.public_bytes_raw() == public_key
        loaded.verify(signature, message)
    else:
        assert isinstance(loaded, ec.EllipticCurvePublicKey)
        assert loaded.curve.name == CURVES[scheme_id].name
        point = loaded.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
        assert point == public_key
        loaded.verify(signature, message, ec.ECDSA(hashes.SHA256()))


@pytest.mark.parametrize("scheme_id", ECDSA_IDS)
def test_ecdsa_signatures_are_low_s_and_high_s_policy(scheme_id: str) -> None:
    scheme = get_scheme(scheme_id)
    assert isinstance(scheme, EcdsaScheme)
    order = ORDERS[scheme_id]
    private_key, public_key = _keypair(scheme)
    saw_normalised = False
    for i in range(64):
        message = f"message {i}".encode()
        signature = scheme.sign(private_key, message)
        r, s = decode_dss_signature(signature)
        assert s <= order // 2
        scheme.verify_low_s(public_key, message, signature)
        high = encode_signature(r, order - s)
        scheme.verify(public_key, message, high)  # standard ECDSA accepts the twin
        with pytest.raises(InvalidSignature):
            scheme.verify_low_s(public_key, message, high)
        saw_normalised = True
    assert saw_normalised


def test_secp256k1_rfc6979_matches_openssl() -> None:
    """libsecp256k1 and OpenSSL must produce the same RFC 6979 signature (after low-S)."""
    scheme = get_scheme("ecdsa-secp256k1")
    private_key, _ = _keypair(scheme)
    openssl_key = ec.derive_private_key(int.from_bytes(private_key, "big"), ec.SECP256K1())
    for message in (b"", b"abc", b"x" * 1000):
        ours = decode_dss_signature(scheme.sign(private_key, message))
        r, s = decode_dss_signature(
            openssl_key.sign(message, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
        )
        assert ours == (r, min(s, SECP256K1_ORDER - s))


def test_p256_signing_uses_rfc6979() -> None:
    scheme = get_scheme("ecdsa-p256")
    private_key, _ = _keypair(scheme)
    key = ec.derive_private_key(int.from_bytes(private_key, "big"), ec.SECP256R1())
    r, s = decode_dss_signature(
        key.sign(b"abc", ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    )
    assert decode_dss_signature(scheme.sign(private_key, b"abc")) == (r, min(s, P256_ORDER - s))


@pytest.mark.parametrize("scheme_id", ECDSA_IDS)
def test_ecdsa_public_key_encodings(scheme_id: str) -> None:
    scheme = get_scheme(scheme_id)
    private_key, compressed = _keypair(scheme)
    assert compressed[0] in (2, 3)
    point = ec.EllipticCurvePublicKey.from_encoded_point(CURVES[scheme_id], compressed)
    uncompressed = point.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    signature = scheme.sign(private_key, b"m")
    scheme.verify(uncompressed, b"m", signature)
    hybrid = bytes([6 + (uncompressed[-1] & 1)]) + uncompressed[1:]
    with pytest.raises(InvalidInput):
        scheme.verify(hybrid, b"m", signature)
    with pytest.raises(InvalidInput):
        scheme.verify(b"\x02" + b"\xff" * 32, b"m", signature)  # x >= p: not a point
    with pytest.raises(InvalidInput):
        scheme.verify(compressed[:-1], b"m", signature)


@pytest.mark.parametrize("scheme_id", ECDSA_IDS)
def test_ecdsa_rejects_non_canonical_der(scheme_id: str) -> None:
    scheme = get_scheme(scheme_id)
    private_key, public_key = _keypair(scheme)
    signature = scheme.sign(private_key, b"m")
    body = signature[2:]
    long_form = b"\x30\x81" + bytes([len(body)]) + body
    r_len = signature[3]
    r_content, s_tlv = signature[4 : 4 + r_len], signature[4 + r_len :]
    padded_body = b"\x02" + bytes([r_len + 1]) + b"\x00" + r_content + s_tlv  # non-minimal r
    padded = b"\x30" + bytes([len(padded_body)]) + padded_body
    for bad in (long_form, signature + b"\x00", padded, b"\x30\x00"):
        with pytest.raises(InvalidSignature):
            scheme.verify(public_key, b"m", bad)


@pytest.mark.parametrize("scheme_id", ["ed25519", "ecdsa-secp256k1", "ecdsa-p256"])
def test_sign_many_equals_signing_one_by_one(scheme_id: str) -> None:
    scheme = get_scheme(scheme_id)
    private_key = scheme.generate(bytearray(range(1, scheme.seed_size + 1)))
    messages = [b"a", b"bb", b"ccc"]
    batch = scheme.sign_many(private_key, messages)
    assert batch == [scheme.sign(private_key, m) for m in messages]  # deterministic schemes
    for message, signature in zip(messages, batch, strict=True):
        scheme.verify(scheme.public_key(private_key), message, signature)
