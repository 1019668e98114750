"""Argument checks of the suites and primitives: wrong types and shapes name their field.

Each case hands a real scheme, cipher or KDF a value a caller could plausibly pass by
mistake (text instead of bytes, a truncated blob, a non-canonical signature) and checks the
exception type, the message and the field.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from ledger.crypto import aes256_gcm, bls12381_pop, ecdh_p256, hkdf, kek, mlkem768_x25519, slip39
from ledger.crypto.ecdsa_secp256k1 import verify_digest_der
from ledger.crypto.entropy import ReproducibleStream
from ledger.crypto.schemes import get_scheme
from ledger.crypto.secret_sharing import split_secret
from ledger.errors import InvalidCiphertext, InvalidInput, InvalidSignature
from tests.crypto._keys import KeyCache

ECDSA = ["ecdsa-p256", "ecdsa-secp256k1", "ecdsa-p384", "ecdsa-p521"]
MESSAGE = b"append event 42 to chain main"


@pytest.mark.parametrize("scheme_id", [*ECDSA, "rsa-pss-2048"])
def test_public_key_must_be_bytes(scheme_id: str, keys: KeyCache) -> None:
    signed = keys.signed(scheme_id)
    with pytest.raises(InvalidInput, match="public key must be bytes") as caught:
        signed.scheme.verify(signed.public_key.hex(), MESSAGE,  # type: ignore[arg-type]
                             signed.signature)
    assert caught.value.field == "public_key"


@pytest.mark.parametrize("scheme_id", ECDSA)
def test_ecdsa_signature_must_be_canonical_der_bytes(scheme_id: str, keys: KeyCache) -> None:
    signed = keys.signed(scheme_id)
    with pytest.raises(InvalidSignature, match="signature must be bytes"):
        signed.scheme.verify(signed.public_key, signed.message,
                             signed.signature.hex())  # type: ignore[arg-type]
    # DER with an extra leading zero on r: decodes to the same (r, s), but is not canonical.
    body = signed.signature[2:] if signed.signature[1] < 0x80 else signed.signature[3:]
    r_length = body[1]
    padded_r = b"\x02" + bytes([r_length + 1]) + b"\x00" + body[2:2 + r_length]
    rest = body[2 + r_length:]
    content = padded_r + rest
    if len(content) < 0x80:
        non_canonical = b"\x30" + bytes([len(content)]) + content
    else:
        non_canonical = b"\x30\x81" + bytes([len(content)]) + content
    with pytest.raises(InvalidSignature) as caught:
        signed.scheme.verify(signed.public_key, signed.message, non_canonical)
    assert "DER" in str(caught.value)
    signed.scheme.verify(signed.public_key, signed.message, signed.signature)


def test_ecdsa_public_key_off_the_curve_has_no_pem() -> None:
    for scheme_id in ("ecdsa-p256", "ecdsa-secp256k1"):
        off_curve = b"\x04" + (1).to_bytes(32, "big") + (1).to_bytes(32, "big")
        scheme = get_scheme(scheme_id)
        with pytest.raises(InvalidInput, match="not a point on") as caught:
            scheme.public_key_pem(off_curve)
        assert caught.value.field == "public_key"
        with pytest.raises(InvalidInput, match="not a point on") as caught:
            scheme.verify(off_curve, MESSAGE, encode_dss_signature(1, 1))
        assert caught.value.field == "public_key"


def test_aes_gcm_refuses_a_blob_shorter_than_its_tag() -> None:
    key, nonce = bytes(32), bytes(12)
    sealed = aes256_gcm.gcm_seal(key, nonce, b"x", b"")
    assert aes256_gcm.gcm_open(key, nonce, sealed, b"") == bytearray(b"x")
    with pytest.raises(InvalidCiphertext, match="shorter than its authentication tag"):
        aes256_gcm.gcm_open(key, nonce, sealed[:15], b"")


def test_bls_keygen_message_and_aggregate_refusals(keys: KeyCache) -> None:
    for ikm in (bytes(31), "k" * 32):
        with pytest.raises(InvalidInput, match="at least 32 bytes of seed") as caught:
            bls12381_pop.keygen(ikm)  # type: ignore[arg-type]
        assert caught.value.field == "seed"
    signed = keys.signed("bls12381-pop")
    with pytest.raises(InvalidInput, match="message must be bytes") as caught:
        signed.scheme.sign(signed.private_key, "text")  # type: ignore[arg-type]
    assert caught.value.field == "message"
    other = bls12381_pop.keygen(bytes(range(32)))
    other_public = signed.scheme.public_key(other)
    pair = bls12381_pop.aggregate([signed.signature, signed.scheme.sign(other, b"second")])
    bls12381_pop.aggregate_verify([signed.public_key, other_public], [signed.message, b"second"],
                                  pair)
    with pytest.raises(InvalidSignature, match="aggregate signature does not verify"):
        bls12381_pop.aggregate_verify([signed.public_key, other_public],
                                      [signed.message, b"third"], pair)


def test_hkdf_salt_and_info_must_be_bytes() -> None:
    assert len(hkdf.hkdf_sha256(b"ikm", salt=b"", info=b"x", length=16)) == 16
    for salt, info in ((bytearray(b"s"), b"i"), (b"s", "i"), (None, b"i")):
        with pytest.raises(InvalidInput, match="salt and info must be bytes") as caught:
            hkdf.hkdf_sha256(b"ikm", salt=salt, info=info, length=16)  # type: ignore[arg-type]
        assert caught.value.field == "info"


def test_kek_argument_types() -> None:
    with pytest.raises(InvalidInput, match="passphrase must be bytes") as caught:
        kek.PassphraseKEK.create("correct horse")  # type: ignore[arg-type]
    assert caught.value.field == "passphrase"
    with pytest.raises(InvalidInput, match="KEK parameters must be a mapping") as caught:
        kek.PassphraseKEK.from_params(b"correct horse", [("version", 1)])  # type: ignore[arg-type]
    assert caught.value.field == "kek_params"
    for value in (bytes(32), bytearray(31)):
        with pytest.raises(InvalidInput, match="KEK must be a 32-byte bytearray") as caught:
            kek.PassphraseKEK(value, {"kek_id": "x"})  # type: ignore[arg-type]
        assert caught.value.field == "kek"


def test_kek_refuses_scrypt_parameters_needing_more_than_a_gibibyte() -> None:
    provider, params = kek.PassphraseKEK.create(b"correct horse battery")
    provider.close()
    greedy = {**params, "n": kek.SCRYPT_MAX_N, "r": 16}
    with pytest.raises(InvalidInput, match="needs more than 1 GiB of memory") as caught:
        kek.PassphraseKEK.from_params(b"correct horse battery", greedy)
    assert caught.value.field == "kek_params.n"


def test_mlkem_secret_size_and_truncated_ciphertext() -> None:
    cipher = mlkem768_x25519.KIND
    secret = cipher.generate(bytes(range(cipher.seed_size)))
    public = cipher.public_key(secret)
    blob = cipher.encrypt(None, public, b"hello", b"aad", key_version=1)
    assert cipher.decrypt(secret, blob, b"aad") == bytearray(b"hello")
    with pytest.raises(InvalidCiphertext, match="ciphertext is truncated"):
        cipher.decrypt(secret, blob[:mlkem768_x25519.HEADER_SIZE + 10], b"aad")
    for bad in (bytes(len(secret) - 1), "00" * len(secret)):
        with pytest.raises(InvalidInput, match="ML-KEM-768\\+X25519 secrets are") as caught:
            cipher.decrypt(bad, blob, b"aad")  # type: ignore[arg-type]
        assert caught.value.field == "private_key"


def test_secret_sharing_context_must_be_bytes() -> None:
    with pytest.raises(InvalidInput, match="context must be bytes") as caught:
        split_secret(b"wallet seed", 2, 3, context="backup-1")  # type: ignore[arg-type]
    assert caught.value.field == "context"


@pytest.mark.parametrize(("threshold", "count"), [(0, 3), (4, 3), (2, 17)])
def test_slip39_share_counts(threshold: int, count: int) -> None:
    with pytest.raises(InvalidInput, match=r"1 <= threshold <= shares <= 16") as caught:
        slip39.split(bytes(16), threshold, count)
    assert caught.value.field == "threshold"


def test_slip39_member_index_of_a_bad_share() -> None:
    shares = slip39.split(bytes(range(16)), 2, 3)
    assert [slip39.member_index(share) for share in shares] == [1, 2, 3]
    words = shares[0].split()
    with pytest.raises(InvalidInput, match="checksum does not match") as caught:
        slip39.member_index(" ".join([*words[:-1], words[-2]]))
    assert caught.value.field == "shares"
    with pytest.raises(InvalidInput) as caught:
        slip39.member_index("")
    assert caught.value.field == "shares" and "mnemonic" not in str(caught.value).lower()
    assert slip39._reason("something unforeseen") == "the shares are not a valid SLIP-39 set"


@pytest.mark.parametrize("count", [-1, True, 1.5, "8", 1 << 40])
def test_reproducible_stream_refuses_bad_counts(count: object) -> None:
    stream = ReproducibleStream(b"seed")
    with pytest.raises(InvalidInput, match="random byte count must be an integer") as caught:
        stream.read(count)  # type: ignore[arg-type]
    assert caught.value.field == "n"
    assert stream.read(8) == ReproducibleStream(b"seed").read(8)


def test_bitcoin_digest_check_refuses_a_public_key_off_the_curve() -> None:
    off_curve = b"\x04" + (1).to_bytes(32, "big") + (1).to_bytes(32, "big")
    with pytest.raises(InvalidInput, match="public key is not a point on secp256k1") as caught:
        verify_digest_der(off_curve, bytes(32), encode_dss_signature(1, 1))
    assert caught.value.field == "public_key"


@pytest.mark.parametrize("secret", [bytes(32), bytes(31), b"\xff" * 32])
def test_p256_agreement_refuses_a_scalar_out_of_range(secret: bytes) -> None:
    with pytest.raises(InvalidInput, match=r"P-256 private key must be a 32-byte scalar") \
            as caught:
        ecdh_p256.KIND.public_key(secret)
    assert caught.value.field == "private_key"
