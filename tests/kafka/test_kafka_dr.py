"""Disaster recovery through the CLI: Kafka -> SQLite -> a new Kafka prefix, verified.

The runbook in docs/operations.md is exactly these steps; the test is its proof that a copy
made by ``skms replay`` is the same log (same chain roots, same signed checkpoints), keeps
crypto-shredding (a destroyed key's data key is not resurrected), and can be written on.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from commands.cli.main import cli
from ledger.merkle.checkpoint import open_checkpoint
from ledger.stores.base import EventStore
from ledger.stores.url import open_store
from tests.kafka.conftest import delete_topics, require_broker
from tests.kafka.kafka_ledger import init_ledger, store_url
from tests.ledger.conftest import PASSPHRASE, new_session
from tests.vectors import REPO_ROOT

pytestmark = pytest.mark.kafka
require_broker(module_level=True)


def skms(cli_home: Path, *args: str) -> dict[str, Any]:
    """Run ``skms --json ARGS`` in-process; the JSON it printed (exit code 0 required)."""
    result = CliRunner().invoke(cli, ["--home", str(cli_home), "--json", *args],
                                env={"SKMS_PASSPHRASE": PASSPHRASE}, catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
    return json.loads(result.stdout)


def roots(report: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [(c["chain_id"], c["size"], c["root"]) for c in report["chains"]]


def checkpoint_roots(url: str, ledger_id: str, public_key: bytes) -> dict[str, list[Any]]:
    """Every stored checkpoint of every chain: (size, root) read from its verified note."""
    store, keyring = open_store(url)
    try:
        found: dict[str, list[Any]] = {}
        for chain_id in store.chains():
            origin = f"skms.ledger/{ledger_id}"
            found[chain_id] = [
                (cp.size, open_checkpoint(cp.note, {origin: public_key}).root_hash.hex(), cp.note)
                for cp in store.checkpoints(chain_id)]
        return found
    finally:
        store.close()
        keyring.close()


def keyring_refs(url: str) -> list[str]:
    store, keyring = open_store(url)
    try:
        return keyring.refs()
    finally:
        store.close()
        keyring.close()


def sizes(store: EventStore) -> dict[str, int]:
    return {c: sum(1 for _ in store.read(c)) for c in store.chains()}


def test_replay_kafka_to_sqlite_and_back_keeps_roots_and_shredding(
        tmp_path: Path, kafka_bootstrap: str, kafka_admin: object) -> None:
    origin_prefix, restored_prefix = ("o" + uuid.uuid4().hex[:12], "r" + uuid.uuid4().hex[:12])
    origin = store_url(kafka_bootstrap, origin_prefix)
    restored = store_url(kafka_bootstrap, restored_prefix)
    backup = f"sqlite:///{tmp_path / 'backup' / 'ledger.db'}"
    (tmp_path / "backup").mkdir()
    home, cli_home = tmp_path / "home", tmp_path / "cli"
    try:
        init_ledger(home, origin, checkpoint_every_events=4)
        session = new_session(home)
        try:
            kept = session.act("alice", "CreateKey", "payments",
                                   {"algorithm": "ecdsa-p256"}).result["key_id"]
            doomed = session.act("alice", "CreateKey", "default", {
                "algorithm": "ed25519", "destruction_wait_days": 0}).result["key_id"]
            for n in range(3):
                session.sign("bob", kept, f"payment {n}".encode())
                session.sign("bob", doomed, f"memo {n}".encode())
            session.key_command("alice", "RotateKey", kept)
            session.key_command("alice", "RevokeKey", doomed)
            shredded = [v["data_key_ref"] for v in session.ledger().key(doomed).versions.values()]
            assert session.key_command("alice", "DestroyKey", doomed).result["state"] == \
                "destroyed"
            session.act("carol", "RequestCheckpoint", "payments", {})
            trusted = tmp_path / "trusted-payments.note"
            latest = session.store()[0].latest_checkpoint("payments")
            assert latest is not None
            trusted.write_text(latest.note)
            ledger_id = str(session.ledger().ledger_id)
            public_key = session.home.ledger_public_key()
        finally:
            session.close()

        # 1. Off the cluster into a file, then 2. back into a fresh prefix, both verified.
        to_sqlite = skms(cli_home, "replay", "--from", origin, "--to", backup, "--with-keyring")
        with_origin = open_store(origin)
        try:
            assert to_sqlite["copied"] == sizes(with_origin[0])
        finally:
            with_origin[0].close()
            with_origin[1].close()
        assert to_sqlite["keyring_entries"] == len(keyring_refs(origin))
        to_kafka = skms(cli_home, "replay", "--from", backup, "--to", restored, "--with-keyring")
        assert to_kafka["copied"] == to_sqlite["copied"]
        again = skms(cli_home, "replay", "--from", origin, "--to", backup)  # resumes: no-op
        assert sum(again["copied"].values()) == 0

        # 3. Every copy verifies, against the checkpoint trusted before the disaster too.
        reports = {url: skms(cli_home, "--store", url, "audit", "verify", "--quiet",
                             "--trusted-checkpoint", str(trusted))
                   for url in (origin, backup, restored)}
        assert all(r["ok"] and r["trusted_checkpoints"] for r in reports.values())
        assert roots(reports[origin]) == roots(reports[backup]) == roots(reports[restored])
        assert {c["chain_id"] for c in reports[origin]["chains"]} == {
            "system", "default", "payments"}
        checkpoints = [checkpoint_roots(u, ledger_id, public_key)
                       for u in (origin, backup, restored)]
        assert checkpoints[0] == checkpoints[1] == checkpoints[2]
        assert all(checkpoints[0][chain] for chain in ("system", "default", "payments"))

        # 4. The key-ring came along without the shredded data keys.
        refs = keyring_refs(origin)
        assert keyring_refs(backup) == keyring_refs(restored) == refs
        assert not set(shredded) & set(refs)

        # 5. A real process agrees (exit code 0), and the restored ledger can be written on.
        verified = subprocess.run(
            [str(Path(sys.executable).parent / "skms"), "--store", restored, "audit", "verify",
             "--quiet"], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
        assert verified.returncode == 0, verified.stderr[-2000:]
        assert "OK:" in verified.stdout
        recovered = new_session(home, restored)
        try:
            recovered.sign("bob", kept, b"signed after the recovery")
        finally:
            recovered.close()
        after = skms(cli_home, "--store", restored, "audit", "verify", "--quiet")
        assert {c["chain_id"]: c["size"] for c in after["chains"]}["payments"] > dict(
            (c[0], c[1]) for c in roots(reports[restored]))["payments"]
    finally:
        delete_topics(kafka_admin, origin_prefix)
        delete_topics(kafka_admin, restored_prefix)
