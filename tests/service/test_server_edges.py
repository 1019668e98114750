"""The server's configuration checks, its TLS files given by the operator, a port it cannot
bind, and stopping in every state (never started, twice, from ``wait`` and ``with``)."""

from __future__ import annotations

import shutil
import socket
import threading
from pathlib import Path
from typing import Any

import pytest

from commands.sdk.client import Client
from commands.sdk.transport import TransportError
from commands.service.config import ServiceConfig
from commands.service.limits import Limits
from commands.service.server import Server, authorities
from commands.service.tls import ensure_server_files, issue_client_certificate
from ledger.errors import ConfigurationError
from tests.service.conftest import PASSPHRASE, make_home, start


@pytest.mark.parametrize(("options", "field", "message"), [
    ({"client_auth": "sometimes"}, "client-auth", "must be one of none, optional, required"),
    ({"client_auth": "required", "tls": False}, "mtls", "mutual TLS needs TLS"),
    ({"tls_cert": Path("cert.pem")}, "tls-cert", "--tls-cert and --tls-key go together"),
    ({"tls_key": Path("key.pem")}, "tls-cert", "--tls-cert and --tls-key go together"),
    ({"idempotency_entries": 0}, "idempotency-entries", "must be at least 1"),
    ({"idempotency_bytes": 1024}, "idempotency-mib", "must be at least 1 MiB"),
    ({"workers": 0}, "workers", "must be at least 1"),
    ({"session_lifetime_s": 59}, "session-minutes", "must be between 1 and 60 minutes"),
    ({"session_lifetime_s": 3601}, "session-minutes", "must be between 1 and 60 minutes"),
    ({"scheduler_interval_s": 0.05}, "scheduler-interval", "must be between 0.1 s and an hour"),
    ({"scheduler_interval_s": 3601}, "scheduler-interval",
     "must be between 0.1 s and an hour"),
])
def test_a_configuration_out_of_bounds_is_refused_before_anything_opens(
        tmp_path: Path, options: dict[str, Any], field: str, message: str) -> None:
    home = tmp_path / "home"
    with pytest.raises(ConfigurationError) as refused:
        Server(ServiceConfig(home=home, rest_port=0, grpc_port=0, **options),
               bytearray(PASSPHRASE.encode()))
    assert refused.value.field == field
    assert refused.value.message == message
    assert not home.exists()


def test_authorities_name_the_bound_host_unless_a_wildcard(tmp_path: Path) -> None:
    loopback = {"localhost:8443", "127.0.0.1:8443", "[::1]:8443"}
    assert authorities(ServiceConfig(home=tmp_path, host="0.0.0.0"), 8443) == loopback
    assert authorities(ServiceConfig(home=tmp_path, host="::"), 8443) == loopback
    assert authorities(ServiceConfig(home=tmp_path, host="10.1.2.3"), 8443) == \
        loopback | {"10.1.2.3:8443"}
    assert authorities(ServiceConfig(home=tmp_path, host="fd00::5",
                                     public_authorities=("KMS.example.com",)), 8443) == \
        loopback | {"[fd00::5]:8443", "kms.example.com"}


def _whoami(url: str, actor: Any, ca: Path, **options: Any) -> dict[str, Any]:
    with Client(url, actor.actor_id, actor.private_key, ca=ca, **options) as client:
        return dict(client.whoami())


def test_operator_tls_files_and_client_ca(tmp_path: Path) -> None:
    """--tls-cert/--tls-key of the operator's own CA, and --client-ca naming it: clients
    trust that CA, and client certificates it issued authenticate."""
    operator = tmp_path / "operator"
    files = ensure_server_files(operator)
    running = start(tmp_path / "home", client_auth="optional", tls_cert=files.cert,
                    tls_key=files.key, client_ca=files.ca)
    try:
        auditor = running.actors["auditor"]
        assert _whoami(running.url, auditor, files.ca)["authenticated_by"] == "signature"
        pem = issue_client_certificate(operator, auditor.public_key, auditor.actor_id,
                                       "auditor")
        by_certificate = _whoami(running.url, auditor, files.ca, client_cert=pem,
                                 sign_requests=False)
        assert by_certificate["name"] == "auditor"
        assert by_certificate["authenticated_by"] == "mtls"
        assert not running.ca.exists()  # no development CA was made for this home
        stranger_ca = ensure_server_files(tmp_path / "stranger").ca
        with pytest.raises(TransportError):  # another CA signed nothing served here
            _whoami(running.url, auditor, stranger_ca)
    finally:
        running.server.stop()


def test_generated_server_files_with_an_operator_client_ca(tmp_path: Path) -> None:
    operator = tmp_path / "operator"
    client_ca = ensure_server_files(operator).ca
    running = start(tmp_path / "home", client_auth="optional", client_ca=client_ca)
    try:
        auditor = running.actors["auditor"]
        pem = issue_client_certificate(operator, auditor.public_key, auditor.actor_id,
                                       "auditor")
        assert _whoami(running.url, auditor, running.ca, client_cert=pem,
                       sign_requests=False)["authenticated_by"] == "mtls"
        home_pem = issue_client_certificate(running.home, auditor.public_key,
                                            auditor.actor_id, "auditor")
        with pytest.raises(TransportError, match="was lost"):  # the handshake fails
            _whoami(running.url, auditor, running.ca, client_cert=home_pem,
                    sign_requests=False)
    finally:
        running.server.stop()


def _config(home: Path, rest_port: int = 0) -> ServiceConfig:
    return ServiceConfig(home=home, rest_port=rest_port, grpc_port=0, client_auth="optional",
                         limits=Limits(rate=10_000, burst=10_000))


def test_a_rest_port_in_use_fails_the_start(tmp_path: Path) -> None:
    home = tmp_path / "home"
    make_home(home)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = Server(_config(home, rest_port=port), bytearray(PASSPHRASE.encode()))
        with pytest.raises(ConfigurationError) as refused:
            server.start()
    assert refused.value.message.startswith("the service could not start: ")
    server.stop()  # already stopped by the failed start: a second stop does nothing


def test_a_server_never_started_stops(tmp_path: Path) -> None:
    home = tmp_path / "home"
    make_home(home)
    server = Server(_config(home), bytearray(PASSPHRASE.encode()))
    server.stop()
    server.stop()
    # The store was closed: a new server on the same home opens it again.
    again = Server(_config(home), bytearray(PASSPHRASE.encode()))
    again.stop()


def test_with_and_wait_stop_the_server(tmp_path: Path) -> None:
    home = tmp_path / "home"
    actors = make_home(home)
    auditor = actors["auditor"]
    stop = threading.Event()
    with Server(_config(home), bytearray(PASSPHRASE.encode())) as server:
        url = f"https://127.0.0.1:{server.rest_port}"
        assert _whoami(url, auditor, home / "tls" / "ca.pem")["name"] == "auditor"
        stop.set()
        server.wait(stop)  # returns at once: stop is set, and stops the server
        with pytest.raises(TransportError):
            _whoami(url, auditor, home / "tls" / "ca.pem", timeout=5)
    shutil.rmtree(home / "tls")  # the server does not need its files once stopped
