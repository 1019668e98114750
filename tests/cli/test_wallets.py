"""``skms wallet …`` through click's runner: stdout carries results, stderr warnings/errors."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from commands.cli.main import cli
from tests.vectors import load_json
from tests.wallets.ledger_fixture import VECTOR_MNEMONIC

PASS = "wallet cli passphrase"


def invoke(home: Path, *args: str, code: int = 0, stdin: str | None = None) -> Result:
    result = CliRunner().invoke(cli, ["--home", str(home), *args], input=stdin,
                                env={"SKMS_PASSPHRASE": PASS}, catch_exceptions=False)
    assert result.exit_code == code, (args, result.output)
    return result


def run_json(home: Path, *args: str, code: int = 0, stdin: str | None = None) -> Any:
    return json.loads(invoke(home, *args, "--json", code=code, stdin=stdin).stdout)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wallet-cli") / "home"
    invoke(folder, "init", "--name", "wallets", "--checkpoint-every", "8")
    invoke(folder, "actor", "add", "km", "--role", "key-manager")
    invoke(folder, "actor", "add", "signer", "--role", "signer")
    return folder


@pytest.fixture(scope="module")
def vector_wallet(home: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    mnemonic_file = tmp_path_factory.mktemp("secret") / "mnemonic.txt"
    mnemonic_file.write_text(VECTOR_MNEMONIC + "\n")
    refused = run_json(home, "--as", "km", "wallet", "import", "--mnemonic-file",
                       str(mnemonic_file), code=2)
    assert refused["reason_code"] == "weak-mnemonic" and refused["recorded_seq"] is not None
    imported = run_json(home, "--as", "km", "wallet", "import", "--mnemonic-file",
                        str(mnemonic_file), "--allow-weak", "--label", "vector",
                        "--gap-limit", "2")
    assert imported["master_fingerprint"] == "73c5da0a"
    assert "abandon" not in json.dumps(imported)
    return str(imported["wallet_id"])


def test_create_prints_the_mnemonic_once_with_a_warning(home: Path) -> None:
    text = invoke(home, "--as", "km", "wallet", "create", "--words", "12")
    assert "warning:" in text.stderr and "shown once" in text.stderr
    line = next(x for x in text.stdout.splitlines() if x.startswith("mnemonic: "))
    assert len(line.removeprefix("mnemonic: ").split()) == 12
    answer = invoke(home, "--as", "km", "wallet", "create", "--words", "15", "--language",
                    "french", "--json")
    created = json.loads(answer.stdout)
    assert len(created["mnemonic"].split()) == 15 and "shown once" in answer.stderr
    shown = run_json(home, "wallet", "show", created["wallet_id"])
    assert shown["language"] == "french" and "mnemonic" not in shown
    assert created["mnemonic"] not in invoke(home, "wallet", "list").output


def test_import_from_stdin_with_a_bip39_passphrase(home: Path, tmp_path: Path) -> None:
    created = run_json(home, "--as", "km", "wallet", "create", "--words", "12")
    passphrase_file = tmp_path / "bip39-pass"
    passphrase_file.write_text("extra words\n")
    imported = run_json(home, "--as", "km", "wallet", "import", "--mnemonic-file", "-",
                        "--bip39-passphrase-file", str(passphrase_file),
                        stdin=created["mnemonic"] + "\n")
    assert imported["master_fingerprint"] != created["master_fingerprint"]
    assert run_json(home, "wallet", "show", imported["wallet_id"])["has_passphrase"] is True
    bad = run_json(home, "--as", "km", "wallet", "import", "--mnemonic-file", "-",
                   stdin=" ".join(created["mnemonic"].split()[:11]), code=2)
    assert bad["field"] == "mnemonic" and created["mnemonic"].split()[0] not in bad["message"]


def test_derive_list_mark_used_and_gap_limit(home: Path, vector_wallet: str) -> None:
    vectors = load_json("bip84/bip84_test_vectors.json")["derivations"]
    first = run_json(home, "--as", "signer", "wallet", "derive", vector_wallet)
    assert (first["path"], first["address"]) == (vectors[1]["path"], vectors[1]["address"])
    assert invoke(home, "--as", "signer", "wallet", "derive", vector_wallet).stdout.split()[0] \
        == vectors[2]["address"]
    refused = invoke(home, "--as", "signer", "wallet", "derive", vector_wallet, code=2)
    assert "gap limit" in refused.stderr and refused.stdout == ""
    invoke(home, "--as", "signer", "wallet", "mark-used", vector_wallet, vectors[1]["path"])
    change = run_json(home, "--as", "signer", "wallet", "derive", vector_wallet, "--change", "1")
    assert change["address"] == vectors[3]["address"]
    listed = run_json(home, "wallet", "address", vector_wallet)
    assert [row["used"] for row in listed][:2] == [True, False]
    assert len(run_json(home, "wallet", "address", vector_wallet, "--unused")) == len(listed) - 1
    rows = run_json(home, "wallet", "list")
    assert vector_wallet in {row["wallet_id"] for row in rows}


def test_xpub_export_is_recorded_and_restricted(home: Path, vector_wallet: str) -> None:
    expected = load_json("bip86/bip86_test_vectors.json")["derivations"][0]["xpub"]
    assert invoke(home, "--as", "km", "wallet", "xpub", vector_wallet, "--purpose",
                  "86").stdout.strip() == expected
    refused = run_json(home, "--as", "signer", "wallet", "xpub", vector_wallet, code=2)
    assert refused["error"] == "Unauthorized" and refused["recorded_seq"] is not None
    assert run_json(home, "wallet", "show", vector_wallet)["xpub_exports"] == 1


@pytest.mark.parametrize("scheme", ["feldman", "slip39"])
def test_backup_files_and_recovery(home: Path, vector_wallet: str, tmp_path: Path,
                                   scheme: str) -> None:
    out = tmp_path / "shares"
    made = run_json(home, "--as", "km", "wallet", "backup", vector_wallet, "--threshold", "2",
                    "--custodian", "ann", "--custodian", "ben",
                    "--custodian", "cy lee", "--out-dir", str(out), "--scheme", scheme)
    files = [Path(f["file"]) for f in made["files"]]
    assert [f.name for f in files] == ["share-01-ann.json", "share-02-ben.json",
                                      "share-03-cy_lee.json"]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for path in files:  # shares go to the files only, never to stdout
        secret = json.loads(path.read_text()).get("share") or \
            json.loads(path.read_text())["mnemonic"]
        assert secret not in json.dumps(made)
    recovered = run_json(home, "--as", "km", "wallet", "recover",
                         str(files[2]), str(files[0]))
    assert recovered["share_indexes"] == [1, 3] and recovered["custodians"] == ["ann", "cy lee"]
    below = run_json(home, "--as", "km", "wallet", "recover", str(files[1]), code=2)
    assert below["field"] == "shares"
    document = json.loads(files[1].read_text())
    if scheme == "feldman":
        value = int(document["share"], 16) ^ 1
        document["share"] = f"{value:064x}"
    else:
        words = document["mnemonic"].split()
        document["mnemonic"] = " ".join([*words[:-1], words[-2]])
    corrupted = tmp_path / "corrupted.json"
    corrupted.write_text(json.dumps(document))
    failure = invoke(home, "--as", "km", "wallet", "recover", str(files[0]),
                     str(corrupted), code=2)
    assert "share(s) 2" in failure.stderr and failure.stdout == ""
    assert "recorded in the ledger" in failure.stderr
    again = invoke(home, "--as", "km", "wallet", "backup", vector_wallet, "--threshold", "2",
                   "--custodian", "ann", "--custodian", "ben", "--custodian",
                   "cy lee", "--out-dir", str(out), code=2)
    assert "already exist" in again.stderr
    mismatch = invoke(home, "--as", "km", "wallet", "backup", vector_wallet, "--threshold",
                      "2", "--custodian", "ann", "--out-dir", str(tmp_path / "x"), code=2)
    assert "--threshold" in mismatch.stderr and not (tmp_path / "x").exists()


def test_audit_verifies_after_wallet_activity(home: Path, vector_wallet: str) -> None:
    report = run_json(home, "audit", "verify", "--quiet")
    assert report["ok"] is True
