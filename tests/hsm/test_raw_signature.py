"""``der_from_raw_signature``: a token's ``r || s`` to the software schemes' low-s DER.

No token needed: raw signatures are made here with pyca/cryptography and converted.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from ledger.crypto._ecdsa_common import der_from_raw_signature
from ledger.crypto.ecdsa_p256 import P256_ORDER
from ledger.crypto.ecdsa_p384 import P384_ORDER
from ledger.crypto.schemes import get_scheme
from ledger.errors import InvalidSignature

CASES = [("ecdsa-p256", ec.SECP256R1(), hashes.SHA256(), P256_ORDER, 32),
         ("ecdsa-p384", ec.SECP384R1(), hashes.SHA384(), P384_ORDER, 48)]


@pytest.mark.parametrize(("scheme_id", "curve", "digest", "order", "size"), CASES)
def test_both_halves_of_s_become_the_same_low_s_der(scheme_id: str, curve: ec.EllipticCurve,
                                                   digest: hashes.HashAlgorithm, order: int,
                                                   size: int) -> None:
    key = ec.generate_private_key(curve)
    public_key = key.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.CompressedPoint)
    scheme = get_scheme(scheme_id)
    for index in range(16):
        message = b"m%d" % index
        r, s = decode_dss_signature(key.sign(message, ec.ECDSA(digest)))
        low = min(s, order - s)
        for candidate in (s, order - s):
            raw = r.to_bytes(size, "big") + candidate.to_bytes(size, "big")
            der = der_from_raw_signature(raw, order)
            assert der == encode_dss_signature(r, low)
            scheme.verify_low_s(public_key, message, der)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("order", "size"), [(P256_ORDER, 32), (P384_ORDER, 48)])
def test_malformed_raw_signatures_are_refused(order: int, size: int) -> None:
    one = (1).to_bytes(size, "big")
    for raw in (b"", one, one + one + b"\x00", one[:-1] + one):
        with pytest.raises(InvalidSignature, match="bytes"):
            der_from_raw_signature(raw, order)
    zero = bytes(size)
    too_big = order.to_bytes(size, "big")
    for raw in (zero + one, one + zero, too_big + one, one + too_big):
        with pytest.raises(InvalidSignature, match="out of range"):
            der_from_raw_signature(raw, order)
    with pytest.raises(InvalidSignature):
        der_from_raw_signature("00" * 2 * size, order)  # type: ignore[arg-type]
