"""The key kinds on their own: formats, refusals, and interoperability with the raw library.

Interoperability is the independent check where no official vectors are in the shared
folder (P-256 ECDH, HMAC, the ML-KEM hybrid): a peer using only the raw library (or the
standard library's ``hmac``) must arrive at the same bytes as our module.
"""

from __future__ import annotations

import hashlib
import hmac as stdlib_hmac
import os

import pytest
from cryptography.hazmat.primitives import hashes, hpke, serialization
from cryptography.hazmat.primitives.asymmetric import ec, mlkem, x25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ledger.crypto import ciphertext
from ledger.crypto.aes256_gcm import KIND as AES
from ledger.crypto.aes256_gcm import OVERHEAD
from ledger.crypto.algorithms import all_profiles, material_maker, profile, public_key_pem
from ledger.crypto.data_keys import DataKey, generate_data_key
from ledger.crypto.ecdh_p256 import KIND as P256
from ledger.crypto.hmac_sha256 import KIND as HMAC
from ledger.crypto.key_kinds import all_kinds, get_agreement, get_cipher, get_mac
from ledger.crypto.mlkem768_x25519 import ENC_SIZE, LABEL, PUBLIC_KEY_SIZE
from ledger.crypto.mlkem768_x25519 import KIND as HYBRID
from ledger.crypto.privacy.kinds import BLIND_KINDS, PAILLIER_KINDS
from ledger.crypto.schemes import all_schemes
from ledger.crypto.x25519_ecdh import KIND as X25519
from ledger.errors import InvalidCiphertext, InvalidInput, InvalidSignature, UnsupportedAlgorithm


def _secret(kind_seed_size: int) -> bytearray:
    return bytearray(os.urandom(kind_seed_size))

PRIVACY_KINDS = {k.kind_id for k in (*BLIND_KINDS, *PAILLIER_KINDS)}  # ledger/crypto/privacy

# --- registry and profiles ----------------------------------------------------------------

def test_registry_lists_the_kinds_apart_from_signature_schemes() -> None:
    assert [k.kind_id for k in all_kinds() if k.kind_id not in PRIVACY_KINDS] == [
        "aes-256-gcm", "ecdh-p256", "groth16-bn254", "hmac-sha256", "mlkem768-x25519",
        "pedersen-ristretto255", "x25519"]
    assert sorted(PRIVACY_KINDS) == sorted(
        [f"paillier-{b}" for b in (3072, 4096)] +
        [f"rsabssa-sha384-{p}-{m}-{b}" for p in ("pss", "psszero")
         for m in ("randomized", "deterministic") for b in (3072, 4096)])
    assert not {k.kind_id for k in all_kinds()} & {s.scheme_id for s in all_schemes()}
    ids = [p.algorithm for p in all_profiles()]
    assert ids == sorted(ids) and "aes-256-gcm" in ids and "ed25519" in ids


def test_capability_lookups_refuse_the_wrong_kind_clearly() -> None:
    assert get_cipher("aes-256-gcm") is AES
    with pytest.raises(UnsupportedAlgorithm, match="hmac-sha256 keys cannot encrypt"):
        get_cipher("hmac-sha256")
    with pytest.raises(UnsupportedAlgorithm, match="cannot compute MACs"):
        get_mac("x25519")
    with pytest.raises(UnsupportedAlgorithm, match="cannot derive"):
        get_agreement("aes-256-gcm")
    with pytest.raises(UnsupportedAlgorithm, match="unknown algorithm"):
        profile("aes-128-ecb")


def test_profiles_declare_usages_and_public_keys() -> None:
    assert profile("aes-256-gcm").usages == {"encrypt", "decrypt", "wrap"}
    assert profile("hmac-sha256").default_usage == ("mac",)
    assert profile("ed25519").usages == {"sign", "verify"}
    assert not profile("aes-256-gcm").has_public_key
    assert profile("mlkem768-x25519").public_key_size == PUBLIC_KEY_SIZE
    assert [p.algorithm for p in all_profiles() if p.fips_approved and p.purpose != "signature"
            ] == ["aes-256-gcm", "ecdh-p256", "hmac-sha256"]


@pytest.mark.parametrize("kind", [k for k in all_kinds()  # not ceremony-made, not privacy
                                  if k.seed_size and k.kind_id not in PRIVACY_KINDS],
                         ids=lambda k: k.kind_id)
