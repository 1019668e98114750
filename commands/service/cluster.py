"""Several ``skms serve`` processes on one Kafka store: who writes which chain, and getting
each command there (docs/operations.md, "Scaling out").

Requirements:

1. A member writes only the chains the owners' group gives it
   (:mod:`ledger.stores.kafka.ownership`); until it has joined, it writes none. The ledger
   (``Ledger.writes``) and the store (``KafkaEventStore.may_write``) both ask, so neither a
   command nor the checkpoint timer nor the scheduler can fence a chain's owner.
2. A REST command for a chain another member writes is forwarded to that member as it
   came (method, target, headers, body), and a gRPC command as its bytes and metadata
   (:mod:`commands.service.grpc_relay`): the owner authenticates it, checks its nonce,
   rate-limits its actor and decides it, so the forwarding member adds no trust of its
   own. A forwarded request is never forwarded again; while a chain's slot moves (or its
   owner does not answer) the answer is 503 ``NotChainOwner`` with ``Retry-After``, and a
   retry with the same command id gets the first outcome from whoever wrote it.
3. The owner must answer to the authority the client signed for (``--public-authority``:
   the name all members are reached by, e.g. the load balancer's).
4. Peers are reached over TLS verified against ``peer_ca`` (by default this home's
   development CA, which signed every member's certificate when they share a home).
5. A retry after a failover gets the original result: each command's result that holds no
   secret is kept in the result journal (:mod:`ledger.stores.kafka.results`) before its
   commit, and a replayed command whose result this member does not hold in memory is
   answered from there.
6. A refusal this member decides on a chain it does not write (a refused read goes on the
   system chain) is recorded by that chain's owner (:mod:`commands.service.refusal_relay`).
"""

from __future__ import annotations

import http.client
import json
import queue
import ssl
import threading
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from commands.service.config import ServiceConfig
from commands.service.observability import logger
from commands.service.refusal_relay import REFUSALS_PATH, relayed_refusal
from commands.service.tls import CA_FILE, TLS_FOLDER
from commands.wire import shape_to_json
from ledger.application import Ledger
from ledger.catalogue import CATALOGUE, SHAPES, CommandSpec
from ledger.command import SignedCommand
from ledger.errors import CommandRejected, ConfigurationError, NotChainOwner, SkmsError
from ledger.stores.base import EventStore
from ledger.stores.kafka.ownership import ChainOwnership
from ledger.stores.kafka.results import ResultJournal
from ledger.stores.kafka.store import KafkaEventStore

FORWARDED_HEADER = "skms-forwarded-by"
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate",
                        "proxy-authorization", "te", "trailer", "transfer-encoding",
                        "upgrade", "content-length"})
PEER_TIMEOUT_S = 30.0
POOL_SIZE = 32  # idle keep-alive connections kept per peer


@dataclass(frozen=True)
class Relayed:
    """A peer's answer to a forwarded request."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


def peer_ca_of(config: ServiceConfig) -> Path:
    """What the peers' certificates are checked against (requirement 4)."""
    if config.peer_ca is not None:
        return config.peer_ca
    if config.tls_cert is not None:  # one self-signed certificate shared by the members
        return config.tls_cert
    return config.home / TLS_FOLDER / CA_FILE


def kept_result(signed: SignedCommand, result: Any) -> bytes | None:
    """A command's result as its response shows it, unless it holds a secret (requirement 5).
    """
    spec = CATALOGUE.by_name.get(signed.command.command_type)
    if (not isinstance(spec, CommandSpec) or spec.result is None or spec.hooks.reveals_secret
            or not isinstance(result, Mapping) or _holds_secret(spec.result.name, set())):
        return None
    return json.dumps(shape_to_json(spec.result.name, result),
                      separators=(",", ":")).encode("utf-8")


def _holds_secret(shape: str, seen: set[str]) -> bool:
    """Whether a result shape, or one nested in it, has a field marked secret."""
    seen.add(shape)
    return any(field.secret or (field.shape is not None and field.shape not in seen
                                and _holds_secret(field.shape, seen))
               for field in SHAPES[shape].fields)


def command_chain(body: bytes) -> str | None:
    """The chain a command request's body names (``{"command": "<command JSON>", ...}``),
    or None when the body is not a command (a read, or something the route will refuse)."""
    try:
        outer = json.loads(body)
        command = json.loads(outer["command"]) if isinstance(outer, dict) else None
    except (ValueError, KeyError, TypeError):
        return None
    chain = command.get("chain_id") if isinstance(command, dict) else None
    return chain if isinstance(chain, str) and chain else None


