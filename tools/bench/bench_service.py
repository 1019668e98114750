"""Service benchmark (never run by the tests): sign over REST and gRPC vs in-process.

Measures, in one run on one machine:

* latency p50/p99 of one client signing sequentially (Ed25519 key, 64-byte messages);
* throughput with 1, 16 and 64 concurrent clients (threads, one connection each);
* the same for the in-process audited sign (``commands.handlers.execute`` with a command
  signed by the caller, no network), the baseline the service adds its cost to;
* batch sign throughput over REST and gRPC (one client, batches of 100 and of 1000
  messages, capped at the server's ``--max-batch``), beside the in-process ``SignBatch``
  (pre-signed commands) and the raw Ed25519 sign rate (pynacl), in audited signatures/s;
* open-loop latency of single signs at fixed offered loads (requests scheduled at a target
  rate whatever the replies do; latency counts from the scheduled time, so it includes
  queueing in the client), p50/p95/p99 and the achieved rate;
* one client's sequential latency against a second server without TLS, and the CPU cost of
  the per-request checks (RFC 9421 request signature, command signature, body decoding),
  to say where the time goes;
* one service process's ceiling with no network: the REST application driven through ASGI
  in-process, beside the ledger's audited sign alone (``app_ceiling.py``);
* the server process's peak RSS.

The server runs as a real ``skms serve`` process (TLS 1.3, rate limit off) so that client
and server do not share a GIL. Results go to stdout as JSON and, with ``--write``, into the
"## Service" section of docs/performance.md (only that section is added or replaced).

    .venv/bin/python tools/bench/bench_service.py --seconds 3 --write

Bounded in time: about 2.5 minutes with the defaults (open-loop levels stop issuing at the
end of their window plus a grace period; unsent requests are counted, not waited for).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import itertools
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import nacl.signing  # noqa: E402

from commands.handlers import execute  # noqa: E402
from commands.sdk import httpsig  # noqa: E402
from commands.sdk.client import Client  # noqa: E402
from commands.sdk.grpc_client import SERVICE as GRPC_SERVICE  # noqa: E402
from commands.sdk.grpc_client import GrpcClient  # noqa: E402
from commands.sdk.tlsclient import client_context  # noqa: E402
from commands.sdk.transport import HttpTransport  # noqa: E402
from commands.service import models  # noqa: E402
from commands.session import Session  # noqa: E402
from ledger.catalogue import CATALOGUE, CommandSpec  # noqa: E402
from ledger.catalogue.keys import MAX_BATCH  # noqa: E402
from ledger.command import Command, SignedCommand  # noqa: E402
from ledger.home import Home  # noqa: E402
from tools.bench.stats import percentile  # noqa: E402

PASSPHRASE = "bench passphrase, not secret"
MESSAGE = b"m" * 64
DOC = ROOT / "docs" / "performance.md"
HEADING = "## Service"
END_MARK = "<!-- bench_service: end of generated tables; the reading below is hand-written -->"
BATCH_SIZES = (100, 1000)
TARGETS = {"p99_one_client_ms": 5.0, "p95_at_1000_rps_ms": 10.0, "batch_signs_per_s": 10_000}


def latency(call: Callable[[], Any], count: int) -> dict[str, float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(statistics.median(samples), 3),
            "p95_ms": round(percentile(samples, 0.95), 3),
            "p99_ms": round(percentile(samples, 0.99), 3)}


def throughput(make: Callable[[], Callable[[], Any]], concurrency: int,
               seconds: float) -> float:
    calls = [make() for _ in range(concurrency)]
    counts = [0] * concurrency
    barrier = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def worker(index: int) -> None:
        barrier.wait()
        while time.perf_counter() < deadline[0]:
            calls[index]()
            counts[index] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    return round(sum(counts) / (time.perf_counter() - started), 1)


def open_loop(calls: list[Callable[[int], Any]], rate: float, seconds: float,
              grace: float) -> dict[str, Any]:
    """Offer ``rate`` requests/s for ``seconds`` whatever the replies do (open loop).

    Request i is due at start + i/rate; a free client thread takes the next due request,
    sleeps until it is due and sends it. Latency runs from the due time to the reply, so
    it includes the wait for a free thread. No request is sent after ``seconds + grace``:
    the ones still unsent are counted and enter the percentiles with the time they had
    already waited (a lower bound, flagged by ``lower_bound``). ``call(i)`` sends request i.
    """
    total = int(rate * seconds)
    lock = threading.Lock()
    position = [0]
    samples: list[float] = []
    censored: list[float] = []
    errors = [0]
    last = [0.0]
    barrier = threading.Barrier(len(calls) + 1)
    start = [0.0]

    def worker(call: Callable[[int], Any]) -> None:
        barrier.wait()
        begin = start[0]
        stop = begin + seconds + grace
        while True:
            with lock:
                index = position[0]
                if index >= total:
                    return
                now = time.perf_counter()
                if now >= stop:  # give up on the rest: count them, do not send them
                    censored.extend((now - (begin + i / rate)) * 1000
                                    for i in range(index, total))
                    position[0] = total
                    return
                position[0] = index + 1
            due = begin + index / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            try:
                call(index)
            except Exception:  # counted; the load goes on
                errors[0] += 1
            done = time.perf_counter()
            with lock:
                samples.append((done - due) * 1000)
                last[0] = max(last[0], done)

    threads = [threading.Thread(target=worker, args=(c,)) for c in calls]
    for thread in threads:
        thread.start()
    start[0] = time.perf_counter() + 0.05
    barrier.wait()
    for thread in threads:
        thread.join()
    values = samples + censored
    elapsed = max(last[0] - start[0], seconds)
    return {"offered_per_s": rate, "achieved_per_s": round(len(samples) / elapsed, 1),
            "sent": len(samples), "unsent": len(censored), "errors": errors[0],
            "p50_ms": round(percentile(values, 0.50), 2),
            "p95_ms": round(percentile(values, 0.95), 2),
            "p99_ms": round(percentile(values, 0.99), 2), "lower_bound": bool(censored)}


def sign_command(signer: tuple[str, bytes], key_id: str) -> SignedCommand:
    actor_id, private_key = signer
    command = Command("Sign", actor_id, "default",
                      {"key_id": key_id, "message_digest": hashlib.sha256(MESSAGE).hexdigest()},
                      time.time_ns() // 1000, correlation_id=uuid.uuid4().hex)
    return command.sign(private_key)


def rest_sign_request(signer: tuple[str, bytes], key_id: str,
                      url: str) -> tuple[bytes, dict[str, str]]:
    """Body and headers of one real REST sign request to ``url``: its own command, command
    signature, RFC 9421 signature and nonce (what the SDK would send)."""
    actor_id, private_key = signer
    signed = sign_command(signer, key_id)
    body = json.dumps({"command": signed.canonical_bytes.decode("ascii"),
                       "signature": base64.b64encode(signed.signature).decode(),
                       "message": base64.b64encode(MESSAGE).decode()}).encode()
    headers = {"Content-Type": "application/json",
               "Idempotency-Key": signed.command.command_id,
               **httpsig.sign_http(private_key, actor_id, "POST", url, body)}
    return body, headers


def presigned_rest(port: int, ca: Path, signer: tuple[str, bytes], key_id: str, count: int,
                   threads: int) -> tuple[list[Callable[[int], Any]], list[Any]]:
    """Open-loop senders over pre-signed REST sign requests (one connection per thread).

    Every request is a real one (its own command, signature, RFC 9421 signature and nonce),
    built before the clock starts so that the load generator's own signing does not take
    the server's CPU; sending is the SDK's transport (http.client, keep-alive).
    """
    origin = f"https://127.0.0.1:{port}"
    url = f"{origin}/v1/keys/{key_id}/sign"
    prepared = [rest_sign_request(signer, key_id, url) for _ in range(count)]
    context = client_context(ca)
    transports = [HttpTransport(origin, ssl_context=context, timeout=30.0)
                  for _ in range(threads)]

    def sender(transport: HttpTransport) -> Callable[[int], Any]:
        def call(index: int) -> None:
            body, headers = prepared[index]
            answer = transport.request("POST", url, body, lambda: headers)
            if answer.status != 200:
                raise RuntimeError(f"HTTP {answer.status}")
        return call

    return [sender(t) for t in transports], transports


def presigned_grpc(port: int, ca: Path, signer: tuple[str, bytes], key_id: str, count: int,
                   threads: int) -> tuple[list[Callable[[int], Any]], list[Any]]:
    """Open-loop senders over pre-signed gRPC Sign calls (one channel per thread)."""
    actor_id, private_key = signer
    clients = [GrpcClient(f"127.0.0.1:{port}", actor_id, private_key, ca=ca, timeout=30.0)
               for _ in range(threads)]
    pb = clients[0].pb
    path = f"/{GRPC_SERVICE}/Sign"
    prepared = []
    for _ in range(count):
        signed = sign_command(signer, key_id)
        raw = pb.SignRequest(key_id=key_id, message=MESSAGE, command=pb.SignedCommand(
            command=signed.canonical_bytes.decode("ascii"),
            signature=signed.signature)).SerializeToString()
        digest = httpsig.content_digest(raw)
        metadata = [("x-correlation-id", str(signed.command.correlation_id)),
                    ("content-digest", digest),
                    *httpsig.sign(private_key, actor_id, {"@method": "POST", "@path": path,
                                                          "content-digest": digest},
                                  components=httpsig.GRPC_COMPONENTS).items()]
        prepared.append((raw, metadata))

    def sender(client: GrpcClient) -> Callable[[int], Any]:
        stub = client.channel.unary_unary(path, request_serializer=None,
                                          response_deserializer=None)

        def call(index: int) -> None:
            raw, metadata = prepared[index]
            stub(raw, metadata=metadata, timeout=30.0)
        return call

    return [sender(c) for c in clients], clients


def batch_messages(size: int) -> list[bytes]:
    return [f"{i:064d}".encode() for i in range(size)]


def batch_rate(call: Callable[[list[bytes]], Any], size: int, seconds: float) -> float:
    """Audited signatures/s of one client sending batches of ``size`` back to back."""
    messages = batch_messages(size)
    call(messages)  # warm up
    batches = 0
    started = time.perf_counter()
    while batches < 3 or time.perf_counter() - started < seconds:
        call(messages)
        batches += 1
    return round(batches * size / (time.perf_counter() - started), 1)


def raw_ed25519_rate(count: int = 20000) -> float:
    key = nacl.signing.SigningKey(bytes(range(32)))
    messages = batch_messages(count)
    started = time.perf_counter()
    for message in messages:
        key.sign(message)
    return round(count / (time.perf_counter() - started), 1)


def micro(call: Callable[[], Any], count: int) -> float:
    """Mean microseconds per call."""
    call()
    started = time.perf_counter()
    for _ in range(count):
        call()
    return round((time.perf_counter() - started) / count * 1e6, 1)


def catalogue_spec(name: str) -> CommandSpec:
    """The catalogue entry whose request body the server decodes for ``name``."""
    spec = CATALOGUE.find(name)
    assert isinstance(spec, CommandSpec), name
    return spec


def check_costs(key_id: str, signer: tuple[str, bytes], sizes: list[int]) -> dict[str, float]:
    """CPU cost (µs, one thread) of the per-request checks the server makes, run here."""
    actor_id, private_key = signer
    public_key = bytes(nacl.signing.SigningKey(private_key).verify_key)
    costs: dict[str, float] = {}
    bodies: dict[int, bytes] = {}
    for size in [1, *sizes]:
        messages = batch_messages(size)
        if size == 1:
            command = Command("Sign", actor_id, "default", {
                "key_id": key_id, "message_digest": hashlib.sha256(messages[0]).hexdigest()},
                time.time_ns() // 1000)
        else:
            command = Command("SignBatch", actor_id, "default", {
                "key_id": key_id,
                "message_digests": [hashlib.sha256(m).hexdigest() for m in messages]},
                time.time_ns() // 1000)
        signed = command.sign(private_key)
        body: dict[str, Any] = {"command": signed.canonical_bytes.decode("ascii"),
                                "signature": base64.b64encode(signed.signature).decode()}
        model: Any
        if size == 1:
            body["message"] = base64.b64encode(messages[0]).decode()
            model = models.command_body(catalogue_spec("Sign"))
        else:
            body["messages"] = [base64.b64encode(m).decode() for m in messages]
            model = models.command_body(catalogue_spec("SignBatch"))
        raw = json.dumps(body).encode()
        bodies[size] = raw
        tag = "sign" if size == 1 else f"batch_{size}"
        count = 2000 if size == 1 else max(20, 20000 // size)

        def command_check(signed: SignedCommand = signed) -> None:
            SignedCommand.parse(signed.canonical_bytes, signed.signature).verify(public_key)

        def body_decode(raw: bytes = raw, model: Any = model, size: int = size) -> None:
            parsed = model.model_validate_json(raw)
            if size == 1:
                base64.b64decode(parsed.message)
            else:
                [base64.b64decode(m) for m in parsed.messages]

        costs[f"command_signature_{tag}_us"] = micro(command_check, count)
        costs[f"body_decode_{tag}_us"] = micro(body_decode, count)
        costs[f"client_command_sign_{tag}_us"] = micro(lambda c=command: c.sign(private_key),
                                                       count)
    path = f"/v1/keys/{key_id}/sign"
    raw = bodies[1]

    digest = httpsig.content_digest(raw)
    values = {"@method": "POST", "@path": path, "content-digest": digest,
              "@target-uri": f"https://127.0.0.1:8443{path}"}
    headers = httpsig.sign(private_key, actor_id, values)

    def request_check() -> None:  # what the server does per request (auth.py)
        params = httpsig.parse_signature_input(headers["signature-input"])
        httpsig.check_content_digest(digest, raw)
        httpsig.verify(public_key, params, values,
                       httpsig.parse_signature(headers["signature"]))

    costs["rfc9421_verify_us"] = micro(request_check, 2000)
    costs["client_rfc9421_sign_us"] = micro(
        lambda: httpsig.sign(private_key, actor_id, values), 2000)
    return costs


def prepare_home(folder: Path) -> tuple[str, dict[str, tuple[str, bytes]]]:
    session = Session(Home(folder), passphrase=bytearray(PASSPHRASE.encode()))
    session.initialize(name="bench", checkpoint_every_events=1024)
    session.add_actor("admin", "km", ["key-manager"], ["*"])
    session.add_actor("admin", "signer", ["signer"], ["*"])
    key_id = session.act("km", "CreateKey", "default", {"algorithm": "ed25519"}).result["key_id"]
    kek = session.kek()
    actors = {name: (session.home.identity(name).actor_id,
                     bytes(session.home.identity_key(name, kek))) for name in ("signer",)}
    session.close()
    return key_id, actors


def in_process(folder: Path, key_id: str, signer: tuple[str, bytes], counts: dict[str, Any],
               seconds: float) -> dict[str, Any]:
    session = Session(Home(folder), passphrase=bytearray(PASSPHRASE.encode()))
    ledger = session.ledger()
    actor_id, private_key = signer
    digest = hashlib.sha256(MESSAGE).hexdigest()

    def make() -> Callable[[], Any]:
        def call() -> Any:
            command = Command("Sign", actor_id, "default",
                              {"key_id": key_id, "message_digest": digest},
                              time.time_ns() // 1000)
            return execute(ledger, command.sign(private_key), {"message": MESSAGE})
        return call

    throughput(make, 4, 1.0)  # warm up (and let SQLite settle its WAL) before measuring
    result = {"latency": latency(make(), counts["latency"]),
              "throughput": {c: throughput(make, c, seconds) for c in counts["levels"]}}
    batches = {}
    for size in counts["batch_sizes"]:
        prepared = []
        for _ in range(max(5, 20000 // size)):
            messages = batch_messages(size)
            command = Command("SignBatch", actor_id, "default", {
                "key_id": key_id,
                "message_digests": [hashlib.sha256(m).hexdigest() for m in messages]},
                time.time_ns() // 1000)
            prepared.append((command.sign(private_key), messages))
        started = time.perf_counter()
        for signed, messages in prepared:
            execute(ledger, signed, {"messages": messages})
        batches[size] = round(len(prepared) * size / (time.perf_counter() - started), 1)
    result["batch"] = batches
    session.close()
    return result


def start_server(folder: Path, max_batch: int, tls: bool = True,
                 prefix: Sequence[str] = ()) -> tuple[subprocess.Popen[str], int, int]:
    """``prefix``: a program that runs the server as its child (``py-spy record ... --``)."""
    argv = [*prefix, sys.executable, "-m", "commands.cli.main", "--home", str(folder), "serve",
            "--rest-port", "0", "--grpc-port", "0", "--rate", "0", "--workers", "64",
            "--max-batch", str(max_batch), "--tls" if tls else "--no-tls"]
    process = subprocess.Popen(argv, env={**os.environ, "SKMS_PASSPHRASE": PASSPHRASE},
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               cwd=ROOT)
    assert process.stdout is not None
    line = process.stdout.readline()
    while line.startswith("py-spy> ") or line == "\n":  # a profiler's banner
        line = process.stdout.readline()
    found = re.search(r"https?://[^:]+:(\d+) and gRPC on [^:]+:(\d+)", line)
    if found is None:
        process.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return process, int(found.group(1)), int(found.group(2))


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(pid: int, limit_s: float = 120.0) -> None:
    """Wait until the server uses less than 5 % of a core over half a second."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        before = process_cpu_s(pid)
        time.sleep(0.5)
        if process_cpu_s(pid) - before < 0.025:
            return


