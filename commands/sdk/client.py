"""The SKMS Python SDK: a typed client that acts as one actor.

The client holds its actor's Ed25519 identity key (never sent anywhere) and uses it twice
per command, for two different guarantees:

1. **Non-repudiation**: it builds the :class:`ledger.command.Command` itself, signs it, and
   sends the canonical bytes and signature. The ledger stores exactly that signature, so the
   audit trail proves the *client* asked, not merely the server.
2. **Request authentication**: every HTTP request carries an RFC 9421 signature (``keyid`` =
   actor id) over method, target URI and Content-Digest, with a fresh nonce; alternatively
   the client presents its mTLS certificate.

Retries are safe: a command's id is its ``Idempotency-Key``; :meth:`Client.send` of the same
:class:`PreparedCommand` again returns the first outcome.

Example (``docs/api.md`` has more; every example there runs in the tests)::

    client = Client("https://127.0.0.1:8443", actor_id, private_key, ca=home / "tls/ca.pem")
    key_id = client.create_key("ed25519", label="payroll").result["key_id"]
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import socket
import ssl
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from commands.sdk import httpsig
from commands.sdk.routes import KEY_COMMANDS
from commands.sdk.tlsclient import client_context
from commands.sdk.transport import HttpTransport
from ledger.command import Command, SignedCommand
from ledger.crypto.scheme import get_scheme

CORRELATION_HEADER = "X-Correlation-ID"


class ApiError(Exception):
    """A problem answered by the service (RFC 9457 document in :attr:`problem`)."""

    def __init__(self, status: int, problem: Mapping[str, Any]) -> None:
        self.status = status
        self.problem = dict(problem)
        self.error = str(problem.get("error", ""))
        self.reason_code = problem.get("reason_code")
        self.recorded_seq = problem.get("recorded_seq")
        self.field = problem.get("field")
        super().__init__(f"{status} {self.error}: {problem.get('detail', '')}")


@dataclass(frozen=True, slots=True)
class Identity:
    """An actor's identity key pair on the client side (``private_key`` is the raw seed)."""

    private_key: bytes
    public_key: bytes

    @classmethod
    def generate(cls) -> Identity:
        import secrets

        scheme = get_scheme("ed25519")
        private = scheme.generate(secrets.token_bytes(scheme.seed_size))
        return cls(bytes(private), scheme.public_key(private))


@dataclass(frozen=True, slots=True)
class CommandResult:
    command_id: str
    chain: str
    seqs: list[int]
    seq: int | None
    replayed: bool
    correlation_id: str
    result: Any

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> CommandResult:
        return cls(data["command_id"], data["chain"], list(data["seqs"]), data["seq"],
                   data["replayed"], data["correlation_id"], data["result"])