class Cluster:
    """This member's share of the chains, and the way to the others."""

    def __init__(self, store: EventStore, ledger: Ledger, *, slots: int,
                 session_timeout_ms: int, peer_ca: Path | None) -> None:
        if not isinstance(store, KafkaEventStore):
            raise ConfigurationError("a cluster (--cluster) needs a kafka:// store",
                                     field="cluster", hint="start with --store kafka://...")
        self.store = store
        self.ledger = ledger
        self._slots = slots
        self._session_timeout_ms = session_timeout_ms
        self.ownership: ChainOwnership | None = None
        self.results = ResultJournal(store.settings)
        ledger.keep_results(encode=kept_result, write=self.results.write)
        store.may_write = self.owns
        ledger.writes = self.owns
        ledger.owner_of = self.owner
        ledger.refusals_elsewhere = self.hand_refusal
        self._peer_ca = peer_ca
        self._context: ssl.SSLContext | None = None
        self._pools: dict[str, queue.LifoQueue[http.client.HTTPConnection]] = {}
        self._pools_lock = threading.Lock()

    def join(self, advertise: str) -> None:
        """Join the owners' group as ``advertise`` and take the chains it assigns."""
        ownership = ChainOwnership(
            self.store.settings, advertise, chains=self.store.chains,
            on_gained=self._take, on_lost=self.store.release, slots=self._slots,
            session_timeout_ms=self._session_timeout_ms)
        self.ownership = ownership
        ownership.start()

    def _take(self, chain_id: str) -> None:
        self.store.take_over(chain_id)
        self.ledger.follow(chain_id)

    def owns(self, chain_id: str) -> bool:
        return self.ownership is not None and self.ownership.owns(chain_id)

    def owner(self, chain_id: str) -> str | None:
        return self.ownership.owner(chain_id) if self.ownership is not None else None

    def stored_result(self, signed: SignedCommand) -> dict[str, Any] | None:
        """The result kept when ``signed`` was first decided, by whichever member that was
        (requirement 5); None when it kept none."""
        found = self.results.find(signed.command.command_id, signed.command.issued_at)
        if found is None:
            return None
        value = json.loads(found)
        return value if isinstance(value, dict) else None

    def close(self) -> None:
        if self.ownership is not None:
            self.ownership.close()
        self.results.close()
        with self._pools_lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            while not pool.empty():
                pool.get_nowait().close()

    # --- forwarding (blocking: runs on the worker pool) ---------------------------------------

    def forward(self, chain_id: str, method: str, target: str,
                headers: list[tuple[bytes, bytes]], body: bytes) -> Relayed:
        """Send the request to the chain's owner and return its answer (requirement 2)."""
        owner = self.owner(chain_id)
        if owner is None or (self.ownership is not None and owner == self.ownership.advertise):
            raise _moving(chain_id, None)
        sent = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers
                if name.decode("latin-1").lower() not in HOP_BY_HOP]
        sent.append((FORWARDED_HEADER, self.ownership.advertise if self.ownership else ""))
        if not any(name.lower() == "host" for name, _ in sent):  # a relay of our own making
            sent.append(("Host", urllib.parse.urlsplit(owner).netloc))
        for attempt in (0, 1):
            connection, reused = self._connection(owner)
            try:
                connection.putrequest(method, target, skip_host=True,
                                      skip_accept_encoding=True)
                for name, value in sent:
                    connection.putheader(name, value)
                connection.putheader("Content-Length", str(len(body)))
                connection.endheaders(body)
                response = connection.getresponse()
                answer = Relayed(response.status, [
                    (name.lower().encode("latin-1"), value.encode("latin-1"))
                    for name, value in response.getheaders()
                    if name.lower() not in HOP_BY_HOP], response.read())
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                # A kept-alive connection the peer had closed: try once on a new one (the
                # command id makes a repeat harmless). Otherwise the owner is gone.
                if reused and attempt == 0:
                    continue
                if self.ownership is not None:
                    self.ownership.forget_routes()
                raise _moving(chain_id, owner, type(exc).__name__) from None
            self._give_back(owner, connection)
            return answer
        raise _moving(chain_id, owner)  # pragma: no cover - the loop returns or raises

    def hand_refusal(self, refused: SignedCommand, refusal: CommandRejected) -> int | None:
        """Have the owner of the chain a refusal belongs on record it (requirement 6); the
        recorded seq, or None (logged) when the owner cannot take it now."""
        chain_id, body = relayed_refusal(self.ledger, refused, refusal)
        try:
            answer = self.forward(chain_id, "POST", REFUSALS_PATH,
                                  [(b"content-type", b"application/json")], body)
        except SkmsError as exc:
            why = exc.message
        else:
            seq = _recorded_seq(answer)
            if seq is not None:
                return seq
            why = f"status {answer.status}"
        logger().warning("refusal not recorded: its chain's owner did not take it",
                         chain=chain_id, command_id=refused.command.command_id[:100],
                         reason_code=refusal.reason_code, why=why[:200])
        return None

    def _connection(self, owner: str) -> tuple[http.client.HTTPConnection, bool]:
        pool = self._pool(owner)
        try:
            return pool.get_nowait(), True
        except queue.Empty:
            pass
        url = urllib.parse.urlsplit(owner)
        port = url.port or (443 if url.scheme == "https" else 80)
        if url.scheme == "https":
            if self._context is None:  # made on first use: the CA file exists by then
                self._context = ssl.create_default_context(
                    cafile=str(self._peer_ca) if self._peer_ca is not None else None)
            return http.client.HTTPSConnection(url.hostname or "", port, timeout=PEER_TIMEOUT_S,
                                               context=self._context), False
        return http.client.HTTPConnection(url.hostname or "", port,
                                          timeout=PEER_TIMEOUT_S), False

    def _pool(self, owner: str) -> queue.LifoQueue[http.client.HTTPConnection]:
        with self._pools_lock:
            pool = self._pools.get(owner)
            if pool is None:
                pool = self._pools[owner] = queue.LifoQueue(POOL_SIZE)
            return pool

    def _give_back(self, owner: str, connection: http.client.HTTPConnection) -> None:
        try:
            self._pool(owner).put_nowait(connection)
        except queue.Full:
            connection.close()


def _recorded_seq(answer: Relayed) -> int | None:
    if answer.status != 200:
        return None
    try:
        seq = json.loads(answer.body).get("seq")
    except (ValueError, AttributeError):
        return None
    return seq if isinstance(seq, int) else None


def _moving(chain_id: str, owner: str | None, why: str = "") -> NotChainOwner:
    if owner is None:
        message = f"chain {chain_id!r} is changing owner"
    else:
        message = f"the owner of chain {chain_id!r}, {owner}, did not answer" + (
            f" ({why})" if why else "")
    return NotChainOwner(message, owner=owner,
                         hint="retry with the same command id in a second: its first "
                              "outcome comes back if it was stored")

