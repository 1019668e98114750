"""The service core: every catalogue command and read, independent of REST or gRPC.

Front ends authenticate, parse and serialise; they call :meth:`ServiceCore.submit_async`
for a command and :meth:`ServiceCore.read_async` for a read, naming the catalogue entry,
so REST and gRPC cannot drift apart in what they allow. Results are JSON-ready (the
catalogue's representations, :mod:`commands.wire`), and only ``SkmsError`` subclasses are
raised.

Commands arrive already signed by the client's actor (the SDK builds and signs them);
:meth:`ServiceCore.submit_async` checks that the command is the one the route names (type,
path parameters, chain, ``Idempotency-Key``), that it is signed for the authenticated actor,
and passes that very ``SignedCommand`` to the handlers. The signature stored in the ledger is
the client's own. Retries are answered by :mod:`commands.service.idempotency`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextvars import copy_context
from dataclasses import dataclass
from typing import Any, TypeVar

from opentelemetry import trace
from opentelemetry.sdk.trace import SpanProcessor

from commands.handlers import begin, execute
from commands.reads import ReadContext, answer
from commands.refused_reads import read_target
from commands.scheduler import Periodic
from commands.service.auth import Authenticator, Principal, authorize_read, record_refusal
from commands.service.cluster import Cluster, peer_ca_of
from commands.service.commit_pump import CommitPump
from commands.service.config import ServiceConfig
from commands.service.errors import RequestTimedOut
from commands.service.idempotency import Idempotency
from commands.service.limits import RateLimiter, check_batch
from commands.service.observability import Metrics, TracedEventStore, logger, tracer_provider
from commands.service.read_models import QueryGate, ReadModelLock, ServiceReadModels
from commands.service.sessions import SessionStore
from commands.wire import shape_to_json, to_json
from ledger.application import Ledger, Outcome
from ledger.authorization import SYSTEM_CHAIN
from ledger.catalogue import CommandSpec, ReadSpec
from ledger.command import SignedCommand
from ledger.crypto.memory import zeroize
from ledger.errors import ConfigurationError, InvalidInput, SkmsError, Unauthorized
from ledger.home import Home
from ledger.refusals import RefusalLimit
from projections.threat.report import Finding, highest

T = TypeVar("T")

INLINE = frozenset({"Sign", "SignBatch"})
"""Commands the service may decide on its event loop (see :meth:`ServiceCore.submit_async`)."""


@dataclass(frozen=True)
class RouteCheck:
    """What a route expects of the command it carries: the command type, the values its
    path names (``key_id``, ``actor_id``, ``wallet_id``; ``chain_id`` is the chain), and the
    ``Idempotency-Key`` header."""

    spec: CommandSpec
    path: Mapping[str, str]
    idempotency_key: str | None
    route: str


class ServiceCore:
    """One loaded ledger with everything the front ends share."""

    def __init__(self, config: ServiceConfig, passphrase: bytearray, *,
                 span_processors: Iterable[SpanProcessor] = ()) -> None:
        config.check()
        self.config = config
        self.limits = config.limits
        self.home = Home(config.home, config.store_url)
        processors = list(span_processors)
        self.traced = (bool(config.otlp_endpoint) or bool(config.zipkin_endpoint)
                       or bool(processors))
        self.provider = tracer_provider(config.otlp_endpoint, processors,
                                        zipkin_endpoint=config.zipkin_endpoint)
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
        self._idempotency = Idempotency(config.idempotency_entries, config.idempotency_bytes)
        self.rate_limiter = RateLimiter(self.limits)
        store, keyring = self.home.open_store()
        # Store spans only when spans go somewhere: the wrapper costs on every store call.
        self.store = TracedEventStore(store, self.tracer) if self.traced else store
        self.keyring = keyring
        self._kek = self.home.open_kek(passphrase)
        zeroize(passphrase)
        self._ledger_key = self.home.ledger_key(self._kek)
        self._hsm = self.home.key_store()
        # A KEK rotation run beside the server (skms kek rotate) is fenced, not raced.
        self._kek_fence = self.home.kek_fence(self._kek)
        self.ledger = Ledger(self.store, keyring, kek=self._kek, ledger_key=self._ledger_key,
                             hsm=self._hsm, kek_fence=self._kek_fence,
                             home_identities=lambda: self.home.held_identities(self._kek),
                             refusal_limit=RefusalLimit(
                                 per_window=config.limits.refusals_per_window,
                                 window_micros=int(config.limits.refusal_window_s * 1e6)))
        self._decide_inline = self.store.local_head
        # A cluster member writes no chain until the owners' group gives it some (join).
        self.cluster: Cluster | None = (
            Cluster(store, self.ledger, slots=config.owner_slots,
                    session_timeout_ms=config.owner_session_ms,
                    peer_ca=peer_ca_of(config))
            if config.cluster else None)
        self.ledger.load()
        self.ledger.reconcile_keyring()
        # Checkpoints at least every T seconds even when traffic stops (see the ledger),
        # and the scheduler's due work (expired approval requests) on the same tick.
        self._checkpoint_timer = self.ledger.start_checkpoint_timer(
            scheduled=self._scheduled(Periodic(self.ledger, config.scheduler_interval_s,
                                               threats=self._threat_scan)))
        if not self.ledger.initialized:
            raise ConfigurationError(f"the store {store.url} holds no ledger",
                                     hint="run 'skms init' first")
        # Dashboard sign-ins (commands/service/dashboard): sessions of this process only.
        self.sessions = SessionStore(lifetime_s=config.session_lifetime_s)
        self.auth = Authenticator(lambda: self.ledger, window_s=config.signature_window_s,
                                  on_failure=lambda reason: self.metrics.auth_failures
                                  .labels(reason).inc(), charge=self.charge,
                                  sessions=self.sessions)
        self.metrics.watch_ledger(self._heads, lambda: dict(self._projected))

    # --- the scheduler's tick -----------------------------------------------------------------

    def _threat_scan(self, now_us: int) -> list[Finding]:
        """The threat scan on the read models, under their lock, within a request's time
        (docs/threat-detection.md); its scores go to ``skms_threat_score``."""
        deadline = time.monotonic() + self.limits.request_timeout_s
        findings = ServiceReadModels(self.store, self.home.path, self._read_models,
                                     self.limits, deadline, self._note_positions
                                     ).threats(now_us)
        self.metrics.threat_scan({key: f.score for key, f in highest(findings).items()})
        return findings

    def _scheduled(self, periodic: Periodic) -> Callable[[], None]:
        """The timer's scheduled work; a failure (the read models busy past the deadline,
        the store away) is logged and tried on the next tick, never ends the timer."""
        def tick() -> None:
            try:
                done = periodic()
            except SkmsError as error:
                self.log.error("scheduled work failed", error=error.message)
                return
            if done is not None and done.threat_findings:
                self.metrics.threat_findings.inc(len(done.threat_findings))
                self._appended()
        return tick

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
        if self.cluster is not None:  # leave the group first: the others take over at once
            self.cluster.close()
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
        self._kek_fence.close()
        self._kek.close()
        if self._hsm is not None:
            self._hsm.close()
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

    def charge(self, actor_id: str) -> None:
        """The rate limit, applied by authentication (see :class:`Authenticator`)."""
        try:
            self.rate_limiter.check(actor_id)
        except Exception:
            self.metrics.rate_limited.inc()
            raise

    # --- commands ----------------------------------------------------------------------------

    async def submit_async(self, principal: Principal, signed: SignedCommand,
                           inputs: Mapping[str, Any], check: RouteCheck) -> dict[str, Any]:
        """Check that ``signed`` is the command the route means, then execute it.

        Why two paths: handing each request to a worker thread and back cost more CPU
        (thread wake-ups, interpreter-lock hand-offs) than the audited sign itself. A Sign
        or SignBatch of the authenticated actor over a store whose head is local is
        therefore decided right here (:func:`commands.handlers.begin`, which waits at most
        2 ms for the decision lock and never for a reload) and only its commit wait goes to
        the commit pump, which a whole group commit's worth of requests share. Everything
        else, and a signing command that finds the ledger busy, runs on the worker pool:
        same checks, same results.
        """
        command = signed.command
        if not (self._decide_inline and check.spec.name in INLINE
                and command.actor_id == principal.actor_id):
            return await self.run(self.submit, principal, signed, inputs, check)
        cached, running = self._claim(principal, signed, inputs, check)
        if cached is not None:
            return {**cached, "replayed": True}
        if running is not None:
            first = await self.run(running.result, self.limits.request_timeout_s)
            return {**first, "replayed": True}
        with self._handler_span(signed):
            try:
                pending = begin(self.ledger, signed, inputs)
            except BaseException as error:
                self._idempotency.finish(signed, None, error)
                self._appended()
                raise
            if pending is None:  # the ledger is busy: decide on the pool instead
                return await self.run(self._settle, check.spec, signed,
                                      lambda: execute(self.ledger, signed, inputs))
            answer_future: asyncio.Future[dict[str, Any]] = (
                asyncio.get_running_loop().create_future())
            self._pump.submit(pending, lambda outcome, error: self._answer(
                check.spec, signed, outcome, error, answer_future))
            return await self._within_timeout(answer_future)

    def submit(self, principal: Principal, signed: SignedCommand, inputs: Mapping[str, Any],
               check: RouteCheck) -> dict[str, Any]:
        """The blocking path of :meth:`submit_async` (on the worker pool)."""
        cached, running = self._claim(principal, signed, inputs, check)
        if cached is not None:
            return {**cached, "replayed": True}
        if running is not None:
            return {**running.result(timeout=self.limits.request_timeout_s), "replayed": True}
        with self._handler_span(signed):
            return self._settle(check.spec, signed,
                                lambda: execute(self.ledger, signed, inputs))

    def _answer(self, spec: CommandSpec, signed: SignedCommand,
                outcome: Outcome[Any] | None, error: BaseException | None,
                answer_future: asyncio.Future[dict[str, Any]]) -> None:
        """On the loop, once the command committed (or failed): settle it like
        :meth:`_settle` and answer the request if it still waits (not timed out)."""
        def produced() -> Outcome[Any]:
            if error is not None:
                raise error
            if outcome is None:
                raise RuntimeError("a commit without outcome or error")
            return outcome

        try:
            response = self._settle(spec, signed, produced)
        except BaseException as failure:
            if not answer_future.done():
                answer_future.set_exception(failure)
            return
        if not answer_future.done():
            answer_future.set_result(response)

    def _claim(self, principal: Principal, signed: SignedCommand, inputs: Mapping[str, Any],
               check: RouteCheck
               ) -> tuple[dict[str, Any] | None, Future[dict[str, Any]] | None]:
        """Check that the command is the one the route names, for the authenticated actor,
        then claim its id: ``(cached, running)`` as :meth:`Idempotency.begin` says."""
        command, spec = signed.command, check.spec
        if command.actor_id != principal.actor_id:
            raise record_refusal(
                self.ledger, principal, command.command_type,
                Unauthorized(f"the command is signed for actor {command.actor_id[:64]!r}, not "
                             f"the authenticated actor {principal.actor_id}",
                             field="command.actor_id", reason_code="actor-mismatch"),
                what=check.route)
        if command.command_type != spec.name:
            raise InvalidInput(f"this route takes {spec.name}, not "
                               f"{command.command_type[:64]!r}", field="command.type")
        for name, value in check.path.items():
            if name == "chain_id":
                if command.chain_id != value:
                    raise InvalidInput("must equal the chain in the path",
                                       field="command.chain_id")
            elif command.args.get(name) != value:
                raise InvalidInput(f"must equal the {name} in the path",
                                   field=f"command.args.{name}")
        if check.idempotency_key is not None and check.idempotency_key != command.command_id:
            raise InvalidInput("the Idempotency-Key must equal the command id",
                               field="Idempotency-Key")
        for field in spec.inputs:
            given = inputs.get(field.name)
            if isinstance(given, list) and field.name == "messages":
                check_batch(len(given), self.limits, "messages")
        return self._idempotency.begin(signed)

    def _handler_span(self, signed: SignedCommand) -> Any:
        command = signed.command
        return self.tracer.start_as_current_span(
            f"handler {command.command_type}",
            attributes={"skms.command_id": command.command_id, "skms.chain": command.chain_id,
                        "skms.actor": command.actor_id})

    def _settle(self, spec: CommandSpec, signed: SignedCommand,
                outcome: Callable[[], Outcome[Any]]) -> dict[str, Any]:
        """The response to a command this call owns (its idempotency entry is settled here,
        with the response or the error, even when the requester has stopped waiting)."""
        try:
            response = command_response(spec, signed, outcome())
            if (self.cluster is not None and response["replayed"]
                    and response["result"] is None and spec.result is not None):
                response["result"] = self.cluster.stored_result(signed)
        except BaseException as error:
            self._idempotency.finish(signed, None, error)
            raise
        finally:
            self._appended()
        self._idempotency.finish(signed, response, None)
        return response

    # --- reads -------------------------------------------------------------------------------

    async def read_async(self, principal: Principal, spec: ReadSpec,
                         params: Mapping[str, Any]) -> Any:
        """Answer a read: on the query pool (read models) or the worker pool (the rest)."""
        if spec.read_models:
            return await self.read_models(principal, self.read, spec, params)
        return await self.run(self.read, principal, spec, params)

    def read(self, principal: Principal, spec: ReadSpec, params: Mapping[str, Any], *,
             deadline: float | None = None) -> Any:
        """Authorize (recording a refusal) and answer one read, JSON-ready."""
        capability = spec.capability
        if spec.self_capability and params.get("actor_id") in (principal.actor_id,
                                                              principal.name):
            capability = spec.self_capability
        target = read_target(params)
        self.ledger.catch_up()
        authorize_read(self.ledger, principal, capability, target=target, what=spec.name)
        context = ReadContext(
            ledger=self.ledger, store=self.store, principal=principal.as_dict(),
            domains=principal.domains,
            check_domain=lambda cap, domain: authorize_read(
                self.ledger, principal, cap, target=target, domain=domain,
                what=spec.name),
            refuse=lambda refusal: record_refusal(
                self.ledger, principal, f"Read:{capability}", refusal, target=target,
                what=spec.name),
            read_models=ServiceReadModels(
                self.store, self.home.path, self._read_models, self.limits,
                deadline or time.monotonic() + self.limits.request_timeout_s,
                self._note_positions) if spec.read_models else None)
        with self.tracer.start_as_current_span(f"read {spec.name}"):
            return to_json(spec.result, answer(spec.name, context, params))

    def _note_positions(self, positions: dict[str, int]) -> None:
        self._projected = positions

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

    # --- operational endpoints -----------------------------------------------------------------

    def authorize_metrics(self, principal: Principal) -> None:
        authorize_read(self.ledger, principal, "metrics", what="metrics")

    def authorize_feed(self, principal: Principal, chain_id: str) -> None:
        authorize_read(self.ledger, principal, "feed", what=f"feed {chain_id}")


def parse_signed(command: str, signature: str) -> SignedCommand:
    """Rebuild the client's SignedCommand from its canonical JSON text and base64 signature."""
    try:
        raw = base64.b64decode(signature, validate=True)
    except (ValueError, binascii.Error):
        raise InvalidInput("not valid base64", field="signature") from None
    return parse_signed_bytes(command, raw)


