"""The service core: every capability once, independent of REST, gRPC or WebSocket.

Front ends authenticate, parse and serialise; they call one method here per request, so the
REST API, the gRPC API and the SDK cannot drift apart in what they allow. Methods return
plain JSON-ready data and raise only ``SkmsError`` subclasses.

Commands arrive already signed by the client's actor (the SDK builds a
:class:`ledger.command.Command`, signs it and sends the canonical bytes with the signature);
:meth:`ServiceCore.submit` checks that the command is the one the route names, that it is
signed for the authenticated actor, and passes that very ``SignedCommand`` to
:func:`commands.handlers.execute`. The signature stored in the ledger is the client's own.

Idempotency: the command id is the idempotency key. The first response to a command id is
kept (bounded LRU) and returned again for a retry of the same signed command, also while
the first is still running (the retry waits for it). Past the cache, the ledger still
refuses to run a command twice and answers with the first outcome's seqs
(``replayed: true``, ``result: null``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextvars import copy_context
from dataclasses import dataclass
from typing import Any, TypeVar

from opentelemetry import trace
from opentelemetry.sdk.trace import SpanProcessor

from commands.cli.actors import actor_row
from commands.cli.keys import key_row
from commands.handlers import SIGNING_COMMANDS, execute, signing_decision
from commands.service.auth import Authenticator, Principal, authorize_read, record_refusal
from commands.service.commit_pump import CommitPump
from commands.service.config import ServiceConfig
from commands.service.errors import RequestTimedOut
from commands.service.limits import RateLimiter, check_batch
from commands.service.observability import Metrics, TracedEventStore, logger, tracer_provider
from commands.service.read_models import QueryGate, ReadModelLock
from ledger.application import Ledger, Outcome
from ledger.audit import Auditor
from ledger.authorization import ACTOR_COMMANDS, SYSTEM_CHAIN
from ledger.command import SignedCommand
from ledger.crypto.memory import zeroize
from ledger.crypto.scheme import all_schemes, get_scheme
from ledger.errors import (
    ConfigurationError,
    InvalidInput,
    InvalidSignature,
    NotFound,
    SkmsError,
    Unauthorized,
)
from ledger.home import Home
from ledger.proofs import build_consistency, build_inclusion, verify_proof_document
from ledger.refusals import RefusalLimit
from ledger.stores.url import open_store
from projections.export import ResultSet
from projections.query import DEFAULT_TIMEOUT, QueryBounds, open_sandbox, run_query
from projections.reports import REPORTS, parse_time, run_report
from projections.runner import ProjectionRunner, database_path

T = TypeVar("T")



def b64decode(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        raise InvalidInput("not valid base64", field=field) from None


def hexdecode(value: str, field: str) -> bytes:
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise InvalidInput("not hexadecimal", field=field) from None


def jsonable(value: Any) -> Any:
    """Handler results as JSON values (bytes as hex, like the CLI's ``--json``)."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def parse_signed(command: str, signature: str) -> SignedCommand:
    """Rebuild the client's SignedCommand from its canonical JSON text and base64 signature."""
    return parse_signed_bytes(command, b64decode(signature, "signature"))


def parse_signed_bytes(command: str, signature: bytes) -> SignedCommand:
    """Rebuild a SignedCommand from canonical JSON text and the raw signature."""
    if not isinstance(command, str) or not command or not command.isascii():
        raise InvalidInput("the canonical command is ASCII JSON text", field="command")
    if len(signature) != 64:
        raise InvalidInput("an Ed25519 signature has 64 bytes", field="signature")
    return SignedCommand.parse(command.encode("ascii"), bytes(signature))


@dataclass(frozen=True)
class _RouteCheck:
    """What a route expects of the command it carries (checked by :meth:`ServiceCore._claim`)."""

    expect: frozenset[str]
    expect_args: dict[str, str]
    expect_chain: str | None
    idempotency_key: str | None
    route: str


class _Idempotency:
    """First responses per command id (bounded), and commands still running.

    Only the identical signed command (the same canonical bytes *and* the same signature)
    is answered from here. A command with the same bytes and another signature goes to the
    ledger, which checks that signature before it says the command already ran (and
    records a forged one), so a copied command with a made-up signature learns nothing.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._done: OrderedDict[str, tuple[bytes, bytes, dict[str, Any]]] = OrderedDict()
        self._running: dict[str, tuple[SignedCommand, Future[dict[str, Any]]]] = {}
        self._lock = threading.Lock()

    def begin(self, signed: SignedCommand) -> tuple[dict[str, Any] | None,
                                                    Future[dict[str, Any]] | None]:
        """``(cached, running)``: a finished first response, or a running first call to wait
        for; both ``None`` when this call must run the command (it then owns the id unless
        another signature of the same command owns it)."""
        command_id = signed.command.command_id
        with self._lock:
            done = self._done.get(command_id)
            if done is not None and _same_signed(done[0], done[1], signed):
                self._done.move_to_end(command_id)
                return done[2], None
            running = self._running.get(command_id)
            if running is not None:
                first = running[0]
                if _same_signed(first.canonical_bytes, first.signature, signed):
                    return None, running[1]
                return None, None  # another signature: the ledger decides, we keep no entry
            if done is None:
                self._running[command_id] = (signed, Future())
            return None, None

    def finish(self, signed: SignedCommand, response: dict[str, Any] | None,
               error: BaseException | None) -> None:
        command_id = signed.command.command_id
        with self._lock:
            entry = self._running.get(command_id)
            if entry is None or entry[0] is not signed:
                return  # not the first call of this id
            del self._running[command_id]
            if response is not None:
                self._done[command_id] = (signed.canonical_bytes, signed.signature, response)
                if len(self._done) > self.capacity:
                    self._done.popitem(last=False)
        if error is not None:
            entry[1].set_exception(error)
        else:
            entry[1].set_result(response or {})


def _same_signed(canonical: bytes, signature: bytes, signed: SignedCommand) -> bool:
    return canonical == signed.canonical_bytes and signature == signed.signature


class ServiceCore:
    """One loaded ledger with everything the front ends share."""

    def __init__(self, config: ServiceConfig, passphrase: bytearray, *,
                 span_processors: Iterable[SpanProcessor] = ()) -> None:
        config.check()
        self.config = config
        self.limits = config.limits
        self.home = Home(config.home, config.store_url)
        processors = list(span_processors)
        self.traced = bool(config.otlp_endpoint) or bool(processors)
        self.provider = tracer_provider(config.otlp_endpoint, processors)
        # Nowhere to send spans: the no-op tracer costs a few µs per span, the SDK's tens.
        self.tracer: trace.Tracer = (self.provider.get_tracer("skms.service") if self.traced
                                     else trace.NoOpTracer())
        self.metrics = Metrics()
        self.log = logger()
        self.executor = ThreadPoolExecutor(max_workers=config.workers,
                                           thread_name_prefix="skms-service")
        # Waits for the commits of commands decided on an event loop (submit_async); with
        # other requests in flight it first gathers the decisions on their way.
        self._pump = CommitPump(gather_s=config.commit_gather_s,
                                expect_more=lambda queued: (
                                    self.metrics.requests_in_flight > queued))
        self._closed = False
        # Read models: a pool, a gate and a lock of their own (commands/service/read_models.py).
        self.query_executor = ThreadPoolExecutor(max_workers=config.limits.query_workers,
                                                 thread_name_prefix="skms-query")
        self.query_gate = QueryGate(
            capacity=config.limits.query_workers + config.limits.max_queued_queries,
            per_actor=config.limits.max_queries_per_actor)
        self._read_models = ReadModelLock()
        self._projected: dict[str, int] = {}
        self._listeners: list[Callable[[], None]] = []
        self._idempotency = _Idempotency(config.idempotency_entries)
        self.rate_limiter = RateLimiter(self.limits)
        store, keyring = open_store(self.home.store_url())
        # Store spans only when spans go somewhere: the wrapper costs on every store call.
        self.store = TracedEventStore(store, self.tracer) if self.traced else store
        self.keyring = keyring
        self._kek = self.home.open_kek(passphrase)
        zeroize(passphrase)
        self._ledger_key = self.home.ledger_key(self._kek)
        self.ledger = Ledger(self.store, keyring, kek=self._kek, ledger_key=self._ledger_key,
                             refusal_limit=RefusalLimit(
                                 per_window=config.limits.refusals_per_window,
                                 window_micros=int(config.limits.refusal_window_s * 1e6)))
        self._decide_inline = self.store.local_head
        self.ledger.load()
        self.ledger.reconcile_keyring()
        # Checkpoints at least every T seconds even when traffic stops (see the ledger).
        self._checkpoint_timer = self.ledger.start_checkpoint_timer()
        if not self.ledger.initialized:
            raise ConfigurationError(f"the store {store.url} holds no ledger",
                                     hint="run 'skms init' first")
        self.auth = Authenticator(lambda: self.ledger, window_s=config.signature_window_s,
                                  on_failure=lambda reason: self.metrics.auth_failures
                                  .labels(reason).inc(), charge=self.charge)
        self.metrics.watch_ledger(self._heads, lambda: dict(self._projected))

    # --- lifecycle ---------------------------------------------------------------------------

    def _heads(self) -> dict[str, tuple[int, int]]:
        states = dict(self.ledger.chain_states)
        return {chain: (state.next_seq, state.last_checkpoint_at)
                for chain, state in states.items() if state.next_seq > 0}

    def close(self) -> None:
        """Finish running commands, then wipe secrets and close the store."""
        if self._closed:
            return
        self._closed = True
        self.executor.shutdown(wait=True)
        self.query_executor.shutdown(wait=True)
        self._pump.stop()
        self._checkpoint_timer.stop()
        try:
            self.ledger.flush_refusal_summaries(everything=True)
        except SkmsError as error:  # the store is gone: the summary is lost, say so
            self.log.error("refusal summaries not recorded", error=error.message)
        self.provider.shutdown()
        zeroize(self._ledger_key)
        self._kek.close()
        self.store.close()
        self.keyring.close()

    def on_append(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (from a worker thread) after each command that appended."""
        self._listeners.append(listener)

    def _appended(self) -> None:
        for listener in list(self._listeners):
            listener()

    def _timed_out(self, limit: float) -> RequestTimedOut:
        return RequestTimedOut(f"the request ran longer than {limit:g} s",
                               hint="a command may still commit: retry it with the same "
                                    "command id (Idempotency-Key)")

    def call(self, function: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """Run ``function`` on the worker pool within the request timeout (sync callers)."""
        context = copy_context()
        future = self.executor.submit(context.run, function, *args)
        limit = self.limits.request_timeout_s if timeout is None else timeout
        try:
            return future.result(timeout=limit)
        except FutureTimeout:
            raise self._timed_out(limit) from None

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function`` on the worker pool from an event loop (REST, gRPC): the loop keeps
        serving while it runs; 504 / DEADLINE_EXCEEDED after the request timeout."""
        future = asyncio.get_running_loop().run_in_executor(
            self.executor, copy_context().run, function, *args)
        return await self._within_timeout(future)

    async def read_models(self, principal: Principal, work: Callable[..., T],
                          *args: Any) -> T:
        """Run read-model ``work(principal, *args, deadline=...)`` on the query pool, admitted
        by the query gate, within the request timeout (see read_models.py)."""
        self.query_gate.enter(principal.actor_id)
        deadline = time.monotonic() + self.limits.request_timeout_s
        try:
            future = asyncio.get_running_loop().run_in_executor(
                self.query_executor, copy_context().run,
                functools.partial(work, principal, *args, deadline=deadline))
        except BaseException:
            self.query_gate.leave(principal.actor_id)
            raise
        future.add_done_callback(lambda _: self.query_gate.leave(principal.actor_id))
        return await self._within_timeout(future)

    async def _within_timeout(self, future: Awaitable[T]) -> T:
        try:
            async with asyncio.timeout(self.limits.request_timeout_s):  # no extra task,
                return await future                                      # unlike wait_for
        except TimeoutError:
            raise self._timed_out(self.limits.request_timeout_s) from None

    def ready(self) -> bool:
        """The store answers (a head lookup) and the ledger is initialized."""
        try:
            self.call(self.store.head, SYSTEM_CHAIN, timeout=2.0)
        except Exception:  # readiness reports any failure as not ready
            return False
        return self.ledger.initialized

    # --- authentication helpers --------------------------------------------------------------

    def charge(self, actor_id: str) -> None:
        """The rate limit, applied by authentication (see :class:`Authenticator`)."""
        try:
            self.rate_limiter.check(actor_id)
        except Exception:
            self.metrics.rate_limited.inc()
            raise

    # --- commands ----------------------------------------------------------------------------

    def submit(self, principal: Principal, signed: SignedCommand, *, expect: Iterable[str],
               expect_args: dict[str, str] | None = None, expect_chain: str | None = None,
               idempotency_key: str | None = None,
               message: bytes | None = None, messages: list[bytes] | None = None,
               route: str = "") -> dict[str, Any]:
        """Check that ``signed`` is the command this route means, then execute it."""
        checks = _RouteCheck(frozenset(expect), expect_args or {}, expect_chain,
                             idempotency_key, route)
        return self._submit(principal, signed, checks, message, messages)

    def _submit(self, principal: Principal, signed: SignedCommand, checks: _RouteCheck,
                message: bytes | None, messages: list[bytes] | None) -> dict[str, Any]:
        cached, running = self._claim(principal, signed, checks, messages)
        if cached is not None:
            return {**cached, "replayed": True}
        if running is not None:
            return {**running.result(timeout=self.limits.request_timeout_s), "replayed": True}
        with self._handler_span(signed):
            return self._settle(signed, lambda: execute(
                self.ledger, signed, message=message, messages=messages))

    async def submit_async(self, principal: Principal, signed: SignedCommand, *,
                           expect: Iterable[str], expect_args: dict[str, str] | None = None,
                           expect_chain: str | None = None,
                           idempotency_key: str | None = None, message: bytes | None = None,
                           messages: list[bytes] | None = None,
                           route: str = "") -> dict[str, Any]:
        """:meth:`submit` for a caller on the event loop, within the request timeout.

        Why two paths: handing each request to a worker thread and back cost more CPU
        (thread wake-ups, interpreter-lock hand-offs) than the audited sign itself. A Sign
        or SignBatch of the authenticated actor over a store whose head is local is
        therefore decided right here (:meth:`ledger.application.Ledger.begin`, which waits
        at most 2 ms for the decision lock and never for a reload) and only its commit wait
        goes to the commit pump, which a whole group commit's worth of requests share.
        Everything else, and a signing command that finds the ledger busy, takes
        :meth:`submit` on the worker pool: same checks, same results.
        """
        command = signed.command
        checks = _RouteCheck(frozenset(expect), expect_args or {}, expect_chain,
                             idempotency_key, route)
        if not (self._decide_inline and command.command_type in SIGNING_COMMANDS
                and command.actor_id == principal.actor_id):
            return await self.run(self._submit, principal, signed, checks, message, messages)
        cached, running = self._claim(principal, signed, checks, messages)
        if cached is not None:
            return {**cached, "replayed": True}
        if running is not None:
            first = await self.run(running.result, self.limits.request_timeout_s)
            return {**first, "replayed": True}
        with self._handler_span(signed):
            try:
                pending = self.ledger.begin(signed, signing_decision(signed, message, messages))
            except BaseException as error:
                self._idempotency.finish(signed, None, error)
                self._appended()
                raise
            if pending is None:  # the ledger is busy: decide on the pool instead
                return await self.run(self._settle, signed, lambda: execute(
                    self.ledger, signed, message=message, messages=messages))
            answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            self._pump.submit(pending, lambda outcome, error: self._answer(
                signed, outcome, error, answer))
            return await self._within_timeout(answer)

    def _answer(self, signed: SignedCommand, outcome: Outcome[Any] | None,
                error: BaseException | None, answer: asyncio.Future[dict[str, Any]]) -> None:
        """On the loop, once the command committed (or failed): settle it like
        :meth:`_settle` and answer the request if it still waits (not timed out)."""
        def produced() -> Outcome[Any]:
            if error is not None:
                raise error
            if outcome is None:
                raise RuntimeError("a commit without outcome or error")
            return outcome

        try:
            response = self._settle(signed, produced)
        except BaseException as failure:
            if not answer.done():
                answer.set_exception(failure)
            return
        if not answer.done():
            answer.set_result(response)

    def _claim(self, principal: Principal, signed: SignedCommand, checks: _RouteCheck,
               messages: list[bytes] | None
               ) -> tuple[dict[str, Any] | None, Future[dict[str, Any]] | None]:
        """Check that the command is the one the route names, for the authenticated actor,
        then claim its id: ``(cached, running)`` as :meth:`_Idempotency.begin` says."""
        command = signed.command
        if command.actor_id != principal.actor_id:
            raise record_refusal(
                self.ledger, principal, command.command_type,
                Unauthorized(f"the command is signed for actor {command.actor_id[:64]!r}, not "
                             f"the authenticated actor {principal.actor_id}",
                             field="command.actor_id", reason_code="actor-mismatch"),
                what=checks.route)
        if command.command_type not in checks.expect:
            raise InvalidInput(f"this route takes {' or '.join(sorted(checks.expect))}, not "
                               f"{command.command_type!r}", field="command.type")
        for name, value in checks.expect_args.items():
            if command.args.get(name) != value:
                raise InvalidInput(f"must equal the {name} in the path", field=f"command.args."
                                                                             f"{name}")
        if checks.expect_chain is not None and command.chain_id != checks.expect_chain:
            raise InvalidInput("must equal the chain in the path", field="command.chain_id")
        if (checks.idempotency_key is not None
                and checks.idempotency_key != command.command_id):
            raise InvalidInput("the Idempotency-Key must equal the command id",
                               field="Idempotency-Key")
        if messages is not None:
            check_batch(len(messages), self.limits, "messages")
        return self._idempotency.begin(signed)

    def _handler_span(self, signed: SignedCommand) -> Any:
        command = signed.command
        return self.tracer.start_as_current_span(
            f"handler {command.command_type}",
            attributes={"skms.command_id": command.command_id, "skms.chain": command.chain_id,
                        "skms.actor": command.actor_id})

    def _settle(self, signed: SignedCommand, outcome: Callable[[], Outcome[Any]]
                ) -> dict[str, Any]:
        """The response to a command this call owns (its idempotency entry is settled here,
        with the response or the error, even when the requester has stopped waiting)."""
        try:
            response = self._response(signed, outcome())
        except BaseException as error:
            self._idempotency.finish(signed, None, error)
            raise
        finally:
            self._appended()
        self._idempotency.finish(signed, response, None)
        return response

    def _response(self, signed: SignedCommand, outcome: Outcome[Any]) -> dict[str, Any]:
        command = signed.command
        result = self._shape(command.command_type, command.args, outcome)
        return {"command_id": command.command_id, "chain": outcome.chain_id,
                "seqs": list(outcome.seqs), "seq": outcome.seqs[-1] if outcome.seqs else None,
                "replayed": outcome.replayed,
                "correlation_id": command.correlation_id or command.command_id,
                "result": result}

    def _shape(self, command_type: str, args: Any, outcome: Outcome[Any]) -> Any:
        if outcome.replayed:
            return None
        value = outcome.result
        if command_type == "CreateKey":
            return {"key_id": value}
        if command_type == "RegisterActor":
            return {"actor_id": value}
        if command_type == "ChangeActorRoles":
            return {"roles": list(value or [])}
        if command_type == "RequestCheckpoint":
            return jsonable(value)
        if command_type in ("Sign", "SignBatch"):
            key = self.ledger.key(str(args.get("key_id")))
            shaped: dict[str, Any] = {"key_version": key.current_version,
                                      "algorithm": key.algorithm}
            if command_type == "Sign":
                shaped["signature"] = bytes(value).hex()
            else:
                shaped["signatures"] = [bytes(s).hex() for s in value or []]
            return shaped
        if command_type in ACTOR_COMMANDS:
            return jsonable(value)
        key_id = args.get("key_id")
        if isinstance(key_id, str) and key_id in self.ledger.keys:
            key = self.ledger.keys[key_id]
            shaped = {"state": key.state.value, "version": key.current_version,
                      "destroy_after": key.destroy_after}
            if command_type == "ChangeKeyPolicy":
                shaped["policy"] = jsonable(value)
            return shaped
        return jsonable(value)

    # --- reads: identity, algorithms, keys ---------------------------------------------------

    def whoami(self, principal: Principal) -> dict[str, Any]:
        authorize_read(self.ledger, principal, "whoami", what="whoami")
        return {"actor_id": principal.actor_id, "name": principal.name,
                "roles": list(principal.roles), "domains": list(principal.domains),
                "authenticated_by": principal.authenticated_by}

    def algorithms(self, principal: Principal) -> list[dict[str, Any]]:
        authorize_read(self.ledger, principal, "algorithms", what="algorithms")
        return [{"algorithm": s.scheme_id, "family": s.info.family,
                 "security_bits": s.info.security_bits,
                 "public_key_size": s.info.public_key_size,
                 "signature_size": s.info.signature_size,
                 "fips_approved": s.info.fips_approved,
                 "message_handling": s.info.message_handling} for s in all_schemes()]

    def list_keys(self, principal: Principal, domain: str | None,
                  state: str | None) -> list[dict[str, Any]]:
        authorize_read(self.ledger, principal, "keys.read", what="list keys")
        keys = sorted(list(self.ledger.keys.values()), key=lambda k: (k.created_at, k.key_id))
        return [key_row(k) for k in keys
                if principal.may_see_domain(k.domain)
                and (domain is None or k.domain == domain)
                and (state is None or k.state.value == state)]

    def _key(self, principal: Principal, key_id: str, capability: str) -> Any:
        key = self.ledger.key(key_id)
        authorize_read(self.ledger, principal, capability, target=key_id, domain=key.domain,
                       what=f"{capability} {key_id}")
        return key

    def get_key(self, principal: Principal, key_id: str) -> dict[str, Any]:
        return key_row(self._key(principal, key_id, "keys.read"))

    def public_key(self, principal: Principal, key_id: str, fmt: str,
                   version: int | None) -> dict[str, Any]:
        key = self._key(principal, key_id, "keys.read")
        if fmt not in ("pem", "hex"):
            raise InvalidInput("must be pem or hex", field="format")
        chosen = key.current_version if version is None else version
        if chosen not in key.versions:
            raise InvalidInput(f"key has versions {sorted(key.versions)}", field="version")
        raw = key.versions[chosen]["public_key"]
        text = get_scheme(key.algorithm).public_key_pem(raw) if fmt == "pem" else raw.hex()
        return {"key_id": key_id, "version": chosen, "format": fmt, "public_key": text}

    def verify(self, principal: Principal, key_id: str,
               items: list[tuple[bytes, bytes, int | None]]) -> list[dict[str, Any]]:
        """Check each (message, signature, version) against the key's public versions."""
        key = self._key(principal, key_id, "keys.verify")
        check_batch(len(items), self.limits, "items")
        scheme = get_scheme(key.algorithm)
        results = []
        for index, (message, signature, version) in enumerate(items):
            if version is not None and version not in key.versions:
                raise InvalidInput(f"key has versions {sorted(key.versions)}",
                                   field=f"items[{index}].version")
            candidates = [version] if version is not None else sorted(key.versions,
                                                                     reverse=True)
            found: dict[str, Any] = {"valid": False, "key_id": key_id, "version": None,
                                     "state": None}
            for candidate in candidates:
                try:
                    scheme.verify(key.versions[candidate]["public_key"], message, signature)
                except InvalidSignature:
                    continue
                except InvalidInput:
                    break
                found = {"valid": True, "key_id": key_id, "version": candidate,
                         "state": key.state.value}
                break
            results.append(found)
        return results

    # --- reads: actors -----------------------------------------------------------------------

    def list_actors(self, principal: Principal) -> list[dict[str, Any]]:
        authorize_read(self.ledger, principal, "actors.read", what="list actors")
        actors = sorted(list(self.ledger.actors.values()), key=lambda a: a.name)
        return [actor_row(a) for a in actors]

    def get_actor(self, principal: Principal, actor_id: str) -> dict[str, Any]:
        capability = "actors.self" if actor_id == principal.actor_id else "actors.read"
        authorize_read(self.ledger, principal, capability, target=actor_id,
                       what=f"actor {actor_id}")
        return actor_row(self.ledger.actor(actor_id))

    # --- reads: audit --------------------------------------------------------------------------

    def chains(self, principal: Principal) -> list[dict[str, Any]]:
        authorize_read(self.ledger, principal, "audit.read", what="chains")
        rows = []
        for chain_id in self.store.chains():
            head = self.store.head(chain_id)
            latest = self.store.latest_checkpoint(chain_id)
            rows.append({"chain_id": chain_id, "head_seq": head.seq if head else -1,
                         "head_hash": head.event_hash.hex() if head else "",
                         "checkpoint_size": latest.size if latest else 0})
        return rows

    def checkpoint(self, principal: Principal, chain_id: str) -> dict[str, Any]:
        authorize_read(self.ledger, principal, "audit.read", what=f"checkpoint {chain_id}")
        latest = self.store.latest_checkpoint(chain_id)
        if latest is None:
            raise NotFound(f"chain {chain_id!r} has no checkpoint yet", field="chain",
                           hint="publish one with POST /v1/chains/{chain}/checkpoints")
        return {"chain": chain_id, "size": latest.size, "note": latest.note}

    def inclusion(self, principal: Principal, chain_id: str, seq: int,
                  size: int | None) -> dict[str, Any]:
        authorize_read(self.ledger, principal, "audit.read", what=f"inclusion {chain_id}")
        return build_inclusion(self.store, chain_id, seq, size)

    def consistency(self, principal: Principal, chain_id: str, old_size: int,
                    size: int | None) -> dict[str, Any]:
        authorize_read(self.ledger, principal, "audit.read", what=f"consistency {chain_id}")
        return build_consistency(self.store, chain_id, old_size, size)

    def verify_proof(self, principal: Principal, document: Any,
                     ledger_key: str | None) -> dict[str, Any]:
        authorize_read(self.ledger, principal, "proofs.verify", what="verify proof")
        pinned = hexdecode(ledger_key, "ledger_key") if ledger_key else None
        try:
            return verify_proof_document(document, pinned)
        except (ValueError, TypeError, KeyError):
            raise InvalidInput("the proof document is malformed", field="document") from None

    def audit_verify(self, principal: Principal, trusted: list[str],
                     ledger_key: str | None) -> dict[str, Any]:
        authorize_read(self.ledger, principal, "audit.read", what="audit verify")
        pinned = hexdecode(ledger_key, "ledger_key") if ledger_key else None
        with self.tracer.start_as_current_span("handler AuditVerify"):
            report = Auditor(self.store, ledger_public_key=pinned,
                             trusted_checkpoints=trusted).verify()
        return report.as_dict()

    # --- reads: projections --------------------------------------------------------------------

    def _catch_up(self, deadline: float) -> dict[str, int]:
        """Update the read models (excluding queries). Returns the chains' heads."""
        with self._read_models.writing(deadline), ProjectionRunner(
                self.store, database_path(self.home.path)) as runner:
            runner.update()
            status = runner.status()
        self._projected = {s.chain_id: s.position for s in status}
        return {s.chain_id: s.head for s in status if s.head >= 0}

    def projection_status(self, principal: Principal, *, deadline: float) -> dict[str, Any]:
        authorize_read(self.ledger, principal, "projections.read", what="projection status")
        with self._read_models.writing(deadline), ProjectionRunner(
                self.store, database_path(self.home.path)) as runner:
            chains = [s.as_dict() for s in runner.status()]
        return {"chains": chains}

    def reports(self, principal: Principal) -> list[dict[str, Any]]:
        authorize_read(self.ledger, principal, "reports.read", what="list reports")
        return [{"name": r.name, "since": r.takes_since, "description": r.description}
                for r in REPORTS.values()]

    def report(self, principal: Principal, name: str, since: str | None,
               at: str | None, *, deadline: float) -> dict[str, Any]:
        authorize_read(self.ledger, principal, "reports.read", what=f"report {name}")
        if name not in REPORTS:
            raise NotFound(f"no report named {name!r}", field="name",
                           hint=f"choose one of: {', '.join(REPORTS)}")
        since_value = parse_time(since, field="since") if since else None
        at_value = parse_time(at, field="at") if at else None
        heads = self._catch_up(deadline)
        with self._read_models.reading(deadline):
            con = open_sandbox(database_path(self.home.path),
                               memory_mb=self.limits.query_memory_mb)
            try:
                result = run_report(con, name, since=since_value, at=at_value, heads=heads)
            finally:
                con.close()
        return {"name": name, **table(result)}

    def query(self, principal: Principal, sql: str, timeout: float | None, *,
              deadline: float) -> dict[str, Any]:
        """One analyst query: the read models brought up to date, then the SQL within its
        own timeout (from now, and never past the request's deadline), its answer cut at
        the configured rows and bytes."""
        authorize_read(self.ledger, principal, "query", what="query")
        remaining = max(0.0, deadline - time.monotonic())
        limit = min(timeout or DEFAULT_TIMEOUT, self.limits.max_query_timeout_s, remaining)
        own_deadline = time.monotonic() + limit
        try:
            self._catch_up(own_deadline)
            with self._read_models.reading(own_deadline):
                bounds = QueryBounds(timeout=max(0.001, own_deadline - time.monotonic()),
                                     memory_mb=self.limits.query_memory_mb,
                                     max_rows=self.limits.max_query_rows,
                                     max_bytes=self.limits.max_query_bytes)
                result = run_query(database_path(self.home.path), sql, bounds=bounds)
        except RequestTimedOut:
            if limit >= remaining:
                raise  # the request's own deadline: 504
            raise InvalidInput(f"the query did not finish within its timeout of {limit:g} s "
                               "(it waited for the read models)", field="timeout",
                               hint="retry later, or allow a longer timeout") from None
        return table(result)

    def authorize_metrics(self, principal: Principal) -> None:
        authorize_read(self.ledger, principal, "metrics", what="metrics")

    # --- feed ----------------------------------------------------------------------------------

    def authorize_feed(self, principal: Principal, chain_id: str) -> None:
        authorize_read(self.ledger, principal, "feed", what=f"feed {chain_id}")


def table(result: ResultSet) -> dict[str, Any]:
    """A result set as columns, DuckDB types and JSON rows; ``truncated`` when rows past
    the service's row or byte cap were left out."""
    return {"columns": list(result.columns), "types": list(result.types),
            "rows": result.records(), "truncated": result.truncated}
