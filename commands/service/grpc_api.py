"""The gRPC API (``schemas/skms.proto``): same capabilities, auth and errors as REST.

Why a generic handler taking raw bytes instead of the generated servicer base class: the
request signature covers the SHA-256 of the serialized request (``content-digest``), so the
handler must see the exact bytes the client sent before parsing them. The generated message
classes are still the only (de)serialisers.

The server is ``grpc.aio`` on an event loop of its own: each call authenticates and parses
on the loop and runs its handler on the core's worker pool under the request timeout, like
REST. (The thread-pool server cost about twice the CPU and latency per call, measured.)

When TLS is on, gRPC is served behind :mod:`commands.service.grpc_front` (TLS 1.3 only,
optional mTLS) and calls that did not come through it are refused.
"""

from __future__ import annotations

import inspect
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

import grpc
from google.protobuf.message import DecodeError, Message
from opentelemetry.trace import SpanKind, Status, StatusCode

from commands.sdk.routes import KEY_COMMANDS
from commands.service import protos
from commands.service.auth import Principal, RequestFacts
from commands.service.core import ServiceCore, parse_signed_bytes
from commands.service.errors import AuthenticationFailed, grpc_code, problem
from commands.service.grpc_front import RelayRegistry
from commands.service.observability import (
    CORRELATION_HEADER,
    bound_correlation,
    logger,
    new_correlation_id,
    valid_correlation_id,
)
from ledger.errors import InvalidInput, SkmsError

SERVICE = "skms.v1.Skms"
pb, _ = protos.load()

# Sync handlers run on the core's worker pool; async ones (signing) on the event loop.
Handler = Callable[[Principal, Any], Message | Awaitable[Message]]


def _command_reply(result: dict[str, Any]) -> Any:
    return pb.CommandReply(command_id=result["command_id"], chain=result["chain"],
                           seqs=result["seqs"], replayed=result["replayed"],
                           correlation_id=result["correlation_id"],
                           result_json=json.dumps(result["result"], sort_keys=True))


def _key(row: dict[str, Any]) -> Any:
    key = pb.Key(key_id=row["key_id"], domain=row["domain"], algorithm=row["algorithm"],
                 state=row["state"], usage=row["usage"], current_version=row["current_version"],
                 versions=row["versions"], public_key=row["public_key"],
                 policy_json=json.dumps(row["policy"], sort_keys=True),
                 created_at=row["created_at"], signatures=row["signatures"])
    for name in ("label", "rotated_at", "destroy_after", "destroyed_at"):
        if row.get(name) is not None:
            setattr(key, name, row[name])
    return key


def _actor(row: dict[str, Any]) -> Any:
    return pb.Actor(actor_id=row["actor_id"], name=row["name"], roles=row["roles"],
                    domains=row["domains"], revoked=row["revoked"],
                    public_key=row["public_key"])


def _verify_reply(row: dict[str, Any]) -> Any:
    reply = pb.VerifyReply(valid=row["valid"], key_id=row["key_id"])
    if row.get("version") is not None:
        reply.version = row["version"]
    if row.get("state") is not None:
        reply.state = row["state"]
    return reply


def _table(result: dict[str, Any]) -> Any:
    return pb.Table(columns=result["columns"], types=result["types"],
                    rows_json=json.dumps(result["rows"], default=str),
                    truncated=result["truncated"])


def _signed(request: Any) -> Any:
    if not request.HasField("command"):
        raise InvalidInput("the signed command is missing", field="command")
    return parse_signed_bytes(request.command.command, request.command.signature)


