"""The committed own vectors are exactly what ``tools/gen_vectors.py`` writes.

Why a test runs the generator: the vectors pin the bytes of envelopes, checkpoints and
Merkle proofs. A change to the envelope format, the Avro schemas, the hashing or the
ledger's way of writing events changes those bytes; ``--check`` then fails naming every
file that moved, and whoever made the change must regenerate and review the diff. Each run
uses another ``PYTHONHASHSEED``, so output that depended on set or dict hashing order
would show up here as well; two builds in one process must also agree, and leave the
substituted sources (``uuid.uuid4``, ``secrets.token_hex``, the entropy source) as they
found them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.own_vectors import OWN_VECTORS
from tests.vectors import REPO_ROOT

GENERATOR = REPO_ROOT / "tools" / "gen_vectors.py"
SIZE_LIMIT = 1_000_000
"""Bytes the whole committed set may take: small enough to review and to keep in git."""
TWICE_IN_ONE_PROCESS = """
import secrets, sys, uuid
sys.path.insert(0, "tools")
from ledger.crypto import entropy
from vectorgen import generate
before = (uuid.uuid4, secrets.token_hex, dict(entropy.random_bytes.__kwdefaults__ or {}))
first = generate()
second = generate()
after = (uuid.uuid4, secrets.token_hex, dict(entropy.random_bytes.__kwdefaults__ or {}))
assert first == second, sorted(p for p in first if first[p] != second.get(p))[:5]
assert before == after, "a substituted source was not restored"
print(len(first))
"""


def run(*args: str, hash_seed: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SKMS_SCHEMAS_DIR"}
    env["PYTHONHASHSEED"] = hash_seed
    return subprocess.run([sys.executable, str(GENERATOR), *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, check=False, timeout=300)


def test_committed_vectors_are_what_the_generator_writes() -> None:
    result = run("--check", hash_seed="1")
    assert result.returncode == 0, result.stderr


def test_two_builds_in_one_process_are_identical() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SKMS_SCHEMAS_DIR"}
    result = subprocess.run([sys.executable, "-c", TWICE_IN_ONE_PROCESS], cwd=REPO_ROOT,
                            env=env, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr
    committed = sorted(OWN_VECTORS.rglob("*.json"))
    assert int(result.stdout) == len(committed)


def test_the_committed_set_stays_small() -> None:
    total = sum(p.stat().st_size for p in OWN_VECTORS.rglob("*.json"))
    assert 0 < total < SIZE_LIMIT, f"{total} bytes of own vectors"


def test_check_names_every_stale_file(tmp_path: Path) -> None:
    copy = tmp_path / "vectors"
    shutil.copytree(OWN_VECTORS, copy)
    edited = copy / "envelopes" / "corrupt" / "body-bit-flip.json"
    edited.write_text(edited.read_text(encoding="utf-8").replace("event-hash", "index"),
                      encoding="utf-8")
    (copy / "chains" / "ledger.json").unlink()
    (copy / "merkle" / "left-over.json").write_text("{}\n", encoding="utf-8")
    result = run("--check", "--output", str(copy), hash_seed="2")
    assert result.returncode == 1
    assert f"{edited}: differs" in result.stderr
    assert f"{copy / 'chains' / 'ledger.json'}: missing" in result.stderr
    assert f"{copy / 'merkle' / 'left-over.json'}: no longer generated" in result.stderr
    assert "3 vector file(s) out of date" in result.stderr
    rewrite = run("--output", str(copy), hash_seed="3")
    assert rewrite.returncode == 0, rewrite.stderr
    assert run("--check", "--output", str(copy), hash_seed="4").returncode == 0
    assert not (copy / "merkle" / "left-over.json").exists()
