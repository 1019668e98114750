"""Groth16 proving with stock snarkjs, run by Node as a subprocess.

Why a subprocess: proving needs the circuit's witness generator (WASM compiled by circom) and
snarkjs's prover; both are JavaScript/WASM tools under GPL-3.0, so SKMS (Apache-2.0) runs
them as separate programs, installed by ``make zk-tools`` into ``tools/zk/node_modules``, and
never links or vendors them. Verification does not need them (``groth16``, in Rust).

1. ``CircuitArtifacts`` names a circuit's files: the witness generator ``.wasm``, the proving
   key ``.zkey`` and the verification key ``.vkey.json`` (from ``tools/zk/setup_ceremony.py``);
   ``prove_material`` proves from the files as the ledger holds them (key material).
2. ``prove`` writes the inputs to a private temporary folder (mode 0700, removed afterwards:
   the inputs hold the witness), runs ``snarkjs groth16 fullprove`` with a time limit, and
   parses the outputs with the strict parsers of ``groth16``.
3. Inputs are a JSON object of signal name to integer (or list of integers), each in [0, r).
4. Any failure of the tool becomes ``InvalidInput`` (e.g. inputs that do not satisfy the
   circuit) or ``CryptoError`` (the tool is missing or broke); its output is not echoed, as it
   may quote the witness.
5. Where the tools are: ``$SKMS_ZK_TOOLS/node_modules`` when that variable is set, else
   ``<venv>/skms-zk-tools/node_modules``, the link ``make zk-tools`` makes from the virtual
   environment to the checkout's ``tools/zk`` (an installed package cannot find the source
   tree from its own path).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess  # nosec B404 - runs the pinned snarkjs only (module doc, 2)
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ledger.crypto.zk.circuit_key import CircuitMaterial
from ledger.crypto.zk.groth16 import (
    BN254_SCALAR_MODULUS,
    Groth16Proof,
    PublicSignals,
    VerificationKey,
)
from ledger.decimal_text import is_decimal
from ledger.errors import CryptoError, InvalidInput

__all__ = ["MAX_INPUT_BYTES", "TOOLS_ENV", "CircuitArtifacts", "SnarkjsProver",
           "default_node_modules", "default_prover", "parse_inputs"]

TOOLS_ENV = "SKMS_ZK_TOOLS"
DEFAULT_TIMEOUT = 120.0
MAX_INPUT_BYTES = 256 * 1024
MAX_SIGNALS = 4096

SignalValue = int | list[int]


@dataclass(frozen=True)
class CircuitArtifacts:
    """The files one circuit's proofs need."""

    name: str
    wasm: Path
    zkey: Path
    vkey: Path

    @classmethod
    def in_folder(cls, folder: Path, name: str) -> CircuitArtifacts:
        """The layout ``setup_ceremony.py`` writes: NAME_js/NAME.wasm, NAME.zkey, NAME.vkey.json."""
        return cls(name, folder / f"{name}_js" / f"{name}.wasm", folder / f"{name}.zkey",
                   folder / f"{name}.vkey.json")

    def verification_key(self) -> VerificationKey:
        try:
            return VerificationKey.from_json(self.vkey.read_bytes())
        except OSError as exc:
            raise InvalidInput(f"cannot read the verification key: {exc.strerror}",
                               field="vkey") from None


