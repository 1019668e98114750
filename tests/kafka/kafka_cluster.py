"""Helpers for cluster tests and the scale-out benchmark: ``skms serve --cluster`` members on
one Kafka prefix, the owners' group's current assignment, and real signed REST requests.

Why requests are built here rather than through the SDK client: a retry must carry the very
same signed command (same command id, same bytes) under a fresh RFC 9421 signature and
nonce, and the load must keep going through refusals and dead connections without the
client's own retry policy hiding what the server answered.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from commands.sdk import httpsig
from ledger.command import Command, SignedCommand
from ledger.stores.kafka import KafkaSettings
from ledger.stores.kafka.ownership import DEFAULT_SLOTS, group_routes, slot_of
from tests.ledger.conftest import PASSPHRASE
from tests.vectors import REPO_ROOT

SLOTS = DEFAULT_SLOTS


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class Member:
    """One ``skms serve --cluster`` process."""

    port: int
    process: subprocess.Popen[str]
    grpc_port: int = 0  # read from the member's first line once it serves

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """``kill -9``: no leaving the group, no closing anything."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_members(home: Path, url: str, ports: list[int], *, session_ms: int = 2000,
                  extra: tuple[str, ...] = ()) -> list[Member]:
    """Start one member per port; every member answers to every member's authority (what
    a shared load-balancer name gives a real deployment)."""
    authorities = [a for port in ports for a in ("--public-authority", f"127.0.0.1:{port}")]
    members = []
    for port in ports:
        argv = [sys.executable, "-m", "commands.cli.main", "--home", str(home), "--store", url,
                "serve", "--cluster", "--rest-port", str(port), "--grpc-port", "0",
                "--rate", "0", "--owner-session-ms", str(session_ms),
                "--owner-slots", str(SLOTS), *authorities, *extra]
        log = (home.parent / f"member-{port}.log").open("w")
        process = subprocess.Popen(argv, env={**os.environ, "SKMS_PASSPHRASE": PASSPHRASE},
                                   stdout=subprocess.PIPE, stderr=log, text=True,
                                   cwd=REPO_ROOT)
        log.close()
        members.append(Member(port, process))
    for member in members:
        assert member.process.stdout is not None
        line = member.process.stdout.readline()
        grpc = re.search(r"gRPC on [^ ]+:(\d+)", line)
        if f":{member.port}" not in line or grpc is None:
            for other in members:
                other.stop()
            errors = (home.parent / f"member-{member.port}.log").read_text()[-2000:]
            raise AssertionError(f"member on port {member.port} did not start: {line!r}\n"
                                 f"{errors}")
        member.grpc_port = int(grpc.group(1))
    return members


def routes(url: str) -> dict[int, str]:
    """The owners' group's assignment now: slot -> member URL."""
    from kafka import KafkaAdminClient

    settings = KafkaSettings.from_url(url)
    admin = KafkaAdminClient(**settings.client_config())
    try:
        return group_routes(admin, settings)
    finally:
        admin.close()


def wait_for_assignment(url: str, members: list[Member], within_s: float = 60) -> dict[int, str]:
    """Until every slot is assigned, to exactly the given members, each holding some."""
    wanted = {m.url for m in members}
    deadline = time.monotonic() + within_s
    found: dict[int, str] = {}
    while time.monotonic() < deadline:
        found = routes(url)
        if len(found) == SLOTS and set(found.values()) == wanted:
            return found
        time.sleep(0.2)
    raise AssertionError(f"slots not shared out among {sorted(wanted)} within {within_s} s: "
                         f"{found}")


def domains_owned_by(assignment: Mapping[int, str], owners: list[str]) -> list[str]:
    """One key-domain name per owner, each in a slot that owner holds."""
    chosen: dict[str, str] = {}
    for index in range(10_000):
        name = f"dom{index}"
        owner = assignment[slot_of(name, SLOTS)]
        if owner in owners and owner not in chosen:
            chosen[owner] = name
        if len(chosen) == len(owners):
            return [chosen[o] for o in owners]
    raise AssertionError("no domain names found for every owner")  # pragma: no cover


@dataclass
class Answer:
    status: int
    document: dict[str, Any]


@dataclass
class Caller:
    """Keep-alive HTTPS connections to members, one per member URL."""

    ca: Path
    connections: dict[str, http.client.HTTPSConnection] = field(default_factory=dict)

    def post(self, base: str, path: str, body: bytes, actor: tuple[str, bytes],
             command_id: str, timeout: float = 30.0,
             extra_headers: Mapping[str, str] | None = None) -> Answer:
        """One request, freshly signed (RFC 9421) for ``base``; a dead connection is an
        ``Answer`` with status 0, never an exception."""
        return self.request("POST", base, path, body, actor, timeout,
                            {"Content-Type": "application/json", "Idempotency-Key": command_id,
                             **(extra_headers or {})})

    def get(self, base: str, path: str, actor: tuple[str, bytes]) -> Answer:
        """A signed read."""
        return self.request("GET", base, path, b"", actor, 30.0, {})

    def request(self, method: str, base: str, path: str, body: bytes,
                actor: tuple[str, bytes], timeout: float,
                extra_headers: Mapping[str, str]) -> Answer:
        actor_id, secret = actor
        headers = {**httpsig.sign_http(secret, actor_id, method, base + path, body),
                   **extra_headers}
        connection = self.connections.get(base)
        if connection is None:
            context = ssl.create_default_context(cafile=str(self.ca))
            host, port = base.removeprefix("https://").rsplit(":", 1)
            connection = http.client.HTTPSConnection(host, int(port), timeout=timeout,
                                                     context=context)
            self.connections[base] = connection
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            self.connections.pop(base, None)
            return Answer(0, {"error": type(exc).__name__})
        try:
            document = json.loads(raw) if raw else {}
        except ValueError:
            document = {"raw": raw[:200].decode("latin-1")}
        return Answer(response.status, document)

    def close(self) -> None:
        for connection in self.connections.values():
            connection.close()


def command_body(signed: SignedCommand, **inputs: Any) -> bytes:
    return json.dumps({"command": signed.canonical_bytes.decode("ascii"),
                       "signature": base64.b64encode(signed.signature).decode(),
                       **inputs}).encode()


def create_key_request(actor: tuple[str, bytes], domain: str) -> tuple[str, bytes, str]:
    signed = Command("CreateKey", actor[0], domain, {"algorithm": "ed25519"},
                     time.time_ns() // 1000).sign(actor[1])
    return "/v1/keys", command_body(signed), signed.command.command_id


def sign_request(actor: tuple[str, bytes], domain: str, key_id: str,
                 message: bytes) -> tuple[str, bytes, str]:
    signed = Command("Sign", actor[0], domain,
                     {"key_id": key_id, "message_digest": hashlib.sha256(message).hexdigest()},
                     time.time_ns() // 1000, correlation_id=uuid.uuid4().hex).sign(actor[1])
    body = command_body(signed, message=base64.b64encode(message).decode())
    return f"/v1/keys/{key_id}/sign", body, signed.command.command_id
