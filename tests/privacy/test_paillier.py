"""Paillier: homomorphic operations, serialisation, strict ciphertext parsing.

Independent checks: encryption is recomputed here as ``g^m r^n mod n^2`` with Python's own
``pow`` and ``g = n + 1`` written out, and decryption by the paper's other formula,
``L(c^lambda mod n^2) * mu mod n`` (no CRT), so neither path shares code with the module.
"""

from __future__ import annotations

import json
import math

import pytest

from ledger.crypto.privacy import paillier
from ledger.errors import InvalidInput
from tests.privacy.conftest import counter_rng


@pytest.fixture(scope="module")
def key() -> paillier.PaillierPrivateKey:
    return paillier.generate_keypair(2048)


def factors(key: paillier.PaillierPrivateKey) -> tuple[int, int]:
    """p, q read back from the sealed-key encoding (the test's only way in)."""
    data = bytes(key.to_bytes())
    p_len = int.from_bytes(data[1:3], "big")
    p = int.from_bytes(data[3:3 + p_len], "big")
    q = int.from_bytes(data[5 + p_len:], "big")
    return p, q


def textbook_decrypt(key: paillier.PaillierPrivateKey, c: paillier.PaillierCiphertext) -> int:
    p, q = factors(key)
    n = p * q
    lam = math.lcm(p - 1, q - 1)
    mu = pow((pow(n + 1, lam, n * n) - 1) // n, -1, n)
    return (pow(c.value, lam, n * n) - 1) // n * mu % n


def test_encrypt_decrypt_and_independent_paths(key: paillier.PaillierPrivateKey) -> None:
    pk = key.public_key
    n = pk.n
    for m in (0, 1, 42, n // 2, n - 1):
        c = pk.encrypt(m)
        assert key.decrypt(c) == m == textbook_decrypt(key, c)
    r = 987654321
    by_hand = pow(n + 1, 777, n * n) * pow(r, n, n * n) % (n * n)
    assert key.decrypt(paillier.PaillierCiphertext(pk, by_hand)) == 777


def test_encryption_is_randomised_and_replayable(key: paillier.PaillierPrivateKey) -> None:
    pk = key.public_key
    assert pk.encrypt(5) != pk.encrypt(5)
    assert pk.encrypt(5, rng=counter_rng(b"e")) == pk.encrypt(5, rng=counter_rng(b"e"))


def test_homomorphic_operations(key: paillier.PaillierPrivateKey) -> None:
    pk = key.public_key
    a, b = pk.encrypt(1200), pk.encrypt(34)
    assert key.decrypt(paillier.add(a, b)) == 1234
    assert key.decrypt(paillier.add_constant(a, 66)) == 1266
    assert key.decrypt(paillier.add_constant(a, -1300), signed=True) == -100
    assert key.decrypt(paillier.multiply_constant(a, 3)) == 3600
    assert key.decrypt(paillier.multiply_constant(a, -1), signed=True) == -1200
    assert key.decrypt(paillier.multiply_constant(a, 0)) == 0
    assert key.decrypt(paillier.add(pk.encrypt(pk.n - 1), pk.encrypt(2))) == 1  # modulo n
    fresh = paillier.rerandomize(a)
    assert fresh != a and key.decrypt(fresh) == 1200


def test_keys_round_trip(key: paillier.PaillierPrivateKey) -> None:
    pk = key.public_key
    assert paillier.PaillierPublicKey.from_bytes(pk.to_bytes()) == pk
    assert paillier.PaillierPublicKey.from_dict(json.loads(json.dumps(pk.to_dict()))) == pk
    sealed = key.to_bytes()
    assert isinstance(sealed, bytearray)
    again = paillier.PaillierPrivateKey.from_bytes(sealed)
    assert again.public_key == pk
    assert again.decrypt(pk.encrypt(99)) == 99
    p, _ = factors(key)
    assert str(p) not in repr(key) and format(p, "x") not in repr(key)


def test_public_key_parsing_is_strict(key: paillier.PaillierPrivateKey) -> None:
    data = key.public_key.to_bytes()
    bad = {
        "version": b"\x02" + data[1:],
        "trailing": data + b"\x00",
        "truncated": data[:-1],
        "leading zero": data[:1] + (len(data) - 2).to_bytes(2, "big") + b"\x00" + data[3:],
        "even n": data[:-1] + bytes([data[-1] & 0xFE]),
        "too small": b"\x01\x00\x80" + b"\xff" * 128,
    }
    for name, blob in bad.items():
        with pytest.raises(InvalidInput):
            paillier.PaillierPublicKey.from_bytes(blob)
            pytest.fail(f"{name} parsed")
    as_dict = key.public_key.to_dict()
    for tweak in ({"n": "0" + str(as_dict["n"])}, {"n": str(as_dict["n"]).upper()},
                  {"scheme": "rsa"}, {"extra": 1}):
        with pytest.raises(InvalidInput):
            paillier.PaillierPublicKey.from_dict({**as_dict, **tweak})


def test_private_key_checks(key: paillier.PaillierPrivateKey) -> None:
    p, q = factors(key)
    with pytest.raises(InvalidInput, match="p > q"):
        paillier.PaillierPrivateKey(q, p)
    with pytest.raises(InvalidInput, match="same size"):
        paillier.PaillierPrivateKey(p, 3)
    sealed = key.to_bytes()
    with pytest.raises(InvalidInput):
        paillier.PaillierPrivateKey.from_bytes(sealed + b"\x00")
    with pytest.raises(InvalidInput, match="2048, 3072 or 4096"):
        paillier.generate_keypair(1024)


def test_ciphertext_parsing_is_strict(key: paillier.PaillierPrivateKey) -> None:
    pk = key.public_key
    c = pk.encrypt(7)
    data = c.to_bytes()
    assert len(data) == 1 + 16 + pk.ciphertext_length
    assert pk.parse_ciphertext(data) == c
    assert paillier.PaillierCiphertext.from_dict(c.to_dict(), pk) == c
    header = data[:17]
    width = pk.ciphertext_length
    p, _ = factors(key)
    other = paillier.generate_keypair(2048).public_key
    bad = {
        "version": b"\x02" + data[1:],
        "other key id": bytes([1]) + other.key_id + data[17:],
        "truncated": data[:-1],
        "trailing": data + b"\x00",
        "zero": header + bytes(width),
        "n^2": header + pk.n_squared.to_bytes(width, "big"),
        "above n^2": header + (pk.n_squared + 1).to_bytes(width, "big"),
        "not a unit (multiple of p)": header + p.to_bytes(width, "big"),
    }
    for name, blob in bad.items():
        with pytest.raises(InvalidInput):
            pk.parse_ciphertext(blob)
            pytest.fail(f"{name} parsed")


def test_ciphertexts_of_different_keys_do_not_mix(key: paillier.PaillierPrivateKey) -> None:
    other = paillier.generate_keypair(2048)
    a, b = key.public_key.encrypt(1), other.public_key.encrypt(2)
    with pytest.raises(InvalidInput, match="different keys"):
        paillier.add(a, b)
    with pytest.raises(InvalidInput, match="another key"):
        key.decrypt(b)


def test_plaintext_and_constant_types(key: paillier.PaillierPrivateKey) -> None:
    pk = key.public_key
    for bad in (-1, pk.n, True, 1.5, "3"):
        with pytest.raises(InvalidInput, match="plaintext"):
            pk.encrypt(bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="constant"):
        paillier.multiply_constant(pk.encrypt(1), 2.0)  # type: ignore[arg-type]
