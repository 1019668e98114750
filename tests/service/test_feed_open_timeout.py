"""Opening the feed never hangs: a server that sends TLS session tickets and then never
answers the upgrade makes the SDK raise within its open timeout.

websockets' sync client reads on a thread of its own; when that thread is blocked inside a
TLS read (the tickets made the socket readable, then nothing more came), the client's own
handshake timeout could not free it and ``connect`` waited for ever. The SKMS server sends
no tickets (see :func:`commands.service.tls.server_context`); a proxy in front of it might.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from pathlib import Path
from typing import Any

from commands.sdk.client import Client, Identity
from commands.service.tls import ensure_server_files


def silent_tls_server(home: Path) -> tuple[socket.socket, threading.Event]:
    """Accepts one connection, completes TLS (tickets included), reads, never answers."""
    files = ensure_server_files(home)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.load_cert_chain(str(files.cert), str(files.key))
    assert context.num_tickets > 0
    listener = socket.create_server(("127.0.0.1", 0))
    done = threading.Event()

    def serve() -> None:
        connection, _ = listener.accept()
        with context.wrap_socket(connection, server_side=True) as tls:
            tls.settimeout(30)
            with contextlib.suppress(OSError):
                tls.recv(65536)  # the upgrade request, when it arrives
            done.wait(30)

    threading.Thread(target=serve, daemon=True).start()
    return listener, done


def test_a_silent_server_does_not_hang_the_feed(tmp_path: Path) -> None:
    listener, done = silent_tls_server(tmp_path)
    port = listener.getsockname()[1]
    identity = Identity.generate()
    outcome: dict[str, Any] = {}

    def open_feed() -> None:
        client = Client(f"https://127.0.0.1:{port}", "actor", identity.private_key,
                        ca=tmp_path / "tls" / "ca.pem")
        try:
            client.feed("default", open_timeout=1.0)
        except Exception as error:  # what the SDK raises is checked below
            outcome["error"] = error
        finally:
            client.close()

    opener = threading.Thread(target=open_feed, daemon=True)
    opener.start()
    opener.join(20)
    done.set()
    listener.close()
    assert not opener.is_alive(), "the feed open hung"
    assert isinstance(outcome.get("error"), TimeoutError | OSError), outcome
