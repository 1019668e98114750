"""One soak client process: a mixed workload over REST, retrying each command under its id.

    python tools/soak/workload.py RUN_DIR INDEX KIND SECONDS

``KIND`` is ``mixed`` (create, rotate, sign, batch sign, encrypt, approve, reports; the
share of each in :data:`MIX`), ``sign`` (single signs and batches of 256, half each: the
memory measurement's load) or ``feed`` (a WebSocket subscriber that resumes after its last seq).

Why retries re-send the *same* prepared command: a command id is the idempotency key, and
only the identical signed bytes are answered with the first outcome. A client that signed a
fresh command after a lost reply could have its command run twice; the soak proves that the
retry of the same bytes never does. A command is *acknowledged* when a 200 names its seqs;
it is written to ``clients/<INDEX>.acks.jsonl`` at once (fsync'd: the harness may be killed
too). Every answer's status is counted; a 5xx other than a retryable one (503, or the
server's own 504 deadline) is written to
``clients/<INDEX>.bad.jsonl`` with its time and problem, for the harness to fail on.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from commands.sdk.client import Client, PreparedCommand  # noqa: E402
from commands.sdk.results import ApiError, CommandResult  # noqa: E402
from commands.sdk.transport import TransportError  # noqa: E402
from tools.soak.harness import SoakLedger, read_origin  # noqa: E402

MIX = (("sign", 40), ("sign_batch", 15), ("encrypt", 15), ("create", 5), ("rotate", 5),
       ("approve", 5), ("report", 10), ("read", 5))
BATCH = 32
LOAD_BATCH = 256
"""The memory load's batches: the service's default ``--max-batch``, the largest answers."""
RETRY_FOR_S = 240.0
"""A command is retried (same bytes) for this long, within the ledger's 5-minute clock skew
window; past it the client gives up on that command (counted as ``abandoned``)."""


class Recorder:
    """Append-only, fsync'd record of one client's acknowledgements and bad answers."""

    def __init__(self, run: Path, index: int) -> None:
        folder = run / "clients"
        folder.mkdir(exist_ok=True)
        self.acks = (folder / f"{index}.acks.jsonl").open("a")
        self.bad = (folder / f"{index}.bad.jsonl").open("a")
        self.summary_path = folder / f"{index}.summary.json"
        self.statuses: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()

    def ack(self, kind: str, prepared: PreparedCommand, result: CommandResult) -> None:
        self.acks.write(json.dumps({
            "kind": kind, "type": prepared.command.command_type,
            "command_id": prepared.command.command_id, "chain": result.chain,
            "seqs": result.seqs, "replayed": result.replayed, "status": result.status,
            "approval_id": result.approval_id}) + "\n")
        self.acks.flush()
        os.fsync(self.acks.fileno())
        self.counts["acknowledged"] += 1

    def refused(self, prepared: PreparedCommand, error: ApiError) -> None:
        self.counts["refused"] += 1
        self.bad.write(json.dumps({"at": time.time(), "status": error.status,
                                   "refused": prepared.command.command_type,
                                   "command_id": prepared.command.command_id,
                                   "problem": error.problem}) + "\n")
        self.bad.flush()

    def answer(self, status: int | str, problem: Any = None) -> None:
        self.statuses[str(status)] += 1
        if isinstance(status, int) and status >= 500 and not retryable(status, problem):
            self.bad.write(json.dumps({"at": time.time(), "status": status,
                                       "problem": problem}) + "\n")
            self.bad.flush()
            os.fsync(self.bad.fileno())

    def write_summary(self) -> None:
        scratch = self.summary_path.with_suffix(".tmp")
        scratch.write_text(json.dumps({"statuses": dict(self.statuses),
                                       "counts": dict(self.counts)}))
        scratch.replace(self.summary_path)


TIMED_OUT = "urn:skms:problem:request-timed-out"


def retryable(status: int, problem: Any) -> bool:
    """The 5xx answers a client is told to retry with the same command id: 503 (busy,
    draining, disk full) and the server's own 504 deadline (the command may still commit).
    Whether the retry then ran it exactly once is what the check counts."""
    return status == 503 or (status == 504 and isinstance(problem, dict)
                             and problem.get("type") == TIMED_OUT)


class Soaker:
    """A client that follows the server across restarts (new port, same CA)."""

    def __init__(self, run: Path, ledger: SoakLedger, actor: str, recorder: Recorder) -> None:
        self.run = run
        self.ledger = ledger
        self.actor = actor
        self.recorder = recorder
        self.start = -1
        self.client: Client | None = None

    def connect(self) -> Client:
        origin, start, ca = read_origin(self.run)
        if self.client is None or start != self.start:
            if self.client is not None:
                self.client.close()
            actor_id, secret = self.ledger.actors[self.actor]
            self.client = Client(origin, actor_id, bytes.fromhex(secret), ca=ca, timeout=30.0)
            self.start = start
        return self.client

    def call(self, action: Callable[[Client], Any], deadline: float, *,
             record: bool = True) -> Any:
        """Run ``action`` until it gets an answer that is not a fault; None if it never did.

        ``record`` False: the action may make no request at all (preparing a command looks
        a key's domain up once per connection), so a success is not counted as an answer;
        a failure always is (it was a request)."""
        pause = 0.05
        while time.monotonic() < deadline:
            client = self.connect()
            try:
                value = action(client)
            except TransportError:
                self.recorder.answer("connection")
            except ApiError as error:
                self.recorder.answer(error.status, error.problem)
                if error.status < 500 and error.status != 429:
                    raise
            else:
                if record:
                    self.recorder.answer(200)
                return value
            self.recorder.counts["retries"] += 1
            time.sleep(pause)
            pause = min(2.0, pause * 2)
        return None

    def read(self, action: Callable[[Client], Any], until: float) -> Any:
        """A read, retried through faults; a refusal (4xx) is counted, not fatal."""
        try:
            return self.call(action, until)
        except ApiError:
            self.recorder.counts["refused_reads"] += 1
            return None

    def command(self, kind: str, name: str, params: dict[str, Any]) -> CommandResult | None:
        """Prepare (sign) once, send until acknowledged; retries carry the same bytes."""
        deadline = time.monotonic() + RETRY_FOR_S
        try:
            prepared = self.call(lambda c: c.prepare_command(name, params), deadline,
                                 record=False)
        except ApiError:
            prepared = None
        if prepared is None:
            self.recorder.counts["unprepared"] += 1
            return None
        self.recorder.counts["commands"] += 1
        try:
            result = self.call(lambda c: c.send(prepared), deadline)
        except ApiError as error:  # a refusal (4xx): recorded, the workload goes on
            self.recorder.refused(prepared, error)
            return None
        if result is None:
            self.recorder.counts["abandoned"] += 1
            return None
        self.recorder.ack(kind, prepared, result)
        return result


def mixed(soaker: dict[str, Soaker], ledger: SoakLedger, rng: random.Random,
          until: float) -> None:
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    own_keys: list[str] = []
    reports: list[str] = []
    while time.monotonic() < until:
        kind = rng.choices(kinds, weights)[0]
        message = rng.randbytes(48)
        if kind == "sign":
            soaker["signer"].command(kind, "Sign", {"key_id": ledger.sign_key,
                                                     "message": message})
        elif kind == "sign_batch":
            soaker["signer"].command(kind, "SignBatch", {
                "key_id": ledger.sign_key, "messages": [rng.randbytes(32) for _ in range(BATCH)]})
        elif kind == "encrypt":
            soaker["signer"].command(kind, "Encrypt", {"key_id": ledger.encrypt_key,
                                                        "plaintext": message})
        elif kind == "create":
            made = soaker["km"].command(kind, "CreateKey", {"algorithm": "ed25519"})
            if made is not None and made.replayed is False and made.result:
                own_keys.append(str(made.result["key_id"]))
        elif kind == "rotate":
            target = rng.choice(own_keys) if own_keys else ledger.sign_key
            soaker["km"].command(kind, "RotateKey", {"key_id": target})
        elif kind == "approve":
            held = soaker["km"].command(kind, "ChangeKeyPolicy", {
                "key_id": ledger.gated_key, "rotation_period_days": rng.randint(30, 365)})
            if held is not None and held.approval_id:
                soaker["approver"].command(kind, "ApproveRequest",
                                           {"approval_id": held.approval_id})
        elif kind == "report":
            if not reports:
                listed = soaker["auditor"].read(lambda c: c.reports(), until)
                reports = [str(r["name"]) for r in listed or []]
            if reports:
                name = rng.choice(reports)
                soaker["auditor"].read(lambda c, n=name: c.report(n), until)
        else:
            soaker["auditor"].read(lambda c: c.get_key(ledger.sign_key), until)


def signs(soaker: dict[str, Soaker], ledger: SoakLedger, rng: random.Random,
          until: float) -> None:
    while time.monotonic() < until:
        if rng.random() < 0.5:
            soaker["signer"].command("sign_batch", "SignBatch", {
                "key_id": ledger.sign_key,
                "messages": [rng.randbytes(32) for _ in range(LOAD_BATCH)]})
        else:
            soaker["signer"].command("sign", "Sign", {"key_id": ledger.sign_key,
                                                       "message": rng.randbytes(48)})


def feed(soaker: Soaker, recorder: Recorder, until: float) -> None:
    """Follow the default chain from seq 0; after a drop, resume after the last seq seen.

    Counts events, and events seen twice across resumes (``feed_repeats``: must stay 0)."""
    last = -1
    while time.monotonic() < until:
        client = soaker.connect()
        try:
            with client.feed("default", from_seq=last + 1, open_timeout=5.0) as stream:
                recorder.answer(101)
                while time.monotonic() < until:
                    try:
                        event = stream.recv(timeout=1.0)
                    except TimeoutError:
                        continue
                    seq = int(event["seq"])
                    if seq <= last:
                        recorder.counts["feed_repeats"] += 1
                    else:
                        last = seq
                    recorder.counts["feed_events"] += 1
        except Exception as error:  # a dropped feed is expected under faults
            recorder.answer(f"feed:{type(error).__name__}")
            time.sleep(0.2)
        recorder.write_summary()


def main() -> None:
    run, index, kind, seconds = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(
        sys.argv[4])
    ledger = SoakLedger.from_json(json.loads((run / "ledger.json").read_text()))
    recorder = Recorder(run, index)
    rng = random.Random(index)
    until = time.monotonic() + seconds
    soakers = {name: Soaker(run, ledger, name, recorder) for name in ledger.actors}
    try:
        if kind == "feed":
            feed(soakers["auditor"], recorder, until)
        elif kind == "sign":
            signs(soakers, ledger, rng, until)
        else:
            mixed(soakers, ledger, rng, until)
    finally:
        recorder.write_summary()


if __name__ == "__main__":
    main()
