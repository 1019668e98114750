"""Logs, metrics and traces of the service.

1. Logs are structlog JSON lines, one per request (and per notable event), each with the
   request's ``correlation_id``. For a command the correlation id is the one inside the
   signed command (``Command.correlation_id``), so the log line and the ledger events the
   request caused share it. Log lines never hold secrets: no bodies, no signatures, no
   messages, only ids, routes, statuses and timings.
2. Prometheus metrics live in a registry per service (several servers may share a test
   process): request counts and latency histograms per API and route, events appended per
   chain, checkpoint age per chain, projection lag per chain, authentication failures,
   rate-limited requests, feed subscribers and dropped feed consumers, and the last threat
   scan's scores (``skms_threat_score``, at most :data:`THREAT_SERIES` subjects: the
   highest, so the label set stays bounded however many keys and actors there are).
3. OpenTelemetry traces: a span per API call, a child per handler and per store call,
   exported over OTLP/gRPC and/or to Zipkin (v2 JSON over HTTP) when an endpoint is
   configured (or to any span processor the caller gives, e.g. the in-memory exporter in
   tests); with none of them, nothing is recorded. The
   tracer provider is per service, not the process-global one, for the same reason as the
   registry.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any, TextIO, cast
from urllib.parse import urlsplit

import structlog
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from ledger.errors import ConfigurationError
from ledger.stores.base import (
    ChainHead,
    EventStore,
    StoredCheckpoint,
    StoredEnvelope,
)

CORRELATION_HEADER = "x-correlation-id"
correlation_id: contextvars.ContextVar[str] = contextvars.ContextVar("skms_correlation_id",
                                                                    default="")
ZIPKIN_TIMEOUT_S = 10  # seconds one POST of a span batch to Zipkin may take
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                   2.5, 5.0, 10.0, 30.0)


THREAT_SERIES = 50
"""At most this many ``skms_threat_score`` series: the highest-scoring subjects of a scan."""


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def valid_correlation_id(value: str | None) -> str | None:
    """A client-sent correlation id, if it is short printable ASCII (else ignored)."""
    if value and len(value) <= 100 and value.isascii() and value.isprintable():
        return value
    return None


# --- logs --------------------------------------------------------------------------------------

def configure_logging(stream: IO[str] | None = None, level: int = logging.INFO) -> None:
    """JSON lines to ``stream`` (stderr by default), correlation id merged from context."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(sort_keys=True, default=str),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.WriteLoggerFactory(file=cast(TextIO, stream or sys.stderr)),
        cache_logger_on_first_use=True,
    )
    global _logger
    _logger = structlog.get_logger("skms.service")  # a fresh proxy: it caches on first use


_logger: Any = structlog.get_logger("skms.service")


@contextmanager
def logging_to(stream: IO[str]) -> Iterator[None]:
    """JSON lines to ``stream`` for the block, then the configuration before it. For a
    server run inside another program's process (a test driving the CLI beside it), whose
    log lines must neither land on that program's stdout nor change where its own go."""
    global _logger
    saved, saved_logger = structlog.get_config(), _logger
    configure_logging(stream)
    try:
        yield
    finally:
        structlog.configure(**saved)
        _logger = saved_logger


def logger() -> Any:
    """The service logger (one proxy, bound once per configuration: a log line per request
    should not rebuild the processor chain)."""
    return _logger


@contextmanager
def bound_correlation(value: str) -> Iterator[None]:
    """Bind ``value`` as the correlation id of every log line and of the context."""
    token = correlation_id.set(value)
    structlog.contextvars.bind_contextvars(correlation_id=value)
    try:
        yield
    finally:
        structlog.contextvars.unbind_contextvars("correlation_id")
        correlation_id.reset(token)


# --- traces ------------------------------------------------------------------------------------

