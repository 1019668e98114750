"""The live feed: ledger envelopes of one chain over a WebSocket, resumable from a seq.

``GET /v1/feed?chain=default&from_seq=N`` (WebSocket upgrade), authenticated like any
request (signature over the handshake, or a client certificate) and allowed to admins and
auditors. Refusals are answered on the handshake itself, as problem+json with 401/403/429.

Requirements:

1. Each message is one envelope's decoded metadata and event, in seq order, with no gap:
   history from ``from_seq`` first (default: only new events), then live events.
2. Secrets never travel: sealed key material fields are removed from events, and the
   command bytes and signatures are left out (they are in the store for auditors).
3. Resumable: every message carries its ``seq``; reconnecting with ``from_seq = last + 1``
   continues exactly after the last message received.
4. Backpressure: events wait in a bounded per-connection queue (``--feed-queue``). A
   consumer that leaves the queue full for ``--feed-stall`` seconds is dropped with close
   code 1013 (Try Again Later) and a reason naming the seq to resume from. The feed never
   buffers without bound and never skips events; slow consumers lose their connection,
   not data.
5. New events are noticed at once when this process appended them, and by polling the
   store (``--feed-poll``) when another process did.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from commands.service import rest
from commands.service.auth import RequestFacts
from commands.service.responses import problem_response
from commands.service.tls import peer_certificate
from ledger.decimal_text import is_decimal
from ledger.envelope import open_envelope
from ledger.errors import InvalidInput, SkmsError
from ledger.stores.base import EventStore, StoredEnvelope

router = APIRouter()
SECRET_FIELDS = frozenset({"sealed_material", "wrapped_data_key", "private_key"})
CLOSE_SLOW_CONSUMER = 1013
CLOSE_GOING_AWAY = 1001
PAGE = 500


def _page(store: EventStore, chain: str, position: int) -> list[StoredEnvelope]:
    return list(store.read(chain, position, position + PAGE))


def sanitize(value: Any) -> Any:
    """Event values as JSON: secret fields removed, bytes as hex."""
    if isinstance(value, dict):
        return {k: sanitize(v) for k, v in value.items() if k not in SECRET_FIELDS}
    if isinstance(value, list):
        return [sanitize(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    return value


def feed_message(stored: StoredEnvelope) -> dict[str, Any]:
    envelope = open_envelope(stored)
    return {"type": "event", "chain": envelope.chain_id, "seq": envelope.seq,
            "event_type": envelope.event_type, "schema_version": envelope.schema_version,
            "aggregate_id": envelope.aggregate_id,
            "aggregate_version": envelope.aggregate_version,
            "recorded_at": envelope.recorded_at, "actor_id": envelope.actor_id,
            "command_id": envelope.command_id, "correlation_id": envelope.correlation_id,
            "causation_id": envelope.causation_id, "authority_seq": envelope.authority_seq,
            "event_hash": envelope.event_hash.hex(), "prev_hash": envelope.prev_hash.hex(),
            "event": sanitize(envelope.event())}


MAX_SEQ = 2**62
"""The largest seq a client may name (envelope seqs are Avro longs; the REST API's bound)."""


def parse_from_seq(text: str | None) -> int | None:
    """``from_seq`` as an int: ASCII digits only (``str.isdigit`` also takes '²'), at most
    :data:`MAX_SEQ`; anything else is a 422 problem on the handshake."""
    if text is None:
        return None
    if not (0 < len(text) <= 19 and is_decimal(text)):
        raise InvalidInput("must be a non-negative integer (ASCII digits)", field="from_seq")
    value = int(text)
    if value > MAX_SEQ:
        raise InvalidInput(f"must be at most {MAX_SEQ}", field="from_seq")
    return value


class FeedHub:
    """Wakes every open feed when this process appended events (thread-safe ``notify``)."""

    def __init__(self) -> None:
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._lock = threading.Lock()
        self.closing = False

    def subscribe(self) -> asyncio.Event:
        event = asyncio.Event()
        with self._lock:
            self._waiters.add((asyncio.get_running_loop(), event))
        return event

    def unsubscribe(self, event: asyncio.Event) -> None:
        with self._lock:
            self._waiters = {(loop, e) for loop, e in self._waiters if e is not event}

    def notify(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    def close(self) -> None:
        """Server shutdown: every feed closes with 1001 (Going Away)."""
        self.closing = True
        self.notify()


@router.websocket("/v1/feed")
async def feed(websocket: WebSocket) -> None:
    core = websocket.app.state.core
    hub: FeedHub = websocket.app.state.hub
    scope: dict[str, Any] = dict(websocket.scope)
    try:
        chain = websocket.query_params.get("chain", "default")
        if not chain or len(chain) > 64:
            raise InvalidInput("must be a chain id", field="chain")
        from_seq = parse_from_seq(websocket.query_params.get("from_seq"))
        facts = RequestFacts(method="GET",
                             target_uri=rest.target_uri(scope, rest.authorities_of(websocket)),
                             path=scope.get("path", ""), headers=rest.header_map(scope),
                             body=b"", peer_certificate=peer_certificate(scope))
        principal = core.auth.authenticate(facts)
        # Authorization may record a refusal and the head is a store read: both off the loop.
        head = await asyncio.get_running_loop().run_in_executor(
            core.executor, _authorized_head, core, principal, chain)
    except SkmsError as error:
        await websocket.send_denial_response(problem_response(scope, error))
        return
    position = from_seq if from_seq is not None else (head.seq + 1 if head else 0)
    await websocket.accept()
    core.metrics.feed_subscribers.inc()
    wake = hub.subscribe()
    outbox = _Outbox(core.limits.feed_queue, position)
    sender = asyncio.create_task(_send(websocket, outbox))
    listener = asyncio.create_task(_listen(websocket))
    try:
        await websocket.send_text(json.dumps({"type": "hello", "chain": chain,
                                              "from_seq": position,
                                              "head": head.seq if head else -1}))
        position = await _produce(core, hub, wake, outbox, chain, position, sender, listener)
        if hub.closing:
            await websocket.close(CLOSE_GOING_AWAY, f"server shutting down; resume "
                                                    f"from_seq={position}")
    except _SlowConsumer:
        core.metrics.feed_dropped.inc()
        # Stop the sender first: a frame it is still waiting to write is then never
        # written, so the resume hint names exactly the first event the client lacks.
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(websocket.close(
                CLOSE_SLOW_CONSUMER, f"slow consumer; resume from_seq={outbox.unsent}"),
                timeout=max(5.0, 4 * core.limits.feed_stall_s))
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.unsubscribe(wake)
        sender.cancel()
        listener.cancel()
        core.metrics.feed_subscribers.dec()


def _authorized_head(core: Any, principal: Any, chain: str) -> Any:
    core.authorize_feed(principal, chain)
    return core.store.head(chain)


class _SlowConsumer(Exception):
    """The outbox stayed full for the stall time."""


class _Outbox:
    """The bounded queue of one connection and the next seq its sender has not sent."""

    def __init__(self, size: int, position: int) -> None:
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=size)
        self.unsent = position


async def _produce(core: Any, hub: FeedHub, wake: asyncio.Event, outbox: _Outbox, chain: str,
                   position: int, sender: asyncio.Task[None],
                   listener: asyncio.Task[None]) -> int:
    """Read the chain from ``position`` into the outbox until the client or server leaves.

    Returns the first seq not yet sent, which is what a dropped consumer resumes from.
    """
    loop = asyncio.get_running_loop()
    while not hub.closing and not sender.done() and not listener.done():
        page = await loop.run_in_executor(core.executor, _page, core.store, chain, position)
        for stored in page:
            message = await loop.run_in_executor(core.executor, feed_message, stored)
            try:
                await asyncio.wait_for(outbox.queue.put(message), core.limits.feed_stall_s)
            except TimeoutError:
                raise _SlowConsumer from None
            position = stored.seq + 1
        if len(page) < PAGE:
            wake.clear()
            waiters = [asyncio.ensure_future(wake.wait()), sender, listener]
            await asyncio.wait(waiters, timeout=core.config.feed_poll_s,
                               return_when=asyncio.FIRST_COMPLETED)
            if not waiters[0].done():
                waiters[0].cancel()
    return outbox.unsent


async def _send(websocket: WebSocket, outbox: _Outbox) -> None:
    while True:
        message = await outbox.queue.get()
        await websocket.send_text(json.dumps(message, separators=(",", ":")))
        outbox.unsent = message["seq"] + 1


async def _listen(websocket: WebSocket) -> None:
    """Consume client frames (none are expected) so a close from the client is noticed."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