def own_cpu_s() -> float:
    times = os.times()
    return times.user + times.system


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def over_service(folder: Path, key_id: str, signer: tuple[str, bytes],
                 counts: dict[str, Any], seconds: float) -> dict[str, Any]:
    process, rest_port, grpc_port = start_server(folder, counts["max_batch"])
    ca = folder / "tls" / "ca.pem"
    actor_id, private_key = signer
    clients: list[Any] = []

    def rest_client() -> Any:
        client = Client(f"https://127.0.0.1:{rest_port}", actor_id, private_key, ca=ca,
                        timeout=10.0)
        client._domains[key_id] = "default"
        clients.append(client)
        return client

    def grpc_client() -> Any:
        client = GrpcClient(f"127.0.0.1:{grpc_port}", actor_id, private_key, ca=ca,
                            timeout=10.0)
        client._domains[key_id] = "default"
        clients.append(client)
        return client

    try:
        results: dict[str, Any] = {}
        for name, new in (("rest", rest_client), ("grpc", grpc_client)):
            def make(new: Callable[[], Any] = new) -> Callable[[], Any]:
                client = new()
                return lambda: client.sign(key_id, MESSAGE)

            throughput(make, 4, 1.0)  # warm up: TLS, code paths, SQLite WAL
            before = process_cpu_s(process.pid)
            results[name] = {"latency": latency(make(), counts["latency"]), "throughput": {}}
            results[name]["server_cpu_ms_one_client"] = round(
                (process_cpu_s(process.pid) - before) / counts["latency"] * 1000, 3)
            for level in counts["levels"]:
                before = process_cpu_s(process.pid)
                rate = results[name]["throughput"][level] = throughput(make, level, seconds)
                if level == 16:
                    results[name]["server_cpu_ms_16_clients"] = round(
                        (process_cpu_s(process.pid) - before) / (rate * seconds) * 1000, 3)
            one = new()
            results[name]["batch"] = {
                size: batch_rate(lambda m, c=one: c.sign_batch(key_id, m), size, seconds)
                for size in counts["batch_sizes"]}
        # Open loops last, each on an idle server: an overloaded level leaves requests queued
        # in the server after its window, which would otherwise land on the next measurement.
        for name in ("rest", "grpc"):
            results[name]["open_loop"] = []
            for rate in counts["rates"]:
                total = int(rate * counts["open_seconds"])
                threads = counts["open_threads"]
                presigned = presigned_rest if name == "rest" else presigned_grpc
                port = rest_port if name == "rest" else grpc_port
                wait_idle(process.pid)
                calls, owners = presigned(port, ca, signer, key_id, total + threads, threads)
                for index, call in enumerate(calls):  # connect (TLS) before the clock starts
                    call(total + index)
                server_before, client_before = process_cpu_s(process.pid), own_cpu_s()
                row = open_loop(calls, rate, counts["open_seconds"], counts["open_grace"])
                done = max(row["sent"], 1)
                row["server_cpu_ms_per_request"] = round(
                    (process_cpu_s(process.pid) - server_before) / done * 1000, 3)
                row["client_cpu_ms_per_request"] = round(
                    (own_cpu_s() - client_before) / done * 1000, 3)
                results[name]["open_loop"].append(row)
                for owner in owners:
                    owner.close()
        results["server_peak_rss_mib"] = peak_rss_mib(process.pid)
        return results
    finally:
        for client in clients:
            client.close()
        process.send_signal(signal.SIGTERM)
        process.wait(60)