def _check_inputs(inputs: Mapping[str, SignalValue]) -> dict[str, object]:
    checked: dict[str, object] = {}
    count = 0
    for name, value in inputs.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise InvalidInput("signal names are identifiers", field="input")
        values = value if isinstance(value, list) else [value]
        for item in values:
            if (isinstance(item, bool) or not isinstance(item, int)
                    or not 0 <= item < BN254_SCALAR_MODULUS):
                raise InvalidInput(f"signal {name} is not an integer in [0, r)", field="input")
        count += len(values)
        checked[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    if count > MAX_SIGNALS:
        raise InvalidInput(f"at most {MAX_SIGNALS} input signals", field="input")
    return checked


def parse_inputs(data: bytes) -> dict[str, SignalValue]:
    """A circuit's input file (the witness: never logged, never recorded) as signal values.

    snarkjs's own form: a JSON object of signal name to a decimal string or integer, or a
    list of them (array signals).
    """
    if not isinstance(data, bytes | bytearray) or len(data) > MAX_INPUT_BYTES:
        raise InvalidInput(f"the input is JSON of at most {MAX_INPUT_BYTES} bytes",
                           field="input")
    try:
        document = json.loads(bytes(data))
    except (ValueError, RecursionError):
        raise InvalidInput("the input is not JSON", field="input") from None
    if not isinstance(document, dict) or not document:
        raise InvalidInput("the input is a JSON object of signal names", field="input")
    parsed: dict[str, SignalValue] = {}
    for name, value in document.items():
        values = value if isinstance(value, list) else [value]
        numbers = []
        for item in values:
            if isinstance(item, str) and is_decimal(item) and len(item) <= 80:
                numbers.append(int(item))
            elif isinstance(item, int) and not isinstance(item, bool):
                numbers.append(item)
            else:
                raise InvalidInput(f"signal {name} is not a decimal number", field="input")
        parsed[name] = numbers if isinstance(value, list) else numbers[0]
    _check_inputs(parsed)
    return parsed


def default_node_modules() -> Path:
    """Where ``make zk-tools`` installs snarkjs and circom2 (see the module doc, 5)."""
    configured = os.environ.get(TOOLS_ENV)
    if configured:
        return Path(configured) / "node_modules"
    return Path(sys.prefix) / "skms-zk-tools" / "node_modules"


def default_prover() -> SnarkjsProver:
    return SnarkjsProver(default_node_modules())


class SnarkjsProver:
    """Proves with ``snarkjs groth16 fullprove`` from a given ``node_modules`` folder."""

    def __init__(self, node_modules: Path, *, node: str = "node",
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self.cli = (node_modules / "snarkjs" / "build" / "cli.cjs").resolve()
        self.node = node
        self.timeout = timeout

    def available(self) -> bool:
        return self.cli.is_file() and shutil.which(self.node) is not None

    def _run(self, args: list[str], cwd: Path) -> None:
        if not self.available():
            raise CryptoError("snarkjs is not installed", hint="run `make zk-tools`")
        try:
            completed = subprocess.run(  # nosec B603 - fixed argv: node, snarkjs, our files
                [self.node, str(self.cli), *args], cwd=cwd, capture_output=True,
                timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired:
            raise CryptoError(f"snarkjs did not finish within {self.timeout:.0f} s") from None
        if completed.returncode != 0:
            raise InvalidInput("snarkjs could not prove these inputs (do they satisfy the "
                               "circuit?)", field="input")

    def prove(self, circuit: CircuitArtifacts,
              inputs: Mapping[str, SignalValue]) -> tuple[Groth16Proof, PublicSignals]:
        """A proof and its public signals for ``inputs`` (which hold the private witness)."""
        checked = _check_inputs(inputs)
        for path in (circuit.wasm, circuit.zkey):
            if not path.is_file():
                raise InvalidInput(f"missing circuit file {path.name}", field="circuit")
        with tempfile.TemporaryDirectory(prefix="skms-snark-") as folder:
            work = Path(folder)
            os.chmod(work, 0o700)
            (work / "input.json").write_text(json.dumps(checked))
            self._run(["groth16", "fullprove", "input.json", str(circuit.wasm.resolve()),
                       str(circuit.zkey.resolve()), "proof.json", "public.json"], work)
            proof = Groth16Proof.from_json((work / "proof.json").read_bytes())
            public = PublicSignals.from_json((work / "public.json").read_bytes())
        return proof, public

    def prove_material(self, name: str, material: CircuitMaterial,
                       inputs: Mapping[str, SignalValue]) -> tuple[Groth16Proof, PublicSignals]:
        """:meth:`prove` with a circuit's files as bytes (as the ledger unseals them)."""
        with tempfile.TemporaryDirectory(prefix="skms-circuit-") as folder:
            work = Path(folder)
            os.chmod(work, 0o700)
            wasm, zkey = work / f"{name}.wasm", work / f"{name}.zkey"
            wasm.write_bytes(material.wasm)
            zkey.write_bytes(material.zkey)
            return self.prove(CircuitArtifacts(name, wasm, zkey, work / "absent.json"),
                              inputs)

    def export_verification_key(self, zkey: bytes) -> VerificationKey:
        """The verification key a proving key holds (``snarkjs zkey export
        verificationkey``): registration checks it equals the one it is given."""
        with tempfile.TemporaryDirectory(prefix="skms-zkey-") as folder:
            work = Path(folder)
            (work / "circuit.zkey").write_bytes(zkey)
            try:
                self._run(["zkey", "export", "verificationkey", "circuit.zkey", "vkey.json"],
                          work)
            except InvalidInput:
                raise InvalidInput("snarkjs cannot read this proving key", field="zkey") from None
            return VerificationKey.from_json((work / "vkey.json").read_bytes())