def test_generation_is_a_pure_function_of_the_seed(kind: object) -> None:
    maker = material_maker(kind.kind_id)  # type: ignore[attr-defined]
    seed = bytes(range(maker.seed_size))
    first, second = maker.generate(seed), maker.generate(seed)
    assert first == second and isinstance(first, bytearray)
    assert maker.public_key(first) == maker.public_key(second)
    with pytest.raises(InvalidInput):
        maker.generate(seed[:-1])


@pytest.mark.parametrize("kind_id", ["paillier-3072", "rsabssa-sha384-pss-randomized-3072"])
def test_openssl_generated_kinds_check_the_seed_and_make_fresh_keys(kind_id: str) -> None:
    """RSA-modulus kinds take their primes from OpenSSL (as every RSA key here): the seed
    is checked, not used, so two generations differ and each is a valid key."""
    maker = material_maker(kind_id)
    seed = bytes(range(maker.seed_size))
    first, second = maker.generate(seed), maker.generate(seed)
    assert isinstance(first, bytearray) and first != second
    assert maker.public_key(first) != maker.public_key(second)
    with pytest.raises(InvalidInput):
        maker.generate(seed[:-1])


def test_pem_export_where_a_standard_exists() -> None:
    secret = X25519.generate(_secret(32))
    pem = public_key_pem("x25519", X25519.public_key(secret))
    loaded = serialization.load_pem_public_key(pem.encode())
    assert isinstance(loaded, x25519.X25519PublicKey)
    p256 = P256.generate(_secret(32))
    assert isinstance(serialization.load_pem_public_key(
        public_key_pem("ecdh-p256", P256.public_key(p256)).encode()), ec.EllipticCurvePublicKey)
    with pytest.raises(UnsupportedAlgorithm, match="symmetric"):
        public_key_pem("aes-256-gcm", b"")
    with pytest.raises(UnsupportedAlgorithm, match="no standard PEM"):
        public_key_pem("mlkem768-x25519", HYBRID.public_key(HYBRID.generate(_secret(96))))


# --- ciphertext header --------------------------------------------------------------------

def test_header_round_trip_and_refusals() -> None:
    header = ciphertext.pack_header(ciphertext.FORMAT_AES256_GCM, 7)
    assert header == b"\x01\x00\x00\x00\x07"
    assert ciphertext.read_header(header + b"x") == (1, 7)
    for bad in (0, -1, 2**32, True):
        with pytest.raises(InvalidInput):
            ciphertext.pack_header(1, bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidCiphertext, match="too short"):
        ciphertext.read_header(b"\x01\x00")
    with pytest.raises(InvalidCiphertext, match="unknown format"):
        ciphertext.read_header(b"\x09\x00\x00\x00\x01")
    with pytest.raises(InvalidCiphertext, match="version 0"):
        ciphertext.read_header(b"\x01\x00\x00\x00\x00")
    with pytest.raises(InvalidCiphertext, match="another kind"):
        ciphertext.read_header(header, ciphertext.FORMAT_HPKE_MLKEM768_X25519)


# --- AES-256-GCM --------------------------------------------------------------------------

def test_aes_round_trip_names_the_version_and_binds_aad() -> None:
    key = AES.generate(_secret(32))
    blob = AES.encrypt(key, b"", b"attack at dawn", b"ctx", key_version=3)
    assert len(blob) == OVERHEAD + 14
    assert ciphertext.read_header(blob) == (ciphertext.FORMAT_AES256_GCM, 3)
    assert AES.decrypt(key, blob, b"ctx") == bytearray(b"attack at dawn")
    with pytest.raises(InvalidCiphertext, match="authentication failed"):
        AES.decrypt(key, blob, b"other ctx")
    moved = blob[:4] + b"\x04" + blob[5:]  # claim version 4: the header is authenticated
    with pytest.raises(InvalidCiphertext):
        AES.decrypt(key, moved, b"ctx")
    for index in (5, 20, len(blob) - 1):  # nonce, ciphertext, tag
        flipped = bytearray(blob)
        flipped[index] ^= 1
        with pytest.raises(InvalidCiphertext):
            AES.decrypt(key, bytes(flipped), b"ctx")
    with pytest.raises(InvalidCiphertext, match="truncated"):
        AES.decrypt(key, blob[:OVERHEAD - 1], b"ctx")


