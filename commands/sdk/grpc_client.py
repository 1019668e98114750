"""The gRPC side of the SDK: same actor, same signed commands, same request signatures.

Each call serializes its request once, signs ``"@method" "@path" "content-digest"`` of those
bytes (RFC 9421 profile of :mod:`commands.sdk.httpsig`) into the call metadata, and sends
the very same bytes, so the server checks the digest of what it received. Errors arrive as
:class:`commands.sdk.client.ApiError` built from the ``skms-problem`` trailer.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import grpc

from commands.sdk import httpsig
from commands.sdk.client import ApiError
from commands.sdk.routes import KEY_COMMANDS
from commands.sdk.tlsclient import private_key_pem
from commands.service import protos
from ledger.command import Command

SERVICE = "skms.v1.Skms"


class GrpcClient:
    """A gRPC client acting as ``actor_id`` (TLS with the given CA; mTLS with a cert)."""

    def __init__(self, target: str, actor_id: str, private_key: bytes | bytearray, *,
                 ca: Path | None = None, client_cert: bytes | None = None,
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
                root_certificates=ca.read_bytes(),
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
        metadata = [("x-correlation-id", correlation_id or uuid.uuid4().hex)]
        if self.sign_requests:
            digest = httpsig.content_digest(raw)
            headers = httpsig.sign(self._private_key, self.actor_id,
                                   {"@method": "POST", "@path": path,
                                    "content-digest": digest},
                                   components=httpsig.GRPC_COMPONENTS)
            metadata += [("content-digest", digest), *headers.items()]
        stub = self.channel.unary_unary(path, request_serializer=None,
                                        response_deserializer=getattr(self.pb, reply_type)
                                        .FromString)
        try:
            return stub(raw, metadata=metadata, timeout=self.timeout)
        except grpc.RpcError as error:
            raise _api_error(error) from None

    # --- commands ------------------------------------------------------------------------------

    def signed_command(self, command_type: str, chain_id: str, args: Mapping[str, Any],
                       *, correlation_id: str | None = None) -> Any:
        command = Command(command_type, self.actor_id, chain_id, dict(args),
                          time.time_ns() // 1000,
                          correlation_id=correlation_id or uuid.uuid4().hex)
        signed = command.sign(self._private_key)
        return self.pb.SignedCommand(command=signed.canonical_bytes.decode("ascii"),
                                     signature=signed.signature)

    def _domain(self, key_id: str) -> str:
        if key_id not in self._domains:
            self._domains[key_id] = self.get_key(key_id).domain
        return self._domains[key_id]

    def create_key(self, algorithm: str, *, domain: str = "default", label: str | None = None,
                   **policy: Any) -> Any:
        args: dict[str, Any] = {"algorithm": algorithm, **policy}
        if label is not None:
            args["label"] = label
        reply = self.call("CreateKey", self.pb.CommandRequest(
            command=self.signed_command("CreateKey", domain, args)), "CommandReply")
        self._domains[json.loads(reply.result_json)["key_id"]] = domain
        return reply

    def key_command(self, action: str, key_id: str, **args: Any) -> Any:
        command_type = KEY_COMMANDS[action]
        signed = self.signed_command(command_type, self._domain(key_id),
                                     {"key_id": key_id, **args})
        return self.call(command_type, self.pb.KeyCommandRequest(key_id=key_id,
                                                                 command=signed),
                         "CommandReply")

    def sign(self, key_id: str, message: bytes) -> Any:
        signed = self.signed_command("Sign", self._domain(key_id), {
            "key_id": key_id, "message_digest": hashlib.sha256(message).hexdigest()})
        return self.call("Sign", self.pb.SignRequest(key_id=key_id, command=signed,
                                                     message=message), "SignReply")

    def sign_batch(self, key_id: str, messages: list[bytes]) -> Any:
        signed = self.signed_command("SignBatch", self._domain(key_id), {
            "key_id": key_id,
            "message_digests": [hashlib.sha256(m).hexdigest() for m in messages]})
        return self.call("SignBatch", self.pb.SignBatchRequest(
            key_id=key_id, command=signed, messages=messages), "SignBatchReply")

    def register_actor(self, name: str, roles: list[str], public_key: bytes) -> Any:
        signed = self.signed_command("RegisterActor", "system", {
            "name": name, "public_key": public_key.hex(), "roles": roles, "domains": ["*"]})
        return self.call("RegisterActor", self.pb.CommandRequest(command=signed),
                         "CommandReply")

    def request_checkpoint(self, chain_id: str) -> Any:
        signed = self.signed_command("RequestCheckpoint", chain_id, {})
        return self.call("RequestCheckpoint", self.pb.CheckpointRequest(
            chain_id=chain_id, command=signed), "CommandReply")

    # --- reads ---------------------------------------------------------------------------------

    def whoami(self) -> Any:
        return self.call("WhoAmI", self.pb.Empty(), "Principal")

    def get_key(self, key_id: str) -> Any:
        return self.call("GetKey", self.pb.KeyRef(key_id=key_id), "Key")

    def list_keys(self, domain: str = "", state: str = "") -> Any:
        return self.call("ListKeys", self.pb.KeyFilter(domain=domain, state=state), "KeyList")

    def verify(self, key_id: str, message: bytes, signature: bytes) -> Any:
        return self.call("Verify", self.pb.VerifyRequest(key_id=key_id, message=message,
                                                         signature=signature), "VerifyReply")


def _api_error(error: grpc.RpcError) -> ApiError:
    problem: dict[str, Any] = {"detail": error.details() if hasattr(error, "details") else ""}
    trailers = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    for key, value in trailers or ():
        if key == "skms-problem":
            problem = json.loads(value)
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    problem.setdefault("grpc_status", code.name)
    return ApiError(int(problem.get("status", 500)), problem)
