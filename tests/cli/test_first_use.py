"""What a new user meets first: homes that are not there, stores that cannot hold a ledger,
readable output, clear refusals, bugs reported without tracebacks, and two ``skms``
processes writing one home at once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from commands import reads
from commands.cli.main import cli
from tests.vectors import REPO_ROOT

PASS = "first use passphrase"


def invoke(home: Path, *args: str, code: int = 0, **options: Any) -> Result:
    result = CliRunner().invoke(cli, ["--home", str(home), *args],
                                env={"SKMS_PASSPHRASE": PASS}, catch_exceptions=False,
                                **options)
    assert result.exit_code == code, (args, result.output)
    return result


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("first-use") / "home"
    invoke(folder, "init", "--checkpoint-every", "1000")
    invoke(folder, "actor", "add", "km", "--role", "key-manager")
    invoke(folder, "actor", "add", "app", "--role", "signer")
    return folder


def key(home: Path) -> str:
    created = invoke(home, "--as", "km", "key", "create", "--algorithm", "ed25519", "--json")
    return str(json.loads(created.stdout)["key_id"])


def test_a_mistyped_home_is_named_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-home"
    refused = invoke(missing, "key", "list", code=2)
    assert f"no ledger at {missing}" in refused.stderr and "skms init" in refused.stderr
    assert not missing.exists()
    elsewhere = invoke(missing, "--store", f"sqlite:///{tmp_path / 'nothing.db'}", "audit",
                       "verify", code=2)
    assert "no ledger store at" in elsewhere.stderr and not (tmp_path / "nothing.db").exists()


def test_a_memory_store_cannot_be_initialized(tmp_path: Path) -> None:
    refused = invoke(tmp_path / "h", "--store", "memory://", "init", code=2)
    assert "memory://" in refused.stderr and not (tmp_path / "h").exists()


def test_init_names_its_store_and_the_home_can_move(tmp_path: Path) -> None:
    first = tmp_path / "first"
    shown = invoke(first, "init").stdout
    assert f"store: sqlite:///{first / 'ledger.db'}\n" in shown  # four slashes: absolute
    assert json.loads((first / "config.json").read_text())["store"] == "sqlite:///ledger.db"
    moved = tmp_path / "moved"
    shutil.move(first, moved)
    assert "OK:" in invoke(moved, "audit", "verify", "--quiet").stdout
    invoke(moved, "actor", "add", "km", "--role", "key-manager")
    key_id = key(moved)
    assert key_id in invoke(moved, "key", "list").stdout


def test_choices_are_checked_before_anything_runs(home: Path) -> None:
    refused = invoke(home, "key", "list", "--state", "bogus", code=2)
    assert "Invalid value for '--state'" in refused.output and "active" in refused.output


def test_records_show_times_and_policies_in_words(home: Path) -> None:
    shown = invoke(home, "key", "show", key(home)).stdout
    assert "rotation_period_days=90, destruction_wait_days=30" in shown
    assert "{" not in shown and "created_at:" in shown
    created = next(line for line in shown.splitlines() if line.startswith("created_at:"))
    assert created.rstrip().endswith("Z") and "T" in created


def test_a_proof_past_the_last_checkpoint_says_what_to_do(home: Path) -> None:
    invoke(home, "--as", "admin", "audit", "checkpoint", "--publish", "--chain", "system")
    invoke(home, "actor", "add", "late", "--role", "analyst")  # after the checkpoint
    chains = json.loads(invoke(home, "audit", "chains", "--json").stdout)
    head = next(c["head_seq"] for c in chains if c["chain_id"] == "system")
    refused = invoke(home, "audit", "proof", str(head), "--chain", "system", code=2)
    assert "SEQ:" in refused.stderr and "--publish" in refused.stderr
    assert "--size" in refused.stderr or "size" in refused.stderr


def test_an_option_of_the_other_form_is_refused(home: Path) -> None:
    key_id = key(home)
    refused = invoke(home, "--as", "km", "key", "destroy", key_id, "--reason", "x", code=2)
    assert "--reason: applies only with --cancel" in refused.stderr
    again = invoke(home, "--as", "km", "key", "show", key_id)
    assert "state:           active" in again.stdout  # nothing was done


def test_secrets_are_never_command_line_values(home: Path) -> None:
    refused = invoke(home, "--as", "km", "wallet", "import", "abandon", code=2)
    assert "Got unexpected extra argument" in refused.output
    missing = invoke(home, "--as", "km", "wallet", "import", code=2)
    assert "--mnemonic-file" in missing.output


def test_json_errors_name_the_option_and_the_exit_code(home: Path) -> None:
    refused = invoke(home, "--as", "km", "--json", "key", "create", "--algorithm", "ed25519",
                     "--domain", "Bad Domain!", code=2)
    problem = json.loads(refused.stdout)
    assert problem["field"] == "domain" and problem["option"] == "--domain"
    assert problem["exit_code"] == 2 and problem["ok"] is False


def test_a_bug_is_one_line_naming_its_report(home: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("simulated defect with a value: 1234")

    monkeypatch.setitem(reads.READS, "ListKeys", broken)
    quiet = invoke(home, "key", "list", code=70)
    (line,) = quiet.stderr.strip().splitlines()
    assert line.startswith("internal error (RuntimeError): this is a bug in skms")
    report = Path(line.rsplit(" ", 1)[1])
    assert "simulated defect" in report.read_text() and "Traceback" in report.read_text()
    assert report.stat().st_mode & 0o777 == 0o600
    report.unlink()
    verbose = invoke(home, "-v", "key", "list", code=70)
    assert "Traceback" in verbose.stderr and "simulated defect" in verbose.stderr
    Path(verbose.stderr.strip().splitlines()[-1].rsplit(" ", 1)[1]).unlink()


def test_two_processes_sign_in_one_home_at_once(home: Path, tmp_path: Path) -> None:
    key_id = key(home)
    message = tmp_path / "m"
    message.write_bytes(b"concurrent")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "SKMS_PASSPHRASE": PASS}
    argv = [sys.executable, "-m", "commands.cli.main", "--home", str(home), "--as", "app",
            "--json", "sign", key_id, "--input", str(message)]
    processes = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env, cwd=REPO_ROOT) for _ in range(4)]
    answers = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        answers.append(json.loads(out))
    assert len({a["seq"] for a in answers}) == 4
    assert len({a["command_id"] for a in answers}) == 4
    report = json.loads(invoke(home, "audit", "verify", "--quiet", "--json").stdout)
    assert report["ok"] is True
    shown = json.loads(invoke(home, "key", "show", key_id, "--json").stdout)
    assert shown["signatures"] == 4


def test_proofs_and_algorithms_need_no_home(home: Path, tmp_path: Path) -> None:
    proof = tmp_path / "proof.json"
    proof.write_text(invoke(home, "audit", "proof", "1", "--chain", "system", "--size",
                            "2").stdout)
    nowhere = tmp_path / "no-home"
    verified = invoke(nowhere, "audit", "verify-proof", str(proof))
    assert verified.stdout.startswith("valid inclusion proof")
    assert "ed25519" in invoke(nowhere, "algorithms").stdout and not nowhere.exists()
