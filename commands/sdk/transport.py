"""HTTP/1.1 for the SDK: keep-alive connections from a small pool, on :mod:`http.client`.

Why not httpx: against the service on loopback an httpx request costs several times the
client CPU of :mod:`http.client` (docs/performance.md), and the SDK's latency is the
user's latency. The SDK needs little: one origin, TLS with a pinned
context, bodies it has already serialised, JSON answers.

A request is given as a function producing its headers, called once per attempt, so that a
request re-sent on a fresh connection (the server closed an idle keep-alive connection)
carries a fresh RFC 9421 signature and nonce instead of a replayed one. Only a request
that failed before any answer arrived is re-sent, once; commands are safe to re-send anyway
(their command id makes them idempotent).
"""

from __future__ import annotations

import http.client
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

# What a kept-alive connection the server has since closed looks like (plain or TLS).
CONNECTION_LOST = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                   http.client.CannotSendRequest, http.client.BadStatusLine,
                   ssl.SSLEOFError, ssl.SSLZeroReturnError)


class TransportError(ConnectionError):
    """The service could not be reached or answered with something that is not HTTP."""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes


class HttpTransport:
    """Requests to one origin (``https://host:port`` or ``http://``), thread-safe."""

    def __init__(self, base_url: str, *, ssl_context: ssl.SSLContext | None,
                 timeout: float, max_idle: int = 8) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.ssl_context = ssl_context if parts.scheme == "https" else None
        if parts.scheme == "https" and self.ssl_context is None:
            self.ssl_context = ssl.create_default_context()
        self.timeout = timeout
        self.max_idle = max_idle
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._closed = False

    def url(self, path: str, params: Mapping[str, object] | None = None) -> str:
        """The absolute URL of ``path`` (what RFC 9421 ``@target-uri`` covers)."""
        query = urlencode({k: v for k, v in (params or {}).items() if v is not None})
        return f"{self.origin}{self.prefix}{path}" + (f"?{query}" if query else "")

    def _connect(self) -> http.client.HTTPConnection:
        if self.ssl_context is not None:
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                               context=self.ssl_context)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def _take(self) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            if self._closed:
                raise TransportError("the client is closed")
            if self._idle:
                return self._idle.pop(), True
        return self._connect(), False

    def _give_back(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self.max_idle:
                self._idle.append(connection)
                return
        connection.close()

    def request(self, method: str, url: str, body: bytes,
                headers: Callable[[], Mapping[str, str]]) -> HttpResponse:
        """Send ``body`` to ``url`` (from :meth:`url`); ``headers()`` is called per attempt."""
        target = url[len(self.origin):] or "/"
        for attempt in (1, 2):
            connection, reused = self._take()
            try:
                connection.request(method, target, body=body or None,
                                   headers={**headers(), "Content-Length": str(len(body))})
                response = connection.getresponse()
                data = response.read()
            except CONNECTION_LOST as exc:
                connection.close()
                if reused and attempt == 1:
                    continue  # a stale keep-alive connection: once more on a new one
                raise TransportError(f"the connection to {self.origin} was lost: "
                                     f"{type(exc).__name__}") from None
            except (OSError, ssl.SSLError, http.client.HTTPException) as exc:
                connection.close()
                raise TransportError(f"cannot reach {self.origin}: {exc}") from None
            answer = HttpResponse(response.status,
                                  {k.lower(): v for k, v in response.getheaders()}, data)
            if response.will_close:
                connection.close()
            else:
                self._give_back(connection)
            return answer
        raise TransportError(f"cannot reach {self.origin}")  # pragma: no cover - loop returns

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
