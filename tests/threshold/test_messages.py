"""Round messages and key packages: exact round trips, strict refusal of anything else."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ledger.crypto.threshold.dealer import trusted_dealer_keygen
from ledger.crypto.threshold.dkg import (
    DkgRound1Secret,
    DkgRound2Secret,
    dkg_part1,
    dkg_part2,
    dkg_part3,
)
from ledger.crypto.threshold.frost import aggregate, commit, sign
from ledger.crypto.threshold.keys import KeyShare, PublicKeyPackage
from ledger.crypto.threshold.messages import (
    DkgRound1Package,
    DkgRound2Package,
    DkgSecretShare,
    SignatureShare,
    SigningCommitments,
    SigningPackage,
)
from ledger.crypto.threshold.suites import FROST_ED25519, FROST_SECP256K1
from ledger.errors import InvalidInput, UnsupportedAlgorithm
from tests.threshold.helpers import seeded_rng

SUITES = [FROST_ED25519, FROST_SECP256K1]


def _through_json(data: dict[str, Any]) -> Any:
    return json.loads(json.dumps(data))


def _dkg_messages(suite):  # type: ignore[no-untyped-def]
    rng = seeded_rng(31)
    r1 = {i: dkg_part1(suite, i, 2, 3, session_id=b"msg-test", rng=rng) for i in (1, 2, 3)}
    return r1


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.name)
def test_a_whole_dkg_and_signing_session_through_json(suite) -> None:  # type: ignore[no-untyped-def]
    """Every value crosses a JSON boundary, as it will between separate ledgers."""
    r1 = _dkg_messages(suite)
    broadcast = {i: DkgRound1Package.from_dict(_through_json(r1[i][1].to_dict())) for i in r1}
    assert broadcast == {i: r1[i][1] for i in r1}
    states = {i: DkgRound1Secret.from_dict(_through_json(r1[i][0].to_dict())) for i in r1}
    r2 = {i: dkg_part2(states[i], [broadcast[j] for j in r1 if j != i]) for i in r1}
    results = {}
    for i in r1:
        state = DkgRound2Secret.from_dict(_through_json(r2[i][0].to_dict()))
        incoming = [DkgSecretShare.from_dict(_through_json(s.to_dict()))
                    for j in r1 if j != i for s in r2[j][1] if s.recipient == i]
        results[i] = dkg_part3(state, incoming)
    shares = {i: KeyShare.from_dict(_through_json(k.to_dict())) for i, (k, _) in results.items()}
    package = PublicKeyPackage.from_dict(_through_json(results[1][1].to_dict()))
    assert package == results[2][1]
    nonces = {i: commit(shares[i], rng=seeded_rng(i)) for i in (2, 3)}
    commitments = tuple(SigningCommitments.from_dict(_through_json(nonces[i].commitments.to_dict()))
                        for i in (2, 3))
    signing = SigningPackage.from_dict(_through_json(
        SigningPackage(suite, b"hello", commitments).to_dict()))
    sig_shares = [SignatureShare.from_dict(_through_json(sign(shares[i], nonces[i], signing)
                                                         .to_dict())) for i in (2, 3)]
    aggregate(package, signing, sig_shares)


def test_secret_parts_are_marked_and_hidden_from_repr() -> None:
    r1 = _dkg_messages(FROST_ED25519)
    r2 = dkg_part2(r1[1][0], [r1[2][1], r1[3][1]])
    share = r2[1][0]
    assert share.to_dict()["secret"] is True
    header = share.header().to_dict()
    assert "value" not in header and header["type"] == "dkg-round2-package"
    assert DkgRound2Package.from_dict(header) == share.header()
    secret_hex = bytes(share.value).hex()
    for obj in (share, r2[0], r1[2][0]):
        assert secret_hex not in repr(obj) and "secret" in repr(obj)
    split = trusted_dealer_keygen(FROST_ED25519, 2, 3, rng=seeded_rng(1))
    key_share = split.shares[0]
    assert bytes(key_share.signing_share).hex() not in repr(key_share)
    assert key_share.to_dict()["secret"] is True


def _mutations(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = [
        ("extra key", {**data, "extra": 1}),
        ("wrong type", {**data, "type": "something-else"}),
        ("wrong version", {**data, "version": 2}),
        ("bool version", {**data, "version": True}),
        ("not a dict", [data]),  # type: ignore[list-item]
    ]
    for key in data:
        if key in ("type", "version"):
            continue
        smaller = dict(data)
        del smaller[key]
        out.append((f"missing {key}", smaller))
    return out


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.name)
def test_every_message_refuses_shape_errors(suite) -> None:  # type: ignore[no-untyped-def]
    r1 = _dkg_messages(suite)
    r2 = dkg_part2(r1[1][0], [r1[2][1], r1[3][1]])
    split = trusted_dealer_keygen(suite, 2, 3, rng=seeded_rng(2))
    nonces = commit(split.shares[0], rng=seeded_rng(3))
    other = commit(split.shares[1], rng=seeded_rng(4))
    package = SigningPackage(suite, b"m", (nonces.commitments, other.commitments))
    sig_share = sign(split.shares[0], nonces, package)
    cases = [(DkgRound1Package, r1[2][1].to_dict()), (DkgSecretShare, r2[1][0].to_dict()),
             (DkgRound2Package, r2[1][0].header().to_dict()),
             (SigningCommitments, other.commitments.to_dict()), (SigningPackage, package.to_dict()),
             (SignatureShare, sig_share.to_dict()),
             (PublicKeyPackage, split.public_key_package.to_dict()),
             (KeyShare, split.shares[2].to_dict())]
    for cls, data in cases:
        assert cls.from_dict(data) is not None
        for name, bad in _mutations(data):
            with pytest.raises((InvalidInput, UnsupportedAlgorithm)):
                cls.from_dict(bad)
                pytest.fail(f"{cls.__name__} accepted: {name}")


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.name)
def test_tampered_values_are_refused(suite) -> None:  # type: ignore[no-untyped-def]
    split = trusted_dealer_keygen(suite, 2, 3, rng=seeded_rng(5))
    commitments = commit(split.shares[0], rng=seeded_rng(6)).commitments.to_dict()
    size = suite.group.element_size * 2
    for value in ("00" * (size // 2), commitments["hiding"][:-2], commitments["hiding"].upper(),
                  "zz" * (size // 2), 5):
        with pytest.raises(InvalidInput):
            SigningCommitments.from_dict({**commitments, "hiding": value})
    with pytest.raises(InvalidInput):
        SigningCommitments.from_dict({**commitments, "identifier": 0})
    with pytest.raises(InvalidInput):
        SigningCommitments.from_dict({**commitments, "identifier": 256})
    with pytest.raises(UnsupportedAlgorithm):
        SigningCommitments.from_dict({**commitments, "suite": "frost-ristretto255"})
    order = suite.group.order
    share = {"type": "frost-signature-share", "version": 1, "suite": suite.name,
             "identifier": 1,
             "share": order.to_bytes(32, "little" if suite is FROST_ED25519 else "big").hex()}
    with pytest.raises(InvalidInput):
        SignatureShare.from_dict(share)


def test_signing_package_order_and_suite_rules() -> None:
    split = trusted_dealer_keygen(FROST_ED25519, 2, 3, rng=seeded_rng(7))
    c1, c2 = (commit(s, rng=seeded_rng(s.identifier)).commitments for s in split.shares[:2])
    data = SigningPackage(FROST_ED25519, b"m", (c1, c2)).to_dict()
    with pytest.raises(InvalidInput, match="sorted"):
        SigningPackage.from_dict({**data, "commitments": data["commitments"][::-1]})
    with pytest.raises(InvalidInput, match="sorted"):
        SigningPackage.from_dict({**data, "commitments": [data["commitments"][0]] * 2})
    secp = trusted_dealer_keygen(FROST_SECP256K1, 2, 3, rng=seeded_rng(8))
    foreign = commit(secp.shares[2], rng=seeded_rng(9)).commitments
    with pytest.raises(InvalidInput, match="suite"):
        SigningPackage(FROST_ED25519, b"m", (c1, c2, foreign))  # type: ignore[arg-type]


def test_public_key_package_consistency_is_checked() -> None:
    split = trusted_dealer_keygen(FROST_ED25519, 2, 4, rng=seeded_rng(10))
    data = split.public_key_package.to_dict()
    assert PublicKeyPackage.from_dict(data) == split.public_key_package
    swapped = dict(data)
    swapped["verifying_shares"] = [data["verifying_shares"][i] for i in (0, 1, 3, 2)]
    with pytest.raises(InvalidInput, match="consistent"):
        PublicKeyPackage.from_dict(swapped)
    other = trusted_dealer_keygen(FROST_ED25519, 2, 4, rng=seeded_rng(11)).public_key_package
    with pytest.raises(InvalidInput, match="group public key"):
        PublicKeyPackage.from_dict({**data,
                                    "group_public_key": other.to_dict()["group_public_key"]})
    with pytest.raises(InvalidInput):
        PublicKeyPackage.from_dict({**data, "min_signers": 5})
    with pytest.raises(InvalidInput):
        PublicKeyPackage.from_dict({**data, "participants": [1, 2, 2, 3]})


def test_key_share_must_match_its_verifying_share() -> None:
    split = trusted_dealer_keygen(FROST_SECP256K1, 2, 3, rng=seeded_rng(12))
    data = split.shares[0].to_dict()
    with pytest.raises(InvalidInput, match="does not match"):
        KeyShare.from_dict({**data, "signing_share": split.shares[1].to_dict()["signing_share"]})
    with pytest.raises(InvalidInput, match="secret"):
        KeyShare.from_dict({**data, "secret": False})


def test_parse_errors_never_echo_secret_values() -> None:
    split = trusted_dealer_keygen(FROST_ED25519, 2, 3, rng=seeded_rng(13))
    data = split.shares[0].to_dict()
    other_secret = split.shares[1].to_dict()["signing_share"]
    wide = "ff" * 32
    for bad in ({**data, "signing_share": other_secret}, {**data, "signing_share": wide},
                {**data, "signing_share": other_secret[:-2]}):
        with pytest.raises(InvalidInput) as caught:
            KeyShare.from_dict(bad)
        rendered = " ".join([str(caught.value), repr(caught.value), caught.value.hint,
                             str(caught.value.field), repr(caught.value.args)])
        for secret in (other_secret, data["signing_share"], wide):
            assert secret[:16] not in rendered
