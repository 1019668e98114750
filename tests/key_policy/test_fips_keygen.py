"""FIPS mode (issue 15, section 6): key generation draws from the health-tested entropy
source. Schemes whose library takes the seed (ECDSA, EdDSA, ML-DSA, hybrids, symmetric keys)
are built from it, which the test proves by handing the ledger a known seed; RSA, SLH-DSA
and Falcon libraries take none, so a FIPS-mode ledger refuses to generate them, recorded,
instead of pretending."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from commands.session import Session
from ledger.audit import Auditor
from ledger.crypto.algorithms import all_profiles
from ledger.crypto.schemes import get_scheme
from ledger.errors import CommandRejected
from ledger.recipes import key_material
from tests.ledger.conftest import new_session

UNSEEDED = sorted(p.algorithm for p in all_profiles() if not p.seeded_keygen)


@pytest.fixture
def fips(tmp_path: Path) -> Iterator[Session]:
    session = new_session(tmp_path / "home")
    session.initialize(name="fips", fips_mode=True)
    session.add_actor("admin", "km", ["key-manager"], ["*"])
    yield session
    session.close()


def test_the_unseeded_schemes_are_exactly_rsa_slh_dsa_and_falcon() -> None:
    assert {a.split("-")[0] for a in UNSEEDED} == {"rsa", "slh", "falcon"}
    assert any(a.startswith("rsa-pss") for a in UNSEEDED)


@pytest.mark.parametrize("algorithm", ["ecdsa-p256", "ml-dsa-65", "ed25519"])
def test_a_fips_key_is_built_from_the_health_tested_seed(
        fips: Session, monkeypatch: pytest.MonkeyPatch, algorithm: str) -> None:
    drawn: list[bytes] = []
    real = key_material.random_bytes

    def recorded(n: int) -> bytearray:
        seed = real(n)  # the health-tested source itself
        drawn.append(bytes(seed))
        return seed

    monkeypatch.setattr(key_material, "random_bytes", recorded)
    created = fips.act("km", "CreateKey", "default", {"algorithm": algorithm}).result
    (seed,) = drawn
    scheme = get_scheme(algorithm)
    expected = scheme.public_key(scheme.generate(seed))
    assert bytes(fips.ledger().key(created["key_id"]).versions[1]["public_key"]) == expected


@pytest.mark.parametrize("algorithm", ["rsa-pss-3072", "slh-dsa-sha2-128f"])
def test_a_fips_ledger_refuses_to_generate_an_unseeded_scheme_and_records_it(
        fips: Session, algorithm: str) -> None:
    with pytest.raises(CommandRejected, match="health-tested entropy") as refused:
        fips.act("km", "CreateKey", "default", {"algorithm": algorithm})
    assert refused.value.reason_code == "fips-unseeded"
    assert refused.value.field == "algorithm" and refused.value.seq is not None
    assert list(fips.ledger().keys) == []
    Auditor(fips.store()[0]).verify()


def test_outside_fips_mode_those_schemes_are_generated_as_before(tmp_path: Path) -> None:
    session = new_session(tmp_path / "home")
    session.initialize(name="plain")
    session.add_actor("admin", "km", ["key-manager"], ["*"])
    try:
        created = session.act("km", "CreateKey", "default", {"algorithm": "rsa-pss-2048"})
        assert created.result["key_id"]
    finally:
        session.close()
