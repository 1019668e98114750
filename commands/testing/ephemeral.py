"""A throw-away SKMS server for client developers' tests (``skms serve --ephemeral``).

Requirements:
1. One call gives a running server (REST, gRPC, feed; TLS 1.3 with a fresh CA) over a fresh
   ledger whose actors exist already: ``admin`` and one actor per role, named after the role,
   plus ``nobody`` (no role) and ``domain-signer`` (signer in ``payments`` only).
2. The bootstrap (URL, gRPC target, CA, each actor's id and private key) is returned and can
   be printed: the identities are throw-away, and a client in another process needs them.
3. Everything lives in a RAM-backed temporary folder (``/dev/shm`` where present) and is
   deleted, keys wiped, at :meth:`EphemeralServer.stop`.
4. ``seed`` makes the run reproducible: every key (identities, the ledger key, keys created
   later in the same order) comes from :func:`ledger.crypto.entropy.reproducible_randomness`.
   Ids (UUIDs) and times still differ between runs.
5. ``fixture`` loads named content after start-up (:mod:`commands.testing.fixtures`).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from opentelemetry.sdk.trace import SpanProcessor

from commands.sdk.client import Client
from commands.sdk.grpc_client import GrpcClient
from commands.service.config import ServiceConfig
from commands.service.limits import Limits
from commands.service.server import Server
from commands.session import Session
from commands.testing.fixtures import load_fixture
from ledger.crypto.entropy import reproducible_randomness
from ledger.crypto.memory import zeroize
from ledger.domain.actor import ROLES
from ledger.home import Home

# mkdtemp makes a private (0700) folder of its own in it: no shared-name race.
RAM_FOLDER = Path("/dev/shm")  # noqa: S108
CHECKPOINT_EVERY_EVENTS = 16
"""Small, so a test sees a signed checkpoint after a handful of commands."""


@dataclass
class EphemeralActor:
    """A throw-away actor identity: its private key is handed out on purpose."""

    name: str
    actor_id: str
    private_key: bytes = field(repr=False)
    public_key: bytes
    roles: tuple[str, ...]
    domains: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"actor_id": self.actor_id, "private_key": self.private_key.hex(),
                "public_key": self.public_key.hex(), "roles": list(self.roles),
                "domains": list(self.domains)}


TEST_ACTORS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    *((role, (role,), ("*",)) for role in ROLES if role != "admin"),
    ("nobody", (), ("*",)),
    ("domain-signer", ("signer",), ("payments",)),
)
"""Besides the bootstrap ``admin``: one actor per role, one with none, one domain-bound."""


def provision(folder: Path, passphrase: bytearray, *, name: str = "ephemeral",
              checkpoint_every_events: int = CHECKPOINT_EVERY_EVENTS,
              default_approvals: bool = True) -> dict[str, EphemeralActor]:
    """Initialize a ledger in ``folder`` with the :data:`TEST_ACTORS` and return them all
    (``default_approvals`` as for :meth:`Session.initialize`)."""
    session = Session(Home(folder), passphrase=bytearray(passphrase))
    try:
        session.initialize(name=name, checkpoint_every_events=checkpoint_every_events,
                           default_approvals=default_approvals)
        granted: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
            "admin": (("admin",), ("*",))}
        for actor_name, roles, domains in TEST_ACTORS:
            session.add_actor("admin", actor_name, list(roles), list(domains))
            granted[actor_name] = (roles, domains)
        kek = session.kek()
        actors = {}
        for identity in session.home.identities():
            key = session.home.identity_key(identity.name, kek)
            roles, domains = granted[identity.name]
            actors[identity.name] = EphemeralActor(identity.name, identity.actor_id,
                                                   bytes(key), identity.public_key,
                                                   roles, domains)
            zeroize(key)
        return actors
    finally:
        session.close()


@dataclass
class Bootstrap:
    """What a client needs: where the server is, which CA to trust, who it may act as."""

    url: str
    grpc_target: str
    ca_path: Path
    ca_pem: str
    actors: dict[str, EphemeralActor]
    seed: str | None = field(repr=False)  # who has it has every key of the run
    fixture: str | None
    loaded: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"rest": self.url, "grpc": self.grpc_target, "ca": str(self.ca_path),
                "ca_pem": self.ca_pem, "reproducible": self.seed is not None,
                "fixture": self.fixture, "loaded": self.loaded,
                "actors": {n: a.as_dict() for n, a in sorted(self.actors.items())}}


class EphemeralServer(AbstractContextManager["EphemeralServer"]):
    """Start with :meth:`start` (or ``with``), act with :meth:`client`, end with :meth:`stop`."""

    def __init__(self, *, seed: str | None = None, fixture: str | None = None,
                 host: str = "127.0.0.1", rest_port: int = 0, grpc_port: int = 0,
                 limits: Limits | None = None, folder: Path | None = None,
                 span_processors: Iterable[SpanProcessor] = (), **options: Any) -> None:
        self.seed = seed
        self.fixture = fixture
        self._own_folder = folder is None
        self._parent = Path(tempfile.mkdtemp(prefix="skms-ephemeral-", dir=ram_folder())
                            ) if folder is None else folder
        self.home = self._parent / "home"
        self._passphrase = bytearray(secrets.token_hex(32).encode())
        self._config = ServiceConfig(
            home=self.home, host=host, rest_port=rest_port, grpc_port=grpc_port,
            limits=limits or Limits(rate=10_000, burst=10_000, refusals_per_window=100_000),
            **{"client_auth": "optional", **options})
        self._span_processors = tuple(span_processors)
        self._randomness = ExitStack()
        self.server: Server | None = None
        self.bootstrap: Bootstrap | None = None

    def start(self) -> Bootstrap:
        if self.seed is not None:
            self._randomness.enter_context(reproducible_randomness(self.seed.encode()))
        try:
            actors = provision(self.home, self._passphrase)
            self.server = Server(self._config, bytearray(self._passphrase),
                                 span_processors=self._span_processors)
            self.server.start()
            ca_path = self.home / "tls" / "ca.pem"
            bootstrap = Bootstrap(
                url=f"https://{self._config.host}:{self.server.rest_port}",
                grpc_target=f"{self._config.host}:{self.server.grpc_port}",
                ca_path=ca_path, ca_pem=ca_path.read_text(), actors=actors, seed=self.seed,
                fixture=self.fixture, loaded={})
            self.bootstrap = bootstrap
            if self.fixture is not None:
                with self.client("admin") as admin, self.client("key-manager") as manager:
                    bootstrap.loaded = load_fixture(self.fixture, admin=admin, manager=manager)
            return bootstrap
        except BaseException:
            self.stop()
            raise

    def client(self, name: str = "admin", **options: Any) -> Client:
        """An SDK client acting as actor ``name`` over REST."""
        actor = self._actor(name)
        bootstrap = self._started()
        return Client(bootstrap.url, actor.actor_id, actor.private_key, ca=bootstrap.ca_path,
                      **options)

    def grpc_client(self, name: str = "admin") -> GrpcClient:
        """An SDK client acting as actor ``name`` over gRPC."""
        actor = self._actor(name)
        bootstrap = self._started()
        return GrpcClient(bootstrap.grpc_target, actor.actor_id, actor.private_key,
                          ca=bootstrap.ca_path)

    def wait(self, stop: threading.Event) -> None:
        """Serve until ``stop`` is set (``skms serve --ephemeral``: SIGINT or SIGTERM)."""
        if self.server is None:
            raise RuntimeError("the ephemeral server is not started")
        self.server.wait(stop)

    def actors(self) -> Iterator[EphemeralActor]:
        return iter(self._started().actors.values())

    def stop(self) -> None:
        """Stop the server, leave reproducible mode, forget the keys, delete the folder."""
        if self.server is not None:
            self.server.stop()
            self.server = None
        self._randomness.close()
        zeroize(self._passphrase)
        if self.bootstrap is not None:
            for actor in self.bootstrap.actors.values():
                actor.private_key = b""
        if self._own_folder:
            shutil.rmtree(self._parent, ignore_errors=True)
        else:
            shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> EphemeralServer:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def _started(self) -> Bootstrap:
        if self.bootstrap is None:
            raise RuntimeError("the ephemeral server is not started")
        return self.bootstrap

    def _actor(self, name: str) -> EphemeralActor:
        actors = self._started().actors
        if name not in actors:
            raise KeyError(f"no ephemeral actor {name!r}; known: {', '.join(sorted(actors))}")
        return actors[name]


def ram_folder() -> str | None:
    """``/dev/shm`` when it is a writable folder (RAM-backed on Linux), else the default."""
    return str(RAM_FOLDER) if RAM_FOLDER.is_dir() and os.access(RAM_FOLDER, os.W_OK) else None
