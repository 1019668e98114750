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
import json
import os
import secrets
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

from commands.builders import build
from commands.sdk import httpsig
from commands.sdk.operations import Operations
from commands.sdk.results import ApiError, CommandResult
from commands.sdk.tlsclient import client_context
from commands.sdk.transport import HttpTransport
from commands.wire import to_json
from ledger.catalogue import CATALOGUE
from ledger.catalogue.model import Source
from ledger.command import Command, SignedCommand
from ledger.crypto.schemes import get_scheme
from ledger.errors import InvalidInput

__all__ = ["ApiError", "Client", "CommandResult", "Feed", "Identity", "PreparedCommand"]

CORRELATION_HEADER = "X-Correlation-ID"


@dataclass(frozen=True, slots=True)
class Identity:
    """An actor's identity key pair on the client side (``private_key`` is the raw seed)."""

    private_key: bytes = field(repr=False)  # the repr must not show the seed
    public_key: bytes

    @classmethod
    def generate(cls) -> Identity:
        scheme = get_scheme("ed25519")
        private = scheme.generate(secrets.token_bytes(scheme.seed_size))
        return cls(bytes(private), scheme.public_key(private))


@dataclass(frozen=True, slots=True)
class PreparedCommand:
    """A signed command and the route it goes to; send it again to retry safely."""

    method: str
    path: str
    body: dict[str, Any]
    command: Command
    signed: SignedCommand = field(repr=False)


def remember_domain(domains: dict[str, str], command: Command, result: CommandResult) -> None:
    """A new key's or wallet's domain is the chain its creation went to: no lookup later."""
    if command.command_type in ("CreateKey", "CreateWallet", "ImportWallet") and isinstance(
            result.result, dict):
        made = result.result.get("key_id") or result.result.get("wallet_id")
        if isinstance(made, str):
            domains[made] = command.chain_id


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class Client(Operations):
    """REST client acting as ``actor_id``. Use as a context manager or call :meth:`close`.

    Every catalogue command and read is a method (:class:`commands.sdk.operations.Operations`).

    ``ca``: the CA certificate that signed the server's (``<home>/tls/ca.pem`` for the
    development CA). ``client_cert``: PEM certificate of this actor for mutual TLS; with it,
    requests are authenticated by the certificate and ``sign_requests`` may be turned off.
    """

    def __init__(self, base_url: str, actor_id: str, private_key: bytes | bytearray, *,
                 ca: Path | str | None = None, client_cert: bytes | None = None,
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
        """Build and sign exactly these arguments (nothing is sent)."""
        command = Command(command_type, self.actor_id, chain_id, dict(args),
                          time.time_ns() // 1000, correlation_id=correlation_id or
                          uuid.uuid4().hex)
        signed = command.sign(self._private_key)
        body = {"command": signed.canonical_bytes.decode("ascii"),
                "signature": _b64(signed.signature), **(extra or {})}
        return PreparedCommand(method, path, body, command, signed)

    def prepare_command(self, name: str, params: Mapping[str, Any]) -> PreparedCommand:
        """Build (:mod:`commands.builders`) and sign a catalogue command; nothing is sent."""
        spec = CATALOGUE.command(name)
        if spec.rest is None:
            raise InvalidInput(f"{name} is not served over the network", field="command.type")
        built = build(spec, params, self.resolver())
        values = {**built.args, "chain_id": built.chain_id}
        path = spec.rest.path.format(**{p: values[p] for p in spec.rest.placeholders()})
        inputs = {f.name: to_json(f, built.inputs[f.name]) for f in spec.inputs
                  if f.name in built.inputs}
        return self.prepare(spec.rest.method, path, name, built.chain_id, built.args,
                            extra=inputs)

    def send(self, prepared: PreparedCommand) -> CommandResult:
        """Send (or re-send) a prepared command; a retry returns the first outcome."""
        data = self.request(prepared.method, prepared.path, json_body=prepared.body,
                            headers={"Idempotency-Key": prepared.command.command_id,
                                     CORRELATION_HEADER: prepared.command.correlation_id})
        result = CommandResult.of(data)
        remember_domain(self._domains, prepared.command, result)
        return result

    def _command(self, name: str, params: dict[str, Any]) -> CommandResult:
        return self.send(self.prepare_command(name, params))

    # --- reads ---------------------------------------------------------------------------------

    def _read(self, name: str, params: dict[str, Any]) -> Any:
        spec = CATALOGUE.read(name)
        assert spec.rest is not None
        path = spec.rest.path.format(**{p: params[p] for p in spec.rest.placeholders()})
        query: dict[str, Any] = {}
        body: dict[str, Any] = {}
        for field_spec in spec.params:
            value = params.get(field_spec.name)
            if value is None or field_spec.source is Source.PATH:
                continue
            if field_spec.source is Source.QUERY:
                query[field_spec.name] = str(value).lower() if isinstance(value, bool) else value
            else:
                body[field_spec.name] = to_json(field_spec, value)
        if spec.rest.method == "GET":
            return self.request("GET", path, params=query or None)
        return self.request(spec.rest.method, path, json_body=body, params=query or None)

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