def test_aes_nonces_are_fresh_and_come_from_the_rng() -> None:
    key = AES.generate(_secret(32))
    assert AES.encrypt(key, b"", b"m", b"", key_version=1) != AES.encrypt(
        key, b"", b"m", b"", key_version=1)
    fixed = AES.encrypt(key, b"", b"m", b"", key_version=1,
                        rng=lambda n: bytearray(b"\x07" * n))
    assert fixed[5:17] == b"\x07" * 12
    with pytest.raises(InvalidInput, match="needs the key"):
        AES.encrypt(None, b"", b"m", b"", key_version=1)


# --- HMAC-SHA256 --------------------------------------------------------------------------

def test_hmac_matches_the_standard_library_and_verifies_in_constant_time() -> None:
    key = HMAC.generate(_secret(32))
    message = b"transfer 100 to alice"
    tag = HMAC.mac(key, message)
    assert tag == stdlib_hmac.new(bytes(key), message, hashlib.sha256).digest()
    HMAC.verify(key, message, tag)
    with pytest.raises(InvalidSignature, match="does not verify"):
        HMAC.verify(key, message + b"0", tag)
    with pytest.raises(InvalidSignature, match="32 bytes"):
        HMAC.verify(key, message, tag[:16])  # truncated tags are never accepted
    with pytest.raises(InvalidInput):
        HMAC.mac(key[:16], message)


# --- key agreement ------------------------------------------------------------------------

def test_x25519_peer_derives_the_same_key_with_the_raw_library() -> None:
    ours = X25519.generate(_secret(32))
    peer = x25519.X25519PrivateKey.generate()
    derived = X25519.derive(ours, peer.public_key().public_bytes_raw(), salt=b"s",
                            info=b"session", length=32)
    shared = peer.exchange(x25519.X25519PublicKey.from_public_bytes(X25519.public_key(ours)))
    assert derived == HKDF(hashes.SHA256(), 32, b"s", b"session").derive(shared)
    assert derived != shared  # never the raw secret
    with pytest.raises(InvalidInput, match="32 bytes"):
        X25519.derive(ours, b"\x01" * 31, salt=b"", info=b"", length=32)
    with pytest.raises(InvalidInput, match="low-order"):
        X25519.derive(ours, bytes(32), salt=b"", info=b"", length=32)


@pytest.mark.parametrize("compressed", [True, False])
def test_p256_peer_derives_the_same_key_with_the_raw_library(compressed: bool) -> None:
    ours = P256.generate(_secret(32))
    peer = ec.generate_private_key(ec.SECP256R1())
    fmt = (serialization.PublicFormat.CompressedPoint if compressed
           else serialization.PublicFormat.UncompressedPoint)
    encoded = peer.public_key().public_bytes(serialization.Encoding.X962, fmt)
    derived = P256.derive(ours, encoded, salt=b"", info=b"ctx", length=48)
    ours_public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(),
                                                               P256.public_key(ours))
    shared = peer.exchange(ec.ECDH(), ours_public)
    assert derived == HKDF(hashes.SHA256(), 48, None, b"ctx").derive(shared)


def test_p256_rejects_invalid_points() -> None:
    ours = P256.generate(_secret(32))
    valid = P256.public_key(ours)
    off_curve = b"\x04" + (1).to_bytes(32, "big") + (1).to_bytes(32, "big")
    hybrid_encoding = b"\x06" + valid[1:] + bytes(32)
    x_too_large = b"\x02" + b"\xff" * 32  # x >= p
    for bad in (off_curve, hybrid_encoding, valid[:-1], x_too_large):
        with pytest.raises(InvalidInput, match="not a valid SEC1 point"):
            P256.derive(ours, bad, salt=b"", info=b"", length=32)


# --- ML-KEM-768 + X25519 hybrid transport -------------------------------------------------

