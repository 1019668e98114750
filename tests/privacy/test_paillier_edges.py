"""Paillier: the type checks, malformed encodings and broken inputs the main tests skip.

Every refusal is :class:`InvalidInput` naming its field, or :class:`CryptoError` for a
broken random source; never a ``TypeError`` or a silently wrong value.
"""

from __future__ import annotations

import pytest

from ledger.crypto.privacy import paillier
from ledger.errors import CryptoError, InvalidInput
from tests.privacy.conftest import counter_rng


@pytest.fixture(scope="module")
def key() -> paillier.PaillierPrivateKey:
    return paillier.generate_keypair(2048)


@pytest.mark.parametrize("modulus", [0, -7, True, 7.0, "7"])
def test_public_key_modulus_must_be_a_positive_integer(modulus: object) -> None:
    with pytest.raises(InvalidInput, match="must be a positive integer") as caught:
        paillier.PaillierPublicKey(modulus)  # type: ignore[arg-type]
    assert caught.value.field == "public_key"


def test_public_key_dict_with_bad_hex_or_shape(key: paillier.PaillierPrivateKey) -> None:
    as_dict = key.public_key.to_dict()
    with pytest.raises(InvalidInput, match="n is not valid hex") as caught:
        paillier.PaillierPublicKey.from_dict({**as_dict, "n": "xyz"})
    assert caught.value.field == "public_key"
    for bad in ([as_dict], None, {"scheme": "paillier", "version": 1}):
        with pytest.raises(InvalidInput, match="exactly scheme, version, n"):
            paillier.PaillierPublicKey.from_dict(bad)
    for tweak in ({"version": True}, {"version": 2}, {"n": 12345}, {"n": ""}):
        with pytest.raises(InvalidInput) as caught:
            paillier.PaillierPublicKey.from_dict({**as_dict, **tweak})
        assert caught.value.field == "public_key"


def test_public_key_bytes_with_an_empty_modulus() -> None:
    with pytest.raises(InvalidInput, match="not minimally encoded") as caught:
        paillier.PaillierPublicKey.from_bytes(b"\x01\x00\x00")
    assert caught.value.field == "public_key"


def test_short_random_source_is_a_crypto_error(key: paillier.PaillierPrivateKey) -> None:
    with pytest.raises(CryptoError, match="wrong number of bytes"):
        key.public_key.encrypt(1, rng=lambda size: bytes(size - 1))
    with pytest.raises(CryptoError, match="could not draw an encryption nonce"):
        paillier.rerandomize(key.public_key.encrypt(1), rng=bytes)


def test_ciphertext_needs_a_public_key_and_an_integer(key: paillier.PaillierPrivateKey) -> None:
    pk = key.public_key
    with pytest.raises(InvalidInput, match="needs a PaillierPublicKey") as caught:
        paillier.PaillierCiphertext(pk.n, 5)  # type: ignore[arg-type]
    assert caught.value.field == "public_key"
    for value in (5.0, True, "5", b"\x05"):
        with pytest.raises(InvalidInput, match="value must be an integer") as caught:
            paillier.PaillierCiphertext(pk, value)  # type: ignore[arg-type]
        assert caught.value.field == "ciphertext"


def test_ciphertext_equality_and_hash(key: paillier.PaillierPrivateKey) -> None:
    pk = key.public_key
    c = pk.encrypt(11, rng=counter_rng(b"h"))
    same = pk.encrypt(11, rng=counter_rng(b"h"))
    assert c == same and hash(c) == hash(same) == hash(c.to_bytes())
    assert len({c, same, pk.encrypt(11)}) == 2
    assert c != c.to_bytes() and (c == c.value) is False
    assert c.__eq__("x") is NotImplemented
    assert pk.key_id.hex() in repr(c) and c.digest()[:16] in repr(c)


def test_ciphertext_dict_shape(key: paillier.PaillierPrivateKey) -> None:
    c = key.public_key.encrypt(3)
    as_dict = c.to_dict()
    for bad in (None, [as_dict], {"c": as_dict["c"]}, {**as_dict, "x": "00"}):
        with pytest.raises(InvalidInput, match="exactly key_id, c") as caught:
            paillier.PaillierCiphertext.from_dict(bad, key.public_key)
        assert caught.value.field == "ciphertext"
    with pytest.raises(InvalidInput, match="c is not valid hex") as caught:
        paillier.PaillierCiphertext.from_dict({**as_dict, "c": "zz"}, key.public_key)
    assert caught.value.field == "c"
    with pytest.raises(InvalidInput, match="key_id must be a hex string") as caught:
        paillier.PaillierCiphertext.from_dict({**as_dict, "key_id": 1}, key.public_key)
    assert caught.value.field == "key_id"


def test_decrypt_needs_a_ciphertext(key: paillier.PaillierPrivateKey) -> None:
    c = key.public_key.encrypt(8)
    for bad in (c.to_bytes(), c.value, None):
        with pytest.raises(InvalidInput, match="decrypt needs a PaillierCiphertext") as caught:
            key.decrypt(bad)  # type: ignore[arg-type]
        assert caught.value.field == "ciphertext"
    assert key.decrypt(c) == 8 and key.decrypt(c, signed=True) == 8


def test_private_key_needs_n_coprime_to_phi() -> None:
    """Odd, same-size "primes" with 3 | p and 3 | q - 1, so 3 | gcd(n, (p-1)(q-1)).

    The constructor does not test primality (OpenSSL did at generation; sealed material
    is authenticated), but it must refuse a key whose decryption could not be correct.
    """
    p = 3 * (2 ** 1024 // 3 - 1)
    p += 0 if p % 2 else 3
    q = 2 ** 1023 + 1
    while q % 3 != 1:
        q += 2
    assert p > q and p.bit_length() == q.bit_length() == 1024 and (p * q) % 2 == 1
    with pytest.raises(InvalidInput, match=r"gcd\(n, \(p-1\)\(q-1\)\) must be 1") as caught:
        paillier.PaillierPrivateKey(p, q)
    assert caught.value.field == "private_key"


def test_private_key_bytes_are_strict(key: paillier.PaillierPrivateKey) -> None:
    sealed = bytes(key.to_bytes())
    with pytest.raises(InvalidInput, match="unknown format version") as caught:
        paillier.PaillierPrivateKey.from_bytes(b"\x02" + sealed[1:])
    assert caught.value.field == "private_key"
    p_len = int.from_bytes(sealed[1:3], "big")
    padded_p = sealed[:1] + (p_len + 1).to_bytes(2, "big") + b"\x00" + sealed[3:]
    with pytest.raises(InvalidInput, match="p is not minimally encoded"):
        paillier.PaillierPrivateKey.from_bytes(padded_p)
    empty_q = sealed[:3 + p_len] + b"\x00\x00"
    with pytest.raises(InvalidInput, match="q is not minimally encoded"):
        paillier.PaillierPrivateKey.from_bytes(empty_q)
    with pytest.raises(InvalidInput, match=r"truncated \(in q\)"):
        paillier.PaillierPrivateKey.from_bytes(sealed[:-1])
    assert paillier.PaillierPrivateKey.from_bytes(sealed).public_key == key.public_key
