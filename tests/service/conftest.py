"""Real servers on loopback (free ports, real TLS 1.3) over real ledgers in temporary homes.

Each server gets a home of its own: one actor per role (named after the role), ``nobody``
(no role), ``domain-signer`` (signer in domain ``payments`` only) and the bootstrap
``admin``. Tests act through the SDK as these actors; their identity keys are unsealed once
from the home, as a client would hold its own.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from commands.sdk.client import Client
from commands.service.config import ServiceConfig
from commands.service.limits import Limits
from commands.service.observability import configure_logging
from commands.service.server import Server
from commands.testing.ephemeral import EphemeralActor, provision

PASSPHRASE = "service tests, not secret"


class LogCapture(io.TextIOBase):
    """A stream keeping every JSON log line written by the service (thread-safe)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self._partial = ""

    def write(self, text: str) -> int:
        with self._lock:
            parts = (self._partial + text).split("\n")
            self._partial = parts.pop()
            self.lines.extend(p for p in parts if p)
        return len(text)

    def flush(self) -> None:
        return None


LOGS = LogCapture()
configure_logging(LOGS)


Actor = EphemeralActor


@dataclass
class Running:
    server: Server
    home: Path
    actors: dict[str, Actor]
    spans: InMemorySpanExporter
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server.rest_port}"

    @property
    def ca(self) -> Path:
        return self.home / "tls" / "ca.pem"

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.server.grpc_port}"

    def client(self, name: str, **options: Any) -> Client:
        actor = self.actors[name]
        return Client(self.url, actor.actor_id, actor.private_key, ca=self.ca, **options)


def make_home(folder: Path) -> dict[str, Actor]:
    """Initialize a ledger with the test actors and return their identities. Without the
    default approval rules: these tests check what each command itself answers on every
    front end (tests/approvals and tests/custody hold ExportKey and ReleaseEscrow)."""
    return provision(folder, bytearray(PASSPHRASE.encode()), name="service-tests",
                     default_approvals=False)


def start(folder: Path, *, limits: Limits | None = None, traced: bool = True,
          **options: Any) -> Running:
    """A server on ``folder``; ``traced=False`` gives it nowhere to send spans, as ``skms
    serve`` without ``--otlp-endpoint`` has (``spans`` is then not connected to it)."""
    actors = make_home(folder)
    spans = InMemorySpanExporter()
    config = ServiceConfig(home=folder, rest_port=0, grpc_port=0,
                           limits=limits or Limits(rate=10_000, burst=10_000,
                                                   refusals_per_window=100_000), **options)
    server = Server(config, bytearray(PASSPHRASE.encode()),
                    span_processors=[SimpleSpanProcessor(spans)] if traced else ())
    server.start()
    return Running(server, folder, actors, spans)


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The main server: TLS 1.3, client certificates optional, generous limits."""
    running = start(tmp_path_factory.mktemp("service") / "home", client_auth="optional")
    yield running
    running.server.stop()


@pytest.fixture
def fresh_service(tmp_path: Path) -> Iterator[Running]:
    """A server of this test only (for tests that stop it or count everything)."""
    running = start(tmp_path / "home", client_auth="optional")
    yield running
    running.server.stop()


@pytest.fixture
def key_id(service: Running) -> str:
    """A fresh active Ed25519 key in the default domain."""
    with service.client("key-manager") as client:
        return str(client.create_key("ed25519", label="fixture").result["key_id"])