def test_hybrid_sender_needs_only_the_public_key_and_interoperates() -> None:
    secret = HYBRID.generate(_secret(96))
    public = HYBRID.public_key(secret)
    assert len(public) == PUBLIC_KEY_SIZE
    blob = HYBRID.encrypt(None, public, b"data key bytes", b"aad", key_version=2)
    assert len(blob) == 5 + ENC_SIZE + 14 + 16
    assert HYBRID.decrypt(secret, blob, b"aad") == bytearray(b"data key bytes")
    # The same ciphertext opens with the raw library given our documented info binding.
    raw_private = hpke.MLKEM768X25519PrivateKey(
        mlkem.MLKEM768PrivateKey.from_seed_bytes(bytes(secret[:64])),
        x25519.X25519PrivateKey.from_private_bytes(bytes(secret[64:])))
    suite = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
    assert suite.decrypt(blob[5:], raw_private, info=LABEL + blob[:5] + b"aad") == (
        b"data key bytes")
    with pytest.raises(InvalidCiphertext, match="authentication failed"):
        HYBRID.decrypt(secret, blob, b"other aad")
    with pytest.raises(InvalidCiphertext):
        HYBRID.decrypt(secret, blob[:4] + b"\x03" + blob[5:], b"aad")
    other = HYBRID.generate(_secret(96))
    with pytest.raises(InvalidCiphertext):
        HYBRID.decrypt(other, blob, b"aad")


def test_hybrid_refuses_bad_public_keys_and_foreign_ciphertexts() -> None:
    with pytest.raises(InvalidInput, match="1216 bytes"):
        HYBRID.encrypt(None, b"\x00" * 100, b"m", b"", key_version=1)
    with pytest.raises(InvalidInput, match="not a valid"):
        HYBRID.encrypt(None, b"\xff" * PUBLIC_KEY_SIZE, b"m", b"", key_version=1)
    aes_blob = AES.encrypt(AES.generate(_secret(32)), b"", b"m", b"", key_version=1)
    with pytest.raises(InvalidCiphertext, match="another kind"):
        HYBRID.decrypt(HYBRID.generate(_secret(96)), aes_blob, b"")


# --- data keys ----------------------------------------------------------------------------

@pytest.mark.parametrize("kind_id", ["aes-256-gcm", "mlkem768-x25519"])
def test_data_key_unwraps_to_the_same_key(kind_id: str) -> None:
    cipher = get_cipher(kind_id)
    secret = cipher.generate(_secret(cipher.seed_size))
    public = cipher.public_key(secret)
    data_key = generate_data_key(cipher, secret, public, b"bucket/a", key_version=1)
    assert len(data_key.plaintext) == 32
    assert cipher.decrypt(secret, data_key.wrapped, b"bucket/a") == data_key.plaintext
    assert data_key.plaintext.hex() not in repr(data_key)
    assert repr(data_key).startswith("DataKey(plaintext=<32 bytes>")


def test_data_key_is_wiped_when_wrapping_fails() -> None:
    handed_out: list[bytearray] = []

    def rng(size: int) -> bytearray:
        handed_out.append(bytearray(b"\x5a" * size))
        return handed_out[-1]

    with pytest.raises(InvalidInput):
        generate_data_key(AES, None, b"", b"", key_version=1, rng=rng)
    assert handed_out and handed_out[0] == bytearray(32)
    assert isinstance(DataKey(bytearray(1), b""), DataKey)


# --- secret hygiene -----------------------------------------------------------------------

def _leaks(error: BaseException, secret: bytes) -> bool:
    texts = [str(error), repr(error), *(repr(a) for a in error.args)]
    hint = getattr(error, "hint", "")
    return any(form in text for text in [*texts, hint]
               for form in (secret.hex(), secret.hex().upper(), repr(secret)[2:-1]))


def test_failures_never_render_key_or_plaintext_bytes() -> None:
    aes_key = AES.generate(_secret(32))
    blob = AES.encrypt(aes_key, b"", b"top secret plaintext", b"a", key_version=1)
    hmac_key = HMAC.generate(_secret(32))
    hybrid = HYBRID.generate(_secret(96))
    x_key = X25519.generate(_secret(32))
    failures = [
        (lambda: AES.decrypt(aes_key, blob, b"b"), bytes(aes_key)),
        (lambda: AES.decrypt(aes_key[:31], blob, b"a"), bytes(aes_key[:31])),
        (lambda: HMAC.verify(hmac_key, b"m", bytes(32)), bytes(hmac_key)),
        (lambda: HYBRID.decrypt(hybrid, blob, b"a"), bytes(hybrid)),
        (lambda: X25519.derive(x_key, bytes(32), salt=b"", info=b"", length=32), bytes(x_key)),
    ]
    for action, secret in failures:
        with pytest.raises(Exception) as caught:
            action()
        assert not _leaks(caught.value, secret)
        assert not _leaks(caught.value, b"top secret plaintext")
