"""``skms serve``: REST + gRPC + WebSocket feed over this home's ledger (docs/api.md)."""

from __future__ import annotations

import gc
from pathlib import Path

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from commands.cli.printer import emit, guarded, json_option
from commands.cli.state import CliState
from ledger.crypto.memory import zeroize
from ledger.errors import ConfigurationError, InvalidInput


def dashboard_key_pem(state: CliState, actor: str) -> str:
    """An actor's identity key (unsealed from this home) as PKCS#8 PEM, the file the
    dashboard's sign-in imports into the browser (WebCrypto)."""
    session = state.session()
    identity = session.identity(actor)
    seed = session.home.identity_key(identity.name, session.kek())
    try:
        pem = Ed25519PrivateKey.from_private_bytes(bytes(seed)).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
    finally:
        zeroize(seed)
    return pem.decode("ascii")


def settle_heap() -> None:
    """Keep the loaded ledger out of the garbage collector's way.

    Why: the loaded ledger (aggregates, command ids, chain state) is hundreds of thousands of
    long-lived objects; without this, every full collection walks them all again, a
    noticeable share of the server's CPU under load (docs/performance.md). ``gc.freeze``
    moves everything alive
    after start-up to a permanent generation; a larger first threshold makes collections of
    per-request garbage rarer. Cycles created later are still collected.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind (loopback by default).")
@click.option("--rest-port", type=click.IntRange(0, 65535), default=8443, show_default=True)
@click.option("--grpc-port", type=click.IntRange(0, 65535), default=8444, show_default=True)
@click.option("--tls/--no-tls", default=True, show_default=True,
              help="TLS 1.3 only. --no-tls is for loopback experiments only.")
@click.option("--mtls", "client_auth", flag_value="required",
              help="Require client certificates (mutual TLS).")
@click.option("--mtls-optional", "client_auth", flag_value="optional",
              help="Accept client certificates; signed requests still work without one.")
@click.option("--tls-cert", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Server certificate PEM (default: created under <home>/tls).")
@click.option("--tls-key", type=click.Path(path_type=Path, dir_okay=False), default=None)
@click.option("--client-ca", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="CA of client certificates (default: the development CA).")
@click.option("--rate", type=click.FloatRange(0, None), default=50.0, show_default=True,
              help="Requests per second per actor (0: unlimited).")
@click.option("--burst", type=click.IntRange(1, None), default=100, show_default=True)
@click.option("--max-body", type=click.IntRange(1024, None), default=1_048_576,
              show_default=True, help="Largest request body in bytes.")
@click.option("--timeout", type=click.FloatRange(0.1, 3600), default=30.0, show_default=True,
              help="Seconds a request may run.")
@click.option("--max-batch", type=click.IntRange(1, 1000), default=256, show_default=True)
@click.option("--feed-queue", type=click.IntRange(1, 100_000), default=256, show_default=True)
@click.option("--feed-stall", type=click.FloatRange(0.1, 600), default=5.0, show_default=True,
              help="Seconds a feed consumer may leave its queue full before it is dropped.")
@click.option("--workers", type=click.IntRange(1, 512), default=16, show_default=True)
@click.option("--commit-gather-ms", type=click.FloatRange(0, 100), default=1.0,
              show_default=True,
              help="With other requests in flight, wait this long for more signs to share "
                   "a commit (0: commit at once).")
@click.option("--otlp-endpoint", default=None, envvar="OTEL_EXPORTER_OTLP_ENDPOINT",
              help="Export traces over OTLP/gRPC (e.g. http://127.0.0.1:4317).")
@click.option("--zipkin-endpoint", default=None, envvar="OTEL_EXPORTER_ZIPKIN_ENDPOINT",
              help="Export traces to Zipkin as v2 JSON (e.g. "
                   "http://127.0.0.1:9411/api/v2/spans); with --otlp-endpoint, to both.")
@click.option("--grace", type=click.FloatRange(0, 600), default=10.0, show_default=True,
              help="Seconds in-flight requests get at shutdown.")
@click.option("--public-authority", "public_authorities", multiple=True, metavar="HOST[:PORT]",
              help="A name clients address this server by, besides loopback (repeatable); "
                   "signed requests for any other Host are refused.")
@click.option("--max-connections-per-client", type=click.IntRange(1, 100_000), default=512,
              show_default=True, help="Open connections one client address may hold.")
@click.option("--header-timeout", type=click.FloatRange(0.5, 600), default=10.0,
              show_default=True, help="Seconds a request head may take to arrive.")
@click.option("--max-header-bytes", type=click.IntRange(1024, 1_048_576), default=32_768,
              show_default=True)
@click.option("--query-workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Threads for queries and reports (apart from request workers).")
@click.option("--max-query-rows", type=click.IntRange(1, None), default=10_000,
              show_default=True, help="Rows a query answer may hold (the rest: truncated).")
@click.option("--max-query-bytes", type=click.IntRange(1024, None), default=8_388_608,
              show_default=True)
@click.option("--idempotency-entries", type=click.IntRange(1, 10_000_000), default=10_000,
              show_default=True,
              help="First responses kept for retries (past them a retry answers "
                   "replayed, without the result).")
@click.option("--idempotency-mib", type=click.IntRange(1, 65_536), default=32,
              show_default=True, help="Bytes those responses may hold, in MiB.")
@click.option("--issue-client-cert", "issue_for", default=None, metavar="ACTOR",
              help="Print a client certificate (PEM) for ACTOR (name or id) and exit.")
@click.option("--ephemeral", is_flag=True,
              help="Serve a throw-away ledger (RAM-backed, deleted at exit) with test actors "
                   "and print their keys; no home or passphrase needed (docs/clients.md).")
@click.option("--fixture", default=None, metavar="NAME",
              help="With --ephemeral: load named content first (demo).")
@click.option("--seed", default=None, metavar="TEXT",
              help="With --ephemeral only: reproducible keys from TEXT (predictable by design).")
@click.option("--session-minutes", type=click.IntRange(1, 60), default=15, show_default=True,
              help="Lifetime of a dashboard (/ui) sign-in.")
@click.option("--scheduler-seconds", type=click.FloatRange(0.1, 3600), default=30.0,
              show_default=True, help="How often the scheduler's due work and threat scan "
                                      "run (docs/threat-detection.md).")
@click.option("--export-dashboard-key", "export_for", default=None, metavar="ACTOR",
              help="Print ACTOR's identity key (kept in this home) as a PKCS#8 PEM file for "
                   "the dashboard's sign-in, and exit. It is that actor's secret: write it "
                   "to a file only it can read.")
@click.option("--cluster", is_flag=True,
              help="Share a kafka:// store with other 'skms serve' processes: a Kafka "
                   "consumer group gives each chain one writer, and commands for another "
                   "member's chains are forwarded to it (docs/operations.md).")
@click.option("--advertise", "advertise_url", default=None, metavar="URL",
              help="With --cluster: the URL other members forward to (default: "
                   "https://HOST:REST_PORT).")
@click.option("--owner-slots", type=click.IntRange(1, 1024), default=16, show_default=True,
              help="With --cluster: slots the chains are shared out in; the same on every "
                   "member.")
@click.option("--owner-session-ms", type=click.IntRange(1000, 300_000), default=6000,
              show_default=True,
              help="With --cluster: how long a silent member keeps its chains (the brokers' "
                   "group.min.session.timeout.ms bounds it from below).")
@click.option("--peer-ca", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="With --cluster: CA of the other members' certificates (default: "
                   "--tls-cert, else this home's development CA).")
@json_option
@click.pass_obj
@guarded
def serve(state: CliState, host: str, rest_port: int, grpc_port: int, tls: bool,
          client_auth: str | None, tls_cert: Path | None, tls_key: Path | None,
          client_ca: Path | None, rate: float, burst: int, max_body: int, timeout: float,
          max_batch: int, feed_queue: int, feed_stall: float, workers: int,
          commit_gather_ms: float, otlp_endpoint: str | None,
          zipkin_endpoint: str | None, grace: float,
          public_authorities: tuple[str, ...], max_connections_per_client: int,
          header_timeout: float, max_header_bytes: int, query_workers: int,
          max_query_rows: int, max_query_bytes: int, idempotency_entries: int,
          idempotency_mib: int, issue_for: str | None,
          ephemeral: bool, fixture: str | None, seed: str | None,
          session_minutes: int, scheduler_seconds: float, export_for: str | None,
          cluster: bool, advertise_url: str | None, owner_slots: int,
          owner_session_ms: int, peer_ca: Path | None) -> None:
    """Serve REST (FastAPI) and gRPC on loopback, TLS 1.3, until SIGINT/SIGTERM.

    On first use the development CA and a server certificate are created under
    <home>/tls/; clients trust <home>/tls/ca.pem.
    """
    from commands.service.config import ServiceConfig
    from commands.service.limits import Limits
    from commands.service.observability import configure_logging
    from commands.service.server import Server
    from commands.service.tls import issue_client_certificate

    for name, given in (("advertise", advertise_url), ("peer-ca", peer_ca)):
        if given is not None and not cluster:
            raise InvalidInput("only with --cluster", field=name)
    for name, value in (("seed", seed), ("fixture", fixture)):
        if value is not None and not ephemeral:
            raise InvalidInput("only with --ephemeral: it is for throw-away ledgers",
                               field=name)
    if ephemeral:
        serve_ephemeral(host=host, rest_port=rest_port, grpc_port=grpc_port, seed=seed,
                        fixture=fixture)
        return
    if issue_for is not None:
        actor = state.session().read_only_ledger().actor(issue_for)
        pem = issue_client_certificate(state.home.path, bytes(actor.public_key),
                                       actor.actor_id, actor.name)
        click.echo(pem.decode(), nl=False)
        return
    if export_for is not None:
        click.echo(dashboard_key_pem(state, export_for), nl=False)
        return
    passphrase = state.passphrase()
    if passphrase is None and not state.home.needs_passphrase():
        passphrase = bytearray()  # the KEK is on the home's token: its PIN file opens it
    if passphrase is None:
        raise ConfigurationError("the service needs the ledger passphrase",
                                 hint="set SKMS_PASSPHRASE or use --passphrase-file")
    configure_logging()
    limits = Limits(rate=rate, burst=burst, max_body_bytes=max_body, request_timeout_s=timeout,
                    max_batch=max_batch, feed_queue=feed_queue, feed_stall_s=feed_stall,
                    max_connections_per_client=max_connections_per_client,
                    header_timeout_s=header_timeout, max_header_bytes=max_header_bytes,
                    query_workers=query_workers, max_query_rows=max_query_rows,
                    max_query_bytes=max_query_bytes)
    config = ServiceConfig(home=state.home.path, store_url=state.store_override, host=host,
                           rest_port=rest_port, grpc_port=grpc_port, tls=tls,
                           client_auth=client_auth or "none", tls_cert=tls_cert,
                           tls_key=tls_key, client_ca=client_ca, limits=limits,
                           workers=workers, commit_gather_s=commit_gather_ms / 1000,
                           otlp_endpoint=otlp_endpoint, zipkin_endpoint=zipkin_endpoint,
                           shutdown_grace_s=grace, public_authorities=public_authorities,
                           session_lifetime_s=session_minutes * 60,
                           scheduler_interval_s=scheduler_seconds,
                           idempotency_entries=idempotency_entries,
                           idempotency_bytes=idempotency_mib * 1024 * 1024,
                           cluster=cluster, advertise_url=advertise_url,
                           owner_slots=owner_slots, owner_session_ms=owner_session_ms,
                           peer_ca=peer_ca)
    server = Server(config, passphrase)
    stop = Server.stop_on_signals()
    server.start()
    settle_heap()
    scheme = "https" if tls else "http"
    emit({"rest": f"{scheme}://{host}:{server.rest_port}", "grpc": f"{host}:{server.grpc_port}",
          "ca": str(state.home.path / "tls" / "ca.pem") if tls and tls_cert is None else None,
          "dashboard": f"{scheme}://{host}:{server.rest_port}/ui"},
         lambda r: f"serving REST on {r['rest']} and gRPC on {r['grpc']}"
                   + (f"\nclients trust {r['ca']}" if r["ca"] else "")
                   + f"\ndashboard at {r['dashboard']}")
    server.wait(stop)


def serve_ephemeral(*, host: str, rest_port: int, grpc_port: int, seed: str | None,
                    fixture: str | None) -> None:
    """Run an :class:`EphemeralServer` until SIGINT/SIGTERM; its bootstrap is the first
    output (one JSON object with ``--json``), so a test harness can read it from a pipe."""
    # Imported here, as in serve(): the service stack costs every other CLI command a second.
    from commands.service.observability import configure_logging
    from commands.service.server import Server
    from commands.testing.ephemeral import EphemeralServer

    configure_logging()
    stop = Server.stop_on_signals()
    ephemeral = EphemeralServer(seed=seed, fixture=fixture, host=host, rest_port=rest_port,
                                grpc_port=grpc_port)
    bootstrap = ephemeral.start()
    try:
        emit(bootstrap.as_dict(), _bootstrap_text)
        ephemeral.wait(stop)
    finally:
        ephemeral.stop()


def _bootstrap_text(bootstrap: dict[str, object]) -> str:
    actors = bootstrap["actors"]
    assert isinstance(actors, dict)
    lines = [f"ephemeral SKMS on {bootstrap['rest']} (gRPC {bootstrap['grpc']})",
             f"clients trust {bootstrap['ca']}",
             "reproducible keys (--seed)" if bootstrap["reproducible"] else "fresh random keys",
             "actors (name, actor id, private key):"]
    lines += [f"  {name:<14} {actor['actor_id']}  {actor['private_key']}"
              for name, actor in actors.items()]
    if bootstrap["loaded"]:
        lines.append(f"fixture {bootstrap['fixture']}: {bootstrap['loaded']}")
    lines.append("everything is deleted when this process stops (Ctrl-C)")
    return "\n".join(lines)
