"""Compile SKMS's built-in circuits and run their Groth16 trusted setup once.

Why a script: a Groth16 proving key is only as trustworthy as the ceremony that made it. This
runs the whole ceremony in one documented, repeatable sequence with stock tools (circom
compiled to WASM, snarkjs, both from tools/zk/node_modules, installed by `make zk-tools`) and
writes a transcript whose SHA-256 the ledger records, so anyone can later check which keys the
ledger's proofs were made and verified with.

Steps (the snarkjs commands, in order):
1. `circom2 CIRCUIT.circom --r1cs --wasm` for each circuit in tools/zk/circuits.
2. Phase 1, powers of tau on BN254 with 2^POWER points (default 2^10, enough for 1,024
   constraints): `powersoftau new`, one `powersoftau contribute` with 64 bytes from
   os.urandom, `powersoftau prepare phase2`, `powersoftau verify`.
3. Phase 2, per circuit: `groth16 setup`, one `zkey contribute` with fresh os.urandom entropy,
   `zkey verify` against the r1cs and the phase-1 file, `zkey export verificationkey`.
4. transcript.json: tool versions, the power, every command run, and the SHA-256 of every
   file written (phase-1 files, r1cs, wasm, zkeys, verification keys); transcript.sha256 holds
   the SHA-256 of transcript.json as written. The intermediate zkeys and tau files are kept
   so the transcript can be checked, and hold no toxic waste (the contributions' entropy is
   never written).

Trust: with one contribution per phase, the setup is sound if this machine's randomness was
good and the process was not observed; a production ceremony adds contributions from other
parties (`snarkjs powersoftau contribute` / `zkey contribute` by each) and a random beacon.

Usage: python tools/zk/setup_ceremony.py [--out DIR] [--power N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CIRCUITS = ("commitment_opening", "bounded_value")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Ceremony:
    def __init__(self, out: Path, power: int) -> None:
        self.out = out
        self.power = power
        self.modules = HERE / "node_modules"
        self.commands: list[list[str]] = []

    def node(self, tool: str, *args: str, secret: str | None = None,
             cwd: Path | None = None) -> None:
        """Run one node tool; ``secret`` (entropy) is passed but never recorded."""
        script = {"snarkjs": self.modules / "snarkjs" / "build" / "cli.cjs",
                  "circom2": self.modules / "circom2" / "cli.js"}[tool]
        argv = ["node", str(script), *args]
        recorded = [tool, *args]
        if secret is not None:
            argv.append(f"-e={secret}")
            recorded.append("-e=<64 bytes from os.urandom, not recorded>")
        self.commands.append(recorded)
        started = time.perf_counter()
        subprocess.run(argv, cwd=cwd or self.out, check=True, stdout=subprocess.DEVNULL)
        print(f"  {' '.join(recorded)}  ({time.perf_counter() - started:.1f} s)", flush=True)

    def run(self) -> str:
        self.out.mkdir(parents=True, exist_ok=True)
        circuits_dir = HERE / "circuits"
        print(f"compiling circuits into {self.out}")
        for name in CIRCUITS:
            # circom2 runs under WASI and resolves includes best from the circuit's folder.
            self.node("circom2", f"{name}.circom", "--r1cs", "--wasm", "-o", str(self.out),
                      cwd=circuits_dir)
        p = self.power
        print(f"phase 1: powers of tau, 2^{p}")
        self.node("snarkjs", "powersoftau", "new", "bn128", str(p), f"pot{p}_0000.ptau")
        self.node("snarkjs", "powersoftau", "contribute", f"pot{p}_0000.ptau",
                  f"pot{p}_0001.ptau", "--name=SKMS phase 1", secret=os.urandom(64).hex())
        self.node("snarkjs", "powersoftau", "prepare", "phase2", f"pot{p}_0001.ptau",
                  f"pot{p}_final.ptau")
        self.node("snarkjs", "powersoftau", "verify", f"pot{p}_final.ptau")
        print("phase 2: per-circuit keys")
        for name in CIRCUITS:
            self.node("snarkjs", "groth16", "setup", f"{name}.r1cs", f"pot{p}_final.ptau",
                      f"{name}_0000.zkey")
            self.node("snarkjs", "zkey", "contribute", f"{name}_0000.zkey", f"{name}.zkey",
                      "--name=SKMS phase 2", secret=os.urandom(64).hex())
            self.node("snarkjs", "zkey", "verify", f"{name}.r1cs", f"pot{p}_final.ptau",
                      f"{name}.zkey")
            self.node("snarkjs", "zkey", "export", "verificationkey", f"{name}.zkey",
                      f"{name}.vkey.json")
        return self.write_transcript()

    def write_transcript(self) -> str:
        files = sorted(path for path in self.out.rglob("*")
                       if path.is_file() and not path.name.startswith("transcript."))
        versions = {tool: json.loads((self.modules / tool / "package.json").read_text())["version"]
                    for tool in ("snarkjs", "circom2")}
        transcript = {
            "format": "skms-groth16-ceremony-v1",
            "curve": "bn128",
            "power": self.power,
            "tools": versions,
            "circuits": list(CIRCUITS),
            "commands": self.commands,
            "files": {str(path.relative_to(self.out)): sha256_file(path) for path in files},
        }
        text = json.dumps(transcript, indent=1, sort_keys=True) + "\n"
        (self.out / "transcript.json").write_text(text)
        digest = hashlib.sha256(text.encode()).hexdigest()
        (self.out / "transcript.sha256").write_text(digest + "\n")
        return digest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "build",
                        help="output folder (default tools/zk/build)")
    parser.add_argument("--power", type=int, default=10, choices=range(8, 13),
                        help="phase-1 size 2^POWER (8..12, default 10)")
    args = parser.parse_args()
    if not (HERE / "node_modules" / "snarkjs").is_dir():
        print("tools/zk/node_modules is missing: run `make zk-tools` first", file=sys.stderr)
        return 2
    started = time.perf_counter()
    digest = Ceremony(args.out.resolve(), args.power).run()
    print(f"transcript sha256 {digest}  ({time.perf_counter() - started:.1f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