@dataclass(frozen=True, slots=True)
class PreparedCommand:
    """A signed command and the route it goes to; send it again to retry safely."""

    method: str
    path: str
    body: dict[str, Any]
    command: Command
    signed: SignedCommand = field(repr=False)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class Client:
    """REST client acting as ``actor_id``. Use as a context manager or call :meth:`close`.

    ``ca``: the CA certificate that signed the server's (``<home>/tls/ca.pem`` for the
    development CA). ``client_cert``: PEM certificate of this actor for mutual TLS; with it,
    requests are authenticated by the certificate and ``sign_requests`` may be turned off.
    """

    def __init__(self, base_url: str, actor_id: str, private_key: bytes | bytearray, *,
                 ca: Path | None = None, client_cert: bytes | None = None,
                 sign_requests: bool = True, timeout: float = 30.0,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.actor_id = actor_id
        self._private_key = bytes(private_key)
        self._domains: dict[str, str] = {}
        self.sign_requests = sign_requests
        self.ssl_context = ssl_context
        if ssl_context is None and ca is not None:
            self.ssl_context = client_context(
                ca, cert_pem=client_cert, private_key=self._private_key if client_cert else None)
        self.http = HttpTransport(self.base_url, ssl_context=self.ssl_context, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport -----------------------------------------------------------------------------

    def request(self, method: str, path: str, *, json_body: Any = None,
                params: Mapping[str, Any] | None = None,
                headers: Mapping[str, str] | None = None) -> Any:
        """One signed request; returns the decoded JSON or raises :class:`ApiError`.

        Unreachable service: :class:`commands.sdk.transport.TransportError`."""
        content = b"" if json_body is None else json.dumps(json_body).encode()
        url = self.http.url(path, params)
        fixed = {CORRELATION_HEADER: uuid.uuid4().hex, **(headers or {})}
        if json_body is not None:
            fixed["Content-Type"] = "application/json"

        def attempt_headers() -> dict[str, str]:
            if not self.sign_requests:
                return fixed
            return {**fixed, **httpsig.sign_http(self._private_key, self.actor_id, method, url,
                                                 content)}

        response = self.http.request(method, url, content, attempt_headers)
        content_type = response.headers.get("content-type", "")
        if response.status >= 400:
            try:
                problem = json.loads(response.body)
            except ValueError:
                problem = {"detail": response.body.decode("utf-8", "replace")}
            raise ApiError(response.status, problem)
        if content_type.startswith("application/json"):
            return json.loads(response.body)
        return response.body.decode("utf-8", "replace")

    # --- commands ------------------------------------------------------------------------------

    def prepare(self, method: str, path: str, command_type: str, chain_id: str,
                args: Mapping[str, Any], *, extra: Mapping[str, Any] | None = None,
                correlation_id: str | None = None) -> PreparedCommand:
        """Build and sign a command (nothing is sent)."""
        command = Command(command_type, self.actor_id, chain_id, dict(args),
                          time.time_ns() // 1000, correlation_id=correlation_id or
                          uuid.uuid4().hex)
        signed = command.sign(self._private_key)
        body = {"command": signed.canonical_bytes.decode("ascii"),
                "signature": _b64(signed.signature), **(extra or {})}
        return PreparedCommand(method, path, body, command, signed)

    def send(self, prepared: PreparedCommand) -> CommandResult:
        """Send (or re-send) a prepared command; a retry returns the first outcome."""
        data = self.request(prepared.method, prepared.path, json_body=prepared.body,
                            headers={"Idempotency-Key": prepared.command.command_id,
                                     CORRELATION_HEADER: prepared.command.correlation_id})
        return CommandResult.of(data)

    def _domain(self, key_id: str) -> str:
        if key_id not in self._domains:
            self._domains[key_id] = str(self.get_key(key_id)["domain"])
        return self._domains[key_id]

    def create_key(self, algorithm: str, *, domain: str = "default", label: str | None = None,
                   usage: list[str] | None = None, activate: bool = True,
                   **policy: Any) -> CommandResult:
        args: dict[str, Any] = {"algorithm": algorithm, "activate": activate,
                                "usage": usage or ["sign", "verify"], **policy}
        if label is not None:
            args["label"] = label
        result = self.send(self.prepare("POST", "/v1/keys", "CreateKey", domain, args))
        if result.result:
            self._domains[result.result["key_id"]] = domain
        return result

    def prepare_key_command(self, action: str, key_id: str,
                            **args: Any) -> PreparedCommand:
        return self.prepare("POST", f"/v1/keys/{key_id}/{action}", KEY_COMMANDS[action],
                            self._domain(key_id), {"key_id": key_id, **args})

    def key_command(self, action: str, key_id: str, **args: Any) -> CommandResult:
        """``action``: activate, rotate, suspend, reactivate, compromise, revoke, destroy,
        cancel-destruction or policy (extra args: reason, policy fields)."""
        return self.send(self.prepare_key_command(action, key_id, **args))

    def rotate_key(self, key_id: str) -> CommandResult:
        return self.key_command("rotate", key_id)

    def suspend_key(self, key_id: str, reason: str = "suspended") -> CommandResult:
        return self.key_command("suspend", key_id, reason=reason)

    def reactivate_key(self, key_id: str, reason: str = "reactivated") -> CommandResult:
        return self.key_command("reactivate", key_id, reason=reason)

    def revoke_key(self, key_id: str, reason: str = "revoked") -> CommandResult:
        return self.key_command("revoke", key_id, reason=reason)

    def destroy_key(self, key_id: str) -> CommandResult:
        return self.key_command("destroy", key_id)

    def prepare_sign(self, key_id: str, message: bytes) -> PreparedCommand:
        return self.prepare("POST", f"/v1/keys/{key_id}/sign", "Sign", self._domain(key_id),
                            {"key_id": key_id,
                             "message_digest": hashlib.sha256(message).hexdigest()},
                            extra={"message": _b64(message)})

    def sign(self, key_id: str, message: bytes) -> CommandResult:
        """Sign ``message``; ``result["signature"]`` is hex, returned after the commit."""
        return self.send(self.prepare_sign(key_id, message))

    def sign_batch(self, key_id: str, messages: list[bytes]) -> CommandResult:
        return self.send(self.prepare(
            "POST", f"/v1/keys/{key_id}/sign-batch", "SignBatch", self._domain(key_id),
            {"key_id": key_id,
             "message_digests": [hashlib.sha256(m).hexdigest() for m in messages]},
            extra={"messages": [_b64(m) for m in messages]}))

    def register_actor(self, name: str, roles: list[str], public_key: bytes, *,
                       domains: list[str] | None = None) -> CommandResult:
        return self.send(self.prepare("POST", "/v1/actors", "RegisterActor", "system", {
            "name": name, "public_key": public_key.hex(), "roles": roles,
            "domains": domains or ["*"]}))

    def change_roles(self, actor_id: str, roles: list[str]) -> CommandResult:
        return self.send(self.prepare("POST", f"/v1/actors/{actor_id}/roles",
                                      "ChangeActorRoles", "system",
                                      {"actor_id": actor_id, "roles": roles}))

    def revoke_actor(self, actor_id: str, reason: str = "revoked") -> CommandResult:
        return self.send(self.prepare("POST", f"/v1/actors/{actor_id}/revoke", "RevokeActor",
                                      "system", {"actor_id": actor_id, "reason": reason}))

    def request_checkpoint(self, chain_id: str = "default") -> CommandResult:
        return self.send(self.prepare("POST", f"/v1/chains/{chain_id}/checkpoints",
                                      "RequestCheckpoint", chain_id, {}))

    # --- reads ---------------------------------------------------------------------------------

    def whoami(self) -> dict[str, Any]:
        return dict(self.request("GET", "/v1/whoami"))

    def algorithms(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/v1/algorithms"))

    def list_keys(self, *, domain: str | None = None,
                  state: str | None = None) -> list[dict[str, Any]]:
        return list(self.request("GET", "/v1/keys", params={"domain": domain, "state": state}))

    def get_key(self, key_id: str) -> dict[str, Any]:
        return dict(self.request("GET", f"/v1/keys/{key_id}"))

    def public_key(self, key_id: str, *, fmt: str = "pem",
                   version: int | None = None) -> str:
        data = self.request("GET", f"/v1/keys/{key_id}/public",
                            params={"format": fmt, "version": version})
        return str(data["public_key"])

    def verify(self, key_id: str, message: bytes, signature: bytes | str, *,
               version: int | None = None) -> dict[str, Any]:
        """``{"valid": bool, "version": n, ...}``; ``signature`` as bytes or hex."""
        hex_signature = signature if isinstance(signature, str) else signature.hex()
        return dict(self.request("POST", f"/v1/keys/{key_id}/verify", json_body={
            "message": _b64(message), "signature": hex_signature, "version": version}))

    def verify_batch(self, key_id: str,
                     items: list[tuple[bytes, bytes | str]]) -> list[dict[str, Any]]:
        body = {"items": [{"message": _b64(m), "signature": s if isinstance(s, str) else s.hex()}
                          for m, s in items]}
        return list(self.request("POST", f"/v1/keys/{key_id}/verify-batch",
                                 json_body=body)["results"])

    def list_actors(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/v1/actors"))

    def get_actor(self, actor_id: str) -> dict[str, Any]:
        return dict(self.request("GET", f"/v1/actors/{actor_id}"))

    def chains(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/v1/chains"))

    def checkpoint(self, chain_id: str = "default") -> dict[str, Any]:
        return dict(self.request("GET", f"/v1/chains/{chain_id}/checkpoint"))

    def inclusion_proof(self, chain_id: str, seq: int,
                        size: int | None = None) -> dict[str, Any]:
        return dict(self.request("GET", f"/v1/chains/{chain_id}/proofs/inclusion",
                                 params={"seq": seq, "size": size}))

    def consistency_proof(self, chain_id: str, old_size: int,
                          size: int | None = None) -> dict[str, Any]:
        return dict(self.request("GET", f"/v1/chains/{chain_id}/proofs/consistency",
                                 params={"old_size": old_size, "size": size}))

    def verify_proof(self, document: Mapping[str, Any],
                     ledger_key: str | None = None) -> dict[str, Any]:
        return dict(self.request("POST", "/v1/proofs/verify", json_body={
            "document": dict(document), "ledger_key": ledger_key}))

    def audit_verify(self, trusted_checkpoints: list[str] | None = None,
                     ledger_key: str | None = None) -> dict[str, Any]:
        return dict(self.request("POST", "/v1/audit/verify", json_body={
            "trusted_checkpoints": trusted_checkpoints or [], "ledger_key": ledger_key}))

    def reports(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/v1/reports"))

    def report(self, name: str, *, since: str | None = None,
               at: str | None = None) -> dict[str, Any]:
        return dict(self.request("GET", f"/v1/reports/{name}",
                                 params={"since": since, "at": at}))

    def query(self, sql: str, *, timeout: float | None = None) -> dict[str, Any]:
        return dict(self.request("POST", "/v1/query", json_body={"sql": sql,
                                                                  "timeout": timeout}))

    def projection_status(self) -> dict[str, Any]:
        return dict(self.request("GET", "/v1/projections/status"))

    def metrics(self) -> str:
        """The Prometheus exposition text (admins, auditors and analysts)."""
        return str(self.request("GET", "/metrics"))

    # --- feed ----------------------------------------------------------------------------------

    def feed(self, chain: str = "default", *, from_seq: int | None = None,
             ssl_context: Any = None, open_timeout: float = 10.0) -> Feed:
        """Open the WebSocket feed (iterate it for event dicts; close it when done)."""
        return Feed(self, chain, from_seq, ssl_context, open_timeout)


def _connect_within(url: str, open_timeout: float, **options: Any) -> Any:
    """websockets' sync ``connect``, sure to return or raise soon after ``open_timeout``.

    Why: that client reads on a thread of its own, and when the thread is blocked inside a
    TLS read (session tickets made the socket readable and nothing followed), the client's
    own handshake timeout cannot free it: ``connect`` then waited for ever (reproduced
    against a server that sends tickets and never answers the upgrade). The TCP socket is
    opened here, and if the opening handshake is not over a second after the timeout it is
    shut down through a duplicate descriptor: the blocked read returns and ``connect``
    raises.
    """
    from websockets.sync.client import connect

    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    raw = socket.create_connection((parts.hostname or "localhost", port),
                                   timeout=open_timeout)
    guard = socket.socket(fileno=os.dup(raw.fileno()))
    lock = threading.Lock()
    opening = [True]

    def cut() -> None:
        with lock:
            if opening[0]:
                with contextlib.suppress(OSError):
                    guard.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(open_timeout + 1.0, cut)
    timer.daemon = True
    timer.start()
    try:
        return connect(url, sock=raw, open_timeout=open_timeout, legacy=True, **options)
    finally:
        with lock:
            opening[0] = False
        timer.cancel()
        guard.close()


class Feed:
    """A synchronous WebSocket feed of one chain's envelopes (decoded, without secrets)."""

    def __init__(self, client: Client, chain: str, from_seq: int | None, ssl_context: Any,
                 open_timeout: float) -> None:
        scheme = "wss" if client.base_url.startswith("https") else "ws"
        query = f"chain={chain}" + (f"&from_seq={from_seq}" if from_seq is not None else "")
        url = f"{scheme}{client.base_url[client.base_url.index(':'):]}/v1/feed?{query}"
        headers = httpsig.sign_http(client._private_key, client.actor_id, "GET", url, b"")
        context = ssl_context or client.ssl_context
        self.connection = _connect_within(url, open_timeout, additional_headers=headers,
                                          ssl=context, max_size=2**24)
        self.hello = json.loads(self.connection.recv(timeout=open_timeout))

    def recv(self, timeout: float | None = None) -> dict[str, Any]:
        """The next event (blocks up to ``timeout`` seconds)."""
        return dict(json.loads(self.connection.recv(timeout=timeout)))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for text in self.connection:
            yield dict(json.loads(text))

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Feed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
