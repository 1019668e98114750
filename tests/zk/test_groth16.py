"""Groth16 on BN254: snarkjs proofs verify in SKMS, SKMS's proofs verify in stock snarkjs.

Independent code on each side: stock `snarkjs groth16 prove/verify` (JavaScript, ffjavascript)
against SKMS's arkworks verifier, with py_ecc as a third, pure-Python verifier.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ledger.crypto.zk import groth16, native, poseidon
from ledger.crypto.zk.groth16 import (
    BN254_SCALAR_MODULUS,
    Groth16Proof,
    PublicSignals,
    VerificationKey,
)
from ledger.crypto.zk.snarkjs import CircuitArtifacts, SnarkjsProver
from ledger.errors import InvalidInput, InvalidSignature
from tests.zk import pyecc_groth16

BN254_BASE_MODULUS = (
    21888242871839275222246405745257275088696311157297823662689037894645226208583)


def snarkjs(node_modules: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    cli = node_modules / "snarkjs" / "build" / "cli.cjs"
    return subprocess.run(["node", str(cli), *args], cwd=cwd, capture_output=True, check=False)


def opening_inputs(secret: int = 1234, blinding: int = 5678) -> dict[str, int]:
    return {"secret": secret, "blinding": blinding,
            "commitment": poseidon.hash2(secret, blinding)}


def bounded_inputs(value: int = 1000, bound: int = 5000) -> dict[str, int]:
    return {"value": value, "blinding": 77, "bound": bound,
            "commitment": poseidon.hash2(value, 77)}


@pytest.fixture(scope="module")
def opening(ceremony: Path) -> CircuitArtifacts:
    return CircuitArtifacts.in_folder(ceremony, "commitment_opening")


@pytest.fixture(scope="module")
def bounded(ceremony: Path) -> CircuitArtifacts:
    return CircuitArtifacts.in_folder(ceremony, "bounded_value")


@pytest.fixture(scope="module")
def stock_proof(node_modules: Path, opening: CircuitArtifacts,
                tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """proof.json and public.json made by stock `snarkjs groth16 fullprove`, outside SKMS."""
    work = tmp_path_factory.mktemp("stock")
    (work / "input.json").write_text(json.dumps({k: str(v) for k, v in opening_inputs().items()}))
    done = snarkjs(node_modules, "groth16", "fullprove", "input.json", str(opening.wasm),
                   str(opening.zkey), "proof.json", "public.json", cwd=work)
    assert done.returncode == 0, done.stderr
    return (work / "proof.json").read_text(), (work / "public.json").read_text()


def stock_verify(node_modules: Path, vkey: VerificationKey, proof: dict[str, Any],
                 public: list[str], work: Path) -> bool:
    (work / "vkey.json").write_text(json.dumps(vkey.to_dict()))
    (work / "proof.json").write_text(json.dumps(proof))
    (work / "public.json").write_text(json.dumps(public))
    done = snarkjs(node_modules, "groth16", "verify", "vkey.json", "public.json", "proof.json",
                   cwd=work)
    return done.returncode == 0


def test_stock_snarkjs_proof_verifies_in_skms(opening: CircuitArtifacts,
                                             stock_proof: tuple[str, str]) -> None:
    proof_json, public_json = stock_proof
    vkey = opening.verification_key()
    public = PublicSignals.from_json(public_json)
    assert public.values == (opening_inputs()["commitment"],)
    groth16.verify(vkey, Groth16Proof.from_json(proof_json), public)


def test_py_ecc_agrees_with_skms_on_the_stock_proof(opening: CircuitArtifacts,
                                                    stock_proof: tuple[str, str]) -> None:
    proof_json, public_json = stock_proof
    vkey = opening.verification_key().to_dict()
    proof = json.loads(proof_json)
    assert pyecc_groth16.verify(vkey, proof, json.loads(public_json))
    assert not pyecc_groth16.verify(vkey, proof, ["1"])


def test_skms_proofs_verify_in_stock_snarkjs(node_modules: Path, opening: CircuitArtifacts,
                                            bounded: CircuitArtifacts, tmp_path: Path) -> None:
    prover = SnarkjsProver(node_modules)
    for circuit, inputs, public_expected in (
            (opening, opening_inputs(), lambda i: (i["commitment"],)),
            (bounded, bounded_inputs(), lambda i: (i["commitment"], i["bound"]))):
        proof, public = prover.prove(circuit, inputs)
        assert public.values == public_expected(inputs)
        vkey = circuit.verification_key()
        groth16.verify(vkey, proof, public)
        assert stock_verify(node_modules, vkey, proof.to_dict(), public.to_list(), tmp_path)


def test_tampered_public_input_is_rejected_by_both(node_modules: Path, opening: CircuitArtifacts,
                                                   tmp_path: Path) -> None:
    proof, public = SnarkjsProver(node_modules).prove(opening, opening_inputs())
    vkey = opening.verification_key()
    forged = PublicSignals((public.values[0] + 1,))
    with pytest.raises(InvalidSignature):
        groth16.verify(vkey, proof, forged)
    assert not stock_verify(node_modules, vkey, proof.to_dict(), forged.to_list(), tmp_path)


def test_tampered_proof_is_rejected_by_both(node_modules: Path, opening: CircuitArtifacts,
                                            tmp_path: Path) -> None:
    """pi_a taken from another valid proof: well-formed points, wrong proof."""
    prover = SnarkjsProver(node_modules)
    proof, public = prover.prove(opening, opening_inputs())
    other, _ = prover.prove(opening, opening_inputs(9, 10))
    mixed = {**proof.to_dict(), "pi_a": other.to_dict()["pi_a"]}
    vkey = opening.verification_key()
    with pytest.raises(InvalidSignature):
        groth16.verify(vkey, Groth16Proof.from_dict(mixed), public)
    assert not stock_verify(node_modules, vkey, mixed, public.to_list(), tmp_path)


def test_every_changed_digit_of_a_proof_fails(opening: CircuitArtifacts,
                                             stock_proof: tuple[str, str]) -> None:
    proof_json, public_json = stock_proof
    vkey, public = opening.verification_key(), PublicSignals.from_json(public_json)
    text = Groth16Proof.from_json(proof_json).canonical_json
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    assert len(positions) > 400
    for i in positions:
        tampered = text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1:]
        with pytest.raises((InvalidInput, InvalidSignature)):
            groth16.verify(vkey, Groth16Proof.from_json(tampered), public)


def test_jacobian_coordinates_are_accepted(opening: CircuitArtifacts,
                                           stock_proof: tuple[str, str]) -> None:
    """(x·z², y·z³, z) is the same point as (x, y, 1): snarkjs's projective form."""
    proof_json, public_json = stock_proof
    proof = json.loads(proof_json)
    x, y, _ = (int(c) for c in proof["pi_a"])
    z, q = 7, BN254_BASE_MODULUS
    proof["pi_a"] = [str(x * z * z % q), str(y * z * z * z % q), str(z)]
    groth16.verify(opening.verification_key(), Groth16Proof.from_dict(proof),
                   PublicSignals.from_json(public_json))
    proof["pi_a"][2] = "8"
    with pytest.raises((InvalidInput, InvalidSignature)):
        groth16.verify(opening.verification_key(), Groth16Proof.from_dict(proof),
                       PublicSignals.from_json(public_json))


