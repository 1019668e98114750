"""After a soak: every acknowledged command's events are in the store exactly once, the
chain verifies, and no request got a 5xx other than the retryable ones (503, and the
server's own 504 deadline, whose command may still commit).

Why "exactly once" is counted from the store's own columns: the auditor checks that each
stored envelope's ``command_id`` agrees with its signed body, so grouping the stored
envelopes by command id is grouping by what the actor signed. A command's decision is one
append, so its events are consecutive seqs of one chain; a command run twice would show
two separate runs of seqs. A command held for approval is the one exception the ledger
makes by design: its ``ApprovalRequested`` event comes first and the command's own events
follow when the quorum completes, so a held command may have two runs and no more.

* lost: an acknowledged command whose acknowledged seqs are not all in the store under its
  command id (the first one always; the others may be under the id of the held command an
  approval executed: those events are that command's, appended with the approval).
* duplicated: a command id with more runs of events than its kind allows (checked for
  every command id in the store, acknowledged or not).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ledger.home import Home  # noqa: E402
from ledger.stores.base import EventStore  # noqa: E402
from tools.soak.harness import PASSPHRASE  # noqa: E402

HELD_FIRST = "ApprovalRequested"
LEDGER_EVENTS = frozenset({"CheckpointPublished"})
"""Events the ledger writes on its own (under its own command ids, one per checkpoint)."""


@dataclass
class Verdict:
    acknowledged: int = 0
    replayed_acks: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    bad_5xx: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    events: int = 0
    chains: int = 0
    audit_ok: bool = False
    audit_output: str = ""

    @property
    def ok(self) -> bool:
        return (not self.lost and not self.duplicated and not self.bad_5xx and self.audit_ok
                and self.acknowledged > 0)


def runs(seqs: list[int]) -> int:
    """How many runs of consecutive seqs ``seqs`` (sorted) makes."""
    return sum(1 for i, seq in enumerate(seqs) if i == 0 or seq != seqs[i - 1] + 1)


def stored_commands(store: EventStore) -> tuple[dict[str, dict[str, list[tuple[int, str]]]],
                                                int, int]:
    """command id -> chain -> [(seq, event type)], and the event and chain counts."""
    found: dict[str, dict[str, list[tuple[int, str]]]] = defaultdict(lambda: defaultdict(list))
    events = 0
    chains = store.chains()
    for chain in chains:
        for envelope in store.read(chain):
            events += 1
            if envelope.event_type in LEDGER_EVENTS:
                continue
            found[envelope.command_id][chain].append((envelope.seq, envelope.event_type))
    return found, events, len(chains)


def collect(run: Path, verdict: Verdict) -> list[dict[str, Any]]:
    acks: list[dict[str, Any]] = []
    statuses: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    for path in sorted((run / "clients").glob("*.acks.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                acks.append(json.loads(line))
    for path in sorted((run / "clients").glob("*.bad.jsonl")):
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            (verdict.refused if "refused" in entry else verdict.bad_5xx).append(entry)
    for path in sorted((run / "clients").glob("*.summary.json")):
        summary = json.loads(path.read_text())
        for key, value in summary["statuses"].items():
            statuses[key] += value
        for key, value in summary["counts"].items():
            counts[key] += value
    verdict.statuses, verdict.counts = dict(statuses), dict(counts)
    return acks


def check(run: Path, home: Path, store_url: str | None = None) -> Verdict:
    verdict = Verdict()
    acks = collect(run, verdict)
    store, keyring = Home(home, store_url).open_store()
    try:
        found, verdict.events, verdict.chains = stored_commands(store)
    finally:
        store.close()
        keyring.close()
    verdict.acknowledged = len(acks)
    held = {str(a["command_id"]) for a in acks if a["status"] == "pending"}
    held |= {command_id for command_id, by_chain in found.items()
             if any(min(events)[1] == HELD_FIRST for events in by_chain.values())}
    at: dict[tuple[str, int], str] = {(chain, seq): command_id
                                      for command_id, by_chain in found.items()
                                      for chain, events in by_chain.items()
                                      for seq, _ in events}
    for ack in acks:
        command_id, chain = str(ack["command_id"]), str(ack["chain"])
        verdict.replayed_acks += bool(ack["replayed"])
        owners = [at.get((chain, int(seq))) for seq in ack["seqs"]]
        if not owners or owners[0] != command_id or any(
                owner != command_id and owner not in held for owner in owners):
            verdict.lost.append(command_id)
    for command_id, by_chain in found.items():
        for chain, events in by_chain.items():
            seqs = sorted(seq for seq, _ in events)
            if len(seqs) != len(set(seqs)):
                verdict.duplicated.append(f"{command_id}@{chain}: a seq twice")
                continue
            first_type = min(events)[1]
            allowed = 2 if (command_id in held or first_type == HELD_FIRST) else 1
            if runs(seqs) > allowed:
                verdict.duplicated.append(f"{command_id}@{chain}: {runs(seqs)} runs")
    audit = subprocess.run(
        [sys.executable, "-m", "commands.cli.main", "--home", str(home),
         *(["--store", store_url] if store_url else []), "audit", "verify"],
        capture_output=True, text=True, cwd=ROOT, timeout=1800,
        env={**os.environ, "SKMS_PASSPHRASE": PASSPHRASE}, check=False)
    verdict.audit_ok = audit.returncode == 0
    verdict.audit_output = (audit.stdout + audit.stderr).strip()[-2000:]
    return verdict
