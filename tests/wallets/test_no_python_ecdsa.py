"""No wallet operation reaches python-ecdsa's point arithmetic (CVE-2024-23342).

python-ecdsa comes in as a dependency of ``bip_utils``; its scalar multiplication is not
constant time (Minerva: signing, key generation and ECDH leak timing; no fix is planned).
The vulnerability scan accepts the advisory only because no SKMS path multiplies a point
with it (``tools/scan/vulns.py`` ``ACCEPTED`` names this test): secp256k1 goes through
coincurve, ed25519 through PyNaCl, nist256p1 through ``cryptography``. Every entry point
of :mod:`ledger.crypto.hd` that derives keys runs here with python-ecdsa's multiplication
and signing replaced by a trap.
"""

from __future__ import annotations

from typing import Any

import ecdsa.ellipticcurve
import ecdsa.keys
import pytest
from bip_utils import Bip32Slip10Nist256p1

from ledger.crypto import hd

SEED = bytes(range(64))
TRAPPED = [(ecdsa.ellipticcurve.PointJacobi, "__mul__"),
           (ecdsa.ellipticcurve.PointJacobi, "__rmul__"),
           (ecdsa.ellipticcurve.PointJacobi, "mul_add"),
           (ecdsa.ellipticcurve.Point, "__mul__"),
           (ecdsa.ellipticcurve.Point, "__rmul__"),
           (ecdsa.keys.SigningKey, "sign_digest"),
           (ecdsa.keys.SigningKey, "from_string"),
           (ecdsa.keys.SigningKey, "generate")]


@pytest.fixture
def trapped(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    for owner, name in TRAPPED:
        def trap(*args: Any, _name: str = f"{owner.__name__}.{name}", **kwargs: Any) -> Any:
            calls.append(_name)
            raise AssertionError(f"python-ecdsa {_name} was called")
        monkeypatch.setattr(owner, name, trap)
    return calls


def test_the_trap_catches_bip_utils_own_nist256p1(trapped: list[str]) -> None:
    """The trap is live: bip_utils' nist256p1 keys (what SKMS no longer uses) spring it."""
    with pytest.raises(Exception):  # noqa: B017 - bip_utils may wrap the AssertionError
        Bip32Slip10Nist256p1.FromSeed(SEED).PublicKey().RawCompressed()
    assert trapped


@pytest.mark.parametrize(("curve", "path"), [
    ("secp256k1", "m/44'/0'/0'/0/1"), ("ed25519", "m/0'/1'"),
    ("nist256p1", "m/0'/1/2147483647'/2"), ("curve25519", "m/0'/3'")])
def test_derivations_never_multiply_with_python_ecdsa(trapped: list[str], curve: str,
                                                      path: str) -> None:
    node = hd.derive_node(SEED, curve, path)
    assert len(node.public_key) == 33 and trapped == []


def test_addresses_xpubs_and_fingerprints_never_use_python_ecdsa(trapped: list[str]) -> None:
    for purpose, coin, curve in [("84", "bitcoin", "secp256k1"), ("86", "bitcoin", "secp256k1"),
                                 ("44", "ethereum", "secp256k1"),
                                 ("slip10", "none", "nist256p1"),
                                 ("slip10", "none", "ed25519")]:
        hd.derive_address(SEED, purpose=purpose, coin=coin, curve=curve, account=1,
                          change=0, index=3)
    hd.account_xpub(SEED, purpose="84", coin="bitcoin", account=0)
    hd.master_fingerprint(SEED)
    assert trapped == []
