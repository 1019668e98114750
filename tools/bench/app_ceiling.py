"""How many signs per second one service process can decide with no network at all.

Why: the service runs in one process (the issue asks for one), so its Python work is bound
to one core by the interpreter lock. This measures that ceiling directly: the REST
application that ``skms serve`` runs (``create_app`` over a ``ServiceCore``) is called
through its ASGI interface, in this process, with real pre-signed sign requests (own
command, RFC 9421 signature and nonce each), so no socket, TLS or HTTP parsing is counted.
Beside it, in the same run, the ledger's audited sign alone (``commands.handlers.execute``
with pre-signed commands, one thread) and the raw Ed25519 verification the two checks per
request rest on. Whatever the network adds comes on top (``stack_floor.py`` measures it).

Run by ``bench_service.py`` in a process of its own (it loads the ledger):

    python tools/bench/app_ceiling.py HOME KEY_ID [--requests N] [--levels 1,16,64]

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools" / "bench"))

import nacl.signing  # noqa: E402
from bench_service import MESSAGE, PASSPHRASE, rest_sign_request, sign_command  # noqa: E402

from commands.handlers import execute  # noqa: E402
from commands.service.app import create_app  # noqa: E402
from commands.service.config import ServiceConfig  # noqa: E402
from commands.service.core import ServiceCore  # noqa: E402
from commands.service.limits import Limits  # noqa: E402
from commands.service.observability import configure_logging  # noqa: E402
from commands.session import Session  # noqa: E402
from ledger.home import Home  # noqa: E402

AUTHORITY = "127.0.0.1:8443"


def signer(folder: Path) -> tuple[str, bytes]:
    """The bench's ``signer`` actor: id and identity key, read from the home."""
    session = Session(Home(folder), passphrase=bytearray(PASSPHRASE.encode()))
    try:
        kek = session.kek()
        return (session.home.identity("signer").actor_id,
                bytes(session.home.identity_key("signer", kek)))
    finally:
        session.close()


def sign_request(actor: tuple[str, bytes], key_id: str) -> tuple[dict[str, Any], bytes]:
    """One REST sign request as uvicorn would hand it to the application: scope and body."""
    path = f"/v1/keys/{key_id}/sign"
    body, headers = rest_sign_request(actor, key_id, f"https://{AUTHORITY}{path}")
    headers = {**headers, "host": AUTHORITY, "content-length": str(len(body))}
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "https", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "server": ("127.0.0.1", 8443),
             "client": ("127.0.0.1", 50000),
             "headers": [(name.lower().encode(), value.encode())
                         for name, value in headers.items()]}
    return scope, body


async def _call(app: Callable[..., Any], scope: dict[str, Any], body: bytes,
                statuses: dict[int, int]) -> None:
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # no disconnect: the client stays
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses[message["status"]] = statuses.get(message["status"], 0) + 1

    await app(dict(scope), receive, send)


async def _drive(app: Callable[..., Any], requests: list[tuple[dict[str, Any], bytes]],
                 concurrency: int, statuses: dict[int, int]) -> None:
    queue = list(reversed(requests))

    async def client() -> None:
        while queue:
            scope, body = queue.pop()
            await _call(app, scope, body, statuses)

    await asyncio.gather(*(client() for _ in range(concurrency)))


def application_rate(core: ServiceCore, actor: tuple[str, bytes], key_id: str,
                     count: int, concurrency: int) -> dict[str, Any]:
    """Signs/s and CPU per sign of the REST application with ``concurrency`` requests in
    flight; every reply must be 200, else the measurement is refused."""
    app = create_app(core)
    requests = [sign_request(actor, key_id) for _ in range(count + 200)]
    statuses: dict[int, int] = {}
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(_drive(app, requests[:200], concurrency, statuses))  # warm up
        cpu, wall = time.process_time(), time.perf_counter()
        loop.run_until_complete(_drive(app, requests[200:], concurrency, statuses))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        loop.close()
    if set(statuses) != {200}:
        raise RuntimeError(f"the application answered {statuses}")
    return {"concurrency": concurrency, "signs_per_s": round(count / wall, 1),
            "cpu_us_per_sign": round(cpu / count * 1e6, 1)}


def ledger_alone(core: ServiceCore, actor: tuple[str, bytes], key_id: str,
                 count: int) -> dict[str, Any]:
    """The audited sign the application wraps: ``execute`` on the same ledger, one thread."""
    commands = [sign_command(actor, key_id) for _ in range(count + 200)]
    for signed in commands[:200]:
        execute(core.ledger, signed, {"message": MESSAGE})
    cpu, wall = time.process_time(), time.perf_counter()
    for signed in commands[200:]:
        execute(core.ledger, signed, {"message": MESSAGE})
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"signs_per_s": round(count / wall, 1), "cpu_us_per_sign": round(cpu / count * 1e6, 1)}


def ed25519_verify_us(count: int = 5000) -> float:
    """pynacl's verification of one 200-byte message (the server does two per sign)."""
    key = nacl.signing.SigningKey.generate()
    signed = key.sign(b"v" * 200)
    verify = key.verify_key.verify
    started = time.process_time()
    for _ in range(count):
        verify(signed)
    return round((time.process_time() - started) / count * 1e6, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("home", type=Path)
    parser.add_argument("key_id")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--levels", default="1,16,64")
    args = parser.parse_args()
    configure_logging(io.StringIO())  # the service's log lines are built, then dropped
    actor = signer(args.home)
    core = ServiceCore(ServiceConfig(home=args.home, rest_port=0, grpc_port=0,
                                     limits=Limits(rate=0)),
                       bytearray(PASSPHRASE.encode()))
    try:
        report = {"ed25519_verify_us": ed25519_verify_us(),
                  "ledger_alone": ledger_alone(core, actor, args.key_id, args.requests),
                  "application": [application_rate(core, actor, args.key_id, args.requests,
                                                   int(level))
                                  for level in args.levels.split(",")]}
    finally:
        core.close()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
