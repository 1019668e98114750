"""RFC 9474 Appendix A: every vector of ``blind-rsa/rfc9474_test_vectors.json``, byte for byte.

Each step is replayed with the vector's own randomness (``msg_prefix``, ``salt``, and the
blinding factor ``r = inv^-1 mod n``), and the finalized signature is also checked by
pyca/cryptography's RSASSA-PSS verifier called directly here, an implementation
independent of our EMSA-PSS encoder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ledger.crypto.privacy import blind_rsa, emsa_pss
from tests.vectors import load_json

VECTOR_FILE = "blind-rsa/rfc9474_test_vectors.json"


def vectors() -> list[dict[str, Any]]:
    return list(load_json(VECTOR_FILE)["vectors"])


def scripted(*chunks: bytes) -> Callable[[int], bytes]:
    """An rng that returns exactly the given chunks, in order, and checks their sizes."""
    queue = list(chunks)

    def rng(size: int) -> bytes:
        chunk = queue.pop(0)
        assert len(chunk) == size
        return chunk

    return rng


def issuer_key(v: dict[str, Any]) -> tuple[bytearray, bytes, rsa.RSAPrivateKey]:
    p, q, d = (int(v[k], 16) for k in ("p", "q", "d"))
    public = rsa.RSAPublicNumbers(int(v["e"], 16), int(v["n"], 16))
    key = rsa.RSAPrivateNumbers(p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q),
                                rsa.rsa_crt_iqmp(p, q), public).private_key()
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return bytearray(der), blind_rsa.issuer_public_key(bytearray(der)), key


def test_the_file_has_the_four_variants() -> None:
    assert sorted(v["name"] for v in vectors()) == sorted(blind_rsa.VARIANTS)


@pytest.mark.parametrize("v", vectors(), ids=lambda v: v["name"])
def test_vector_reproduces(v: dict[str, Any]) -> None:
    h = {k: bytes.fromhex(value) for k, value in v.items() if k != "name"}
    variant = blind_rsa.variant_named(v["name"])
    private, public, key = issuer_key(v)
    n = int(v["n"], 16)
    assert n.bit_length() == 4096

    prepared = blind_rsa.prepare(variant, h["msg"], rng=scripted(h["msg_prefix"]))
    assert prepared == h["prepared_msg"]
    assert emsa_pss.emsa_pss_encode(prepared, n.bit_length() - 1, h["salt"],
                                    "sha384") == h["encoded_msg"]

    r = pow(int.from_bytes(h["inv"], "big"), -1, n).to_bytes(512, "big")
    randomness = (h["salt"], r) if variant.salt_length else (r,)
    result = blind_rsa.blind(variant, public, prepared, rng=scripted(*randomness))
    assert result.blinded_message == h["blinded_msg"]
    assert bytes(result.inverse) == h["inv"]

    blind_signature = blind_rsa.blind_sign(private, result.blinded_message)
    assert blind_signature == h["blind_sig"]

    signature = blind_rsa.finalize(variant, public, prepared, blind_signature, result.inverse)
    assert signature == h["sig"]
    blind_rsa.verify(variant, public, prepared, signature)

    key.public_key().verify(
        signature, prepared,
        padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=len(h["salt"])),
        hashes.SHA384(),
    )
