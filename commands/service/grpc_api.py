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
from commands.service.core import RouteCheck, ServiceCore, parse_signed_bytes
from commands.service.errors import NotAuthenticated, grpc_code, problem
from commands.service.grpc_codec import fill, values_of
from commands.service.grpc_front import RelayRegistry
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
from ledger.errors import InvalidInput, SkmsError

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
        for spec in CATALOGUE.client_commands():
            if spec.rest is not None:
                self.methods[spec.name] = (getattr(pb, f"{spec.name}Request"),
                                           self._command(spec))
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
            self._endpoint(name, request_type, handler),
            request_deserializer=None, response_serializer=None)
            for name, (request_type, handler) in self.methods.items()}
        return grpc.method_handlers_generic_handler(SERVICE, handlers)

    def _endpoint(self, name: str, request_type: type[Message], handler: Handler
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
            status = "OK"
            core.metrics.request_started()
            with bound_correlation(correlation), core.tracer.start_as_current_span(
                    f"grpc {path}", kind=SpanKind.SERVER,
                    attributes={"rpc.system": "grpc", "rpc.method": name}) as span:
                try:
                    principal = self._authenticate(context, metadata, path, raw)
                    try:
                        request = request_type.FromString(raw)
                    except DecodeError:
                        raise InvalidInput("the request is not a valid "
                                           f"{request_type.__name__}", field="body") from None
                    reply = await handler(principal, request)
                    context.set_trailing_metadata(((CORRELATION_HEADER, correlation),))
                    return reply.SerializeToString()
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

    def _authenticate(self, context: grpc.aio.ServicerContext[Any, Any],
                      metadata: dict[str, str],
                      path: str, raw: bytes) -> Principal:
        certificate = None
        if self.relay is not None:
            relayed, certificate = self.relay.lookup(_peer_address(context.peer()))
            if not relayed:
                raise NotAuthenticated("gRPC calls must come through the TLS front",
                                           reason_code="no-tls")
        facts = RequestFacts(method="POST", target_uri=None, path=path, headers=metadata,
                             body=raw, peer_certificate=certificate)
        return self.core.auth.authenticate(facts, grpc=True)


def _peer_address(peer: str) -> tuple[str, int] | None:
    """``ipv4:127.0.0.1:5000`` / ``ipv6:[::1]:5000`` → (host, port)."""
    kind, _, rest = peer.partition(":")
    if kind not in ("ipv4", "ipv6") or ":" not in rest:
        return None
    host, _, port = rest.rpartition(":")
    if not is_decimal(port):
        return None
    return host.strip("[]"), int(port)
