"""A gRPC command for a chain another cluster member writes, carried to that member.

See :mod:`commands.service.cluster` for the cluster's rules. A gRPC call is authenticated
by an RFC 9421 signature over its method, path and the digest of its serialized request, so
the member that receives it can hand it on unchanged and let the owner check it: the call's
bytes go as the body of ``POST /v1/cluster/grpc/<method>`` over the cluster's own peer
connections (TLS verified against the peer CA), its metadata as one JSON header, and the
owner answers it with :meth:`commands.service.grpc_api.GrpcApi.answer` — the very code a
direct call runs, with the same nonce cache and rate limits — then sends the reply's bytes,
or its problem document with the gRPC status in ``skms-grpc-status``. The forwarding member
relays that to its client as if it had decided the call, and adds no trust of its own.

The route needs nothing a direct gRPC call does not: the certificate the owner sees is the
one on the TLS connection the route was called on (a forwarding member presents none), so
whoever calls the route directly gets exactly what calling gRPC would give them. It is
served only by cluster members, and a call it answers is never forwarded again.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError, Message
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from commands.service import rest
from commands.service.asgi_body import read_body
from commands.service.cluster import Relayed
from commands.service.errors import MethodNotAllowed, grpc_code
from commands.service.observability import CORRELATION_HEADER
from commands.service.tls import peer_certificate
from ledger.errors import InvalidInput, SkmsError

RELAY_PREFIX = "/v1/cluster/grpc/"
METADATA_HEADER = "skms-grpc-metadata"
STATUS_HEADER = "skms-grpc-status"
PROTOBUF = "application/x-protobuf"

Answer = Callable[[str, bytes, dict[str, str], bytes | None], Awaitable[bytes]]
"""``GrpcApi.answer``: method name, request bytes, metadata, client certificate."""

# A relayed answer without the owner's gRPC status (the owner's front refused the request
# itself, e.g. a body over its limit): the HTTP status's usual gRPC meaning.
_BY_HTTP = {400: grpc.StatusCode.INVALID_ARGUMENT, 401: grpc.StatusCode.UNAUTHENTICATED,
            403: grpc.StatusCode.PERMISSION_DENIED, 404: grpc.StatusCode.UNIMPLEMENTED,
            409: grpc.StatusCode.FAILED_PRECONDITION, 413: grpc.StatusCode.RESOURCE_EXHAUSTED,
            429: grpc.StatusCode.RESOURCE_EXHAUSTED, 503: grpc.StatusCode.UNAVAILABLE,
            504: grpc.StatusCode.DEADLINE_EXCEEDED}


def relay_target(method: str) -> str:
    return RELAY_PREFIX + method


def relay_headers(metadata: dict[str, str], correlation: str) -> list[tuple[bytes, bytes]]:
    """What the forwarding member sends beside the call's bytes."""
    return [(b"content-type", PROTOBUF.encode()),
            (METADATA_HEADER.encode(), json.dumps(metadata, separators=(",", ":"),
                                                  sort_keys=True).encode("ascii")),
            (CORRELATION_HEADER.encode(), correlation.encode("ascii"))]


def command_chain_of(request_type: type[Message], raw: bytes) -> str | None:
    """The chain the signed command inside a gRPC command request names; None when the
    request does not parse or names none (the member refuses it itself, as any call)."""
    try:
        request: Any = request_type.FromString(raw)
        command = json.loads(request.command.command) if request.HasField("command") else None
    except (DecodeError, ValueError, AttributeError):
        return None
    chain = command.get("chain_id") if isinstance(command, dict) else None
    return chain if isinstance(chain, str) and chain else None


def relayed_failure(answer: Relayed) -> tuple[grpc.StatusCode, dict[str, Any]] | None:
    """None for the owner's reply; else the status and problem document to abort with."""
    if answer.status == 200:
        return None
    headers = dict(answer.headers)
    try:
        document = json.loads(answer.body)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        document = {"status": answer.status, "detail": "the chain's owner refused the call"}
    named = headers.get(STATUS_HEADER.encode(), b"").decode("latin-1")
    code = (grpc.StatusCode[named] if named in grpc.StatusCode.__members__
            else _BY_HTTP.get(answer.status, grpc.StatusCode.UNKNOWN))
    return code, document


def _metadata(scope: Scope) -> dict[str, str]:
    text = rest.header_map(scope).get(METADATA_HEADER)
    if text is None:
        raise InvalidInput("missing: the relayed call's metadata", field=METADATA_HEADER)
    try:
        value = json.loads(text)
    except ValueError:
        raise InvalidInput("not JSON", field=METADATA_HEADER) from None
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise InvalidInput("not an object of text values", field=METADATA_HEADER)
    return value


class GrpcRelay:
    """ASGI middleware of a cluster member: answer gRPC calls relayed by the others."""

    def __init__(self, app: ASGIApp, answer: Answer,
                 problem: Callable[[Scope, SkmsError], Response],
                 internal: Callable[[Scope, BaseException], Response]) -> None:
        self.app = app
        self.answer = answer
        self.problem = problem
        self.internal = internal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(RELAY_PREFIX):
            await self.app(scope, receive, send)
            return
        response: Response
        try:
            if scope["method"] != "POST":
                raise MethodNotAllowed(f"{scope['method']} is not allowed on {scope['path']}")
            body = await read_body(receive) or b""
            reply = await self.answer(scope["path"][len(RELAY_PREFIX):], body,
                                      _metadata(scope), peer_certificate(scope))
            response = Response(reply, media_type=PROTOBUF)
        except SkmsError as error:
            response = self.problem(scope, error)
            response.headers[STATUS_HEADER] = grpc_code(error).name
        except Exception as exc:  # a bug: answered like any other, logged by ``internal``
            response = self.internal(scope, exc)
            response.headers[STATUS_HEADER] = grpc.StatusCode.INTERNAL.name
        await response(scope, receive, send)
