"""The gRPC side of the SDK: same actor, same signed commands, same request signatures.

Each call serializes its request once, signs ``"@method" "@path" "content-digest"`` of those
bytes (RFC 9421 profile of :mod:`commands.sdk.httpsig`) into the call metadata, and sends
the very same bytes, so the server checks the digest of what it received. Errors arrive as
:class:`commands.sdk.client.ApiError` built from the ``skms-problem`` trailer.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import grpc

from commands.builders import build
from commands.sdk import httpsig
from commands.sdk.client import remember_domain
from commands.sdk.operations import Operations
from commands.sdk.results import ApiError, CommandResult
from commands.sdk.tlsclient import private_key_pem
from commands.service import protos
from commands.service.grpc_api import OUTCOME_FIELDS
from commands.service.grpc_codec import fill, values_of
from commands.service.proto_schema import command_path_values
from commands.wire import to_json
from ledger.catalogue import CATALOGUE, Field
from ledger.command import Command

SERVICE = "skms.v1.Skms"


class GrpcClient(Operations):
    """A gRPC client acting as ``actor_id`` (TLS with the given CA; mTLS with a cert); every
    catalogue command and read is a method, as on the REST client."""

    def __init__(self, target: str, actor_id: str, private_key: bytes | bytearray, *,
                 ca: Path | str | None = None, client_cert: bytes | None = None,
                 sign_requests: bool = True, timeout: float = 30.0) -> None:
        self.pb, _ = protos.load()
        self.actor_id = actor_id
        self._private_key = bytes(private_key)
        self.sign_requests = sign_requests
        self.timeout = timeout
        self._domains: dict[str, str] = {}
        if ca is None:
            self.channel = grpc.insecure_channel(target)
        else:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=Path(ca).read_bytes(),
                private_key=private_key_pem(self._private_key) if client_cert else None,
                certificate_chain=client_cert)
            self.channel = grpc.secure_channel(target, credentials, options=[
                ("grpc.ssl_target_name_override", "localhost")])

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> GrpcClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, method: str, request: Any, reply_type: str,
             correlation_id: str | None = None) -> Any:
        """Send one signed request; return the reply message or raise :class:`ApiError`."""
        raw = request.SerializeToString()
        path = f"/{SERVICE}/{method}"
        metadata: list[tuple[str, str | bytes]] = [
            ("x-correlation-id", correlation_id or uuid.uuid4().hex)]
        if self.sign_requests:
            digest = httpsig.content_digest(raw)
            headers = httpsig.sign(self._private_key, self.actor_id,
                                   {"@method": "POST", "@path": path,
                                    "content-digest": digest},
                                   components=httpsig.GRPC_COMPONENTS)
            metadata += [("content-digest", digest), *headers.items()]
        stub: grpc.UnaryUnaryMultiCallable[bytes, Any] = self.channel.unary_unary(
            path, request_serializer=None,
                                        response_deserializer=getattr(self.pb, reply_type)
                                        .FromString)
        try:
            return stub(raw, metadata=tuple(metadata), timeout=self.timeout)
        except grpc.RpcError as error:
            raise _api_error(error) from None

    # --- every catalogue entry (commands.sdk.operations) ----------------------------------------

    def _command(self, name: str, params: dict[str, Any]) -> CommandResult:
        spec = CATALOGUE.command(name)
        built = build(spec, params, self.resolver())
        command = Command(name, self.actor_id, built.chain_id, built.args,
                          time.time_ns() // 1000, correlation_id=uuid.uuid4().hex)
        signed = command.sign(self._private_key)
        request = getattr(self.pb, f"{name}Request")()
        request.command.command = signed.canonical_bytes.decode("ascii")
        request.command.signature = signed.signature
        values = {**built.args, "chain_id": built.chain_id}
        for path_name in command_path_values(spec):
            setattr(request, path_name, values[path_name])
        fill(request, spec.inputs, {f.name: to_json(f, v) for f in spec.inputs
                                    if (v := built.inputs.get(f.name)) is not None})
        reply = self.call(name, request, f"{name}Reply", command.correlation_id)
        outcome = values_of(OUTCOME_FIELDS, reply.outcome)
        result = (_as_json(spec.result.fields, reply.result)
                  if spec.result is not None and reply.HasField("result") else None)
        answer = CommandResult(outcome["command_id"], outcome["chain"], outcome["seqs"],
                               outcome.get("seq"), outcome["replayed"],
                               outcome["correlation_id"], result,
                               outcome.get("status") or "done", outcome.get("approval_id"))
        remember_domain(self._domains, command, answer)
        return answer

    def _read(self, name: str, params: dict[str, Any]) -> Any:
        spec = CATALOGUE.read(name)
        request = fill(getattr(self.pb, f"{name}Request")(), spec.params,
                       {f.name: to_json(f, params[f.name]) for f in spec.params
                        if params.get(f.name) is not None})
        reply = self.call(name, request, f"{name}Reply")
        return to_json(spec.result, values_of([spec.result], reply).get("result"))


def _as_json(fields: tuple[Field, ...], message: Any) -> dict[str, Any]:
    values = values_of(fields, message)
    return {f.name: to_json(f, values.get(f.name)) for f in fields}


def _api_error(error: grpc.RpcError) -> ApiError:
    problem: dict[str, Any] = {"detail": error.details() if hasattr(error, "details") else ""}
    trailers = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    for item in trailers or ():
        key, value = item.key, item.value
        if key == "skms-problem":
            problem = json.loads(value)
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    problem.setdefault("grpc_status", code.name)
    return ApiError(int(problem.get("status", 500)), problem)