def tracer_provider(otlp_endpoint: str | None = None,
                    processors: Sequence[SpanProcessor] = (),
                    zipkin_endpoint: str | None = None) -> TracerProvider:
    """A provider for this service: OTLP/gRPC export when ``otlp_endpoint`` is set, Zipkin
    v2 JSON export when ``zipkin_endpoint`` is (both may be: Jaeger takes OTLP, a Zipkin
    server takes the JSON).

    With no endpoint and no processor the service uses the no-op tracer instead
    (:class:`commands.service.core.ServiceCore`), so nothing is recorded at all.
    """
    provider = TracerProvider(resource=Resource.create({"service.name": "skms"}))
    # The exporters are imported only when configured: the OTLP one loads gRPC's protobuf
    # stubs and the Zipkin one requests, start-up cost a service without tracing never pays.
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(
            OTLPSpanExporter(endpoint=otlp_endpoint, insecure=otlp_endpoint.startswith(
                ("http://", "127.", "localhost")))))
    if zipkin_endpoint:
        from opentelemetry.exporter.zipkin.json import ZipkinExporter

        provider.add_span_processor(BatchSpanProcessor(
            ZipkinExporter(endpoint=zipkin_endpoint, timeout=ZIPKIN_TIMEOUT_S)))
    for processor in processors:
        provider.add_span_processor(processor)
    return provider


