"""The SDK's HTTP transport: keep-alive reuse, one re-send on a stale connection, errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from commands.sdk.transport import HttpTransport, TransportError


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[tuple[int, str]] = []

    def do_POST(self) -> None:  # http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Handler.seen.append((self.client_address[1], self.headers.get("X-Attempt", "")))
        answer = b'{"echo": "' + body + b'"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
        # Close after answering without saying so: the client's next request on this
        # connection meets a closed socket, like a server dropping idle connections.
        self.close_connection = self.path == "/drop"

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def origin() -> Iterator[str]:
    _Handler.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_connections_are_kept_alive_and_reused(origin: str) -> None:
    transport = HttpTransport(origin, ssl_context=None, timeout=5)
    for index in range(3):
        answer = transport.request("POST", transport.url("/keep"), str(index).encode(),
                                   lambda: {})
        assert answer.status == 200 and answer.body == f'{{"echo": "{index}"}}'.encode()
    assert len({port for port, _ in _Handler.seen}) == 1
    transport.close()


def test_a_stale_connection_is_replaced_and_headers_are_made_again(origin: str) -> None:
    transport = HttpTransport(origin, ssl_context=None, timeout=5)
    transport.request("POST", transport.url("/drop"), b"first", lambda: {"X-Attempt": "0"})
    attempts = iter(range(1, 10))
    answer = transport.request("POST", transport.url("/keep"), b"second",
                               lambda: {"X-Attempt": str(next(attempts))})
    assert answer.status == 200
    # The first attempt died on the dropped connection; the server saw only the second,
    # sent with headers made afresh (a new request signature and nonce in the SDK).
    assert [attempt for _, attempt in _Handler.seen] == ["0", "2"]
    assert _Handler.seen[0][0] != _Handler.seen[1][0]
    transport.close()


def test_unreachable_service_is_a_transport_error(origin: str) -> None:
    transport = HttpTransport("http://127.0.0.1:9", ssl_context=None, timeout=2)
    with pytest.raises(TransportError, match="cannot reach"):
        transport.request("POST", transport.url("/"), b"", lambda: {})
    transport.close()
    with pytest.raises(TransportError, match="closed"):
        transport.request("POST", transport.url("/"), b"", lambda: {})


def test_urls_carry_the_base_path_and_query() -> None:
    transport = HttpTransport("https://example.test:8443/base/", ssl_context=None, timeout=1)
    assert transport.url("/v1/keys", {"domain": "a b", "state": None}) == \
        "https://example.test:8443/base/v1/keys?domain=a+b"
    with pytest.raises(ValueError):
        HttpTransport("ftp://example.test", ssl_context=None, timeout=1)
