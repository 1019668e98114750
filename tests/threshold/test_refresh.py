"""Proactive share refresh, the library half: the group key stays, refreshed shares sign,
a mix of old and new shares does not, a bad refresh value names its sender."""

from __future__ import annotations

import pytest
from nacl.signing import VerifyKey

from ledger.crypto.threshold.errors import CheatingParticipant, InvalidSignatureShare
from ledger.crypto.threshold.keys import KeyShare, PublicKeyPackage
from ledger.crypto.threshold.refresh import RefreshSecret, refresh_finish, refresh_part1
from ledger.crypto.threshold.suites import ciphersuite_by_name, suite_by_name
from tests.threshold.helpers import frost_secp256k1_verifies, run_dkg, run_signing


def refresh(shares: dict[int, KeyShare], package: PublicKeyPackage, *,
            tamper: int | None = None) -> tuple[dict[int, KeyShare], PublicKeyPackage]:
    """Everyone deals a sharing of zero; ``tamper``'s value for participant 1 is altered."""
    suite = package.suite
    dealt: dict[int, tuple[RefreshSecret, list[bytes]]] = {
        i: refresh_part1(suite, i, package.min_signers, package.max_signers) for i in shares}
    commitments = {i: c for i, (_, c) in dealt.items()}
    new: dict[int, KeyShare] = {}
    packages = []
    for j, share in shares.items():
        received = {i: bytes(secret.values[j]) for i, (secret, _) in dealt.items() if i != j}
        if tamper is not None and j == 1:
            received[tamper] = suite.group.scalars.add(received[tamper],
                                                       suite.group.scalars.from_int(1))
        new[j], refreshed = refresh_finish(share, package, dealt[j][0], received, commitments)
        packages.append(refreshed)
    for secret, _ in dealt.values():
        secret.zeroize()
    assert all(p == packages[0] for p in packages)
    return new, packages[0]


@pytest.mark.parametrize("name", ["frost-ed25519", "frost-secp256k1"])
def test_refreshed_shares_sign_under_the_same_key_and_old_ones_no_longer_mix(
        name: str) -> None:
    suite = ciphersuite_by_name(name)
    shares, package = run_dkg(suite_by_name(name), 2, 3)
    new, refreshed = refresh(shares, package)
    assert refreshed.group_public_key == package.group_public_key
    assert all(refreshed.verifying_share(i) != package.verifying_share(i) for i in new)
    assert all(new[i].secret_scalar() != shares[i].secret_scalar() for i in new)
    signature = run_signing(suite, new, refreshed, [1, 3], b"after refresh")
    if name == "frost-ed25519":
        VerifyKey(package.group_public_key).verify(b"after refresh", signature)
    else:
        assert frost_secp256k1_verifies(package.group_public_key, b"after refresh",
                                        signature)
    mixed = {1: shares[1], 3: new[3]}
    with pytest.raises(InvalidSignatureShare):  # checked against the refreshed package
        run_signing(suite, mixed, refreshed, [1, 3], b"mixed")
    with pytest.raises(InvalidSignatureShare):  # and against the old one
        run_signing(suite, mixed, package, [1, 3], b"mixed")


def test_a_bad_refresh_value_names_its_sender() -> None:
    shares, package = run_dkg(suite_by_name("frost-ed25519"), 2, 3)
    with pytest.raises(CheatingParticipant) as cheat:
        refresh(shares, package, tamper=2)
    assert cheat.value.identifier == 2