def test_g2_coordinates_in_the_other_order_are_rejected(opening: CircuitArtifacts,
                                                        stock_proof: tuple[str, str]) -> None:
    proof_json, public_json = stock_proof
    proof = json.loads(proof_json)
    proof["pi_b"] = [list(reversed(pair)) for pair in proof["pi_b"][:2]] + [proof["pi_b"][2]]
    with pytest.raises((InvalidInput, InvalidSignature)):
        groth16.verify(opening.verification_key(), Groth16Proof.from_dict(proof),
                       PublicSignals.from_json(public_json))


def test_public_inputs_must_be_below_the_scalar_modulus(opening: CircuitArtifacts,
                                                        stock_proof: tuple[str, str]) -> None:
    proof_json, public_json = stock_proof
    value = int(json.loads(public_json)[0])
    aliased = json.dumps([str(value + BN254_SCALAR_MODULUS)])
    with pytest.raises(InvalidInput) as python_side:
        PublicSignals.from_json(aliased)
    assert python_side.value.field == "public"
    # The extension checks it too, on its own, when handed raw JSON.
    with pytest.raises(InvalidInput) as rust_side:
        native.invoke("groth16_verify", opening.verification_key().canonical_json, proof_json,
                      aliased)
    assert rust_side.value.field == "public"
    assert native.invoke("bn254_scalar_modulus") == str(BN254_SCALAR_MODULUS)
    assert native.invoke("bn254_base_modulus") == str(BN254_BASE_MODULUS)


