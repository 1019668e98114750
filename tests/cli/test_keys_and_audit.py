"""The CLI contract, driven through click's runner and, for exit codes, a real process."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from commands.cli.main import cli
from tests.vectors import REPO_ROOT

PASS = "cli test passphrase"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli") / "home"
    run(folder, "init", "--name", "cli", "--checkpoint-every", "4")
    run(folder, "actor", "add", "km", "--role", "key-manager")
    run(folder, "actor", "add", "signer", "--role", "signer")
    run(folder, "actor", "add", "aud", "--role", "auditor")
    return folder


def invoke(home: Path, args: tuple[str, ...], code: int, env: dict[str, str] | None):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["--home", str(home), *args],
                                env={"SKMS_PASSPHRASE": PASS, **(env or {})},
                                catch_exceptions=False)
    assert result.exit_code == code, (args, result.output)
    return result


def run(home: Path, *args: str, code: int = 0, env: dict[str, str] | None = None) -> str:
    """Everything the user sees (stdout and stderr)."""
    return str(invoke(home, args, code, env).output)


def run_json(home: Path, *args: str, code: int = 0) -> dict:  # type: ignore[type-arg]
    """The JSON document on stdout (progress and warnings go to stderr)."""
    return json.loads(invoke(home, (*args, "--json"), code, None).stdout)


@pytest.mark.parametrize("algorithm", ["ed25519", "ecdsa-secp256k1", "ecdsa-p256"])
def test_create_sign_verify_contract(home: Path, tmp_path: Path, algorithm: str) -> None:
    created = run_json(home, "--as", "km", "key", "create", "--algorithm", algorithm,
                       "--label", f"cli-{algorithm}")
    key_id = created["key_id"]
    pem = run(home, "key", "public", key_id, "--format", "pem")
    public = load_pem_public_key(pem.encode())
    raw = run(home, "key", "public", key_id, "--format", "hex").strip()
    assert len(bytes.fromhex(raw)) == (32 if algorithm == "ed25519" else 33)
    message = tmp_path / "message.bin"
    message.write_bytes(b"the quick brown fox")
    signed = run_json(home, "--as", "signer", "sign", key_id, "--input", str(message))
    assert isinstance(signed["seq"], int)
    signature = bytes.fromhex(signed["signature"])
    if algorithm == "ed25519":
        public.verify(signature, message.read_bytes())  # type: ignore[call-arg, union-attr]
    else:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        public.verify(signature, message.read_bytes(), ec.ECDSA(hashes.SHA256()))  # type: ignore[call-arg, union-attr]
    run(home, "verify", key_id, "--input", str(message), "--signature", signed["signature"])
    other = tmp_path / "other.bin"
    other.write_bytes(b"something else")
    run(home, "verify", key_id, "--input", str(other), "--signature", signed["signature"], code=1)


def test_lifecycle_commands_and_listing(home: Path, tmp_path: Path) -> None:
    key_id = run_json(home, "--as", "km", "key", "create", "--algorithm", "ed25519",
                      "--destruction-wait-days", "0")["key_id"]
    assert run_json(home, "--as", "km", "key", "rotate", key_id)["version"] == 2
    assert run_json(home, "--as", "km", "key", "suspend", key_id, "--reason", "x")["state"] == \
        "suspended"
    message = tmp_path / "m"
    message.write_bytes(b"m")
    refused = run_json(home, "--as", "signer", "sign", key_id, "--input", str(message), code=2)
    assert refused["ok"] is False and refused["recorded_seq"] is not None
    run(home, "--as", "km", "key", "reactivate", key_id)
    run(home, "--as", "km", "key", "revoke", key_id)
    assert run_json(home, "--as", "km", "key", "destroy", key_id)["state"] == "destroyed"
    shown = run_json(home, "key", "show", key_id)
    assert shown["state"] == "destroyed" and shown["versions"] == [1, 2]
    listed = run_json(home, "key", "list")
    assert key_id in {row["key_id"] for row in listed}  # type: ignore[attr-defined]
    actors = run_json(home, "actor", "list")
    assert {a["name"] for a in actors} >= {"admin", "km", "signer", "aud"}  # type: ignore[attr-defined]


def test_batch_signing(home: Path, tmp_path: Path) -> None:
    key_id = run_json(home, "--as", "km", "key", "create", "--algorithm", "ecdsa-p256")["key_id"]
    files = []
    for n in range(3):
        path = tmp_path / f"doc{n}"
        path.write_bytes(f"document {n}".encode())
        files += ["--input", str(path)]
    result = run_json(home, "--as", "signer", "sign", key_id, *files)
    assert len(result["signatures"]) == 3 and len(result["seqs"]) == 1
    for path, signature in zip(files[1::2], result["signatures"], strict=True):
        run(home, "verify", key_id, "--input", path, "--signature", signature)
    shown = run(home, "--as", "signer", "sign", key_id, *files)
    assert [line.split()[1] for line in shown.splitlines()] == files[1::2]


def test_audit_commands(home: Path, tmp_path: Path) -> None:
    report = run_json(home, "audit", "verify", "--quiet")
    assert report["ok"] is True and report["events"] > 0
    shown = invoke(home, ("--as", "aud", "audit", "checkpoint", "--publish"), 0, None)
    note = str(shown.stdout)  # the verifier keys go to stderr: '> trusted.note' stays a note
    assert note.startswith("skms.ledger/") and "\u2014 " in note
    origin = note.split("\n", 1)[0]
    assert f"C2SP verifier key (origin name): {origin}+" in str(shown.stderr)
    assert note.count("\u2014 ") == 2  # signed under the origin line and the ledger name
    checkpoint_file = tmp_path / "trusted.note"
    checkpoint_file.write_text(note)
    run(home, "audit", "verify", "--quiet", "--trusted-checkpoint", str(checkpoint_file))
    proof = tmp_path / "proof.json"
    proof.write_text(run(home, "audit", "proof", "2"))
    document = json.loads(proof.read_text())
    assert {"leaf_index", "tree_size", "leaf_hash", "path"} <= set(document)
    key = report["ledger_public_key"]
    verified = run_json(home, "audit", "verify-proof", str(proof), "--ledger-key", key)
    assert verified["valid"] is True
    consistency = tmp_path / "consistency.json"
    consistency.write_text(run(home, "audit", "consistency", "1"))
    run(home, "audit", "verify-proof", str(consistency), "--ledger-key", key)
    document["path"][0] = document["path"][0][:-4] + "AAA="
    proof.write_text(json.dumps(document))
    run(home, "audit", "verify-proof", str(proof), code=1)


def test_bad_input_is_a_clear_error_without_traceback(home: Path) -> None:
    output = run(home, "key", "show", "no-such-key", code=2)
    assert "no key" in output and "Traceback" not in output
    bad = run_json(home, "--as", "km", "key", "create", "--algorithm", "ed25519",
                   "--domain", "Bad Domain!", code=2)
    assert bad["field"] == "domain"
    wrong = run(home, "key", "list", code=0)  # listing needs no passphrase
    assert "Traceback" not in wrong


def test_wrong_passphrase_is_refused(home: Path) -> None:
    output = run(home, "--as", "km", "key", "create", "--algorithm", "ed25519", code=2,
                 env={"SKMS_PASSPHRASE": "wrong"})
    assert "passphrase" in output.lower()


def test_tampering_makes_audit_exit_1_naming_the_seq(tmp_path: Path) -> None:
    folder = tmp_path / "home"
    run(folder, "init")
    run(folder, "actor", "add", "km", "--role", "key-manager")
    run(folder, "--as", "km", "key", "create", "--algorithm", "ed25519")
    with sqlite3.connect(folder / "ledger.db") as db:
        (body,) = db.execute("SELECT body FROM events WHERE chain_id='default' AND seq=1"
                             ).fetchone()
        changed = bytearray(body)
        changed[-1] ^= 1
        db.execute("UPDATE events SET body=? WHERE chain_id='default' AND seq=1", (bytes(changed),))
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.run([sys.executable, "-m", "commands.cli.main", "--home", str(folder),
                              "audit", "verify", "--json", "--quiet"], capture_output=True,
                             text=True, env=env, cwd=REPO_ROOT)
    assert process.returncode == 1
    failure = json.loads(process.stdout)
    assert (failure["chain"], failure["seq"], failure["check"]) == ("default", 1, "event-hash")
    assert "Traceback" not in process.stderr


def test_audit_in_worker_processes_matches_one_process(tmp_path: Path) -> None:
    """``--jobs`` through the real entry point (workers are spawned: they re-import it)."""
    folder = tmp_path / "home"
    run(folder, "init")
    run(folder, "actor", "add", "km", "--role", "key-manager")
    for _ in range(3):
        run(folder, "--as", "km", "key", "create", "--algorithm", "ed25519")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}

    def audit(*options: str) -> tuple[int, dict]:  # type: ignore[type-arg]
        process = subprocess.run([sys.executable, "-m", "commands.cli.main", "--home",
                                  str(folder), "audit", "verify", "--json", "--quiet",
                                  *options], capture_output=True, text=True, env=env,
                                 cwd=REPO_ROOT, timeout=120)
        assert "Traceback" not in process.stderr
        return process.returncode, json.loads(process.stdout)

    workers = ("--jobs", "2", "--parallel-from", "1")
    alone = audit("--jobs", "1")
    assert alone[0] == 0 and alone == audit(*workers)
    with sqlite3.connect(folder / "ledger.db") as db:
        (body,) = db.execute("SELECT body FROM events WHERE chain_id='default' AND seq=2"
                             ).fetchone()
        db.execute("UPDATE events SET body=? WHERE chain_id='default' AND seq=2",
                   (body[:-1] + bytes([body[-1] ^ 1]),))
    refused = audit(*workers)
    assert refused[0] == 1 and refused == audit("--jobs", "1")
    assert (refused[1]["chain"], refused[1]["seq"]) == ("default", 2)


@pytest.mark.parametrize("option", [("--jobs", "-1"), ("--parallel-from", "0")])
def test_audit_refuses_nonsense_parallel_options(home: Path, option: tuple[str, str]) -> None:
    assert option[0] in run(home, "audit", "verify", *option, code=2)


@pytest.mark.parametrize("workers", [(), ("--jobs", "2", "--parallel-from", "1")],
                         ids=["default", "workers"])
def test_replay_command_copies_and_verifies(home: Path, tmp_path: Path,
                                            workers: tuple[str, ...]) -> None:
    target = f"sqlite:///{tmp_path / 'replica.db'}"
    result = run_json(home, "replay", "--from", f"sqlite:///{home / 'ledger.db'}", "--to", target,
                      "--with-keyring", *workers)
    assert sum(result["copied"].values()) == result["audit"]["events"]
    original = run_json(home, "audit", "verify", "--quiet")
    replica = run_json(home, "--store", target, "audit", "verify", "--quiet")
    assert [(c["chain_id"], c["root"]) for c in replica["chains"]] == [
        (c["chain_id"], c["root"]) for c in original["chains"]]


def test_demo_records_verifies_and_projects(tmp_path: Path) -> None:
    summary = run_json(tmp_path / "demo-home", "demo", "--signatures", "2")
    assert summary["verified"] is True and summary["refused_commands"] == 2
    assert summary["projection"]["signatures"] == summary["signatures"]
    assert summary["projection"]["refusals"] == summary["refused_commands"]
    assert summary["projection"]["keys_by_state"] == {"active": 3, "destroyed": 1}


@pytest.mark.parametrize(("jobs", "cpus", "expected"), [(0, 2, 2), (0, 64, 4), (0, 1, 1),
                                                        (7, 2, 7), (1, 64, 1)])
def test_jobs_zero_means_one_per_cpu_capped(jobs: int, cpus: int, expected: int,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from commands.cli import workers

    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda pid: set(range(cpus)))
    assert workers.worker_count(jobs) == expected