def check_zipkin_endpoint(url: str) -> None:
    """Refuse a Zipkin endpoint that is not an absolute http(s) URL with a host: the exporter
    would otherwise fail on every batch, in a background thread, long after start-up."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError("must be an http:// or https:// URL with a host, e.g. "
                                 "http://127.0.0.1:9411/api/v2/spans", field="zipkin-endpoint")


class TracedEventStore(EventStore):
    """Delegates to a store, with one span per call: the "store" layer of every trace."""

    def __init__(self, inner: EventStore, tracer: trace.Tracer) -> None:
        self.inner = inner
        self.url = inner.url
        self.local_head = inner.local_head
        self._tracer = tracer

    def _span(self, name: str, **attributes: Any) -> Any:
        return self._tracer.start_as_current_span(
            f"store.{name}", attributes={"skms.store": self.url.split(":", 1)[0],
                                         **attributes})

    def chains(self) -> list[str]:
        return self.inner.chains()

    def head(self, chain_id: str) -> ChainHead | None:
        return self.inner.head(chain_id)

    def append(self, chain_id: str, envelopes: Sequence[StoredEnvelope], *,
               expected_seq: int, prev_hash: bytes | None = None) -> None:
        with self._span("append", **{"skms.chain": chain_id, "skms.events": len(envelopes)}):
            self.inner.append(chain_id, envelopes, expected_seq=expected_seq,
                          prev_hash=prev_hash)

    def read(self, chain_id: str, from_seq: int = 0,
             to_seq: int | None = None) -> Iterator[StoredEnvelope]:
        return self.inner.read(chain_id, from_seq, to_seq)

    def seqs_for_command(self, chain_id: str, command_id: str) -> list[int]:
        return self.inner.seqs_for_command(chain_id, command_id)

    def put_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        with self._span("put_checkpoint", **{"skms.chain": checkpoint.chain_id}):
            self.inner.put_checkpoint(checkpoint)

    def checkpoints(self, chain_id: str) -> list[StoredCheckpoint]:
        return self.inner.checkpoints(chain_id)

    def latest_checkpoint(self, chain_id: str) -> StoredCheckpoint | None:
        return self.inner.latest_checkpoint(chain_id)

    def close(self) -> None:
        self.inner.close()


# --- metrics -----------------------------------------------------------------------------------

class _LedgerCollector(Collector):
    """Reads chain heads, checkpoint times and projection positions at scrape time."""

    def __init__(self, heads: Callable[[], dict[str, tuple[int, int]]],
                 start: dict[str, int], projected: Callable[[], dict[str, int]],
                 clock: Callable[[], float]) -> None:
        self._heads = heads
        self._start = start
        self._projected = projected
        self._clock = clock

    def collect(self) -> Iterable[Any]:
        appended = CounterMetricFamily("skms_events_appended", "Events appended by this "
                                       "service process (commands, refusals, checkpoints).",
                                       labels=["chain"])
        age = GaugeMetricFamily("skms_checkpoint_age_seconds", "Seconds since the chain's "
                                "last checkpoint (since start if it has none).",
                                labels=["chain"])
        head_gauge = GaugeMetricFamily("skms_chain_head_seq", "Last seq of each chain.",
                                       labels=["chain"])
        lag = GaugeMetricFamily("skms_projection_lag_events", "Events of the chain not yet "
                                "in the read models (as of the service's last projection "
                                "update).", labels=["chain"])
        heads = self._heads()
        projected = self._projected()
        now = self._clock()
        for chain, (next_seq, checkpoint_at) in sorted(heads.items()):
            appended.add_metric([chain], max(0, next_seq - self._start.get(chain, 0)))
            age.add_metric([chain], max(0.0, now - checkpoint_at / 1e6) if checkpoint_at
                           else 0.0)
            head_gauge.add_metric([chain], next_seq - 1)
            lag.add_metric([chain], max(0, next_seq - 1 - projected.get(chain, -1)))
        yield from (appended, age, head_gauge, lag)


class _ThreatCollector(Collector):
    """The last threat scan's scores: each subject's highest score over the scanned windows,
    the :data:`THREAT_SERIES` highest only; a subject drops out when it stops scoring."""

    def __init__(self) -> None:
        self._scores: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def update(self, scores: dict[tuple[str, str], int]) -> None:
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        with self._lock:
            self._scores = dict(ranked[:THREAT_SERIES])

    def collect(self) -> Iterable[Any]:
        gauge = GaugeMetricFamily("skms_threat_score", "Threat score (0..100) of a key or "
                                  "actor in the last scan (docs/threat-detection.md); the "
                                  f"{THREAT_SERIES} highest subjects only.",
                                  labels=["kind", "subject"])
        with self._lock:
            for (kind, subject), score in self._scores.items():
                gauge.add_metric([kind, subject], score)
        yield gauge


class Metrics:
    """The service's Prometheus registry and instruments."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("skms_requests", "Requests served.",
                                ["api", "route", "method", "status"], registry=self.registry)
        self.latency = Histogram("skms_request_duration_seconds", "Request latency.",
                                 ["api", "route"], buckets=LATENCY_BUCKETS,
                                 registry=self.registry)
        self.auth_failures = Counter("skms_auth_failures", "Requests refused before an actor "
                                     "was authenticated.", ["reason"], registry=self.registry)
        self.rate_limited = Counter("skms_rate_limited", "Requests refused by the per-actor "
                                    "rate limit.", registry=self.registry)
        self.feed_subscribers = Gauge("skms_feed_subscribers", "Open WebSocket feeds.",
                                      registry=self.registry)
        self.feed_dropped = Counter("skms_feed_dropped", "Feed consumers closed for being too "
                                    "slow.", registry=self.registry)
        self.inflight = Gauge("skms_inflight_requests", "Requests being served.",
                              registry=self.registry)
        self._in_flight = 0
        self._in_flight_lock = threading.Lock()
        self.threat_scans = Counter("skms_threat_scans", "Threat scans run by the scheduler.",
                                    registry=self.registry)
        self.threat_findings = Counter("skms_threat_findings", "Threat findings recorded "
                                       "(ThreatDetected).", registry=self.registry)
        self._threats = _ThreatCollector()
        self.registry.register(self._threats)

    def threat_scan(self, scores: dict[tuple[str, str], int]) -> None:
        """One scan's highest score per (kind, subject id)."""
        self.threat_scans.inc()
        self._threats.update(scores)

    def request_started(self) -> None:
        """A REST request or RPC begins (the gauge, and the count the commit pump reads)."""
        with self._in_flight_lock:
            self._in_flight += 1
        self.inflight.inc()

    def request_finished(self) -> None:
        with self._in_flight_lock:
            self._in_flight -= 1
        self.inflight.dec()

    @property
    def requests_in_flight(self) -> int:
        return self._in_flight

    def watch_ledger(self, heads: Callable[[], dict[str, tuple[int, int]]],
                     projected: Callable[[], dict[str, int]]) -> None:
        start = {chain: next_seq for chain, (next_seq, _) in heads().items()}
        self.registry.register(_LedgerCollector(heads, start, projected, time.time))

    def observe(self, api: str, route: str, method: str, status: int | str,
                seconds: float) -> None:
        self.requests.labels(api, route, method, str(status)).inc()
        self.latency.labels(api, route).observe(seconds)
