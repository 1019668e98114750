"""One process serving REST + WebSocket (uvicorn) and gRPC (grpcio) over one ledger.

Start-up: open the ledger (needs the passphrase: the ledger key signs refusals and
checkpoints, the KEK unseals keys to sign), create TLS files on first use, start the gRPC
server (``grpc.aio``) on an ephemeral loopback port and its TLS front on the gRPC port, both
on one event loop in a thread of their own, then bind the REST port (uvicorn on a second
loop). All ports may be 0 (the OS picks; tests read the chosen ones back).

The loops are the standard library's. (Feed handshakes that went unanswered, first seen
with uvloop and blamed on it, happened with this loop too: the cause was TLS session tickets
racing the WebSocket client's request; see :func:`commands.service.tls.server_context`.)

Graceful shutdown (:meth:`Server.stop`, also on SIGINT/SIGTERM under ``skms serve``):
feeds are told to close (1001), the ports stop accepting, requests and RPCs in flight get
``shutdown_grace_s`` to finish, then the worker pool is drained – so every command that
started is committed and answered – and only then are secrets wiped and the store closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Iterable
from typing import Any

import grpc
import uvicorn
from opentelemetry.sdk.trace import SpanProcessor
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from commands.service.app import create_app
from commands.service.config import ServiceConfig
from commands.service.connections import ClientCounter, HeadGuard
from commands.service.core import ServiceCore
from commands.service.grpc_api import GrpcApi
from commands.service.grpc_front import GrpcTLSFront, RelayRegistry
from commands.service.limits import Limits
from commands.service.observability import logger
from commands.service.tls import (
    PEER_CERTIFICATE_KEY,
    TLSFiles,
    ensure_server_files,
    server_context,
    transport_certificate,
)
from ledger.errors import ConfigurationError


class _GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol (httptools parser) with SKMS's connection limits
    (:mod:`commands.service.connections`) and the connection's client certificate put into
    every scope it creates (:data:`commands.service.tls.PEER_CERTIFICATE_KEY`).

    ``limits`` and ``clients`` are set on the subclass :func:`http_protocol` makes for one
    server."""

    limits: Limits
    clients: ClientCounter

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._skms_certificate = transport_certificate(transport)
        self._skms_head = HeadGuard(self.limits, transport, asyncio.get_running_loop())
        super().connection_made(transport)
        if not self.clients.open(transport, self.client[0] if self.client else ""):
            self._skms_head.refuse(503, "too many open connections from this address",
                                   "too-many-connections")
            return
        self._skms_head.begin()

    def connection_lost(self, exc: Exception | None) -> None:
        self.clients.close(self.transport)
        self._skms_head.close()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._skms_head.refused:
            return
        super().data_received(data)
        self._skms_head.received(len(data))

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope[PEER_CERTIFICATE_KEY] = self._skms_certificate  # type: ignore[literal-required]
        self._skms_head.begin()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._skms_head.header()
        if not self._skms_head.refused:
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self._skms_head.refused:
            return
        self._skms_head.complete()
        super().on_headers_complete()

    def on_url(self, url: bytes) -> None:
        if not self._skms_head.refused:
            super().on_url(url)