def parse_signed_bytes(command: str, signature: bytes) -> SignedCommand:
    """Rebuild a SignedCommand from canonical JSON text and the raw signature."""
    if not isinstance(command, str) or not command or not command.isascii():
        raise InvalidInput("the canonical command is ASCII JSON text", field="command")
    if len(signature) != 64:
        raise InvalidInput("an Ed25519 signature has 64 bytes", field="signature")
    return SignedCommand.parse(command.encode("ascii"), bytes(signature))


def command_response(spec: CommandSpec, signed: SignedCommand,
                     outcome: Outcome[Any]) -> dict[str, Any]:
    """The JSON answer to a command: where its events went, and its result (none for a
    replay past the cache: the ledger knows only that the command ran)."""
    command = signed.command
    result = None
    if outcome.approval_id is not None:  # held for its approvers: the request, no result
        result = None
    elif not outcome.replayed and spec.result is not None and outcome.result is not None:
        result = shape_to_json(spec.result.name, outcome.result)
    return {"command_id": command.command_id, "chain": outcome.chain_id,
            "seqs": list(outcome.seqs), "seq": outcome.seqs[-1] if outcome.seqs else None,
            "replayed": outcome.replayed,
            "correlation_id": command.correlation_id or command.command_id,
            "status": outcome.status, "approval_id": outcome.approval_id, "result": result}
