"""The `skms zk` CLI contract (click's runner): what a user types in docs/privacy.md works,
its text output feeds the next command, refusals exit non-zero, and the files
`skms zk snark prove` writes are what stock `snarkjs groth16 verify` reads."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from commands.cli.main import cli
from ledger.crypto.zk import poseidon

PASS = "zk cli passphrase"


def invoke(home: Path | None, *args: str) -> Result:
    prefix = ["--home", str(home)] if home is not None else []
    return CliRunner().invoke(cli, [*prefix, *args], env={"SKMS_PASSPHRASE": PASS},
                              catch_exceptions=False)


def ok(home: Path | None, *args: str) -> str:
    result = invoke(home, *args)
    assert result.exit_code == 0, (args, result.output)
    return str(result.stdout).strip()


def ok_json(home: Path | None, *args: str) -> Any:
    return json.loads(ok(home, *args, "--json"))


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("zk-cli") / "home"
    ok(folder, "init", "--name", "zk", "--checkpoint-every", "8")
    ok(folder, "actor", "add", "km", "--role", "key-manager")
    ok(folder, "actor", "add", "app", "--role", "signer")
    return folder


def test_private_sum_with_a_public_bound(home: Path) -> None:
    key_id = ok(home, "--as", "km", "key", "create", "--algorithm", "pedersen-ristretto255",
                "--print", "key_id")
    ok(home, "--as", "app", "zk", "commit", key_id, "--commitment-id", "tenant-a",
       "--value", "1500")
    ok(home, "--as", "app", "zk", "commit", key_id, "--commitment-id", "tenant-b",
       "--value", "2500")
    total = ok_json(home, "--as", "app", "zk", "commit", key_id, "--commitment-id", "total",
                    "--part", "tenant-a", "--part", "tenant-b")
    assert total["parts"] == ["tenant-a", "tenant-b"]
    proof = ok(home, "--as", "app", "zk", "range-prove", key_id, "--commitment-id", "total",
               "--value", "4000", "--bits", "16", "--context", "q4")
    verdict = ok(None, "zk", "range-verify", "--proof", proof, "--context", "q4",
                 "--bits", "16", "--commitment", total["commitment"])
    assert verdict.startswith("valid: 1 commitment(s) hold values in [0, 2^16)")
    refused = invoke(None, "zk", "range-verify", "--proof", proof, "--context", "q3")
    assert refused.exit_code != 0
    wrong = invoke(home, "--as", "app", "zk", "range-prove", key_id, "--commitment-id",
                   "total", "--value", "4001", "--bits", "16")
    assert wrong.exit_code != 0 and "not the one it commits to" in wrong.output


def test_stark_prove_then_verify(home: Path) -> None:
    proof = ok(home, "--as", "app", "zk", "stark", "prove", "--start", "event 42",
               "--steps", "16")
    verdict = ok(None, "zk", "stark", "verify", "--proof", proof, "--steps", "16")
    assert verdict.startswith("valid: 16 hashes take ")
    assert invoke(None, "zk", "stark", "verify", "--proof", proof, "--steps", "8"
                  ).exit_code != 0


def test_snark_setup_prove_and_stock_snarkjs_verify(home: Path, ceremony: Path,
                                                    node_modules: Path,
                                                    tmp_path: Path) -> None:
    name = "commitment_opening"
    key_id = ok(home, "--as", "km", "zk", "snark", "setup", "--circuit", name,
                "--transcript", str(ceremony / "transcript.json"),
                "--zkey", str(ceremony / f"{name}.zkey"),
                "--wasm", str(ceremony / f"{name}_js" / f"{name}.wasm"),
                "--vkey", str(ceremony / f"{name}.vkey.json"), "--print", "key_id")
    (tmp_path / "in.json").write_text(json.dumps({
        "secret": "77", "blinding": "88", "commitment": str(poseidon.hash2(77, 88))}))
    unknown = invoke(home, "--as", "app", "zk", "snark", "prove", "--circuit", "no_such",
                     "--input", str(tmp_path / "in.json"))
    assert unknown.exit_code != 0 and "--circuit" in unknown.output
    assert f"registered circuits: {name}" in unknown.output
    by_id = ok(home, "--as", "app", "zk", "snark", "prove", "--circuit", key_id, "--input",
               str(tmp_path / "in.json"), "--print", "key_id")
    assert by_id == key_id  # the key id form still works
    ok(home, "--as", "app", "zk", "snark", "prove", "--circuit", name, "--input",
       str(tmp_path / "in.json"), "--proof-out", str(tmp_path / "proof.json"),
       "--public-out", str(tmp_path / "public.json"))
    vkey_hex = ok(home, "key", "public", key_id, "--format", "hex")
    (tmp_path / "vkey.json").write_bytes(bytes.fromhex(vkey_hex))
    stock = subprocess.run(["node", str(node_modules / "snarkjs" / "build" / "cli.cjs"),
                            "groth16", "verify", "vkey.json", "public.json", "proof.json"],
                           cwd=tmp_path, capture_output=True, check=False)
    assert stock.returncode == 0, stock.stdout + stock.stderr
    verdict = ok(None, "zk", "snark", "verify", "--vkey", str(tmp_path / "vkey.json"),
                 "--proof", str(tmp_path / "proof.json"), "--public",
                 str(tmp_path / "public.json"))
    assert verdict.startswith("valid Groth16 proof")
    (tmp_path / "public.json").write_text(json.dumps(["1"]))
    assert invoke(None, "zk", "snark", "verify", "--vkey", str(tmp_path / "vkey.json"),
                  "--proof", str(tmp_path / "proof.json"), "--public",
                  str(tmp_path / "public.json")).exit_code != 0