class _PeerWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol, giving the feed its connection's client certificate.

    The HTTP protocol hands its transport over on upgrade; the connection slot it holds in
    the per-client count is released when the socket closes, whichever protocol owns it."""

    clients: ClientCounter

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._skms_certificate = transport_certificate(transport)
        super().connection_made(transport)

    async def run_asgi(self) -> None:
        self.scope[PEER_CERTIFICATE_KEY] = self._skms_certificate  # type: ignore[literal-required]
        await super().run_asgi()

    def connection_lost(self, exc: Exception | None) -> None:
        self.clients.close(self.transport)
        super().connection_lost(exc)


def http_protocols(limits: Limits) -> tuple[type[HttpToolsProtocol],
                                            type[WebSocketsSansIOProtocol], ClientCounter]:
    """The HTTP and WebSocket protocol classes of one server, sharing one client count."""
    clients = ClientCounter(limits.max_connections_per_client)
    http = type("SkmsHttpProtocol", (_GuardedHttpProtocol,),
                {"limits": limits, "clients": clients})
    websocket = type("SkmsWebSocketProtocol", (_PeerWebSocketProtocol,), {"clients": clients})
    return http, websocket, clients


LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")


def authorities(config: ServiceConfig, port: int) -> frozenset[str]:
    """The ``host:port`` names requests may be addressed to: loopback names, the bound
    host (unless a wildcard) and ``--public-authority`` names (as given, e.g.
    ``kms.example.com`` or ``kms.example.com:443``)."""
    hosts = set(LOOPBACK_NAMES)
    if config.host not in ("0.0.0.0", "::", ""):  # noqa: S104 (a comparison, not a bind)
        hosts.add(f"[{config.host}]" if ":" in config.host else config.host)
    names = {f"{host}:{port}".lower() for host in hosts}
    names.update(name.lower() for name in config.public_authorities)
    return frozenset(names)


def tls_files(config: ServiceConfig) -> TLSFiles:
    if config.tls_cert is not None and config.tls_key is not None:
        ca = config.client_ca or config.tls_cert
        return TLSFiles(cert=config.tls_cert, key=config.tls_key, ca=ca,
                        client_ca=config.client_ca)
    files = ensure_server_files(config.home)
    if config.client_ca is not None:
        return TLSFiles(files.cert, files.key, files.ca, config.client_ca)
    return files


class Server:
    """Owns the core, the uvicorn server, the gRPC server and its TLS front."""

    def __init__(self, config: ServiceConfig, passphrase: bytearray, *,
                 span_processors: Iterable[SpanProcessor] = ()) -> None:
        self.config = config
        self.core = ServiceCore(config, passphrase, span_processors=span_processors)
        self.files = tls_files(config) if config.tls else None
        self.relay = RelayRegistry() if self.files is not None else None
        self.grpc_api = GrpcApi(self.core, relay=self.relay)
        self.app = create_app(self.core, grpc_answer=self.grpc_api.answer)
        self.rest_port = config.rest_port
        self.grpc_port = config.grpc_port
        self.grpc_backend_port = 0  # where grpc.aio listens (behind the TLS front)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._failure: BaseException | None = None
        self._front: GrpcTLSFront | None = None
        self._grpc: grpc.aio.Server | None = None
        self._grpc_loop: asyncio.AbstractEventLoop | None = None
        self._grpc_thread: threading.Thread | None = None
        self._uvicorn: uvicorn.Server | None = None
        self._stopped = False

    # --- start -------------------------------------------------------------------------------

    def _uvicorn_config(self) -> uvicorn.Config:
        options: dict[str, Any] = {}
        if self.files is not None:
            context = server_context(self.files, self.config.client_auth)
            context.set_alpn_protocols(["http/1.1"])
            options["ssl_context_factory"] = lambda _config, _default: context
        http, websocket, _ = http_protocols(self.config.limits)
        return uvicorn.Config(self.app, host=self.config.host, port=self.config.rest_port,
                              http=http, loop="asyncio", ws=websocket,
                              lifespan="off", log_config=None, access_log=False,
                              timeout_keep_alive=max(1, round(self.config.limits.keep_alive_s)),
                              timeout_graceful_shutdown=int(self.config.shutdown_grace_s) or 1,
                              ws_ping_interval=None, server_header=False,
                              # No proxy in front by default: X-Forwarded-* is not believed.
                              proxy_headers=False, **options)

    def _start_grpc(self) -> int:
        """Start the ``grpc.aio`` server, and its TLS front when TLS is on, on an event loop
        in a thread of their own (one loop for both: a relayed call then crosses no other
        thread on its way in and out)."""
        loop = asyncio.new_event_loop()

        def serve() -> None:
            loop.run_forever()
            loop.close()

        thread = threading.Thread(target=serve, name="skms-grpc", daemon=True)
        thread.start()
        self._grpc_loop, self._grpc_thread = loop, thread

        async def start() -> tuple[grpc.aio.Server, int, GrpcTLSFront | None]:
            server = grpc.aio.server(options=[
                ("grpc.max_receive_message_length", self.config.limits.max_body_bytes),
                ("grpc.so_reuseport", 0),
                # An idle connection (a relay of the TLS front, or a client's channel) is
                # closed after this long; clients reconnect transparently.
                ("grpc.max_connection_idle_ms", 300_000)])
            server.add_generic_rpc_handlers((self.grpc_api.generic_handler(),))
            address = (f"{self.config.host}:{self.config.grpc_port}" if self.files is None
                       else "127.0.0.1:0")
            port = server.add_insecure_port(address)
            self.grpc_backend_port = port
            await server.start()
            front = None
            if self.relay is not None and self.files is not None:
                context = server_context(self.files, self.config.client_auth)
                front = GrpcTLSFront(self.config.host, self.config.grpc_port, port, context,
                                     self.relay,
                                     self.config.limits.max_connections_per_client)
                port = await front.start()
            return server, port, front

        server, port, front = asyncio.run_coroutine_threadsafe(start(), loop).result(30)
        self._grpc, self._front = server, front
        return port

    def start(self) -> None:
        """Start serving in a background thread; return once both ports accept."""
        grpc_port = self._start_grpc()
        self._thread = threading.Thread(target=self._run, args=(grpc_port,),
                                        name="skms-serve", daemon=True)
        self._thread.start()
        self._started.wait(30)
        if self._failure is not None:
            self.stop()
            raise ConfigurationError(f"the service could not start: {self._failure}")
        if not self._started.is_set():
            self.stop()
            raise ConfigurationError("the service did not start within 30 s")
        if self.core.cluster is not None:
            scheme = "https" if self.files is not None else "http"
            try:
                self.core.cluster.join(self.config.advertise_url
                                       or f"{scheme}://{self.config.host}:{self.rest_port}")
            except BaseException:
                self.stop()
                raise
        logger().info("serving", rest_port=self.rest_port, grpc_port=self.grpc_port,
                      tls=self.files is not None, client_auth=self.config.client_auth)

    def _run(self, grpc_port: int) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve(grpc_port))
        except BaseException as exc:  # reported to start() or logged
            self._failure = exc
            self._started.set()
        finally:
            loop.close()

    async def _serve(self, grpc_port: int) -> None:
        self._uvicorn = uvicorn.Server(self._uvicorn_config())
        serving = asyncio.ensure_future(self._uvicorn.serve())
        while not self._uvicorn.started:
            if serving.done():
                serving.result()
                raise ConfigurationError("the REST server stopped during start-up")
            await asyncio.sleep(0.01)
        self.rest_port = self._uvicorn.servers[0].sockets[0].getsockname()[1]
        self.grpc_port = grpc_port
        self.app.state.authorities = authorities(self.config, self.rest_port)
        self._started.set()
        await serving

    # --- stop --------------------------------------------------------------------------------

    def stop(self) -> None:
        """Graceful shutdown (idempotent); see the module docstring for the order."""
        if self._stopped:
            return
        self._stopped = True
        self.app.state.hub.close()
        grace = self.config.shutdown_grace_s
        grpc_done = (asyncio.run_coroutine_threadsafe(self._stop_grpc(grace), self._grpc_loop)
                     if self._grpc is not None and self._grpc_loop is not None else None)
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        if self._thread is not None:
            self._thread.join(grace + 5)
        if grpc_done is not None:
            with contextlib.suppress(Exception):
                grpc_done.result(grace + 5)
        if self._grpc_loop is not None and self._grpc_thread is not None:
            self._grpc_loop.call_soon_threadsafe(self._grpc_loop.stop)
            self._grpc_thread.join(5)
        self.core.close()
        logger().info("stopped")

    async def _stop_grpc(self, grace: float) -> None:
        if self._front is not None:
            await self._front.stop()
        if self._grpc is not None:
            await self._grpc.stop(grace)

    @staticmethod
    def stop_on_signals() -> threading.Event:
        """An event set by SIGINT or SIGTERM; install it before :meth:`start` so that a
        signal arriving during start-up is not lost."""
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        return stop

    def wait(self, stop: threading.Event | None = None) -> None:
        """Block until ``stop`` is set (default: SIGINT or SIGTERM), then stop."""
        stop = stop or self.stop_on_signals()
        while not stop.wait(0.5):
            if self._thread is not None and not self._thread.is_alive():
                break
        self.stop()

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
