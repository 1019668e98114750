"""Configuration of one service process (what ``skms serve`` options set)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from commands.service.limits import Limits
from commands.service.observability import check_zipkin_endpoint
from ledger.errors import ConfigurationError

CLIENT_AUTH_MODES = ("none", "optional", "required")


@dataclass
class ServiceConfig:
    """Ports default to 0 in tests (the OS picks free ones); ``skms serve`` uses 8443/8444.

    ``host`` defaults to loopback: the service is meant to sit beside its clients or behind
    a proxy; binding elsewhere is the operator's explicit choice.
    """

    home: Path
    store_url: str | None = None
    host: str = "127.0.0.1"
    rest_port: int = 8443
    grpc_port: int = 8444
    tls: bool = True
    client_auth: str = "none"
    tls_cert: Path | None = None
    tls_key: Path | None = None
    client_ca: Path | None = None
    limits: Limits = field(default_factory=Limits)
    signature_window_s: int = 60
    workers: int = 16
    otlp_endpoint: str | None = None
    zipkin_endpoint: str | None = None  # Zipkin's v2 span API, e.g. http://zipkin:9411/api/v2/spans
    shutdown_grace_s: float = 10.0
    feed_poll_s: float = 0.25
    idempotency_entries: int = 10_000
    idempotency_bytes: int = 32 * 1024 * 1024  # both bounds apply (idempotency.py)
    commit_gather_s: float = 0.001
    public_authorities: tuple[str, ...] = ()
    session_lifetime_s: int = 900  # dashboard sessions (commands/service/sessions.py)
    scheduler_interval_s: float = 30.0  # due work and the threat scan (commands/scheduler.py)
    # A member of a cluster on one Kafka store (commands/service/cluster.py).
    cluster: bool = False
    advertise_url: str | None = None  # default: https://<host>:<rest port>
    owner_slots: int = 16
    owner_session_ms: int = 6000
    peer_ca: Path | None = None  # default: this home's development CA

    def check(self) -> None:
        if self.client_auth not in CLIENT_AUTH_MODES:
            raise ConfigurationError(f"must be one of {', '.join(CLIENT_AUTH_MODES)}",
                                     field="client-auth")
        if self.client_auth != "none" and not self.tls:
            raise ConfigurationError("mutual TLS needs TLS", field="mtls")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ConfigurationError("--tls-cert and --tls-key go together", field="tls-cert")
        if self.idempotency_entries < 1:
            raise ConfigurationError("must be at least 1", field="idempotency-entries")
        if self.idempotency_bytes < 1024 * 1024:
            raise ConfigurationError("must be at least 1 MiB", field="idempotency-mib")
        if self.zipkin_endpoint is not None:
            check_zipkin_endpoint(self.zipkin_endpoint)
        if self.workers < 1:
            raise ConfigurationError("must be at least 1", field="workers")
        if not 60 <= self.session_lifetime_s <= 3600:
            raise ConfigurationError("must be between 1 and 60 minutes", field="session-minutes")
        if not 0.1 <= self.scheduler_interval_s <= 3600:
            raise ConfigurationError("must be between 0.1 s and an hour",
                                     field="scheduler-interval")
        if not 0 <= self.commit_gather_s <= 0.1:
            raise ConfigurationError("must be between 0 and 100 ms", field="commit-gather-ms")
