"""Threshold signing through the ledger (never run by the tests): a 2-of-3 FROST(Ed25519)
session end to end, in one process and across three ``skms serve`` processes, beside the
single-key audited ``Sign`` measured in the same run.

A session is five audited commands: two ``CommitThresholdSigning``, two
``SignThresholdShare``, one ``AggregateThresholdSignature`` (every share verified), each
signed by its actor, admitted, decided, sealed or unsealed, and committed with fsync.

    .venv/bin/python tools/bench/bench_threshold_ledger.py [--rounds 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from commands.sdk.client import Client  # noqa: E402
from commands.sdk.results import ApiError  # noqa: E402
from commands.session import Session  # noqa: E402
from ledger.catalogue import CATALOGUE, sdk_name  # noqa: E402
from ledger.home import Home  # noqa: E402

PASSPHRASE = "bench threshold passphrase"
SUITE = "frost-ed25519"

Run = Callable[[int, str, str, dict[str, Any]], dict[str, Any]]
"""(participant, actor, command, params) -> result."""


def median_ms(action: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def dkg(run: Run) -> str:
    first = run(1, "km", "StartThresholdDkg", {"suite": SUITE, "threshold": 2,
                                               "participants": 3, "identifier": 1})
    group_id = str(first["group_id"])
    round1 = {1: first["message"]}
    for i in (2, 3):
        round1[i] = run(i, "km", "StartThresholdDkg", {
            "suite": SUITE, "threshold": 2, "participants": 3, "identifier": i,
            "group_id": group_id})["message"]
    sent = [m for i in (1, 2, 3) for m in run(i, "km", "RunThresholdDkgRound", {
        "group_id": group_id,
        "round1_messages": [v for j, v in round1.items() if j != i]})["messages"]]
    for i in (1, 2, 3):
        run(i, "km", "FinishThresholdDkg", {"group_id": group_id, "round2_messages": sent})
    return group_id


def session(run: Run, group_id: str, signers: tuple[int, int] = (1, 3)) -> None:
    session_id = str(uuid.uuid4())
    message = b"benchmark payout"
    commitments = [run(i, "signer", "CommitThresholdSigning", {
        "group_id": group_id, "session_id": session_id})["message"] for i in signers]
    shares = [run(i, "signer", "SignThresholdShare", {
        "group_id": group_id, "session_id": session_id, "commitments": commitments,
        "message": message})["message"] for i in signers]
    run(signers[0], "signer", "AggregateThresholdSignature", {
        "group_id": group_id, "session_id": session_id, "commitments": commitments,
        "shares": shares, "message": message})


def make_home(folder: Path) -> Session:
    current = Session(Home(folder), passphrase=bytearray(PASSPHRASE.encode()))
    current.initialize(name=folder.name, checkpoint_every_events=1000)
    current.add_actor("admin", "km", ["key-manager"], ["*"])
    current.add_actor("admin", "signer", ["signer"], ["*"])
    return current


def in_process(root: Path, rounds: int) -> dict[str, float]:
    seats = {i: make_home(root / f"inproc{i}") for i in (1, 2, 3)}
    try:
        def run(i: int, actor: str, name: str, params: dict[str, Any]) -> dict[str, Any]:
            result = seats[i].run(actor, name, **params).result
            assert isinstance(result, dict)
            return result

        dkg_ms = median_ms(lambda: dkg(run), 1)
        group_id = dkg(run)
        key_id = seats[1].run("km", "CreateKey", algorithm="ed25519").result["key_id"]
        single = median_ms(lambda: seats[1].sign("signer", key_id, b"benchmark payout"),
                           rounds)
        threshold = median_ms(lambda: session(run, group_id), rounds)
    finally:
        for seat in seats.values():
            seat.close()
    return {"single_sign_ms": single, "session_ms": threshold, "dkg_ms": dkg_ms,
            "ratio": threshold / single}


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def across_processes(root: Path, rounds: int) -> dict[str, float]:
    servers, clients = [], {}
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "SKMS_PASSPHRASE": PASSPHRASE}
    try:
        for i in (1, 2, 3):
            folder = root / f"proc{i}"
            seat = make_home(folder)
            kek = seat.kek()
            identities = {n: (seat.home.identity(n).actor_id,
                              bytes(seat.home.identity_key(n, kek))) for n in ("km", "signer")}
            seat.close()
            port = _port()
            servers.append(subprocess.Popen(
                [sys.executable, "-m", "commands.cli.main", "--home", str(folder), "serve",
                 "--rest-port", str(port), "--grpc-port", str(_port()), "--rate", "0"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=REPO_ROOT))
            for name, (actor_id, key) in identities.items():
                clients[(i, name)] = (f"https://127.0.0.1:{port}", actor_id, key,
                                      folder / "tls" / "ca.pem")
        connected = {k: _connect(*v) for k, v in clients.items()}

        def run(i: int, actor: str, name: str, params: dict[str, Any]) -> dict[str, Any]:
            client = connected[(i, actor)]
            return dict(getattr(client, sdk_name(CATALOGUE.command(name)))(**params).result)

        group_id = dkg(run)
        key_id = connected[(1, "km")].create_key("ed25519").result["key_id"]
        signer = connected[(1, "signer")]
        single = median_ms(lambda: signer.sign(key_id, b"benchmark payout"), rounds)
        threshold = median_ms(lambda: session(run, group_id), rounds)
        for client in connected.values():
            client.close()
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=60)
    return {"single_sign_ms": single, "session_ms": threshold, "ratio": threshold / single}


def _connect(url: str, actor_id: str, key: bytes, ca: Path) -> Client:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if ca.exists():
            client = Client(url, actor_id, key, ca=ca, timeout=120)
            try:
                client.whoami()
                return client
            except (ApiError, OSError):
                client.close()
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        figures = {"machine": f"{platform.machine()} {os.cpu_count()} cpu(s), Python "
                              f"{platform.python_version()}",
                   "rounds": options.rounds,
                   "one_process": in_process(root, options.rounds),
                   "three_processes": across_processes(root, options.rounds)}
    if options.json:
        print(json.dumps(figures, indent=2))
        return
    print(figures["machine"], f"median of {options.rounds}")
    for where in ("one_process", "three_processes"):
        f = figures[where]
        assert isinstance(f, dict)
        print(f"{where:16} single-key audited sign {f['single_sign_ms']:8.1f} ms   "
              f"2-of-3 FROST session {f['session_ms']:8.1f} ms   ({f['ratio']:.1f}x)")
    inproc = figures["one_process"]
    assert isinstance(inproc, dict)
    print(f"{'':16} 2-of-3 DKG, all three ledgers {inproc['dkg_ms']:.1f} ms")


if __name__ == "__main__":
    main()
