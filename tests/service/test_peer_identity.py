"""F1 of the penetration test: a client certificate belongs to its own connection only.

The finding: certificates were kept in a map keyed by the peer's (host, port), shared by
REST connections and the gRPC front's relay sockets. A REST connection without a
certificate whose source address equalled a relay socket's address (Linux reuses an
ephemeral port towards different destinations) was taken for the victim behind that relay.

The regression test rebuilds that collision exactly: while a victim's mTLS gRPC channel is
open, it finds the address of the relay socket the front opened to the gRPC backend (from
the kernel's socket table, not from SKMS's own state) and sends an unauthenticated REST
request whose connection has that very address. It must be refused (401).
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import httpx
import psutil
import pytest

from commands.sdk.grpc_client import GrpcClient
from commands.service import protos
from commands.service.grpc_front import QUARANTINE_S, RelayRegistry
from commands.service.tls import PEER_CERTIFICATE_KEY, issue_client_certificate, peer_certificate
from tests.service.conftest import Running


def _certificate(running: Running, name: str) -> bytes:
    actor = running.actors[name]
    return issue_client_certificate(running.home, actor.public_key, actor.actor_id, name)


def _listening_ports() -> set[int]:
    return {c.laddr.port for c in psutil.Process().net_connections("tcp")
            if c.status == psutil.CONN_LISTEN}


def _relay_addresses(backend_ports: set[int]) -> list[tuple[str, int]]:
    """Source addresses of this process's established sockets towards a backend port."""
    return [(c.laddr.ip, c.laddr.port) for c in psutil.Process().net_connections("tcp")
            if c.status == psutil.CONN_ESTABLISHED and c.raddr
            and c.raddr.port in backend_ports]


@pytest.fixture
def victim_channel(service: Running) -> Iterator[GrpcClient]:
    """The auditor's gRPC channel with its client certificate, open and used once."""
    actor = service.actors["auditor"]
    with GrpcClient(service.grpc_target, actor.actor_id, actor.private_key, ca=service.ca,
                    client_cert=_certificate(service, "auditor"),
                    sign_requests=False) as client:
        assert client.whoami()["authenticated_by"] == "mtls"
        yield client


async def _whoami_from(service: Running, address: tuple[str, int]) -> httpx.Response:
    transport = httpx.ASGITransport(app=service.server.app, client=address)
    async with httpx.AsyncClient(transport=transport,
                                 base_url=f"https://127.0.0.1:{service.server.rest_port}"
                                 ) as client:
        return await client.get("/v1/whoami")


@pytest.mark.anyio
async def test_a_connection_sharing_the_relay_address_is_not_the_victim(
        service: Running, victim_channel: GrpcClient) -> None:
    backend = service.server.grpc_backend_port
    assert backend in _listening_ports()
    relays = _relay_addresses({backend})
    assert relays, "the victim's call must have opened a relay socket to the gRPC backend"
    for address in relays:
        answer = await _whoami_from(service, address)
        assert answer.status_code == 401, answer.text
        assert answer.json()["reason_code"] == "missing"


def test_the_victim_still_authenticates_by_certificate(victim_channel: GrpcClient) -> None:
    assert victim_channel.whoami()["name"] == "auditor"


def test_rest_reads_the_certificate_of_its_own_scope_only() -> None:
    assert peer_certificate({"client": ("127.0.0.1", 5000)}) is None
    assert peer_certificate({PEER_CERTIFICATE_KEY: b"der"}) == b"der"
    assert peer_certificate({PEER_CERTIFICATE_KEY: None}) is None


def test_the_relay_registry_belongs_to_the_socket_that_registered() -> None:
    now = [0.0]
    registry = RelayRegistry(clock=lambda: now[0])
    mine, other = object(), object()
    address = ("127.0.0.1", 40000)
    assert registry.register(address, b"victim", mine)
    assert registry.lookup(address) == (True, b"victim")
    assert not registry.register(address, b"attacker", other)  # taken
    registry.release(address, other)  # not the owner: nothing happens
    assert registry.lookup(address) == (True, b"victim")
    registry.release(address, mine)
    assert registry.lookup(address) == (False, None)
    assert not registry.register(address, b"someone", other)  # quarantined
    now[0] = QUARANTINE_S + 1
    assert registry.register(address, b"someone", other)
    assert registry.lookup(None) == (False, None)


def test_direct_calls_to_the_grpc_backend_are_refused(service: Running) -> None:
    """Bypassing the TLS front (plaintext to the backend port) is refused: no relay socket
    of the front has the caller's address."""
    pb, _ = protos.load()
    for port in [service.server.grpc_backend_port]:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            call = channel.unary_unary("/skms.v1.Skms/WhoAmI",
                                       request_serializer=None, response_deserializer=None)
            with pytest.raises(grpc.RpcError) as refused:
                call(pb.WhoAmIRequest().SerializeToString(), timeout=5)
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
