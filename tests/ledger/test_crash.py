"""A writer killed with SIGKILL at random points leaves a valid chain; a restart continues it."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from ledger.audit import Auditor
from ledger.command import parse_command
from ledger.envelope import open_envelope
from ledger.stores.sqlite import SQLiteEventStore
from tests.ledger.conftest import new_session
from tests.vectors import REPO_ROOT

EVENTS_PER_COMMAND = {"CreateKey": 2, "Sign": 1}


def _collect(writer: subprocess.Popen[str], lines: list[str]) -> None:
    assert writer.stdout is not None
    lines.extend(iter(writer.stdout.readline, ""))


@pytest.mark.slow
def test_sigkill_during_a_burst_loses_no_acknowledged_event(tmp_path: Path) -> None:
    home = tmp_path / "home"
    setup = new_session(home)
    setup.initialize(name="crash", checkpoint_every_events=16)
    setup.add_actor("admin", "alice", ["key-manager"], ["*"])
    setup.add_actor("admin", "bob", ["signer"], ["*"])
    setup.close()
    rng = random.Random(20261129)
    acknowledged: set[tuple[str, int]] = set()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    for _round in range(6):
        writer = subprocess.Popen([sys.executable, "-m", "tests.ledger.burst_writer", str(home)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                  cwd=REPO_ROOT, text=True)
        lines: list[str] = []
        reader = threading.Thread(target=_collect, args=(writer, lines), daemon=True)
        reader.start()
        deadline = time.monotonic() + 120
        while not lines and writer.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)  # the kill must land mid-burst, not during start-up
        time.sleep(rng.uniform(0.1, 1.5))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        reader.join(timeout=10)
        err = writer.stderr.read() if writer.stderr else ""  # type: ignore[union-attr]
        assert writer.returncode == -signal.SIGKILL, err[-2000:]
        for line in lines:
            if line.startswith("ACK "):
                _, chain, seqs = line.split()
                acknowledged.update((chain, int(s)) for s in seqs.split(","))
        store = SQLiteEventStore(home / "ledger.db")
        try:
            Auditor(store).verify()
            stored = {(c, e.seq) for c in store.chains() for e in store.read(c)}
            assert acknowledged <= stored, "an acknowledged event was lost"
            per_command: Counter[str] = Counter()
            kinds: dict[str, str] = {}
            for envelope in (open_envelope(e) for e in store.read("default")):
                if envelope.event_type in ("CheckpointPublished", "CommandRejected"):
                    continue
                command = parse_command(envelope.command)
                per_command[command.command_id] += 1
                kinds[command.command_id] = command.command_type
            for command_id, count in per_command.items():
                assert count == EVENTS_PER_COMMAND[kinds[command_id]], "partial command"
        finally:
            store.close()
    assert len(acknowledged) > 20, "the writer barely ran; the test proved nothing"
    # A restart continues the chain.
    again = new_session(home)
    key_id = again.run("alice", "CreateKey", algorithm="ecdsa-p256").result["key_id"]
    again.sign("bob", key_id, b"after the crashes")
    Auditor(again.store()[0]).verify()
    again.close()
