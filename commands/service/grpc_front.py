"""A TLS 1.3-only front for the gRPC server.

Why a front instead of ``grpc.ssl_server_credentials``: grpcio's Python API cannot set the
minimum TLS version, so its TLS port also accepts TLS 1.2 clients. The front terminates TLS
with :mod:`ssl` (the same contexts as REST: TLS 1.3 only, optional or required client
certificates, ALPN ``h2``) and relays the bytes to the gRPC server listening on an
ephemeral loopback port. It records each relayed connection's backend address with its
client certificate (:func:`commands.service.tls.remember_peer`), so the gRPC handlers know
the certificate of every call, and refuse calls that did not come through the front.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl

from commands.service.tls import forget_peer, remember_peer

CHUNK = 65_536


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
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._accept, self.host, self.port,
                                                  ssl=self.context,
                                                  ssl_handshake_timeout=10.0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        ssl_object = writer.get_extra_info("ssl_object")
        certificate = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        local = None
        try:
            backend_reader, backend_writer = await asyncio.open_connection(
                "127.0.0.1", self.backend_port)
            local = backend_writer.get_extra_info("sockname")
            remember_peer((local[0], local[1]), certificate)
            await asyncio.gather(_pipe(reader, backend_writer), _pipe(backend_reader, writer))
        except OSError:
            pass
        finally:
            if local is not None:
                forget_peer((local[0], local[1]))
            with contextlib.suppress(Exception):
                writer.close()
            if task is not None:
                self._tasks.discard(task)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (OSError, ssl.SSLError, ConnectionError):
        pass
    finally:
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()
            else:
                writer.close()