class GrpcApi:
    """Builds the method table over a :class:`ServiceCore`."""

    def __init__(self, core: ServiceCore, *, relay: RelayRegistry | None) -> None:
        """``relay``: the TLS front's registry; calls it does not know are refused. None
        when the server runs without TLS (loopback experiments), where nothing is relayed."""
        self.core = core
        self.relay = relay
        self.methods: dict[str, tuple[type[Message], Handler]] = {}
        self._build()

    def _submit(self, principal: Principal, request: Any, expect: str, *,
                args: dict[str, str] | None = None, chain: str | None = None,
                **extra: Any) -> dict[str, Any]:
        return self.core.submit(principal, _signed(request), expect=(expect,), expect_args=args,
                                expect_chain=chain, route=f"grpc {expect}", **extra)

    def _build(self) -> None:
        core, add = self.core, self._add
        add("WhoAmI", pb.Empty, lambda p, r: pb.Principal(**{
            k: v for k, v in core.whoami(p).items()}))
        add("ListAlgorithms", pb.Empty, lambda p, r: pb.AlgorithmList(
            algorithms=[pb.Algorithm(**{k: v for k, v in row.items() if v is not None})
                        for row in core.algorithms(p)]))
        add("ListKeys", pb.KeyFilter, lambda p, r: pb.KeyList(keys=[_key(row) for row in (
            core.list_keys(p, r.domain or None, r.state or None))]))
        add("GetKey", pb.KeyRef, lambda p, r: _key(core.get_key(p, r.key_id)))
        add("GetPublicKey", pb.PublicKeyRequest, lambda p, r: pb.PublicKeyReply(
            **core.public_key(p, r.key_id, r.format or "pem",
                              r.version if r.HasField("version") else None)))
        add("CreateKey", pb.CommandRequest,
            lambda p, r: _command_reply(self._submit(p, r, "CreateKey")))
        for command_type in KEY_COMMANDS.values():
            add(command_type, pb.KeyCommandRequest, self._key_command(command_type))
        add("Sign", pb.SignRequest, self._sign)
        add("SignBatch", pb.SignBatchRequest, self._sign_batch)
        add("Verify", pb.VerifyRequest, lambda p, r: _verify_reply(core.verify(
            p, r.key_id, [(r.message, r.signature,
                           r.version if r.HasField("version") else None)])[0]))
        add("VerifyBatch", pb.VerifyBatchRequest, lambda p, r: pb.VerifyBatchReply(
            results=[_verify_reply(row) for row in core.verify(p, r.key_id, [
                (i.message, i.signature, i.version if i.HasField("version") else None)
                for i in r.items])]))
        add("ListActors", pb.Empty, lambda p, r: pb.ActorList(
            actors=[_actor(row) for row in core.list_actors(p)]))
        add("GetActor", pb.ActorRef, lambda p, r: _actor(core.get_actor(p, r.actor_id)))
        add("RegisterActor", pb.CommandRequest,
            lambda p, r: _command_reply(self._submit(p, r, "RegisterActor")))
        add("ChangeActorRoles", pb.ActorCommandRequest, lambda p, r: _command_reply(
            self._submit(p, r, "ChangeActorRoles", args={"actor_id": r.actor_id})))
        add("RevokeActor", pb.ActorCommandRequest, lambda p, r: _command_reply(
            self._submit(p, r, "RevokeActor", args={"actor_id": r.actor_id})))
        add("ListChains", pb.Empty, lambda p, r: pb.ChainList(
            chains=[pb.Chain(**row) for row in core.chains(p)]))
        add("GetCheckpoint", pb.ChainRef,
            lambda p, r: pb.Checkpoint(**core.checkpoint(p, r.chain_id)))
        add("RequestCheckpoint", pb.CheckpointRequest, lambda p, r: _command_reply(
            self._submit(p, r, "RequestCheckpoint", chain=r.chain_id)))
        add("InclusionProof", pb.InclusionRequest, lambda p, r: pb.JsonDocument(
            json=json.dumps(core.inclusion(p, r.chain_id, r.seq,
                                           r.size if r.HasField("size") else None))))
        add("ConsistencyProof", pb.ConsistencyRequest, lambda p, r: pb.JsonDocument(
            json=json.dumps(core.consistency(p, r.chain_id, r.old_size,
                                             r.size if r.HasField("size") else None))))
        add("VerifyProof", pb.VerifyProofRequest, self._verify_proof)
        add("AuditVerify", pb.AuditVerifyRequest, lambda p, r: pb.JsonDocument(
            json=json.dumps(core.audit_verify(p, list(r.trusted_checkpoints),
                                              r.ledger_key or None))))
        add("ListReports", pb.Empty, lambda p, r: pb.ReportList(
            reports=[pb.ReportInfo(**row) for row in core.reports(p)]))
        add("RunReport", pb.ReportRequest, self._run_report)
        add("Query", pb.QueryRequest, self._query)
        add("ProjectionStatus", pb.Empty, self._projection_status)

    def _add(self, name: str, request_type: type[Message], handler: Handler) -> None:
        self.methods[name] = (request_type, handler)

    def _key_command(self, command_type: str) -> Handler:
        def run(principal: Principal, request: Any) -> Message:
            return _command_reply(self._submit(principal, request, command_type,
                                               args={"key_id": request.key_id}))
        return run

    async def _submit_async(self, principal: Principal, request: Any, expect: str,
                            **extra: Any) -> dict[str, Any]:
        return await self.core.submit_async(
            principal, _signed(request), expect=(expect,), expect_args={"key_id": request.key_id},
            route=f"grpc {expect}", **extra)

    async def _sign(self, principal: Principal, request: Any) -> Message:
        result = await self._submit_async(principal, request, "Sign", message=request.message)
        shaped = result["result"] or {}
        return pb.SignReply(outcome=_command_reply(result),
                            signature=bytes.fromhex(shaped.get("signature", "")),
                            key_version=shaped.get("key_version", 0),
                            algorithm=shaped.get("algorithm", ""))

    async def _sign_batch(self, principal: Principal, request: Any) -> Message:
        result = await self._submit_async(principal, request, "SignBatch",
                                          messages=list(request.messages))
        shaped = result["result"] or {}
        return pb.SignBatchReply(outcome=_command_reply(result),
                                 signatures=[bytes.fromhex(s) for s in
                                             shaped.get("signatures", [])],
                                 key_version=shaped.get("key_version", 0),
                                 algorithm=shaped.get("algorithm", ""))

    # Read models run on the core's query pool (commands/service/read_models.py).
    async def _run_report(self, principal: Principal, request: Any) -> Message:
        return _table(await self.core.read_models(principal, self.core.report, request.name,
                                                  request.since or None, request.at or None))

    async def _query(self, principal: Principal, request: Any) -> Message:
        return _table(await self.core.read_models(principal, self.core.query, request.sql,
                                                  request.timeout or None))

    async def _projection_status(self, principal: Principal, request: Any) -> Message:
        status = await self.core.read_models(principal, self.core.projection_status)
        return pb.JsonDocument(json=json.dumps(status))

    def _verify_proof(self, principal: Principal, request: Any) -> Message:
        try:
            document = json.loads(request.document_json)
        except ValueError:
            raise InvalidInput("not JSON", field="document_json") from None
        return pb.VerifyProofReply(**self.core.verify_proof(principal, document,
                                                            request.ledger_key or None))

    # --- transport ---------------------------------------------------------------------------

    def generic_handler(self) -> grpc.GenericRpcHandler:
        handlers = {name: grpc.unary_unary_rpc_method_handler(
            self._endpoint(name, request_type, handler),
            request_deserializer=None, response_serializer=None)
            for name, (request_type, handler) in self.methods.items()}
        return grpc.method_handlers_generic_handler(SERVICE, handlers)

    def _endpoint(self, name: str, request_type: type[Message], handler: Handler
                  ) -> Callable[[bytes, grpc.aio.ServicerContext[Any, Any]], Awaitable[bytes]]:
        path = f"/{SERVICE}/{name}"
        core = self.core

        async def endpoint(raw: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
            metadata = {k.lower(): v for k, v in context.invocation_metadata()
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
                    reply = cast(Message, await handler(principal, request)
                                 if inspect.iscoroutinefunction(handler)
                                 else await core.run(handler, principal, request))
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
            raise AssertionError("abort returned")  # pragma: no cover

        return endpoint

    def _authenticate(self, context: grpc.aio.ServicerContext[Any, Any],
                      metadata: dict[str, str],
                      path: str, raw: bytes) -> Principal:
        certificate = None
        if self.relay is not None:
            relayed, certificate = self.relay.lookup(_peer_address(context.peer()))
            if not relayed:
                raise AuthenticationFailed("gRPC calls must come through the TLS front",
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
    if not port.isdigit():
        return None
    return host.strip("[]"), int(port)