def without_tls(folder: Path, key_id: str, signer: tuple[str, bytes],
                counts: dict[str, Any]) -> dict[str, Any]:
    """One client's sequential latency against a server without TLS (the TLS share)."""
    process, rest_port, grpc_port = start_server(folder, counts["max_batch"], tls=False)
    actor_id, private_key = signer
    rest = Client(f"http://127.0.0.1:{rest_port}", actor_id, private_key)
    grpc = GrpcClient(f"127.0.0.1:{grpc_port}", actor_id, private_key)
    try:
        results = {}
        for name, client in (("rest", rest), ("grpc", grpc)):
            client._domains[key_id] = "default"
            latency(lambda c=client: c.sign(key_id, MESSAGE), 50)  # warm up
            results[name] = latency(lambda c=client: c.sign(key_id, MESSAGE),
                                    counts["latency"])
        return results
    finally:
        rest.close()
        grpc.close()
        process.send_signal(signal.SIGTERM)
        process.wait(60)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stack_floor(folder: Path, signer: tuple[str, bytes], key_id: str,
                counts: dict[str, Any], seconds: float) -> dict[str, Any]:
    """The same REST requests (pre-signed sign bodies and headers) against uvicorn +
    httptools + TLS 1.3 with nothing behind it (tools/bench/stack_floor.py): the part of a
    request that is the HTTP stack, measured as server CPU per request and latency."""
    port = free_port()
    process = subprocess.Popen([sys.executable, str(ROOT / "tools" / "bench" / "stack_floor.py"),
                                str(port), str(folder)], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    assert process.stdout is not None
    process.stdout.readline()  # "ready": the context is loaded; uvicorn binds right after
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        # Enough for 16 clients over ``seconds`` at 4,000 requests/s (the stack alone
        # answered about 2,400/s here); every request is sent once.
        count = 50 + counts["latency"] + int(4000 * seconds)
        senders, transports = presigned_rest(port, folder / "tls" / "ca.pem", signer, key_id,
                                             count, 16)
        positions = itertools.count()
        for _ in range(50):
            senders[0](next(positions))  # warm up
        before = process_cpu_s(process.pid)
        one_client = latency(lambda: senders[0](next(positions)), counts["latency"])
        one_client["server_cpu_ms_per_request"] = round(
            (process_cpu_s(process.pid) - before) / counts["latency"] * 1000, 3)
        unused = iter(senders)

        def make() -> Callable[[], Any]:
            send = next(unused)
            return lambda: send(next(positions))

        before = process_cpu_s(process.pid)
        rate = throughput(make, 16, seconds)
        sixteen = {"requests_per_s": rate, "server_cpu_ms_per_request": round(
            (process_cpu_s(process.pid) - before) / (rate * seconds) * 1000, 3)}
        for transport in transports:
            transport.close()
        return {"one_client": one_client, "clients_16": sixteen}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)


