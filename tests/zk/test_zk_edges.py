"""Zero-knowledge formats: the strict parsers' refusals that the protocol tests do not reach.

Ceremony transcripts, circuit material, commitment-key blindings, Groth16 verification keys
and public signals, snarkjs inputs and tool discovery, Pedersen and range-proof encodings,
hash-chain proofs, and the extension door (:mod:`ledger.crypto.zk.native`). Every refusal
is checked for its exception type, its message and the field it names.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from ledger.crypto.zk import native, pedersen, poseidon, range_proof, stark
from ledger.crypto.zk.ceremony import FORMAT, MAX_TRANSCRIPT, CeremonyTranscript
from ledger.crypto.zk.circuit_key import (
    CIRCUIT_KIND_ID,
    KIND,
    MAGIC,
    MAX_MATERIAL,
    CircuitMaterial,
    circuit_kind,
)
from ledger.crypto.zk.commitment_key import KIND as COMMITMENT_KIND
from ledger.crypto.zk.groth16 import MAX_PUBLIC_SIGNALS, PublicSignals, VerificationKey
from ledger.crypto.zk.snarkjs import (
    TOOLS_ENV,
    CircuitArtifacts,
    SnarkjsProver,
    default_node_modules,
    parse_inputs,
)
from ledger.errors import CryptoError, InvalidInput, UnsupportedAlgorithm

ZKEY = b"zkey" + bytes(12)
WASM = b"\0asm" + bytes(12)
VKEY = b'{"protocol":"groth16"}'


def transcript(**changes: Any) -> dict[str, Any]:
    """A well-formed transcript document for circuit ``opening``, with ``changes`` applied."""
    document: dict[str, Any] = {
        "format": FORMAT, "curve": "bn128", "power": 12,
        "tools": {"snarkjs": "0.7.5", "circom": "2.1.9"},
        "circuits": ["opening"],
        "commands": [["snarkjs", "powersoftau", "new", "bn128", "12"]],
        "files": {"opening.zkey": hashlib.sha256(ZKEY).hexdigest(),
                  "opening_js/opening.wasm": hashlib.sha256(WASM).hexdigest(),
                  "opening.vkey.json": hashlib.sha256(VKEY).hexdigest()},
    }
    document.update(changes)
    return {k: v for k, v in document.items() if v is not None}


def encode(document: object) -> bytes:
    return json.dumps(document).encode()


# --- ceremony transcripts -------------------------------------------------------------------

def test_a_well_formed_transcript_parses_and_checks_its_files() -> None:
    data = encode(transcript())
    parsed = CeremonyTranscript.from_bytes(data)
    assert parsed.digest == hashlib.sha256(data).digest()
    assert (parsed.power, parsed.circuits, parsed.command_count) == (12, ("opening",), 1)
    parsed.check_circuit("opening", zkey=ZKEY, wasm=WASM, vkey=VKEY)
    with pytest.raises(InvalidInput, match=r"not the opening\.zkey") as caught:
        parsed.check_circuit("opening", zkey=ZKEY + b"x", wasm=WASM, vkey=VKEY)
    assert caught.value.field == "zkey"


@pytest.mark.parametrize(("data", "message"), [
    ("text", "JSON of at most"),
    (b" " * (MAX_TRANSCRIPT + 1), "JSON of at most"),
    (b"{not json", "not JSON"),
    (b"[" * 60_000, "not JSON"),  # RecursionError in the parser
    (b"[1, 2]", "not a JSON object"),
    (encode(transcript(curve="bls12_381")), "not on bn128"),
    (encode(transcript(curve=None)), "not on bn128"),
    (encode(transcript(power=7)), "power must be an integer from 8 to 16"),
    (encode(transcript(power=17)), "power must be an integer from 8 to 16"),
    (encode(transcript(power=True)), "power must be an integer from 8 to 16"),
    (encode(transcript(power="12")), "power must be an integer from 8 to 16"),
    (encode(transcript(circuits=[])), "circuits must be a list of circuit names"),
    (encode(transcript(circuits="opening")), "circuits must be a list of circuit names"),
    (encode(transcript(circuits=["Opening"])), "circuits must be a list of circuit names"),
    (encode(transcript(circuits=[1])), "circuits must be a list of circuit names"),
    (encode(transcript(commands=None)), "commands must be lists of text"),
    (encode(transcript(commands=["snarkjs"])), "commands must be lists of text"),
    (encode(transcript(commands=[["snarkjs", 12]])), "commands must be lists of text"),
    (encode(transcript(tools=["snarkjs"])), "tools must map names to text"),
    (encode(transcript(tools={"snarkjs": 7})), "tools must map names to text"),
    (encode(transcript(tools={"snarkjs": "x" * 201})), "tools must map names to text"),
    (encode(transcript(files={"opening.zkey": "AB" * 32})), "files must hold SHA-256 digests"),
    (encode(transcript(files={"opening.zkey": "ab"})), "files must hold SHA-256 digests"),
])
def test_malformed_transcripts_are_refused(data: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        CeremonyTranscript.from_bytes(data)  # type: ignore[arg-type]
    assert caught.value.field == "transcript"


def test_a_transcript_must_list_every_file_of_the_circuit() -> None:
    files = dict(transcript()["files"])
    del files["opening_js/opening.wasm"]
    parsed = CeremonyTranscript.from_bytes(encode(transcript(files=files)))
    with pytest.raises(InvalidInput, match=r"lists no opening_js/opening\.wasm") as caught:
        parsed.check_circuit("opening", zkey=ZKEY, wasm=WASM, vkey=VKEY)
    assert caught.value.field == "transcript"


# --- circuit material and kinds -------------------------------------------------------------

def test_circuit_material_checks_its_files() -> None:
    with pytest.raises(InvalidInput, match=r"not a snarkjs proving key \(.zkey\)") as caught:
        CircuitMaterial(b"ZKEY", WASM)
    assert caught.value.field == "zkey"
    with pytest.raises(InvalidInput, match=r"not a WebAssembly module \(.wasm\)") as caught:
        CircuitMaterial(ZKEY, b"asm\0")
    assert caught.value.field == "wasm"
    with pytest.raises(InvalidInput, match=f"exceed {MAX_MATERIAL} bytes") as caught:
        CircuitMaterial(ZKEY + bytes(MAX_MATERIAL), WASM)
    assert caught.value.field == "zkey"


def test_circuit_material_unpacking_is_strict() -> None:
    packed = bytes(CircuitMaterial(ZKEY, WASM).pack())
    assert CircuitMaterial.unpack(packed) == CircuitMaterial(ZKEY, WASM)
    cases = {
        b"SKMS-OTHER" + packed[10:]: "not groth16-bn254 key material",
        MAGIC + b"\0\0": "truncated groth16-bn254 key material",  # first length cut short
        MAGIC + b"\0\0\0\xff" + ZKEY: "truncated groth16-bn254 key material",
        packed[:len(MAGIC) + 4 + len(ZKEY) + 2]: "truncated groth16-bn254 key material",
        packed[:-1]: "truncated groth16-bn254 key material",
        packed + b"\0": "trailing bytes after groth16-bn254 key material",
    }
    for data, message in cases.items():
        with pytest.raises(InvalidInput, match=message) as caught:
            CircuitMaterial.unpack(data)
        assert caught.value.field == "material"


def test_circuit_kind_derives_nothing_and_names_itself() -> None:
    assert circuit_kind(CIRCUIT_KIND_ID) is KIND
    with pytest.raises(UnsupportedAlgorithm, match="ed25519 keys are not Groth16") as caught:
        circuit_kind("ed25519")
    assert caught.value.field == "algorithm"
    with pytest.raises(UnsupportedAlgorithm, match="recorded with its ceremony") as caught:
        KIND.public_key(b"")
    assert caught.value.field == "algorithm"


def test_commitment_key_blinding_arguments() -> None:
    secret = bytes(range(32))
    first = COMMITMENT_KIND.blinding(secret, "balance-1")
    assert first == COMMITMENT_KIND.blinding(bytearray(secret), "balance-1")
    assert first != COMMITMENT_KIND.blinding(secret, "balance-2") and len(first) == 32
    for bad_secret in (bytes(31), bytes(33), "00" * 32):
        with pytest.raises(InvalidInput, match="secret is 32 bytes") as caught:
            COMMITMENT_KIND.blinding(bad_secret, "balance-1")  # type: ignore[arg-type]
        assert caught.value.field == "key"
    for bad_id in ("", "x" * 101, 7):
        with pytest.raises(InvalidInput, match="1 to 100 characters") as caught:
            COMMITMENT_KIND.blinding(secret, bad_id)  # type: ignore[arg-type]
        assert caught.value.field == "commitment_id"
    assert len(COMMITMENT_KIND.blinding(secret, "x" * 100)) == 32


# --- Groth16 documents ----------------------------------------------------------------------

def test_verification_key_shape_and_n_public() -> None:
    good = {"protocol": "groth16", "curve": "bn128", "nPublic": 2}
    assert VerificationKey.from_dict(good).n_public == 2
    for document in ([good], "groth16", 3):
        with pytest.raises(InvalidInput, match="must be a JSON object") as caught:
            VerificationKey.from_json(json.dumps(document))
        assert caught.value.field == "vkey"
    for n_public in (-1, MAX_PUBLIC_SIGNALS + 1, True, "2", None):
        with pytest.raises(InvalidInput, match="nPublic must be an integer from 0") as caught:
            VerificationKey.from_dict({**good, "nPublic": n_public})
        assert caught.value.field == "vkey"


def test_public_signals_count_and_list_type() -> None:
    assert PublicSignals.from_list(["0", "7"]).values == (0, 7)
    with pytest.raises(InvalidInput, match=f"at most {MAX_PUBLIC_SIGNALS} public") as caught:
        PublicSignals(tuple(range(MAX_PUBLIC_SIGNALS + 1)))
    assert caught.value.field == "public"
    for items in (("1", "2"), "12", {"a": "1"}):
        with pytest.raises(InvalidInput, match="must be a JSON array of decimal") as caught:
            PublicSignals.from_list(items)  # type: ignore[arg-type]
        assert caught.value.field == "public"


# --- snarkjs inputs, tools and files --------------------------------------------------------

@pytest.mark.parametrize(("data", "message"), [
    ("{}", "JSON of at most"),
    (b" " * (256 * 1024 + 1), "JSON of at most"),
    (b"{", "not JSON"),
    (b"{}", "JSON object of signal names"),
    (b"[1]", "JSON object of signal names"),
    (b'{"2x": 1}', "signal names are identifiers"),
    (b'{"a": -1}', "signal a is not an integer in"),
    (json.dumps({"a": list(range(4097))}).encode(), "at most 4096 input signals"),
    (json.dumps({f"s{i}": [1] * 1000 for i in range(5)}).encode(), "at most 4096 input"),
])
def test_bad_input_files_are_refused(data: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        parse_inputs(data)  # type: ignore[arg-type]
    assert caught.value.field == "input"


def test_tools_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.setenv(TOOLS_ENV, str(tmp_path))
    assert default_node_modules() == tmp_path / "node_modules"
    monkeypatch.setenv(TOOLS_ENV, "")
    assert default_node_modules().parts[-2:] == ("skms-zk-tools", "node_modules")


def test_prover_without_snarkjs_refuses_clearly(tmp_path: Path) -> None:
    prover = SnarkjsProver(tmp_path / "node_modules")
    assert not prover.available()
    with pytest.raises(CryptoError, match="snarkjs is not installed") as caught:
        prover.export_verification_key(ZKEY)
    assert "make zk-tools" in caught.value.hint


def test_missing_circuit_files_are_named(tmp_path: Path) -> None:
    circuit = CircuitArtifacts.in_folder(tmp_path, "opening")
    prover = SnarkjsProver(tmp_path / "node_modules")
    with pytest.raises(InvalidInput, match=r"missing circuit file opening\.wasm") as caught:
        prover.prove(circuit, {"secret": 1})
    assert caught.value.field == "circuit"
    circuit.wasm.parent.mkdir()
    circuit.wasm.write_bytes(WASM)
    with pytest.raises(InvalidInput, match=r"missing circuit file opening\.zkey"):
        prover.prove(circuit, {"secret": 1})
    with pytest.raises(InvalidInput, match="cannot read the verification key") as caught:
        circuit.verification_key()
    assert caught.value.field == "vkey"
    circuit.vkey.write_text(json.dumps({"protocol": "groth16", "curve": "bn128",
                                        "nPublic": 1}))
    assert circuit.verification_key().n_public == 1


# --- Pedersen and range proofs --------------------------------------------------------------

def test_pedersen_dict_needs_64_hex_digits() -> None:
    commitment, blinding = pedersen.commit(5)
    assert pedersen.PedersenCommitment.from_dict(commitment.to_dict()) == commitment
    for text in (commitment.point.hex()[:-2], commitment.point.hex() + "00", 32, None):
        with pytest.raises(InvalidInput, match="a commitment is 64 hex digits") as caught:
            pedersen.PedersenCommitment.from_dict(
                {"scheme": "pedersen-ristretto255-v1", "commitment": text})
        assert caught.value.field == "commitment"
    pedersen.verify_opening(commitment, 5, blinding)


@pytest.mark.parametrize("wide", [bytes(64), bytearray(63), bytearray(65), None])
def test_random_blinding_needs_64_bytes_in_a_bytearray(wide: object) -> None:
    with pytest.raises(InvalidInput, match="64-byte bytearray") as caught:
        pedersen.random_blinding(lambda size: wide)  # type: ignore[arg-type, return-value]
    assert caught.value.field == "rng"


def test_range_proof_dict_field_types() -> None:
    proof, _ = range_proof.prove([3], bits=8)
    good = proof.to_dict()
    cases: list[tuple[dict[str, object], str, str]] = [
        ({**good, "commitments": good["commitments"][0]}, "commitments",
         "list of hex strings"),
        ({**good, "commitments": [1]}, "commitments", "list of hex strings"),
        ({**good, "proof": b"\x00"}, "proof", "proof must be a hex string"),
        ({**good, "proof": "00" * (range_proof.proof_size(64, 16) + 1)}, "proof",
         "proof must be a hex string"),
    ]
    for document, field, message in cases:
        with pytest.raises(InvalidInput, match=message) as caught:
            range_proof.RangeProof.from_dict(document)
        assert caught.value.field == field
    assert range_proof.RangeProof.from_dict(good) == proof


def test_range_prove_argument_checks() -> None:
    for values in ([1.0], [True], ["1"]):
        with pytest.raises(InvalidInput, match="values must be integers") as caught:
            range_proof.prove(values, bits=8)  # type: ignore[arg-type]
        assert caught.value.field == "values"
    given = [bytearray(b"\x07" * 32)]
    with pytest.raises(InvalidInput, match="one blinding per value") as caught:
        range_proof.prove([1, 2], bits=8, blindings=given)
    assert caught.value.field == "blindings"
    assert given == [bytearray(b"\x07" * 32)]  # the caller's buffers are the caller's to wipe


def test_range_prove_refuses_a_bad_seed_from_the_rng() -> None:
    given = [bytearray(b"\x07" + bytes(31))]
    with pytest.raises(InvalidInput, match="32-byte bytearray") as caught:
        range_proof.prove([1], bits=8, blindings=given, rng=bytes)
    assert caught.value.field == "rng"
    assert given[0][0] == 7
    drawn_then_short: dict[str, int] = {}

    def rng(size: int) -> bytearray:
        drawn_then_short[str(size)] = drawn_then_short.get(str(size), 0) + 1
        return bytearray(size if size == 64 else size - 1)

    with pytest.raises(InvalidInput, match="32-byte bytearray"):
        range_proof.prove([1, 2], bits=8, rng=rng)
    assert drawn_then_short == {"64": 2, "32": 1}


# --- hash-chain STARK proofs ----------------------------------------------------------------

def test_hash_chain_proof_bytes_must_be_present_and_bounded() -> None:
    start = stark.start_from_bytes(b"edges")
    end = stark.hash_chain(start, 1)
    for proof in (b"", "00", bytes(stark.MAX_PROOF_BYTES + 1)):
        with pytest.raises(InvalidInput, match="a proof is 1 to") as caught:
            stark.HashChainProof(start, 1, end, proof)  # type: ignore[arg-type]
        assert caught.value.field == "proof"
    assert stark.HashChainProof(start, 1, end, b"\x01").proof == b"\x01"


# --- the extension door ---------------------------------------------------------------------

def test_native_errors_become_ledger_errors() -> None:
    assert len(native.source_digest()) == 64
    with pytest.raises(InvalidInput, match="a point is 32 bytes, got 31") as caught:
        native.invoke("pedersen_add", bytes(31), bytes(32))
    assert caught.value.field == "left"
    with pytest.raises(InvalidInput, match="rejected by the extension: argument 'start'"):
        native.invoke("stark_hash_chain", "not bytes", 4)
    with pytest.raises(InvalidInput, match="rejected by the extension: int too big"):
        native.invoke("stark_hash_chain", bytes(32), 2**70)


def test_native_result_types_are_checked() -> None:
    with pytest.raises(CryptoError, match="bn254_base_modulus returned str, not bytes"):
        native.returns_bytes("bn254_base_modulus")
    g, h = pedersen.generators()
    with pytest.raises(CryptoError, match="pedersen_add returned bytes, not bytearray"):
        native.returns_bytearray("pedersen_add", g, h)


def test_poseidon_refuses_constants_for_another_instance(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    document = json.loads(poseidon._CONSTANTS.read_text())
    other = tmp_path / "poseidon_t5.json"
    other.write_text(json.dumps({**document, "t": 5}))
    expected = poseidon.hash2(1, 2)
    poseidon._parameters.cache_clear()
    monkeypatch.setattr(poseidon, "_CONSTANTS", other)
    try:
        with pytest.raises(InvalidInput, match="constants file is for another instance"):
            poseidon.hash2(1, 2)
    finally:
        monkeypatch.undo()
        poseidon._parameters.cache_clear()
    assert poseidon.hash2(1, 2) == expected


def test_commitment_key_seed_must_be_32_bytes() -> None:
    assert COMMITMENT_KIND.generate(bytes(range(32))) == bytearray(range(32))
    for seed in (bytes(31), bytes(33), "00" * 16):
        with pytest.raises(InvalidInput, match="need a 32-byte seed") as caught:
            COMMITMENT_KIND.generate(seed)  # type: ignore[arg-type]
        assert caught.value.field == "seed"


def test_snarkjs_refuses_an_unreadable_proving_key(node_modules: Path) -> None:
    with pytest.raises(InvalidInput, match="snarkjs cannot read this proving key") as caught:
        SnarkjsProver(node_modules).export_verification_key(ZKEY)
    assert caught.value.field == "zkey"


def test_snarkjs_time_limit_is_enforced(node_modules: Path) -> None:
    prover = SnarkjsProver(node_modules, timeout=0.001)
    with pytest.raises(CryptoError, match=r"snarkjs did not finish within 0 s"):
        prover.export_verification_key(ZKEY)
