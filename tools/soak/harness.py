"""The soak's ledger and its ``skms serve`` process: set-up, start, SIGKILL, restart, RSS.

Why a real ``skms serve`` process (not the app in-process): what the soak proves is about
that process, its resident memory and what survives a SIGKILL of it; clients in other
processes reach it over loopback TLS as they would in production.

The server binds port 0 on every start (a restart after SIGKILL may not get the old port
back at once), so the current origin is written to ``<run>/server.json``; clients re-read
it when a connection fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "soak passphrase, not a secret"
GATED_DOMAIN = "gated"
ACTORS = {"km": ["key-manager"], "signer": ["signer"], "approver": ["approver"],
          "auditor": ["auditor"]}
"""The soak's actors besides ``admin`` (all domains)."""

READY_LINE = re.compile(r"serving REST on (https?://[^ ]+) and gRPC")


@dataclass(frozen=True)
class SoakLedger:
    """What the clients need: actor keys, the keys they use, where the CA is."""

    home: Path
    actors: dict[str, tuple[str, str]]  # name -> (actor_id, private key hex)
    sign_key: str
    encrypt_key: str
    gated_key: str

    def to_json(self) -> dict[str, Any]:
        return {"home": str(self.home), "actors": self.actors, "sign_key": self.sign_key,
                "encrypt_key": self.encrypt_key, "gated_key": self.gated_key}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SoakLedger:
        return cls(Path(data["home"]), {k: (v[0], v[1]) for k, v in data["actors"].items()},
                   data["sign_key"], data["encrypt_key"], data["gated_key"])


def prepare_ledger(home: Path, store_url: str | None) -> SoakLedger:
    """A ledger with the soak's actors, a signing and an encryption key, and a domain where
    ChangeKeyPolicy needs one approval (so the workload has approvals to give)."""
    sys.path.insert(0, str(ROOT))
    from commands.session import Session
    from ledger.home import Home

    session = Session(Home(home, store_url), passphrase=bytearray(PASSPHRASE.encode()))
    try:
        session.initialize(name="soak", checkpoint_every_events=256)
        for name, roles in ACTORS.items():
            session.add_actor("admin", name, roles, ["*"])
        sign_key = session.run("km", "CreateKey", algorithm="ed25519").result["key_id"]
        encrypt_key = session.run("km", "CreateKey", algorithm="aes-256-gcm").result["key_id"]
        gated_key = session.run("km", "CreateKey", algorithm="ed25519",
                                domain=GATED_DOMAIN).result["key_id"]
        session.run("admin", "SetApprovalPolicy", command="ChangeKeyPolicy", approvals=1,
                    domain=GATED_DOMAIN)
        kek = session.kek()
        actors = {}
        for name in ("admin", *ACTORS):
            identity = session.home.identity(name)
            secret = session.home.identity_key(name, kek)
            actors[name] = (identity.actor_id, bytes(secret).hex())
    finally:
        session.close()
    return SoakLedger(home, actors, str(sign_key), str(encrypt_key), str(gated_key))


def rss_bytes(pid: int) -> int:
    """Resident set size of ``pid`` now (VmRSS), 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


class ServerProcess:
    """One ``skms serve`` at a time on the soak's home; start, SIGKILL, restart.

    ``extra`` are further ``skms serve`` options (the memory bounds under test);
    ``python`` may be a wrapper such as ``tools/soak/traced_serve.py``.
    """

    def __init__(self, run: Path, home: Path, *, extra: list[str] | None = None,
                 wrapper: list[str] | None = None, log: Path | None = None) -> None:
        self.run = run
        self.home = home
        self.extra = list(extra or [])
        self.wrapper = wrapper or ["-m", "commands.cli.main"]
        self.log = log or run / "server.log"
        self.process: subprocess.Popen[str] | None = None
        self.origin: str | None = None
        self.starts = 0

    def start(self, timeout: float = 120.0) -> str:
        argv = [sys.executable, *self.wrapper, "--home", str(self.home), "serve",
                "--rest-port", "0", "--grpc-port", "0", "--rate", "0", *self.extra]
        with self.log.open("a") as log:
            log.write(f"--- start {self.starts} at {time.time():.3f}\n")
            log.flush()
            self.process = subprocess.Popen(
                argv, env={**os.environ, "SKMS_PASSPHRASE": PASSPHRASE}, cwd=ROOT,
                stdout=subprocess.PIPE, stderr=log, text=True)
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        line = ""
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            found = READY_LINE.search(line)
            if found:
                self.origin = found.group(1)
                break
            if not line and self.process.poll() is not None:
                raise RuntimeError(f"skms serve exited with {self.process.returncode}; "
                                   f"see {self.log}")
        else:
            self.kill()
            raise RuntimeError(f"skms serve did not start within {timeout:.0f}s: {line!r}")
        self.starts += 1
        # Keep the pipe drained: a full pipe would block the server on its next print.
        threading.Thread(target=self.process.stdout.read, name="serve-stdout",
                         daemon=True).start()
        self._publish()
        return self.origin

    def _publish(self) -> None:
        target = self.run / "server.json"
        scratch = target.with_suffix(".tmp")
        scratch.write_text(json.dumps({"origin": self.origin, "start": self.starts,
                                       "ca": str(self.home / "tls" / "ca.pem")}))
        scratch.replace(target)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process and self.process.poll() is None else None

    def rss(self) -> int:
        pid = self.pid
        return rss_bytes(pid) if pid else 0

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; what a crash or the OOM killer does."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        """SIGTERM (graceful), SIGKILL after the grace."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(30)
        self.kill()

    def signal(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signum)


def read_origin(run: Path) -> tuple[str, int, Path]:
    data = json.loads((run / "server.json").read_text())
    return str(data["origin"]), int(data["start"]), Path(data["ca"])