def app_ceiling(folder: Path, key_id: str, levels: list[int], count: int) -> dict[str, Any]:
    """The REST application driven through ASGI in one process, no sockets
    (tools/bench/app_ceiling.py, run in a process of its own): the most signs/s one service
    process decides before any network cost, beside the ledger's audited sign alone."""
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "bench" / "app_ceiling.py"),
                           str(folder), key_id, "--requests", str(count),
                           "--levels", ",".join(map(str, levels))],
                          capture_output=True, text=True, cwd=ROOT, timeout=600, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _met(value: float, target: float, below: bool = True) -> str:
    return "met" if (value < target if below else value > target) else "**missed**"


def render(report: dict[str, Any]) -> str:
    """The section, from a report whose keys went through JSON (so they are strings)."""
    levels = [str(c) for c in report["levels"]]
    sizes = [str(b) for b in report["batch_sizes"]]
    targets = report["targets"]
    p99_target, p95_target = targets["p99_one_client_ms"], targets["p95_at_1000_rps_ms"]
    batch_target = targets["batch_signs_per_s"]
    rows = [("in-process audited sign", report["in_process"]),
            ("REST (HTTPS, TLS 1.3)", report["rest"]), ("gRPC (TLS 1.3 front)", report["grpc"])]
    lines = [HEADING, "",
             f"`tools/bench/bench_service.py` on {report['machine']} ({report['date']}): "
             "Ed25519 key, 64-byte messages, SQLite store (synchronous=FULL), server as a "
             "separate `skms serve` process on loopback (64 workers, rate limit off, "
             f"`--max-batch {report['max_batch']}`), clients as threads in one process with "
             "one connection each, all on the same cores. Every signature is committed "
             "(group commit) before it is returned. Targets: p99 < "
             f"{p99_target:g} ms for one client; p95 < {p95_target:g} ms at 1,000 "
             f"requests/s; batch endpoints > {batch_target:,} audited signs/s.", "",
             f"**One sign at a time.** Latency: one client, {report['latency_samples']} "
             f"sequential signs; throughput: signs/s over {report['seconds']:g} s per level "
             "(closed loop: each client sends its next request when the reply arrives).", "",
             "| path | p50 ms | p95 ms | p99 ms | target p99 < 5 ms | "
             + " | ".join(f"{c} clients/s" for c in levels) + " |",
             "|---|---|---|---|---|" + "---|" * len(levels)]
    for label, data in rows:
        lat = data["latency"]
        lines.append(f"| {label} | {lat['p50_ms']} | {lat['p95_ms']} | {lat['p99_ms']} | "
                     f"{_met(lat['p99_ms'], p99_target)} | "
                     + " | ".join(str(data["throughput"][c]) for c in levels) + " |")
    raw = round((report["raw_ed25519_per_s"] + report["raw_ed25519_per_s_after"]) / 2)
    lines += ["", "**Batch sign.** One client sending `SignBatch` requests back to back for "
              f"{report['seconds']:g} s per size (one command, one `SignatureBatchIssued` event "
              "and one commit per batch); audited signatures/s. In-process: "
              "`commands.handlers.execute` with pre-signed `SignBatch` commands. Raw: pynacl "
              "Ed25519 signs of 64-byte messages in one thread (mean of a run before and "
              "after the others).", "",
              "| path | " + " | ".join(f"batch of {b} signs/s" for b in sizes)
              + f" | target > {batch_target:,} |",
              "|---|" + "---|" * len(sizes) + "---|",
              "| raw Ed25519 sign (pynacl) | " + " | ".join(f"{raw:,}" for _ in sizes)
              + " | (ceiling) |"]
    for label, data in rows:
        values = [data["batch"][b] for b in sizes]
        verdict = ", ".join(f"{b}: {_met(v, batch_target, below=False)}"
                            for b, v in zip(sizes, values, strict=True))
        lines.append(f"| {label} | " + " | ".join(f"{round(v):,}" for v in values)
                     + f" | {verdict} |")
    lines += ["", "**Single signs at a fixed offered load** (open loop): requests are due at "
              "a fixed rate for "
              f"{report['open_seconds']:g} s whatever the replies do, sent by "
              f"{report['open_threads']} client threads (connected beforehand). Every "
              "request is a real one (its own actor-signed command and RFC 9421 signature "
              "with a fresh nonce), signed before the clock starts so that the generator's "
              "signing does not take the server's CPU; REST requests go out through the "
              "SDK's transport, gRPC ones through a raw stub. Latency runs from the due time "
              "to the reply, so it includes the wait for a free thread. Nothing is sent after "
              f"{report['open_grace']:g} s of grace: requests still unsent then are counted "
              "and enter the percentiles with the time they had already waited (so those "
              "percentiles, marked >=, are lower bounds). CPU columns: CPU time of the server "
              "process and of the load generator during the run, per request sent.", "",
              "| path | offered/s | achieved/s | sent | unsent | p50 ms | p95 ms | p99 ms "
              "| server CPU ms/request | generator CPU ms/request "
              "| target p95 < 10 ms at 1,000/s |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, label in (("rest", "REST"), ("grpc", "gRPC")):
        for row in report[name]["open_loop"]:
            mark = ">= " if row["lower_bound"] else ""
            verdict = (_met(row["p95_ms"], p95_target) if row["offered_per_s"] == 1000
                       else "")
            lines.append(f"| {label} | {row['offered_per_s']:g} | {row['achieved_per_s']} | "
                         f"{row['sent']} | {row['unsent']} | {mark}{row['p50_ms']} | "
                         f"{mark}{row['p95_ms']} | {mark}{row['p99_ms']} | "
                         f"{row.get('server_cpu_ms_per_request', '')} | "
                         f"{row.get('client_cpu_ms_per_request', '')} | {verdict} |")
    costs = report["check_costs"]
    lines += ["", "**Where the time goes.** Same single-client latency against a second "
              "server without TLS (`--no-tls`), and the CPU cost (one thread, µs per "
              "request, measured in the benchmark process) of the checks the server runs "
              "before the ledger, and of the client's own signing:", "",
              "| measure | REST | gRPC |", "|---|---|---|"]
    for key in ("p50_ms", "p99_ms"):
        lines.append(f"| with TLS, {key.replace('_ms', '')} ms | {report['rest']['latency'][key]}"
                     f" | {report['grpc']['latency'][key]} |")
        lines.append(f"| without TLS, {key.replace('_ms', '')} ms | "
                     f"{report['without_tls']['rest'][key]} | "
                     f"{report['without_tls']['grpc'][key]} |")
    lines += ["", "| check (per request) | µs |", "|---|---|"]
    labels = {"rfc9421_verify_us": "server: RFC 9421 request signature (parse, digest, verify)",
              "client_rfc9421_sign_us": "client: RFC 9421 request signature"}
    for key, value in costs.items():
        label = labels.get(key)
        if label is None:
            what = key.removesuffix("_us")
            for prefix, text in (("command_signature_", "server: command parse + signature, "),
                                 ("body_decode_", "server: body JSON + base64 decode, "),
                                 ("client_command_sign_", "client: command encode + sign, ")):
                if what.startswith(prefix):
                    label = text + what.removeprefix(prefix).replace("_", " of ")
        lines.append(f"| {label} | {value:,} |")
    floor = report.get("stack_floor")
    if floor is not None:
        one, sixteen = floor["one_client"], floor["clients_16"]
        lines += ["", "**The HTTP stack alone** (`tools/bench/stack_floor.py`): the same "
                  "pre-signed REST sign requests against uvicorn + httptools + TLS 1.3 with "
                  "nothing behind it (no authentication, no ledger), served like `skms serve` "
                  "serves REST. The `skms serve` column repeats the rows above (its "
                  "one-client latency includes the SDK signing each request; the stack's "
                  "requests are signed beforehand):", "",
                  "| measure | stack alone | `skms serve` |", "|---|---|---|",
                  f"| one client, p50 / p99 ms | {one['p50_ms']} / {one['p99_ms']} | "
                  f"{report['rest']['latency']['p50_ms']} / "
                  f"{report['rest']['latency']['p99_ms']} |",
                  f"| server CPU ms per request, one client | "
                  f"{one['server_cpu_ms_per_request']} | "
                  f"{report['rest'].get('server_cpu_ms_one_client', '')} |",
                  f"| 16 clients, requests/s | {sixteen['requests_per_s']} | "
                  f"{report['rest']['throughput']['16']} |",
                  f"| server CPU ms per request, 16 clients | "
                  f"{sixteen['server_cpu_ms_per_request']} | "
                  f"{report['rest'].get('server_cpu_ms_16_clients', '')} |"]
    ceiling = report.get("app_ceiling")
    if ceiling is not None:
        verify = ceiling["ed25519_verify_us"]
        alone = ceiling["ledger_alone"]
        lines += ["", "**One process's ceiling, no network** (`tools/bench/app_ceiling.py`): "
                  "the REST application `skms serve` runs, called through ASGI in one process "
                  "with the same kind of pre-signed sign requests (no socket, TLS or HTTP "
                  "parsing), beside the ledger's audited sign alone (`execute`, one thread) "
                  "and pynacl's Ed25519 verification (the server makes two per sign), all in "
                  "one run. CPU covers the whole process (the commit thread too).", "",
                  "| path | in flight | signs/s | CPU µs per sign "
                  "| CPU per sign ÷ one Ed25519 verification |",
                  "|---|---|---|---|---|",
                  f"| ledger alone (`execute`) | 1 | {alone['signs_per_s']} | "
                  f"{alone['cpu_us_per_sign']} | {alone['cpu_us_per_sign'] / verify:.1f} |"]
        for row in ceiling["application"]:
            lines.append(f"| REST application, in-process | {row['concurrency']} | "
                         f"{row['signs_per_s']} | {row['cpu_us_per_sign']} | "
                         f"{row['cpu_us_per_sign'] / verify:.1f} |")
        lines += ["", f"One Ed25519 verification: {verify} µs of CPU in this run."]
    lines += ["", f"Server peak RSS: {report['server_peak_rss_mib']} MiB.", "", END_MARK, ""]
    return "\n".join(lines)


def write_section(text: str) -> None:
    """Replace the generated part of the "## Service" section of docs/performance.md (up to
    its end marker; the hand-written reading after the marker is kept), or add it."""
    current = DOC.read_text() if DOC.exists() else "# Performance\n"
    generated = re.compile(rf"^{re.escape(HEADING)}\n.*?{re.escape(END_MARK)}\n", re.S | re.M)
    whole = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    if generated.search(current):
        updated = generated.sub(lambda _: text.rstrip("\n") + "\n", current, count=1)
    elif whole.search(current):  # an older section without the marker: replace it all
        updated = whole.sub(lambda _: text.rstrip("\n") + "\n\n", current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    DOC.write_text(updated.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-samples", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--levels", default="1,16,64")
    parser.add_argument("--batch-sizes", default=",".join(map(str, BATCH_SIZES)))
    parser.add_argument("--max-batch", type=int, default=MAX_BATCH,
                        help="The server's --max-batch (batches above it are cut to it).")
    parser.add_argument("--rates", default="200,500,1000",
                        help="Offered loads (requests/s) of the open-loop latency runs.")
    parser.add_argument("--open-seconds", type=float, default=5.0)
    parser.add_argument("--open-grace", type=float, default=2.0)
    parser.add_argument("--open-threads", type=int, default=64)
    parser.add_argument("--ceiling-requests", type=int, default=3000,
                        help="Sign requests per level of the in-process ceiling stage.")
    parser.add_argument("--write", action="store_true", help="Update docs/performance.md.")
    parser.add_argument("--render", type=Path, default=None, metavar="REPORT_JSON",
                        help="Only write the section from a saved report (stdout of a run).")
    args = parser.parse_args()
    if args.render is not None:
        write_section(render(json.loads(args.render.read_text())))
        return
    max_batch = min(args.max_batch, MAX_BATCH)  # what `skms serve --max-batch` accepts
    counts = {"latency": args.latency_samples,
              "levels": [int(c) for c in args.levels.split(",")],
              "max_batch": max_batch,
              "batch_sizes": sorted({min(int(b), max_batch)
                                     for b in args.batch_sizes.split(",")}),
              "rates": [float(r) for r in args.rates.split(",")],
              "open_seconds": args.open_seconds, "open_grace": args.open_grace,
              "open_threads": args.open_threads}
    with tempfile.TemporaryDirectory(prefix="skms-bench-service-") as temporary:
        folder = Path(temporary) / "home"
        key_id, actors = prepare_home(folder)
        report: dict[str, Any] = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                       f"{platform.python_version()}",
            "date": time.strftime("%Y-%m-%d"), "seconds": args.seconds,
            "latency_samples": args.latency_samples, "levels": counts["levels"],
            "max_batch": max_batch, "batch_sizes": counts["batch_sizes"],
            "open_seconds": args.open_seconds, "open_grace": args.open_grace,
            "open_threads": args.open_threads, "targets": TARGETS,
            "raw_ed25519_per_s": raw_ed25519_rate(),
            "in_process": in_process(folder, key_id, actors["signer"], counts, args.seconds)}
        report.update(over_service(folder, key_id, actors["signer"], counts, args.seconds))
        report["without_tls"] = without_tls(folder, key_id, actors["signer"], counts)
        report["stack_floor"] = stack_floor(folder, actors["signer"], key_id, counts,
                                             args.seconds)
        report["app_ceiling"] = app_ceiling(folder, key_id, counts["levels"],
                                            args.ceiling_requests)
        report["check_costs"] = check_costs(key_id, actors["signer"], counts["batch_sizes"])
        report["raw_ed25519_per_s_after"] = raw_ed25519_rate()
    print(json.dumps(report, indent=2))
    if args.write:
        write_section(render(json.loads(json.dumps(report))))
        print(f"updated {DOC}", file=sys.stderr)


if __name__ == "__main__":
    main()
