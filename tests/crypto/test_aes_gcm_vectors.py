"""Wycheproof ``aes_gcm_test.json`` on the AES-GCM primitive ``aead.py`` uses, and on the wrapper.

Filter: only 256-bit keys, 96-bit IVs and 128-bit tags are run. That is legitimate only
because ``ledger.crypto.aead`` cannot be asked for anything else: it refuses keys that are
not 32 bytes (tested in ``test_aead.py``), its blob format has a fixed 12-byte nonce it
draws itself, and it always uses the full 16-byte tag. The other groups exercise parameters
our code can never reach.
"""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger.crypto import aead
from ledger.errors import CryptoError
from tests.vectors import wycheproof_cases

CASES = [
    (group, case)
    for group, case in wycheproof_cases("wycheproof/aes_gcm_test.json")
    if group["keySize"] == 256 and group["ivSize"] == 96 and group["tagSize"] == 128
]


def test_filter_keeps_a_meaningful_set() -> None:
    results = {case["result"] for _, case in CASES}
    assert results == {"valid", "invalid"}  # no "acceptable" cases in this snapshot
    assert len(CASES) >= 60


@pytest.mark.parametrize(("group", "case"), CASES, ids=[str(c["tcId"]) for _, c in CASES])
def test_wycheproof_aes_256_gcm(group: dict[str, Any], case: dict[str, Any]) -> None:
    key = bytes.fromhex(case["key"])
    iv = bytes.fromhex(case["iv"])
    aad = bytes.fromhex(case["aad"])
    msg = bytes.fromhex(case["msg"])
    ct_tag = bytes.fromhex(case["ct"]) + bytes.fromhex(case["tag"])
    primitive = AESGCM(key)
    blob = bytes([aead.BLOB_VERSION]) + iv + ct_tag
    if case["result"] == "valid":
        assert primitive.encrypt(iv, msg, aad) == ct_tag
        assert primitive.decrypt(iv, ct_tag, aad) == msg
        assert aead.open_(key, blob, aad) == bytearray(msg)
    else:
        with pytest.raises(InvalidTag):
            primitive.decrypt(iv, ct_tag, aad)
        with pytest.raises(CryptoError, match="authentication failed"):
            aead.open_(key, blob, aad)
