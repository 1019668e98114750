"""ML-DSA against the KAT files and Wycheproof ``mldsa_*_sign_seed_test.json`` /
``mldsa_44_verify_test.json``.

What is checked, and why not more:

* KAT (``kat_MLDSA_{44,65,87}_det_pure.rsp``, 10 cases each): the public key derived from
  ``xi`` equals ``pk``; the KAT signature (``sm = sig || msg``) verifies with the KAT
  context and fails with another; the KAT's expanded secret key ``sk`` belongs to ``pk``
  (pqcrypto signs with it, our scheme verifies). The deterministic KAT signatures are not
  regenerated: pyca/cryptography only signs hedged (fresh randomness), as FIPS 204 prefers.
* Wycheproof sign-seed files: every valid case derives the group's public key from the
  seed, matches the group's PKCS#8 (where given), recomputes ``mu``, verifies the expected
  signature (over ``msg`` and ``ctx``, or over ``mu`` for "Internal" cases) and verifies a
  fresh signature of ours; every invalid case (wrong seed length, context over 255 bytes)
  raises InvalidInput.
* Wycheproof verify file: every valid case verifies; every invalid one is rejected:
  ``InvalidInput`` for a malformed public key or context, ``InvalidSignature`` otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mldsa
from pqcrypto.sign import ml_dsa_44, ml_dsa_65, ml_dsa_87

from ledger.crypto.ml_dsa import MLDSAScheme
from ledger.crypto.schemes import get_scheme
from ledger.errors import InvalidInput, InvalidSignature
from tests.crypto._keys import KeyCache
from tests.vectors import load_vectors, wycheproof_cases

LEVELS = ("44", "65", "87")
PQCRYPTO = {"44": ml_dsa_44, "65": ml_dsa_65, "87": ml_dsa_87}
PUBLIC_FROM_BYTES = {
    "44": mldsa.MLDSA44PublicKey.from_public_bytes,
    "65": mldsa.MLDSA65PublicKey.from_public_bytes,
    "87": mldsa.MLDSA87PublicKey.from_public_bytes,
}


def _scheme(level: str) -> MLDSAScheme:
    scheme = get_scheme(f"ml-dsa-{level}")
    assert isinstance(scheme, MLDSAScheme)
    return scheme


def _read_rsp(path: Path) -> list[dict[str, str]]:
    records: list[dict[str, str]] = []
    for line in path.read_text().splitlines():
        if " = " not in line:
            continue
        key, value = (part.strip() for part in line.split(" = ", 1))
        if key == "count":
            records.append({})
        records[-1][key] = value
    return records


KAT = [
    (level, record)
    for level in LEVELS
    for record in load_vectors(f"ml-dsa/kat_MLDSA_{level}_det_pure.rsp", _read_rsp)
]
SIGN_SEED = [
    (level, group, case)
    for level in LEVELS
    for group, case in wycheproof_cases(f"ml-dsa/mldsa_{level}_sign_seed_test.json")
]
VERIFY_44 = wycheproof_cases("ml-dsa/mldsa_44_verify_test.json")


def test_vector_counts() -> None:
    assert [sum(1 for lv, _ in KAT if lv == level) for level in LEVELS] == [10, 10, 10]
    assert [sum(1 for lv, _, _ in SIGN_SEED if lv == level) for level in LEVELS] == [86, 105, 96]
    assert len(VERIFY_44) == 180
    results = {c["result"] for _, _, c in SIGN_SEED} | {c["result"] for _, c in VERIFY_44}
    assert results == {"valid", "invalid"}


@pytest.mark.parametrize(("level", "record"), KAT, ids=[f"{lv}-{r['count']}" for lv, r in KAT])
def test_kat(level: str, record: dict[str, str]) -> None:
    scheme = _scheme(level)
    private_key = scheme.generate(bytes.fromhex(record["xi"]))
    public_key = bytes.fromhex(record["pk"])
    assert scheme.public_key(private_key) == public_key
    message = bytes.fromhex(record["msg"])
    context = bytes.fromhex(record["ctx"])
    sm = bytes.fromhex(record["sm"])
    size = scheme.info.signature_size
    assert size is not None and len(sm) == size + int(record["mlen"]) == int(record["smlen"])
    signature = sm[:size]
    assert sm[size:] == message
    scheme.verify_with_context(public_key, message, signature, context)
    with pytest.raises(InvalidSignature):
        scheme.verify_with_context(public_key, message, signature, context + b"\x00")
    with pytest.raises(InvalidSignature):
        scheme.verify(public_key, message, signature)  # empty context
    ours = scheme.sign_with_context(private_key, message, context)
    scheme.verify_with_context(public_key, message, ours, context)
    # The KAT's expanded secret key signs for the KAT's public key (pqcrypto, hedged).
    expanded = bytes.fromhex(record["sk"])
    from_expanded = PQCRYPTO[level].sign(expanded, message, context=context)
    scheme.verify_with_context(public_key, message, from_expanded, context)


@pytest.mark.parametrize(
    ("level", "group", "case"),
    SIGN_SEED,
    ids=[f"{lv}-{c['tcId']}" for lv, _, c in SIGN_SEED],
)
def test_wycheproof_sign_seed(level: str, group: dict[str, Any], case: dict[str, Any]) -> None:
    scheme = _scheme(level)
    seed = bytes.fromhex(group["privateSeed"])
    context = bytes.fromhex(case.get("ctx", ""))
    message = bytes.fromhex(case["msg"]) if "msg" in case else None
    if case["result"] == "invalid":
        if "IncorrectPrivateKeyLength" in case["flags"]:
            with pytest.raises(InvalidInput):
                scheme.generate(seed)
            with pytest.raises(InvalidInput):
                scheme.sign(bytearray(seed), message or b"")
        else:
            assert case["flags"] == ["InvalidContext"] and len(context) > 255
            private_key = scheme.generate(seed)
            assert message is not None
            with pytest.raises(InvalidInput):
                scheme.sign_with_context(private_key, message, context)
        return
    private_key = scheme.generate(seed)
    public_key = scheme.public_key(private_key)
    assert public_key.hex() == group["publicKey"]
    library_private = {
        "44": mldsa.MLDSA44PrivateKey,
        "65": mldsa.MLDSA65PrivateKey,
        "87": mldsa.MLDSA87PrivateKey,
    }[level].from_seed_bytes(bytes(private_key))
    pkcs8 = library_private.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    if "privateKeyPkcs8" in group:  # not every group carries one
        assert pkcs8.hex() == group["privateKeyPkcs8"]
    signature = bytes.fromhex(case["sig"])
    library_public = PUBLIC_FROM_BYTES[level](public_key)
    if message is None:  # "Internal": only mu is given
        assert "Internal" in case["flags"]
        library_public.verify_mu(signature, bytes.fromhex(case["mu"]))
        return
    hasher = mldsa.MLDSAMuHasher(library_public, context)
    hasher.update(message)
    assert hasher.finalize().hex() == case["mu"]
    scheme.verify_with_context(public_key, message, signature, context)
    ours = scheme.sign_with_context(private_key, message, context)
    scheme.verify_with_context(public_key, message, ours, context)


@pytest.mark.parametrize(("group", "case"), VERIFY_44, ids=[str(c["tcId"]) for _, c in VERIFY_44])
def test_wycheproof_verify_44(group: dict[str, Any], case: dict[str, Any]) -> None:
    scheme = _scheme("44")
    public_key = bytes.fromhex(group["publicKey"])
    message = bytes.fromhex(case["msg"])
    signature = bytes.fromhex(case["sig"])
    context = bytes.fromhex(case.get("ctx", ""))
    if case["result"] == "valid":
        scheme.verify_with_context(public_key, message, signature, context)
        return
    malformed_input = {"IncorrectPublicKeyLength", "InvalidContext"} & set(case["flags"])
    with pytest.raises(InvalidInput if malformed_input else InvalidSignature):
        scheme.verify_with_context(public_key, message, signature, context)


@pytest.mark.parametrize("level", LEVELS)
def test_signing_is_hedged_and_context_separates(level: str, keys: KeyCache) -> None:
    scheme = _scheme(level)
    private_key, public_key = keys.keypair(scheme.scheme_id)
    first, second = scheme.sign(private_key, b"m"), scheme.sign(private_key, b"m")
    assert first != second
    with_context = scheme.sign_with_context(private_key, b"m", b"skms")
    with pytest.raises(InvalidSignature):
        scheme.verify(public_key, b"m", with_context)
    with pytest.raises(InvalidSignature):
        scheme.verify_with_context(public_key, b"m", first, b"skms")
    scheme.verify_with_context(public_key, b"m", with_context, b"skms")
    scheme.verify_with_context(public_key, b"m", first, b"")
    scheme.sign_with_context(private_key, b"m", bytes(255))  # the maximum is allowed
    with pytest.raises(InvalidInput):
        scheme.sign_with_context(private_key, b"m", bytes(256))