@pytest.mark.parametrize("bad", ['["01"]', '["+1"]', '[" 1"]', '["1.0"]', "[1]", '["0x1"]',
                                 "{}", "[", '["1", "2"]'])
def test_public_signals_are_strict(bad: str, opening: CircuitArtifacts,
                                   stock_proof: tuple[str, str]) -> None:
    with pytest.raises(InvalidInput):
        groth16.verify(opening.verification_key(), Groth16Proof.from_json(stock_proof[0]),
                       PublicSignals.from_json(bad))


def _vkey_variants(vk: dict[str, Any]) -> list[dict[str, Any]]:
    q = str(BN254_BASE_MODULUS)
    return [
        {**vk, "protocol": "plonk"}, {**vk, "curve": "bls12381"}, {**vk, "nPublic": 2},
        {**vk, "IC": vk["IC"][:1]}, {**vk, "vk_alpha_1": [q, "2", "1"]},
        {**vk, "vk_alpha_1": ["1", "3", "1"]},  # not on the curve
        {**vk, "vk_alpha_1": ["01", "2", "1"]}, {**vk, "vk_alpha_1": [1, 2, 1]},
        {**vk, "vk_beta_2": vk["vk_beta_2"][:2]},
        {k: v for k, v in vk.items() if k != "vk_delta_2"},
    ]


def test_malformed_verification_keys_are_rejected(opening: CircuitArtifacts,
                                                  stock_proof: tuple[str, str]) -> None:
    proof = Groth16Proof.from_json(stock_proof[0])
    public = PublicSignals.from_json(stock_proof[1])
    for variant in _vkey_variants(opening.verification_key().to_dict()):
        with pytest.raises(InvalidInput):
            groth16.verify(VerificationKey.from_dict(variant), proof, public)


def test_malformed_proofs_are_rejected(opening: CircuitArtifacts,
                                       stock_proof: tuple[str, str]) -> None:
    proof = json.loads(stock_proof[0])
    public = PublicSignals.from_json(stock_proof[1])
    variants = [{**proof, "protocol": "fflonk"}, {**proof, "pi_a": proof["pi_a"][:2]},
                {k: v for k, v in proof.items() if k != "pi_c"},
                {**proof, "pi_c": ["1", "2", "1", "1"]}]
    for variant in variants:
        with pytest.raises(InvalidInput):
            groth16.verify(opening.verification_key(), Groth16Proof.from_dict(variant), public)
    for text in ("", "[]", "null", "{" * 100_000, "x" * (groth16.MAX_JSON_BYTES + 1)):
        with pytest.raises(InvalidInput):
            Groth16Proof.from_json(text)


def test_inputs_that_do_not_satisfy_the_circuit_cannot_be_proved(
        node_modules: Path, opening: CircuitArtifacts, bounded: CircuitArtifacts) -> None:
    prover = SnarkjsProver(node_modules)
    with pytest.raises(InvalidInput):
        prover.prove(bounded, bounded_inputs(value=5000, bound=5000))
    with pytest.raises(InvalidInput):
        prover.prove(bounded, bounded_inputs(value=2**64, bound=2**64 + 5))
    wrong = {**opening_inputs(), "commitment": poseidon.hash2(1, 2)}
    with pytest.raises(InvalidInput):
        prover.prove(opening, wrong)
    with pytest.raises(InvalidInput):
        prover.prove(opening, {**opening_inputs(), "secret": BN254_SCALAR_MODULUS})


def test_bound_edge_is_exact(node_modules: Path, bounded: CircuitArtifacts) -> None:
    proof, public = SnarkjsProver(node_modules).prove(bounded, bounded_inputs(4999, 5000))
    groth16.verify(bounded.verification_key(), proof, public)


def test_ceremony_transcript_names_the_keys(ceremony: Path, opening: CircuitArtifacts) -> None:
    transcript = (ceremony / "transcript.json").read_bytes()
    digest = (ceremony / "transcript.sha256").read_text().strip()
    assert hashlib.sha256(transcript).hexdigest() == digest
    files = json.loads(transcript)["files"]
    for path in (opening.vkey, opening.zkey, opening.wasm):
        assert files[str(path.relative_to(ceremony))] == hashlib.sha256(
            path.read_bytes()).hexdigest()
    assert "<64 bytes from os.urandom, not recorded>" in transcript.decode()
