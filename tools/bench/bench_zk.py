"""Zero-knowledge benchmark (never run by the tests): prove/verify times and proof sizes,
each beside the primitive it is built from, measured in the same run.

Rows: Bulletproofs range proofs (64-bit, 1 and 4 values) against one ristretto255 scalar
multiplication; the hash-chain STARK (1,024 and 8,192 hashes) against one Rp64_256 hash;
Groth16 verification of a snarkjs proof in Rust (arkworks) and in pure Python (py_ecc, one
run) against one BN254 pairing, plus stock snarkjs's own prove and verify (Node start-up
included). Medians of a few runs; the machine is shared, so compare ratios.

    .venv/bin/python tools/bench/bench_zk.py [--quick] [--json OUT.json]

The "ledger" rows run the same work as commands (Commit, ProveRange, ProveSnark) through a
Session on a fresh SQLite home: signing, admission, unsealing, the event's commit.

Groth16 rows need `make zk-tools` (tools/zk/node_modules and tools/zk/build); they are
skipped with a note otherwise.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ledger.crypto.zk import groth16, native, pedersen, poseidon, range_proof, stark  # noqa: E402
from ledger.crypto.zk.snarkjs import CircuitArtifacts, SnarkjsProver  # noqa: E402
from tests.ledger.conftest import new_session  # noqa: E402
from tests.zk import pyecc_groth16  # noqa: E402

ZK_TOOLS = ROOT / "tools" / "zk"


def median_seconds(action: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def row(name: str, seconds: float, size: int | None = None, note: str = "") -> dict[str, Any]:
    return {"operation": name, "ms": round(seconds * 1000, 3), "bytes": size, "note": note}


def bench_range_proofs(runs: int) -> list[dict[str, Any]]:
    g, _ = pedersen.generators()
    scalar = pedersen.scalar_bytes(123456789)
    rows = [row("ristretto255 scalar mult (primitive)",
                median_seconds(lambda: native.invoke("ristretto_scalar_mult", bytes(scalar), g),
                               runs * 20))]
    for count in (1, 4):
        values = list(range(1, count + 1))
        proof, _ = range_proof.prove(values, bits=64)
        rows.append(row(f"range proof prove, 64-bit x{count}",
                        median_seconds(lambda v=values: range_proof.prove(v, bits=64), runs),
                        len(proof.proof)))
        rows.append(row(f"range proof verify, 64-bit x{count}",
                        median_seconds(lambda p=proof: range_proof.verify(p), runs),
                        len(proof.proof)))
    return rows


def bench_stark(runs: int, steps_list: tuple[int, ...]) -> list[dict[str, Any]]:
    start = stark.start_from_bytes(b"bench")
    one_hash = median_seconds(lambda: stark.hash_chain(start, 1024), runs) / 1024
    rows = [row("Rp64_256 hash (primitive, from a 1,024-hash chain)", one_hash)]
    for steps in steps_list:
        proof = stark.prove(start, steps)
        prove_runs = max(1, runs // 2) if steps > 1024 else runs
        rows.append(row(f"STARK prove, {steps} hashes",
                        median_seconds(lambda s=steps: stark.prove(start, s), prove_runs),
                        len(proof.proof), f"direct chain {one_hash * steps * 1000:.2f} ms"))
        rows.append(row(f"STARK verify, {steps} hashes",
                        median_seconds(lambda p=proof: stark.verify(p), runs * 5),
                        len(proof.proof)))
    return rows


def bench_groth16(runs: int) -> list[dict[str, Any]]:
    build = ZK_TOOLS / "build"
    prover = SnarkjsProver(ZK_TOOLS / "node_modules")
    rows = [row("BN254 pairing (primitive, arkworks)",
                median_seconds(lambda: native.invoke("bn254_pairing_once"), runs * 5))]
    if not prover.available() or not (build / "transcript.sha256").is_file():
        rows.append(row("Groth16 rows skipped", 0.0, note="run `make zk-tools`"))
        return rows
    circuit = CircuitArtifacts.in_folder(build, "commitment_opening")
    inputs = {"secret": 42, "blinding": 4242, "commitment": poseidon.hash2(42, 4242)}
    vkey = circuit.verification_key()
    proof, public = prover.prove(circuit, inputs)
    proof_size = len(proof.canonical_json)
    rows.append(row("Groth16 prove, snarkjs fullprove (node subprocess)",
                    median_seconds(lambda: prover.prove(circuit, inputs), max(1, runs // 2)),
                    proof_size, "commitment_opening circuit, proof as JSON"))
    rows.append(row("Groth16 verify, Rust (arkworks)",
                    median_seconds(lambda: groth16.verify(vkey, proof, public), runs * 5),
                    proof_size))
    rows.append(row("Groth16 verify, py_ecc optimized_bn128 (one run)",
                    median_seconds(lambda: pyecc_groth16.verify(vkey.to_dict(), proof.to_dict(),
                                                                public.to_list()), 1),
                    proof_size, "4 Miller loops, one final exponentiation"))
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "vkey.json").write_text(vkey.canonical_json)
        (work / "proof.json").write_text(proof.canonical_json)
        (work / "public.json").write_text(public.to_json())
        cli = ZK_TOOLS / "node_modules" / "snarkjs" / "build" / "cli.cjs"
        rows.append(row("Groth16 verify, stock snarkjs (node subprocess)", median_seconds(
            lambda: subprocess.run(["node", str(cli), "groth16", "verify", "vkey.json",
                                    "public.json", "proof.json"], cwd=work, check=True,
                                   capture_output=True), max(1, runs // 2)), proof_size))
    return rows


def bench_commands(runs: int) -> list[dict[str, Any]]:
    """The zero-knowledge commands end to end, beside the primitive rows above."""
    counter = iter(range(10**6))
    with tempfile.TemporaryDirectory() as folder:
        session = new_session(Path(folder) / "home")
        try:
            session.initialize(name="bench", checkpoint_every_events=1000)
            session.add_actor("admin", "alice", ["key-manager"], ["*"])
            session.add_actor("admin", "bob", ["signer"], ["*"])
            key_id = session.act("alice", "CreateKey", "default", {
                "algorithm": "pedersen-ristretto255"}).result["key_id"]

            def commit() -> str:
                name = f"c{next(counter)}"
                session.run("bob", "Commit", key_id=key_id, commitment_id=name, value=7)
                return name

            rows = [row("ledger: Commit (one commitment)", median_seconds(commit, runs * 3))]
            proved = commit()
            rows.append(row("ledger: ProveRange, 64-bit x1", median_seconds(
                lambda: session.run("bob", "ProveRange", key_id=key_id,
                                    commitment_ids=[proved], values=[7], bits=64), runs)))
            build = ZK_TOOLS / "build"
            if SnarkjsProver(ZK_TOOLS / "node_modules").available() and (
                    build / "transcript.json").is_file():
                name = "commitment_opening"
                circuit = session.run(
                    "alice", "RegisterCircuit", circuit=name, domain="default",
                    transcript=(build / "transcript.json").read_bytes(),
                    zkey=(build / f"{name}.zkey").read_bytes(),
                    wasm=(build / f"{name}_js" / f"{name}.wasm").read_bytes(),
                    vkey=(build / f"{name}.vkey.json").read_bytes()).result["key_id"]
                witness = json.dumps({"secret": "42", "blinding": "4242",
                                      "commitment": str(poseidon.hash2(42, 4242))}).encode()
                rows.append(row("ledger: ProveSnark (snarkjs + Rust verify + record)",
                                median_seconds(lambda: session.run(
                                    "bob", "ProveSnark", key_id=circuit, input=witness),
                                    max(1, runs // 2))))
        finally:
            session.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args()
    if not native.available():
        print("skms_native is not installed: run `make native`", file=sys.stderr)
        return 2
    runs = 3 if args.quick else 7
    rows = (bench_range_proofs(runs) + bench_stark(runs, (1024, 8192))
            + bench_groth16(runs) + bench_commands(runs))
    width = max(len(r["operation"]) for r in rows)
    print(f"{'operation':<{width}}  {'ms':>10}  {'bytes':>7}  note")
    for r in rows:
        size = "" if r["bytes"] is None else str(r["bytes"])
        print(f"{r['operation']:<{width}}  {r['ms']:>10.3f}  {size:>7}  {r['note']}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
