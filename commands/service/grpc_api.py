"""The gRPC API (``schemas/skms.proto``): same capabilities, auth and errors as REST.

Why a generic handler taking raw bytes instead of the generated servicer base class: the
request signature covers the SHA-256 of the serialized request (``content-digest``), so the
handler must see the exact bytes the client sent before parsing them. The generated message
classes are still the only (de)serialisers.

The server is ``grpc.aio`` on an event loop of its own: each call authenticates and parses
on the loop and runs its handler on the core's worker pool under the request timeout, like
REST (the thread-pool server costs more CPU and latency per call: docs/performance.md).

When TLS is on, gRPC is served behind :mod:`commands.service.grpc_front` (TLS 1.3 only,
optional mTLS) and calls that did not come through it are refused.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

import grpc
from google.protobuf.message import DecodeError, Message
from opentelemetry.trace import SpanKind, Status, StatusCode

from commands.service import protos
from commands.service.auth import Principal, RequestFacts
from commands.service.cluster import Relayed
from commands.service.core import RouteCheck, ServiceCore, parse_signed_bytes
from commands.service.errors import NotAuthenticated, grpc_code, problem
from commands.service.grpc_codec import fill, values_of
from commands.service.grpc_front import RelayRegistry
from commands.service.grpc_relay import (
    command_chain_of,
    relay_headers,
    relay_target,
    relayed_failure,
)
from commands.service.observability import (
    CORRELATION_HEADER,
    bound_correlation,
    logger,
    new_correlation_id,
    valid_correlation_id,
)
from commands.service.proto_schema import PACKAGE, command_path_values
from commands.service.proto_schema import SERVICE as SERVICE_NAME
from ledger.catalogue import CATALOGUE, CommandSpec, ReadSpec
from ledger.catalogue.fields import boolean, integer, listing, text
from ledger.decimal_text import is_decimal
from ledger.errors import InvalidInput, NotFound, SkmsError

OUTCOME_FIELDS = (text("command_id", ""), text("chain", ""),
                  listing("seqs", "", integer("item", "")),
                  integer("seq", "", required=False, nullable=True),
                  boolean("replayed", ""), text("correlation_id", ""),
                  text("status", ""),
                  text("approval_id", "", required=False, nullable=True))

SERVICE = f"{PACKAGE}.{SERVICE_NAME}"
pb, _ = protos.load()

Handler = Callable[[Principal, Any], Awaitable[Message]]


def _signed(request: Any) -> Any:
    if not request.HasField("command"):
        raise InvalidInput("the signed command is missing", field="command")
    return parse_signed_bytes(request.command.command, request.command.signature)


class GrpcApi:
    """Builds the method table over a :class:`ServiceCore`, one RPC per catalogue entry."""

    def __init__(self, core: ServiceCore, *, relay: RelayRegistry | None) -> None:
        """``relay``: the TLS front's registry; calls it does not know are refused. None
        when the server runs without TLS (loopback experiments), where nothing is relayed."""
        self.core = core
        self.relay = relay
        self.methods: dict[str, tuple[type[Message], Handler]] = {}
        self.commands: set[str] = set()  # the methods a cluster forwards to a chain's owner
        for spec in CATALOGUE.client_commands():
            if spec.rest is not None:
                self.methods[spec.name] = (getattr(pb, f"{spec.name}Request"),
                                           self._command(spec))
                self.commands.add(spec.name)
        for read in CATALOGUE.reads:
            if read.rest is not None:
                self.methods[read.name] = (getattr(pb, f"{read.name}Request"),
                                           self._read(read))

    def _command(self, spec: CommandSpec) -> Handler:
        reply_type = getattr(pb, f"{spec.name}Reply")
        path_names = command_path_values(spec)

        async def handle(principal: Principal, request: Any) -> Message:
            signed = _signed(request)
            check = RouteCheck(spec, {name: getattr(request, name) for name in path_names},
                               None, f"grpc {spec.name}")
            answer = await self.core.submit_async(principal, signed,
                                                  values_of(spec.inputs, request), check)
            reply = reply_type()
            fill(reply.outcome, OUTCOME_FIELDS, answer)
            if spec.result is not None and answer["result"] is not None:
                fill(reply.result, spec.result.fields, answer["result"])
            return cast(Message, reply)

        return handle

    def _read(self, spec: ReadSpec) -> Handler:
        reply_type = getattr(pb, f"{spec.name}Reply")

        async def handle(principal: Principal, request: Any) -> Message:
            result = await self.core.read_async(principal, spec,
                                                values_of(spec.params, request))
            return fill(reply_type(), [spec.result], {"result": result})

        return handle

    # --- transport ---------------------------------------------------------------------------

    def generic_handler(self) -> grpc.GenericRpcHandler:
        handlers: dict[str, grpc.RpcMethodHandler[Any, Any]] = {
            name: grpc.unary_unary_rpc_method_handler(
            self._endpoint(name), request_deserializer=None, response_serializer=None)
            for name in self.methods}
        return grpc.method_handlers_generic_handler(SERVICE, handlers)

    def _endpoint(self, name: str
                  ) -> Callable[[bytes, grpc.aio.ServicerContext[Any, Any]], Awaitable[bytes]]:
        path = f"/{SERVICE}/{name}"
        core = self.core

        async def endpoint(raw: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
            metadata = {k.lower(): v for k, v in context.invocation_metadata() or ()
                        if isinstance(v, str)}
            correlation = (valid_correlation_id(metadata.get(CORRELATION_HEADER))
                           or new_correlation_id())
            started = time.perf_counter()
            failure: SkmsError | None = None
            forwarded_failure: tuple[grpc.StatusCode, dict[str, Any]] | None = None
            status = "OK"
            core.metrics.request_started()
            with bound_correlation(correlation), core.tracer.start_as_current_span(
                    f"grpc {path}", kind=SpanKind.SERVER,
                    attributes={"rpc.system": "grpc", "rpc.method": name}) as span:
                try:
                    certificate = self._relayed_certificate(context)
                    relayed = await self._forwarded(name, raw, metadata, correlation)
                    if relayed is not None:
                        forwarded_failure = relayed_failure(relayed)
                        if forwarded_failure is None:
                            context.set_trailing_metadata(((CORRELATION_HEADER, correlation),))
                            return relayed.body
                        status = forwarded_failure[0].name
                    else:
                        reply = await self.answer(name, raw, metadata, certificate)
                        context.set_trailing_metadata(((CORRELATION_HEADER, correlation),))
                        return reply
                except SkmsError as error:
                    failure = error
                    status = grpc_code(error).name
                except Exception as exc:  # a bug: log it, tell the client nothing more
                    logger().error("internal error", exc_info=exc, method=path)
                    status = "INTERNAL"
                    span.set_status(Status(StatusCode.ERROR))
                finally:
                    core.metrics.request_finished()
                    elapsed = time.perf_counter() - started
                    core.metrics.observe("grpc", path, "POST", status, elapsed)
                    logger().info("request", api="grpc", method="POST", route=path,
                                  status=status, ms=round(elapsed * 1000, 3))
            if forwarded_failure is not None:  # the owner's answer, as it gave it
                code, document = forwarded_failure
                context.set_trailing_metadata(((CORRELATION_HEADER, correlation),
                                               ("skms-problem", json.dumps(document))))
                await context.abort(code, str(document.get("detail", "")))
            if failure is None:
                context.set_trailing_metadata(((CORRELATION_HEADER, correlation),))
                await context.abort(grpc.StatusCode.INTERNAL,
                                    "internal error; the log has details")
            else:
                document = problem(failure, instance=path, correlation_id=correlation)
                context.set_trailing_metadata(((CORRELATION_HEADER, correlation),
                                               ("skms-problem", json.dumps(document))))
                await context.abort(grpc_code(failure), failure.message)
            raise AssertionError("abort returned")  # pragma: no cover - abort raises

        return endpoint

    def _relayed_certificate(self, context: grpc.aio.ServicerContext[Any, Any]
                             ) -> bytes | None:
        """The client certificate of the TLS connection this call came through (None
        without one); refused when TLS is on and the call did not come through the front."""
        if self.relay is None:
            return None
        relayed, certificate = self.relay.lookup(_peer_address(context.peer()))
        if not relayed:
            raise NotAuthenticated("gRPC calls must come through the TLS front",
                                   reason_code="no-tls")
        return certificate

    async def answer(self, name: str, raw: bytes, metadata: dict[str, str],
                     certificate: bytes | None) -> bytes:
        """One call of method ``name`` decided here: authenticated from its metadata (and
        the certificate of the TLS connection it came on), parsed, handled; the reply's
        bytes. A call relayed by another cluster member comes here too
        (:mod:`commands.service.grpc_relay`), so the owner authenticates it once."""
        found = self.methods.get(name)
        if found is None:
            raise NotFound(f"no gRPC method {name!r}", field="method")
        request_type, handler = found
        facts = RequestFacts(method="POST", target_uri=None, path=f"/{SERVICE}/{name}",
                             headers=metadata, body=raw, peer_certificate=certificate)
        principal = self.core.auth.authenticate(facts, grpc=True)
        try:
            request = request_type.FromString(raw)
        except DecodeError:
            raise InvalidInput("the request is not a valid "
                               f"{request_type.__name__}", field="body") from None
        reply = await handler(principal, request)
        return reply.SerializeToString()

    async def _forwarded(self, name: str, raw: bytes, metadata: dict[str, str],
                         correlation: str) -> Relayed | None:
        """The owner's answer to a command for a chain another cluster member writes, or
        None when this member decides the call (no cluster, a read, a chain it writes, or
        a request too malformed to name a chain: refused here as usual). Nothing is checked
        before forwarding: the owner authenticates the call as it came."""
        cluster = self.core.cluster
        if cluster is None or name not in self.commands:
            return None
        chain = command_chain_of(self.methods[name][0], raw)
        if chain is None or cluster.owns(chain):
            return None
        return await self.core.run(cluster.forward, chain, "POST", relay_target(name),
                                   relay_headers(metadata, correlation), raw)


def _peer_address(peer: str) -> tuple[str, int] | None:
    """``ipv4:127.0.0.1:5000`` / ``ipv6:[::1]:5000`` → (host, port)."""
    kind, _, rest = peer.partition(":")
    if kind not in ("ipv4", "ipv6") or ":" not in rest:
        return None
    host, _, port = rest.rpartition(":")
    if not is_decimal(port):
        return None
    return host.strip("[]"), int(port)
