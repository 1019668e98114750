"""A TLS 1.3-only front for the gRPC server.

Why a front instead of ``grpc.ssl_server_credentials``: grpcio's Python API cannot set the
minimum TLS version, so its TLS port also accepts TLS 1.2 clients. The front terminates TLS
with :mod:`ssl` (the same contexts as REST: TLS 1.3 only, optional or required client
certificates, ALPN ``h2``) and relays the bytes to the gRPC server listening on an
ephemeral loopback port. It records each relayed connection's backend address with its
client certificate (:func:`commands.service.tls.remember_peer`), so the gRPC handlers know
the certificate of every call, and refuse calls that did not come through the front.

The relay is a pair of asyncio protocols that hand each received chunk straight to the
other side's transport (no coroutine per chunk: the stream-based relay it replaced added
about a millisecond per call). Back-pressure: when one side's write buffer fills, reading
from the other side pauses until it drains.
"""

from __future__ import annotations

import asyncio
import ssl

from commands.service.tls import forget_peer, remember_peer


class _Side(asyncio.Protocol):
    """One end of a relayed connection; ``peer`` is the other end once both exist."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.peer: _Side | None = None
        self.pending: list[bytes] = []
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  (a Transport in practice)

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

    def __init__(self, front: GrpcTLSFront) -> None:
        super().__init__()
        self.front = front
        self.backend_address: tuple[str, int] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        task = asyncio.get_running_loop().create_task(self._connect_backend())
        self.front.tasks.add(task)
        task.add_done_callback(self.front.tasks.discard)

    async def _connect_backend(self) -> None:
        assert self.transport is not None
        ssl_object = self.transport.get_extra_info("ssl_object")
        certificate = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        loop = asyncio.get_running_loop()
        try:
            _, backend = await loop.create_connection(_Side, "127.0.0.1",
                                                      self.front.backend_port)
        except OSError:
            self.transport.close()
            return
        assert backend.transport is not None
        local = backend.transport.get_extra_info("sockname")
        self.backend_address = (local[0], local[1])
        remember_peer(self.backend_address, certificate)
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

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self.backend_address is not None:
            forget_peer(self.backend_address)


class GrpcTLSFront:
    """Accepts TLS on ``host:port`` and relays each connection to ``backend_port``."""

    def __init__(self, host: str, port: int, backend_port: int,
                 context: ssl.SSLContext) -> None:
        self.host = host
        self.port = port
        self.backend_port = backend_port
        self.context = context
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
