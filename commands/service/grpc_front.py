"""A TLS 1.3-only front for the gRPC server.

Why a front instead of ``grpc.ssl_server_credentials``: grpcio's Python API cannot set the
minimum TLS version, so its TLS port also accepts TLS 1.2 clients. The front terminates TLS
with :mod:`ssl` (the same contexts as REST: TLS 1.3 only, optional or required client
certificates, ALPN ``h2``) and relays the bytes to the gRPC server listening on an
ephemeral loopback port. Its :class:`RelayRegistry` records, for each relayed connection,
the address the relay's own socket to the backend has and the client certificate of the
TLS connection it relays, so the gRPC handlers know the certificate of every call (gRPC
sees only that socket's address) and refuse calls that did not come through the front.

Why an address is a sound key here, and only here: the backend listens on one address, so
while a relay socket is open no other connection to the backend can have its source
address (a TCP connection is its four addresses). The registry holds an entry exactly while
its relay socket is open: it is added after the socket connected and before any byte is
relayed, and removed in ``connection_lost``, which asyncio calls before it closes the
socket. An address released in the last :data:`QUARANTINE_S` seconds is never registered
again (the relay opens another connection), so a call still queued from a closed relay
connection can never be attributed to a newer one. REST never reads this registry: its
certificates travel in the ASGI scope of their own connection.

The relay is a pair of asyncio protocols that hand each received chunk straight to the
other side's transport (no coroutine per chunk: the stream-based relay it replaced added
about a millisecond per call). Back-pressure: when one side's write buffer fills, reading
from the other side pauses until it drains.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections.abc import Callable

from commands.service.connections import ClientCounter

QUARANTINE_S = 120.0
"""How long an address released by a relay socket may not be registered again."""


class RelayRegistry:
    """Client certificates of open relay sockets, by the socket's address (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._open: dict[tuple[str, int], tuple[object, bytes | None]] = {}
        self._released: dict[tuple[str, int], float] = {}
        self._lock = threading.Lock()

    def register(self, address: tuple[str, int], certificate: bytes | None,
                 owner: object) -> bool:
        """Record ``owner``'s relay socket; False if the address is in quarantine or taken."""
        with self._lock:
            now = self._clock()
            for old, at in list(self._released.items()):
                if now - at >= QUARANTINE_S:
                    del self._released[old]
            if address in self._released or address in self._open:
                return False
            self._open[address] = (owner, certificate)
            return True

    def release(self, address: tuple[str, int], owner: object) -> None:
        """Forget ``owner``'s entry (never another connection's) and quarantine it."""
        with self._lock:
            entry = self._open.get(address)
            if entry is not None and entry[0] is owner:
                del self._open[address]
                self._released[address] = self._clock()

    def lookup(self, address: tuple[str, int] | None) -> tuple[bool, bytes | None]:
        """``(relayed, certificate)`` of the open relay socket with this address."""
        if address is None:
            return False, None
        with self._lock:
            entry = self._open.get(address)
        return (False, None) if entry is None else (True, entry[1])


class _Side(asyncio.Protocol):
    """One end of a relayed connection; ``peer`` is the other end once both exist."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.peer: _Side | None = None
        self.pending: list[bytes] = []
        self.closed = False
        self.on_lost: Callable[[], None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)  # a socket's transport
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        peer = self.peer
        if peer is not None and peer.transport is not None:
            peer.transport.write(data)
        else:
            self.pending.append(data)  # the backend connection is not up yet

    def eof_received(self) -> bool:
        if self.peer is not None and self.peer.transport is not None:
            if self.peer.transport.can_write_eof():
                self.peer.transport.write_eof()
            else:
                self.peer.transport.close()
        return True  # keep our half open until the peer closes too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.on_lost is not None:  # before asyncio closes this socket
            self.on_lost()
            self.on_lost = None
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.close()

    # The peer's buffer is full / drained: stop / resume reading what would fill it.
    def pause_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.resume_reading()


class _Client(_Side):
    """The TLS side: on connection, open the backend connection and pair the two."""

    ATTEMPTS = 8  # backend connections tried when the kernel hands out a quarantined port

    def __init__(self, front: GrpcTLSFront) -> None:
        super().__init__()
        self.front = front
        self.counted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        peer = transport.get_extra_info("peername")
        if not self.front.clients.open(self, str(peer[0]) if peer else ""):
            transport.close()  # over the per-client connection cap
            return
        self.counted = True
        task = asyncio.get_running_loop().create_task(self._connect_backend())
        self.front.tasks.add(task)
        task.add_done_callback(self.front.tasks.discard)

    async def _connect_backend(self) -> None:
        assert self.transport is not None
        ssl_object = self.transport.get_extra_info("ssl_object")
        certificate = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        backend = await self._registered_backend(certificate or None)
        if backend is None or backend.transport is None:
            self.transport.close()
            return
        if self.closed:
            backend.transport.close()
            return
        self.peer, backend.peer = backend, self
        for chunk in self.pending:  # what the client sent while the backend connected
            backend.transport.write(chunk)
        for chunk in backend.pending:  # what the backend sent before the two were paired
            self.transport.write(chunk)
        self.pending.clear()
        backend.pending.clear()

    async def _registered_backend(self, certificate: bytes | None) -> _Side | None:
        """A backend connection whose address the registry accepted, or None."""
        loop = asyncio.get_running_loop()
        registry = self.front.registry
        for _ in range(self.ATTEMPTS):
            try:
                _, backend = await loop.create_connection(_Side, "127.0.0.1",
                                                          self.front.backend_port)
            except OSError:
                return None
            assert backend.transport is not None
            local = backend.transport.get_extra_info("sockname")
            address = (str(local[0]), int(local[1]))
            if registry.register(address, certificate, backend):
                backend.on_lost = lambda a=address, b=backend: registry.release(a, b)
                return backend
            backend.transport.close()
        return None

    def eof_received(self) -> bool:
        super().eof_received()
        return False  # a TLS transport cannot stay half open: asyncio closes it either way

    def connection_lost(self, exc: Exception | None) -> None:
        if self.counted:
            self.front.clients.close(self)
        super().connection_lost(exc)


class GrpcTLSFront:
    """Accepts TLS on ``host:port`` and relays each connection to ``backend_port``."""

    def __init__(self, host: str, port: int, backend_port: int,
                 context: ssl.SSLContext, registry: RelayRegistry,
                 max_connections_per_client: int = 512) -> None:
        self.host = host
        self.port = port
        self.backend_port = backend_port
        self.context = context
        self.registry = registry
        self.clients = ClientCounter(max_connections_per_client)
        self.context.set_alpn_protocols(["h2"])
        self._server: asyncio.Server | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Client(self), self.host, self.port,
                                                ssl=self.context, ssl_handshake_timeout=10.0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
