"""BIP-340 against ``bip340/test-vectors.csv`` (indexes 0-18), all of them.

Rows with a secret key are signing vectors: the public key is derived and the signature is
reproduced byte for byte with the row's ``aux_rand`` (rows 15-18 have 0-, 1-, 17- and
100-byte messages). Every row is then verified; every FALSE row must raise
``InvalidSignature``.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
from coincurve import PrivateKey, PublicKeyXOnly

from ledger.crypto.schemes import get_scheme
from ledger.crypto.schnorr_bip340 import sign_with_aux_rand
from ledger.errors import InvalidInput, InvalidSignature
from tests.crypto._keys import KeyCache
from tests.vectors import load_vectors

SCHEME = get_scheme("schnorr-bip340")


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


ROWS = load_vectors("bip340/test-vectors.csv", _read_csv)


def test_vector_file_is_what_we_expect() -> None:
    assert [int(row["index"]) for row in ROWS] == list(range(19))
    assert {row["verification result"] for row in ROWS} == {"TRUE", "FALSE"}
    assert {len(row["message"]) // 2 for row in ROWS} == {0, 1, 17, 32, 100}


@pytest.mark.parametrize("row", ROWS, ids=[row["index"] for row in ROWS])
def test_bip340_vector(row: dict[str, str]) -> None:
    public_key = bytes.fromhex(row["public key"])
    message = bytes.fromhex(row["message"])
    signature = bytes.fromhex(row["signature"])
    if row["secret key"]:
        private_key = bytearray.fromhex(row["secret key"])
        assert SCHEME.public_key(private_key) == public_key
        aux_rand = bytes.fromhex(row["aux_rand"])
        assert sign_with_aux_rand(private_key, message, aux_rand) == signature
    if row["verification result"] == "TRUE":
        SCHEME.verify(public_key, message, signature)
    else:
        with pytest.raises(InvalidSignature):
            SCHEME.verify(public_key, message, signature)


def test_sign_draws_fresh_aux_rand_and_handles_any_length(keys: KeyCache) -> None:
    private_key, public_key = keys.keypair("schnorr-bip340")
    for length in (0, 1, 31, 32, 33, 1000):
        message = bytes(range(256)) * 4
        message = message[:length]
        first, second = SCHEME.sign(private_key, message), SCHEME.sign(private_key, message)
        assert first != second  # different aux_rand, different nonce
        SCHEME.verify(public_key, message, first)
        SCHEME.verify(public_key, message, second)
        # coincurve's public verifier agrees.
        assert PublicKeyXOnly(public_key).verify(first, message)


def test_messages_are_not_prehashed(keys: KeyCache) -> None:
    """A 32-byte message equal to SHA-256(m) is a different message from m."""
    private_key, public_key = keys.keypair("schnorr-bip340")
    message = b"a message that is not 32 bytes long"
    signature = SCHEME.sign(private_key, message)
    with pytest.raises(InvalidSignature):
        SCHEME.verify(public_key, hashlib.sha256(message).digest(), signature)


def test_custom_signing_matches_coincurve_public_api_for_32_byte_messages(
    keys: KeyCache,
) -> None:
    private_key, _ = keys.keypair("schnorr-bip340")
    aux_rand = bytes(range(32))
    for message in (bytes(32), bytes(range(32)), b"\xff" * 32):
        expected = PrivateKey(bytes(private_key)).sign_schnorr(message, aux_rand)
        assert sign_with_aux_rand(private_key, message, aux_rand) == expected


def test_bad_inputs() -> None:
    key = bytearray(range(1, 33))
    with pytest.raises(InvalidInput):
        sign_with_aux_rand(key, b"m", bytes(31))
    with pytest.raises(InvalidInput):
        sign_with_aux_rand(bytearray(32), b"m", bytes(32))  # zero scalar
    order = bytes.fromhex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141")
    with pytest.raises(InvalidInput):
        SCHEME.public_key(bytearray(order))
    # An x coordinate >= p cannot be a key: verification fails (vector 14's rule), no crash.
    with pytest.raises(InvalidSignature):
        SCHEME.verify(b"\xff" * 32, b"m", bytes(64))
    with pytest.raises(InvalidInput):
        SCHEME.public_key_pem(b"\xff" * 32)
