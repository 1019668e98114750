"""Event store on Apache Kafka (kafka-python), behind :class:`ledger.stores.base.EventStore`.

URL: ``kafka://host:port[,host:port...]?prefix=skms&timeout_ms=30000``. Query keys:

``prefix``                  topic name prefix (default ``skms``; letters, digits, ``._-``)
``timeout_ms``              bound on every broker round trip the store waits for (default 30000,
                            1000 to 500000)
``transaction_timeout_ms``  broker-side abort of a writer's open transaction (default 60000)
``client_id``               Kafka client id (default ``skms``)

Topics (created when missing; existing ones are checked and a bad setting raises
:class:`~ledger.errors.StoreMisconfigured` naming the topic and the setting):

``<prefix>.<chain>.events``       1 partition, ``cleanup.policy=delete``, ``retention.ms=-1``,
                                  ``retention.bytes=-1``; order matters, nothing ever expires
``<prefix>.<chain>.checkpoints``  same settings; signed checkpoints of the chain
``<prefix>.chains``               compacted registry: key = chain id, written in the same
                                  transaction as a chain's first envelopes, so a listed chain
                                  always has at least one envelope
``<prefix>.keyring``              compacted key-ring (see :mod:`ledger.stores.kafka_keyring`)

Every topic has replication factor ``min(3, brokers)``, ``min.insync.replicas`` 2 with three or
more replicas (else 1) and ``unclean.leader.election.enable=false``. ``<chain>`` is the chain id
with every character outside ``[A-Za-z0-9-]`` written as ``_xx`` (hex of its UTF-8 bytes), so
any chain id maps to exactly one legal topic name; the registry keeps the real id.

Record encoding (format 1). The ledger's seq, never the Kafka offset, numbers an envelope:

* key: the seq in ASCII decimal; headers: ``skms-seq`` (same), ``skms-kind`` (``envelope`` /
  ``checkpoint`` / ``chain``), ``skms-format`` (``1``);
* value: UTF-8 JSON object ``{"format": 1, "chain_id", "seq", "event_hash", "body",
  "event_type", "aggregate_id", "aggregate_version", "command_id"}`` where ``event_hash`` and
  ``body`` are standard base64; a checkpoint is ``{"format": 1, "chain_id", "size", "note"}``
  keyed by its size.

Readers check that a chain's records carry seqs 0, 1, 2... with no gap or repeat and raise
:class:`~ledger.errors.StoreError` otherwise.

Writing. One transactional producer per chain, ``transactional_id = <prefix>.<chain>.writer``,
``acks=all``, idempotent. It is made on the first ``append``/``put_checkpoint`` of a chain:
``init_transactions`` fences any older writer of that chain (its next append raises
:class:`~ledger.errors.WriterFenced`) and settles its open transaction, and only then is the
chain read to the end (``read_committed``) to rebuild the head, the taken (aggregate id,
version) pairs and the command-id index that ``append`` checks. All envelopes of one
``append`` are one transaction; ``append`` returns only after the commit is confirmed (and,
normally, once ``read_committed`` readers see it: the commit markers are written just after
the coordinator confirms, so ``append`` waits for the last stable offset to pass them), and a
timeout aborts, drops the producer (the next append makes a new one, which settles the
in-doubt transaction before re-reading the chain) and raises
:class:`~ledger.errors.StoreUnavailable`. Checkpoints are written by the same producer: the
chain's writer owns its checkpoints too.

Reading (``read``, ``head``, ``checkpoints``, ``chains``, ``seqs_for_command``) never makes a
producer, so an auditor never fences the writer. It uses ``read_committed`` consumers with
manual assignment (no consumer group) that read up to the end offset taken when the call
starts. Each chain's index (seq -> offset, head, versions, command ids) is kept in memory
and caught up incrementally.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, Final, NoReturn
from urllib.parse import parse_qsl, quote, urlsplit

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka import errors as kafka_errors
from kafka.admin import ConfigResource, ConfigResourceType

from ledger.errors import (
    ConcurrencyError,
    ConfigurationError,
    InvalidInput,
    StoreError,
    StoreMisconfigured,
    StoreUnavailable,
    WriterFenced,
)
from ledger.stores.base import (
    ChainHead,
    EventStore,
    KeyRing,
    StoredCheckpoint,
    StoredEnvelope,
)

log = logging.getLogger(__name__)

FORMAT: Final = 1
_SAFE_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
_PREFIX_RE: Final = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_HOSTPORT_RE: Final = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$")
_MAX_TOPIC_LEN: Final = 249
_URL_KEYS: Final = ("prefix", "timeout_ms", "transaction_timeout_ms", "client_id")
_MESSAGE_LIMIT: Final = 300


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True, slots=True)
class KafkaSettings:
    """Parsed ``kafka://`` URL; shared by the event store and the key-ring."""

    bootstrap: tuple[str, ...]
    prefix: str = "skms"
    timeout_ms: int = 30_000
    transaction_timeout_ms: int = 60_000
    client_id: str = "skms"

    @classmethod
    def from_url(cls, url: str) -> KafkaSettings:
        parts = urlsplit(url)
        if parts.scheme != "kafka":
            raise ConfigurationError(f"not a Kafka store URL: {url!r}",
                                     hint="use kafka://host:port[,host:port]?prefix=skms")
        if parts.path not in ("", "/") or parts.fragment:
            raise ConfigurationError(f"Kafka store URL {url!r} has a path or fragment",
                                     hint="use kafka://host:port[,host:port]?prefix=skms")
        hosts = tuple(h.strip() for h in parts.netloc.split(",") if h.strip())
        if not hosts:
            raise ConfigurationError(f"Kafka store URL {url!r} names no broker",
                                     hint="use kafka://host:port[,host:port]?prefix=skms")
        for host in hosts:
            match = _HOSTPORT_RE.match(host)
            if not match or not 0 < int(match.group(2)) < 65536:
                raise ConfigurationError(f"bad broker address {host!r} in Kafka store URL",
                                         hint="each broker is host:port")
        values: dict[str, str] = {}
        try:
            pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
        except ValueError as exc:
            raise ConfigurationError(f"bad query in Kafka store URL: {exc}") from None
        for key, value in pairs:
            if key not in _URL_KEYS:
                raise ConfigurationError(f"unknown Kafka store URL option {key!r}",
                                         hint="known options: " + ", ".join(_URL_KEYS))
            values[key] = value
        prefix = values.get("prefix", "skms")
        if not _PREFIX_RE.match(prefix):
            raise ConfigurationError(f"bad Kafka topic prefix {prefix!r}",
                                     hint="1-100 letters, digits, '.', '_' or '-'")
        client_id = values.get("client_id", "skms")
        if not client_id or len(client_id) > 200:
            raise ConfigurationError("bad Kafka client_id in store URL")
        timeout_ms = _positive_int(values, "timeout_ms", 30_000)
        if not 1000 <= timeout_ms <= 500_000:  # kafka-python needs 500 < timeout < 540000
            raise ConfigurationError(f"Kafka store URL option timeout_ms={timeout_ms} is out of "
                                     "range", hint="use 1000 to 500000 milliseconds")
        return cls(bootstrap=hosts, prefix=prefix, timeout_ms=timeout_ms,
                   transaction_timeout_ms=_positive_int(values, "transaction_timeout_ms", 60_000),
                   client_id=client_id)

    def url(self) -> str:
        query = f"prefix={quote(self.prefix)}&timeout_ms={self.timeout_ms}"
        if self.transaction_timeout_ms != 60_000:
            query += f"&transaction_timeout_ms={self.transaction_timeout_ms}"
        if self.client_id != "skms":
            query += f"&client_id={quote(self.client_id)}"
        return f"kafka://{','.join(self.bootstrap)}?{query}"

    def client_config(self) -> dict[str, Any]:
        """Options every kafka-python client of the store gets."""
        return {
            "bootstrap_servers": list(self.bootstrap),
            "client_id": self.client_id,
            "request_timeout_ms": self.timeout_ms,
            "bootstrap_timeout_ms": self.timeout_ms,
            "reconnect_backoff_max_ms": 1000,
        }

    @property
    def registry_topic(self) -> str:
        return f"{self.prefix}.chains"

    @property
    def keyring_topic(self) -> str:
        return f"{self.prefix}.keyring"


def _positive_int(values: dict[str, str], key: str, default: int) -> int:
    raw = values.get(key)
    if raw is None:
        return default
    try:
        number = int(raw)
    except ValueError:
        number = 0
    if number <= 0:
        raise ConfigurationError(f"Kafka store URL option {key} must be a positive integer, "
                                 f"not {raw!r}")
    return number


def chain_token(chain_id: str) -> str:
    """The chain id as it appears in topic names (reversible, ``[A-Za-z0-9_-]`` only)."""
    if not isinstance(chain_id, str) or not chain_id:
        raise InvalidInput("chain id must be a non-empty string", field="chain_id")
    out: list[str] = []
    for char in chain_id:
        if char in _SAFE_CHARS:
            out.append(char)
        else:
            out.extend(f"_{byte:02x}" for byte in char.encode("utf-8"))
    return "".join(out)


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """A topic the store needs: how to create it and what to insist on when it exists."""

    name: str
    compacted: bool
    single_partition: bool
    extra_configs: tuple[tuple[str, str], ...] = ()


def chain_topics(prefix: str, chain_id: str) -> tuple[TopicSpec, TopicSpec]:
    token = chain_token(chain_id)
    events = f"{prefix}.{token}.events"
    if len(events) + len("checkpoints") - len("events") > _MAX_TOPIC_LEN:
        raise InvalidInput(f"chain id is too long for a Kafka topic name ({len(chain_id)} chars)",
                           field="chain_id")
    return (TopicSpec(events, compacted=False, single_partition=True),
            TopicSpec(f"{prefix}.{token}.checkpoints", compacted=False, single_partition=True))


# --------------------------------------------------------------------------- errors


_FENCED_ERRORS: Final[tuple[type[BaseException], ...]] = (
    kafka_errors.ProducerFencedError,
    kafka_errors.InvalidProducerEpochError,
)


def _short(exc: BaseException) -> str:
    text = str(exc)
    if not text.startswith(type(exc).__name__):
        text = f"{type(exc).__name__}: {text}"
    return text if len(text) <= _MESSAGE_LIMIT else text[:_MESSAGE_LIMIT] + "..."


def is_fenced(exc: BaseException, producer: Any = None) -> bool:
    """True when ``exc`` (or the producer's recorded fatal error) says another writer won."""
    if isinstance(exc, _FENCED_ERRORS):
        return True
    manager = getattr(producer, "_transaction_manager", None)
    last_error = getattr(manager, "last_error", None)
    if callable(last_error):
        try:
            if isinstance(last_error(), _FENCED_ERRORS):
                return True
        except Exception:  # noqa: S110 - defensive: private kafka-python API
            pass
    return "ProducerFenced" in str(exc)


def translate(exc: BaseException, action: str) -> Exception:
    """Turn a kafka-python (or socket) error into the ledger error a user sees."""
    if isinstance(exc, StoreError | ConfigurationError | InvalidInput):
        return exc
    if not isinstance(exc, Exception):
        raise exc
    detail = _short(exc)
    if isinstance(exc, _FENCED_ERRORS):
        return WriterFenced(f"{action}: another writer took over ({detail})",
                            hint="stop this writer; the newer one owns the chain")
    if isinstance(exc, kafka_errors.AuthorizationError):
        return StoreError(f"{action}: Kafka refused access ({detail})",
                          hint="check the ACLs for this principal, prefix and transactional id")
    if isinstance(exc, kafka_errors.KafkaConfigurationError):
        return ConfigurationError(f"{action}: bad Kafka client configuration ({detail})")
    if isinstance(exc, kafka_errors.RetriableError | kafka_errors.TransactionAbortedError
                  | kafka_errors.CoordinatorNotAvailableError | OSError | TimeoutError):
        return StoreUnavailable(f"{action}: Kafka did not answer in time ({detail})",
                                hint="check that the brokers are up (tools/kafka/kafka.sh status)"
                                     " and retry; nothing was acknowledged")
    if isinstance(exc, kafka_errors.KafkaError):
        return StoreError(f"{action}: Kafka error ({detail})")
    return StoreError(f"{action}: {detail}")


@contextmanager
def kafka_errors_translated(action: str) -> Iterator[None]:
    """Run a block whose kafka-python errors become ledger errors."""
    try:
        yield
    except (kafka_errors.KafkaError, OSError, TimeoutError) as exc:
        raise translate(exc, action) from exc


# --------------------------------------------------------------------------- admin


class TopicAdmin:
    """Creates the store's topics and refuses existing ones whose settings break guarantees."""

    def __init__(self, settings: KafkaSettings) -> None:
        self._settings = settings
        self._client: Any = None
        self._lock = threading.Lock()
        self._known: set[str] = set()  # seen to exist
        self._checked: set[str] = set()  # exist and passed check()

    def _admin(self) -> Any:
        if self._client is None:
            with kafka_errors_translated(
                    f"connecting to Kafka at {','.join(self._settings.bootstrap)}"):
                self._client = KafkaAdminClient(**self._settings.client_config())
        return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                close_quietly(self._client)
                self._client = None

    def broker_count(self) -> int:
        with self._lock, kafka_errors_translated("describing the Kafka cluster"):
            cluster = self._admin().describe_cluster()
        brokers = [b for b in cluster.get("brokers", []) if not b.get("is_fenced", False)]
        if not brokers:
            raise StoreUnavailable("the Kafka cluster reports no live broker")
        return len(brokers)

    def required(self) -> tuple[int, int]:
        """(replication factor, min.insync.replicas) the store asks of its topics."""
        replicas = min(3, self.broker_count())
        return replicas, (2 if replicas >= 3 else 1)

    def exists(self, name: str) -> bool:
        if name in self._known:
            return True
        found = self._describe([name])
        return name in found

    def partitions(self, name: str) -> list[Any]:
        """The topic's partitions, as ``TopicPartition`` objects."""
        found = self._describe([name])
        if name not in found:
            raise StoreError(f"Kafka topic {name} does not exist")
        indexes = sorted(int(p["partition_index"]) for p in found[name].get("partitions") or [])
        if not indexes:
            raise StoreUnavailable(f"Kafka reports no partitions for topic {name}")
        return [TopicPartition(name, i) for i in indexes]

    def list_topics(self) -> list[str]:
        with self._lock, kafka_errors_translated("listing Kafka topics"):
            names = self._admin().list_topics()
        return [str(n) for n in names]

    def _describe(self, names: Sequence[str]) -> dict[str, dict[str, Any]]:
        with self._lock, kafka_errors_translated("describing Kafka topics"):
            topics = self._admin().describe_topics(list(names))
        found: dict[str, dict[str, Any]] = {}
        for topic in topics:
            if topic.get("error_code", 0) == 0 and topic.get("name") in names:
                found[str(topic["name"])] = topic
                self._known.add(str(topic["name"]))
        return found

    def _configs(self, names: Sequence[str]) -> dict[str, dict[str, str | None]]:
        """Every setting of the topics. A broker that has not yet caught up with a topic just
        created answers with no settings at all, so that is retried, not judged."""
        resources = [ConfigResource(ConfigResourceType.TOPIC, n) for n in names]
        deadline = time.monotonic() + self._settings.timeout_ms / 1000
        while True:
            with self._lock, kafka_errors_translated("reading Kafka topic settings"):
                described = self._admin().describe_configs(resources, config_filter="all")
            topics = described.get("topic", {})
            result = {name: {k: (v.get("value") if isinstance(v, dict) else v)
                             for k, v in topics.get(name, {}).items()}
                      for name in names}
            unknown = [n for n in names if result[n].get("cleanup.policy") is None]
            if not unknown:
                return result
            if time.monotonic() > deadline:
                raise StoreUnavailable("Kafka did not report the settings of topics "
                                       + ", ".join(unknown))
            time.sleep(0.1)

    def ensure(self, specs: Sequence[TopicSpec]) -> None:
        """Create the missing topics, then check every one of them."""
        if not specs:
            return
        if all(s.name in self._checked for s in specs):
            return
        replicas, min_isr = self.required()
        names = [s.name for s in specs]
        found = self._describe(names)
        missing = [s for s in specs if s.name not in found]
        if missing:
            request = {s.name: {"num_partitions": 1, "replication_factor": replicas,
                                "configs": self.create_configs(s, min_isr)} for s in missing}
            with self._lock, kafka_errors_translated(
                    "creating Kafka topics " + ", ".join(sorted(request))):
                admin = self._admin()
                # TopicAlreadyExists: another process was first; the topics are checked below.
                with suppress(kafka_errors.TopicAlreadyExistsError):
                    admin.create_topics(request, timeout_ms=self._settings.timeout_ms)
                admin.wait_for_topics(list(request), timeout_ms=self._settings.timeout_ms)
            # Brokers learn of a new topic one by one: ask until the one we reach knows it.
            deadline = time.monotonic() + self._settings.timeout_ms / 1000
            found = self._describe(names)
            while len(found) < len(names) and time.monotonic() < deadline:
                time.sleep(0.05)
                found = self._describe(names)
        self.check(specs, found, replicas, min_isr)

    def check_existing(self, specs: Sequence[TopicSpec]) -> None:
        """Check the topics among ``specs`` that exist; create nothing."""
        if not specs:
            return
        found = self._describe([s.name for s in specs])
        present = [s for s in specs if s.name in found]
        if present:
            replicas, min_isr = self.required()
            self.check(present, found, replicas, min_isr)

    @staticmethod
    def create_configs(spec: TopicSpec, min_isr: int) -> dict[str, str]:
        configs = {"min.insync.replicas": str(min_isr),
                   "unclean.leader.election.enable": "false"}
        if spec.compacted:
            configs["cleanup.policy"] = "compact"
        else:
            configs.update({"cleanup.policy": "delete", "retention.ms": "-1",
                            "retention.bytes": "-1"})
        configs.update(dict(spec.extra_configs))
        return configs

    def check(self, specs: Sequence[TopicSpec], found: dict[str, dict[str, Any]],
              replicas: int, min_isr: int) -> None:
        configs = self._configs([s.name for s in specs if s.name in found])
        for spec in specs:
            if spec.name not in found:
                raise StoreError(f"Kafka topic {spec.name} is missing after creation")
            problems = _topic_problems(spec, found[spec.name], configs.get(spec.name, {}),
                                       replicas, min_isr)
            if problems:
                raise StoreMisconfigured(
                    f"Kafka topic {spec.name} is misconfigured: " + "; ".join(problems),
                    hint=f"fix the topic (kafka-configs.sh --alter --entity-type topics "
                         f"--entity-name {spec.name} ...) or use another prefix= in the URL")
            self._checked.add(spec.name)


def _topic_problems(spec: TopicSpec, meta: dict[str, Any], configs: dict[str, str | None],
                    replicas: int, min_isr: int) -> list[str]:
    problems: list[str] = []
    partitions = meta.get("partitions") or []
    if spec.single_partition and len(partitions) != 1:
        problems.append(f"partitions is {len(partitions)}, must be 1 (order matters)")
    actual_rf = min((len(p.get("replica_nodes") or []) for p in partitions), default=0)
    if actual_rf < replicas:
        problems.append(f"replication factor is {actual_rf}, must be at least {replicas}")
    policy = (configs.get("cleanup.policy") or "").replace(" ", "")
    wanted_policy = "compact" if spec.compacted else "delete"
    if policy != wanted_policy:
        problems.append(f"cleanup.policy is {policy!r}, must be {wanted_policy!r}")
    if not spec.compacted:
        for key in ("retention.ms", "retention.bytes"):
            if configs.get(key) != "-1":
                problems.append(f"{key} is {configs.get(key)!r}, must be '-1' (keep forever)")
    try:
        isr = int(configs.get("min.insync.replicas") or "0")
    except ValueError:
        isr = 0
    if isr < min_isr:
        problems.append(f"min.insync.replicas is {isr}, must be at least {min_isr}")
    elif actual_rf and isr > actual_rf:
        problems.append(f"min.insync.replicas is {isr}, more than the {actual_rf} replicas: "
                        "every write would fail")
    if (configs.get("unclean.leader.election.enable") or "false").lower() != "false":
        problems.append("unclean.leader.election.enable is true, must be false")
    return problems


# --------------------------------------------------------------------------- reading


class ReaderPool:
    """``read_committed`` consumers without a group, lent out one per read in progress."""

    _MAX_IDLE: Final = 4

    def __init__(self, settings: KafkaSettings) -> None:
        self._settings = settings
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def consumer(self) -> Iterator[Any]:
        with self._lock:
            consumer = self._idle.pop() if self._idle else None
        if consumer is None:
            with kafka_errors_translated("connecting a Kafka reader"):
                consumer = KafkaConsumer(
                    **self._settings.client_config(),
                    group_id=None, enable_auto_commit=False,
                    isolation_level="read_committed", auto_offset_reset="earliest",
                    allow_auto_create_topics=False)
        healthy = False
        try:
            yield consumer
            healthy = True
        finally:
            keep = False
            if healthy:
                with suppress(Exception):  # drop the assignment: its topic may be deleted
                    consumer.unsubscribe()
                with self._lock:
                    if not self._closed and len(self._idle) < self._MAX_IDLE:
                        self._idle.append(consumer)
                        keep = True
            if not keep:
                close_quietly(consumer)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for consumer in idle:
            close_quietly(consumer)


def close_quietly(client: Any, **kwargs: Any) -> None:
    with suppress(Exception):  # closing after a failure: the first error is what matters
        client.close(**kwargs)


def scan(consumer: Any, starts: dict[Any, int], on_record: Callable[[Any], None], *,
         timeout_ms: int, what: str, ends: dict[Any, int] | None = None) -> dict[Any, int]:
    """Feed ``on_record`` every committed record from ``starts`` up to the end offsets.

    The end offsets are taken when the scan starts (for ``read_committed`` that is the last
    stable offset, so open transactions are never waited for) unless ``ends`` gives them.
    Returns the end offsets used. Raises ``StoreUnavailable`` if the records do not arrive
    within ``timeout_ms``.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    partitions = list(starts)
    with kafka_errors_translated(what):
        consumer.assign(partitions)
        if ends is None:
            ends = {tp: int(off) for tp, off in consumer.end_offsets(partitions).items()}
        for tp, start in starts.items():
            # start > end happens legitimately: a commit is confirmed once the coordinator has
            # logged it, and the markers that advance the last stable offset follow within ms.
            ends[tp] = max(ends[tp], start)
            consumer.seek(tp, start)
        pending = {tp for tp in partitions if starts[tp] < ends[tp]}
        while pending:
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms <= 0:
                raise StoreUnavailable(
                    f"{what}: the records did not arrive within {timeout_ms} ms",
                    hint="check that the brokers are up (tools/kafka/kafka.sh status)")
            batch = consumer.poll(timeout_ms=min(remaining_ms, 500))
            for tp, records in batch.items():
                for record in records:
                    if record.offset < ends[tp]:
                        on_record(record)
            for tp in list(pending):
                if consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
    return ends


# --------------------------------------------------------------------------- codec


def _header(record: Any, name: str) -> bytes | None:
    for key, value in record.headers or ():
        if key == name:
            return bytes(value)
    return None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("expected base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def encode_envelope(env: StoredEnvelope) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """(key, value, headers) of an envelope record."""
    value = json.dumps({
        "format": FORMAT, "chain_id": env.chain_id, "seq": env.seq,
        "event_hash": _b64(env.event_hash), "body": _b64(env.body),
        "event_type": env.event_type, "aggregate_id": env.aggregate_id,
        "aggregate_version": env.aggregate_version, "command_id": env.command_id,
    }, separators=(",", ":"), sort_keys=True).encode("utf-8")
    seq = str(env.seq).encode("ascii")
    return seq, value, [("skms-seq", seq), ("skms-kind", b"envelope"),
                        ("skms-format", str(FORMAT).encode("ascii"))]


def decode_envelope(record: Any, chain_id: str) -> StoredEnvelope:
    where = f"chain {chain_id!r}: record at offset {record.offset} of {record.topic}"
    try:
        data = json.loads(bytes(record.value).decode("utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown format {data.get('format')!r}")
        env = StoredEnvelope(
            chain_id=str(data["chain_id"]), seq=int(data["seq"]),
            event_hash=_unb64(data["event_hash"]), body=_unb64(data["body"]),
            event_type=str(data["event_type"]), aggregate_id=str(data["aggregate_id"]),
            aggregate_version=int(data["aggregate_version"]), command_id=str(data["command_id"]))
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise StoreError(f"{where} is not a format-{FORMAT} envelope: {exc}") from None
    header_seq = _header(record, "skms-seq")
    if header_seq is not None and header_seq != str(env.seq).encode("ascii"):
        raise StoreError(f"{where}: header seq {header_seq!r} disagrees with body seq {env.seq}")
    if env.chain_id != chain_id:
        raise StoreError(f"{where} belongs to chain {env.chain_id!r}")
    return env


def encode_checkpoint(cp: StoredCheckpoint) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    value = json.dumps({"format": FORMAT, "chain_id": cp.chain_id, "size": cp.size,
                        "note": cp.note}, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return (str(cp.size).encode("ascii"), value,
            [("skms-kind", b"checkpoint"), ("skms-format", str(FORMAT).encode("ascii"))])


def decode_checkpoint(record: Any, chain_id: str) -> StoredCheckpoint:
    try:
        data = json.loads(bytes(record.value).decode("utf-8"))
        cp = StoredCheckpoint(chain_id=str(data["chain_id"]), size=int(data["size"]),
                              note=str(data["note"]))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StoreError(f"chain {chain_id!r}: checkpoint record at offset {record.offset} "
                         f"is unreadable: {exc}") from None
    if cp.chain_id != chain_id:
        raise StoreError(f"chain {chain_id!r}: checkpoint record at offset {record.offset} "
                         f"belongs to chain {cp.chain_id!r}")
    return cp


# --------------------------------------------------------------------------- producer helpers


def make_producer(settings: KafkaSettings, transactional_id: str | None) -> Any:
    config: dict[str, Any] = dict(
        settings.client_config(), acks="all", enable_idempotence=True, linger_ms=0,
        max_block_ms=settings.timeout_ms, delivery_timeout_ms=settings.timeout_ms,
        # kafka-python waits retry_backoff_ms between tries of AddPartitionsToTxn, which fails
        # with CONCURRENT_TRANSACTIONS while the previous commit's markers are written: 20 ms
        # (the Java client's value for that case) instead of 100 keeps an append ~15 ms.
        retry_backoff_ms=20,
        allow_auto_create_topics=False)
    if transactional_id is not None:
        config.update(transactional_id=transactional_id,
                      transaction_timeout_ms=settings.transaction_timeout_ms)
    return KafkaProducer(**config)


def _remaining_ms(deadline: float) -> int:
    return max(1, int((deadline - time.monotonic()) * 1000))


def _end_transaction(producer: Any, commit: bool, timeout_ms: int) -> None:
    """commit_transaction/abort_transaction with a bound (kafka-python's wait forever)."""
    manager = getattr(producer, "_transaction_manager", None)
    sender = getattr(producer, "_sender", None)
    if manager is None or sender is None:  # pragma: no cover - other kafka-python layouts
        if commit:
            producer.commit_transaction()
        else:
            producer.abort_transaction()
        return
    result = manager.begin_commit() if commit else manager.begin_abort()
    sender.wakeup()
    if not result.wait(timeout_ms=timeout_ms):
        verb = "commit" if commit else "abort"
        raise kafka_errors.KafkaTimeoutError(f"transaction {verb} not confirmed in {timeout_ms} ms")


def abort_quietly(producer: Any, timeout_ms: int) -> None:
    manager = getattr(producer, "_transaction_manager", None)
    try:
        if manager is not None and manager.has_fatal_error():
            return
        _end_transaction(producer, commit=False, timeout_ms=timeout_ms)
    except Exception as exc:  # the append already failed; report that, not this
        log.debug("abort after a failed Kafka transaction failed too: %s", _short(exc))


# --------------------------------------------------------------------------- the store


@dataclass(eq=False)
class _ChainState:
    chain_id: str
    events: TopicSpec
    checkpoint_topic: TopicSpec
    lock: threading.RLock = field(default_factory=threading.RLock)
    next_offset: int = 0
    offsets: list[int] = field(default_factory=list)  # seq -> Kafka offset
    head_hash: bytes = b""
    versions: set[tuple[str, int]] = field(default_factory=set)
    commands: dict[str, list[int]] = field(default_factory=dict)
    cp_next_offset: int = 0
    checkpoints: dict[int, StoredCheckpoint] = field(default_factory=dict)
    producer: Any = None
    fenced: str | None = None
    topics_ready: bool = False

    @property
    def transactional_id(self) -> str:
        return self.events.name.removesuffix(".events") + ".writer"

    def apply(self, env: StoredEnvelope, offset: int) -> None:
        expected = len(self.offsets)
        if env.seq != expected:
            raise StoreError(
                f"chain {self.chain_id!r}: record at offset {offset} of {self.events.name} has "
                f"seq {env.seq}, expected {expected}: the log has a gap or a fork",
                hint="the topic was written by something other than this store's writer")
        self.offsets.append(offset)
        self.head_hash = env.event_hash
        self.versions.add((env.aggregate_id, env.aggregate_version))
        self.commands.setdefault(env.command_id, []).append(env.seq)


class KafkaEventStore(EventStore):
    """:class:`EventStore` on Kafka; see the module docstring for the layout and guarantees."""

    def __init__(self, settings: KafkaSettings) -> None:
        self.settings = settings
        self.url = settings.url()
        self._admin = TopicAdmin(settings)
        self._readers = ReaderPool(settings)
        self._lock = threading.Lock()
        self._states: dict[str, _ChainState] = {}
        self._registry: set[str] = set()
        self._registry_next: dict[Any, int] = {}
        self._registry_lock = threading.Lock()
        self._closed = False
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    @classmethod
    def from_url(cls, url: str) -> KafkaEventStore:
        return cls(KafkaSettings.from_url(url))

    def _start(self) -> None:
        """Make the registry topic, then check every existing topic with this prefix."""
        self._admin.ensure([self._registry_spec()])
        prefix = self.settings.prefix + "."
        ours = [name for name in self._admin.list_topics() if name.startswith(prefix)]
        specs: list[TopicSpec] = []
        for name in ours:
            rest = name[len(prefix):]
            if rest.count(".") != 1:
                continue
            kind = rest.split(".", 1)[1]
            if kind in ("events", "checkpoints"):
                specs.append(TopicSpec(name, compacted=False, single_partition=True))
        self._admin.check_existing(specs)
        missing = [c for c in self._catch_up_registry()
                   if chain_topics(self.settings.prefix, c)[0].name not in ours]
        if missing:
            raise StoreError(
                f"chains {missing} are registered in {self.settings.registry_topic} but their "
                "events topic is gone; the log was deleted outside SKMS")

    def _registry_spec(self) -> TopicSpec:
        return TopicSpec(self.settings.registry_topic, compacted=True, single_partition=False)

    def keyring(self) -> KeyRing:
        """A :class:`~ledger.stores.kafka_keyring.KafkaKeyRing` on the same cluster and prefix."""
        from ledger.stores.kafka_keyring import KafkaKeyRing  # here: avoids an import cycle

        return KafkaKeyRing(self.settings)

    # ---- state

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the Kafka event store is closed")

    def _state(self, chain_id: str) -> _ChainState:
        self._check_open()
        with self._lock:
            state = self._states.get(chain_id)
            if state is None:
                events, checkpoints = chain_topics(self.settings.prefix, chain_id)
                state = _ChainState(chain_id, events, checkpoints)
                self._states[chain_id] = state
            return state

    def _catch_up_events(self, st: _ChainState) -> None:
        if not self._admin.exists(st.events.name):
            return
        tp = TopicPartition(st.events.name, 0)

        def on_record(record: Any) -> None:
            st.apply(decode_envelope(record, st.chain_id), record.offset)
            st.next_offset = record.offset + 1

        with self._readers.consumer() as consumer:
            ends = scan(consumer, {tp: st.next_offset}, on_record,
                        timeout_ms=self.settings.timeout_ms,
                        what=f"reading chain {st.chain_id!r}")
        st.next_offset = max(st.next_offset, ends[tp])

    def _catch_up_checkpoints(self, st: _ChainState) -> None:
        if not self._admin.exists(st.checkpoint_topic.name):
            return
        tp = TopicPartition(st.checkpoint_topic.name, 0)

        def on_record(record: Any) -> None:
            cp = decode_checkpoint(record, st.chain_id)
            st.checkpoints.setdefault(cp.size, cp)  # the first one stored for a size wins
            st.cp_next_offset = record.offset + 1

        with self._readers.consumer() as consumer:
            ends = scan(consumer, {tp: st.cp_next_offset}, on_record,
                        timeout_ms=self.settings.timeout_ms,
                        what=f"reading the checkpoints of chain {st.chain_id!r}")
        st.cp_next_offset = max(st.cp_next_offset, ends[tp])

    def _catch_up_registry(self) -> list[str]:
        """Read the registry's new records; returns the sorted chain ids."""
        with self._registry_lock, self._readers.consumer() as consumer:
            if not self._registry_next:
                parts = self._admin.partitions(self.settings.registry_topic)
                self._registry_next = dict.fromkeys(parts, 0)

            def on_record(record: Any) -> None:
                key = bytes(record.key or b"").decode("utf-8", "replace")
                if record.value is None:
                    self._registry.discard(key)
                else:
                    self._registry.add(key)
                self._registry_next[TopicPartition(record.topic, record.partition)] = (
                    record.offset + 1)

            ends = scan(consumer, dict(self._registry_next), on_record,
                        timeout_ms=self.settings.timeout_ms, what="reading the chain registry")
            for tp, end in ends.items():
                self._registry_next[tp] = max(self._registry_next[tp], end)
            return sorted(self._registry)

    def _writer(self, st: _ChainState) -> Any:
        """The chain's transactional producer; making it fences older writers of the chain."""
        if st.fenced is not None:
            raise WriterFenced(st.fenced, hint="stop this writer; the newer one owns the chain")
        if st.producer is not None:
            return st.producer
        if not st.topics_ready:
            self._admin.ensure([st.events, st.checkpoint_topic])
            st.topics_ready = True
        action = f"starting the writer of chain {st.chain_id!r}"
        with kafka_errors_translated(action):
            producer = make_producer(self.settings, st.transactional_id)
        try:
            producer.init_transactions()
            # Only now: init_transactions settled whatever an older writer left open.
            self._catch_up_events(st)
        except Exception as exc:
            close_quietly(producer, timeout=0)
            raise translate(exc, action) from exc
        st.producer = producer
        return producer

    def _fail_writer(self, st: _ChainState, producer: Any, exc: Exception,
                     action: str) -> NoReturn:
        """Handle a failed transaction: always raises the ledger error for ``exc``."""
        st.producer = None
        if is_fenced(exc, producer):
            st.fenced = (f"chain {st.chain_id!r}: another writer (transactional id "
                         f"{st.transactional_id}) took over; {action} was not stored")
            close_quietly(producer, timeout=0)
            raise WriterFenced(st.fenced,
                               hint="stop this writer; the newer one owns the chain") from exc
        abort_quietly(producer, min(self.settings.timeout_ms, 5000))
        close_quietly(producer, timeout=0)
        error = translate(exc, action)
        if isinstance(error, StoreUnavailable):
            error = StoreUnavailable(
                f"{action}: Kafka did not confirm the transaction within "
                f"{self.settings.timeout_ms} ms ({_short(exc)}); it was not acknowledged",
                hint="retry the command: its command id shows whether it landed after all "
                     "(seqs_for_command); check the brokers with tools/kafka/kafka.sh status")
        raise error from exc

    def _await_visible(self, tp: Any, offset: int, deadline: float) -> bool:
        """Wait until ``read_committed`` readers see ``offset`` (read-your-writes for them).

        The commit is durable once confirmed; its markers, which move the last stable offset,
        are written just after. Waiting here means any store instance that reads after
        ``append`` returned sees the envelopes. Returns whether that was seen: only then is
        the commit marker known to sit at ``offset + 1`` (see :meth:`_past_marker`).
        """
        try:
            with self._readers.consumer() as consumer, kafka_errors_translated(
                    f"waiting for {tp.topic} to show offset {offset}"):
                while int(consumer.end_offsets([tp])[tp]) <= offset:
                    if time.monotonic() > deadline:
                        raise StoreUnavailable("timed out")
                    time.sleep(0.002)
        except StoreError as exc:  # the commit itself is confirmed: do not report a failure
            log.warning("committed records up to offset %d of %s are not visible to readers "
                        "yet: %s", offset, tp.topic, exc.message)
            return False
        return True

    @staticmethod
    def _past_marker(last_offset: int, visible: bool) -> int:
        """Where the next catch-up of a chain topic starts after this writer's own commit.

        Why not ``last_offset + 1``: that offset holds the transaction's commit marker, which
        a ``read_committed`` consumer never returns, and ``KafkaConsumer.poll`` waits out its
        whole timeout when a fetch yields only a marker; every ``head``/``read`` and every
        checkpoint after an append paid 500 ms for it. The marker is at ``last_offset + 1``
        for sure once readers saw the commit: only this chain's writer writes the topic, the
        coordinator writes the marker right after the transaction's last record, and a newer
        writer's records can only follow that marker.
        """
        return last_offset + 2 if visible else last_offset + 1

    # ---- EventStore

    def chains(self) -> list[str]:
        self._check_open()
        return self._catch_up_registry()

    def head(self, chain_id: str) -> ChainHead | None:
        st = self._state(chain_id)
        with st.lock:
            self._catch_up_events(st)
            if not st.offsets:
                return None
            return ChainHead(chain_id, len(st.offsets) - 1, st.head_hash)

    def append(self, chain_id: str, envelopes: Sequence[StoredEnvelope], *,
               expected_seq: int) -> None:
        st = self._state(chain_id)
        with st.lock:
            producer = self._writer(st)
            next_seq = len(st.offsets)
            if expected_seq != next_seq:
                raise ConcurrencyError(
                    f"chain {chain_id!r}: append expected seq {expected_seq} but the next seq "
                    f"is {next_seq}", hint="reload the chain and retry the command")
            if not envelopes:
                return
            self._check_batch(st, envelopes, expected_seq)
            action = (f"appending {len(envelopes)} envelope(s) at seq {expected_seq} to chain "
                      f"{chain_id!r}")
            deadline = time.monotonic() + self.settings.timeout_ms / 1000
            try:
                producer.begin_transaction()
                futures = []
                for env in envelopes:
                    key, value, headers = encode_envelope(env)
                    futures.append(producer.send(st.events.name, value=value, key=key,
                                                 headers=headers, partition=0))
                if next_seq == 0:  # registered in the same transaction as the first envelopes
                    registry_value = json.dumps(
                        {"format": FORMAT, "chain_id": chain_id, "events": st.events.name,
                         "checkpoints": st.checkpoint_topic.name}).encode("utf-8")
                    futures.append(producer.send(
                        self.settings.registry_topic, key=chain_id.encode("utf-8"),
                        value=registry_value, headers=[("skms-kind", b"chain")]))
                metas = [f.get(timeout=_remaining_ms(deadline) / 1000) for f in futures]
                _end_transaction(producer, commit=True, timeout_ms=_remaining_ms(deadline))
            except Exception as exc:
                self._fail_writer(st, producer, exc, action)
            for env, meta in zip(envelopes, metas, strict=False):
                st.apply(env, int(meta.offset))
            last = metas[len(envelopes) - 1]
            visible = [self._await_visible(TopicPartition(meta.topic, meta.partition),
                                           int(meta.offset), deadline)
                       for meta in metas[len(envelopes) - 1:]]  # last envelope, registry record
            st.next_offset = max(st.next_offset, self._past_marker(int(last.offset), visible[0]))
            if next_seq == 0:
                with self._registry_lock:
                    self._registry.add(chain_id)

    @staticmethod
    def _check_batch(st: _ChainState, envelopes: Sequence[StoredEnvelope],
                     expected_seq: int) -> None:
        batch: set[tuple[str, int]] = set()
        for i, env in enumerate(envelopes):
            if env.chain_id != st.chain_id:
                raise ConcurrencyError(f"envelope of chain {env.chain_id!r} appended to chain "
                                       f"{st.chain_id!r}")
            if env.seq != expected_seq + i:
                raise ConcurrencyError(
                    f"chain {st.chain_id!r}: envelope {i} of the append has seq {env.seq}, "
                    f"expected {expected_seq + i} (seqs must be consecutive)")
            pair = (env.aggregate_id, env.aggregate_version)
            if pair in st.versions or pair in batch:
                raise ConcurrencyError(
                    f"chain {st.chain_id!r}: version {env.aggregate_version} of aggregate "
                    f"{env.aggregate_id!r} is already taken",
                    hint="reload the aggregate and retry the command")
            batch.add(pair)

    def read(self, chain_id: str, from_seq: int = 0,
             to_seq: int | None = None) -> Iterator[StoredEnvelope]:
        st = self._state(chain_id)
        with st.lock:
            self._catch_up_events(st)
            count = len(st.offsets)
            stop = count if to_seq is None else max(0, min(to_seq, count))
            start = max(0, from_seq)
            if start >= stop:
                return iter(())
            first_offset, end_offset = st.offsets[start], st.offsets[stop - 1] + 1
        return self._read_range(st, start, stop, first_offset, end_offset)

    def _read_range(self, st: _ChainState, start: int, stop: int, first_offset: int,
                    end_offset: int) -> Iterator[StoredEnvelope]:
        tp = TopicPartition(st.events.name, 0)
        chunk: list[StoredEnvelope] = []
        expected = start
        offset = first_offset

        def on_record(record: Any) -> None:
            nonlocal expected
            env = decode_envelope(record, st.chain_id)
            if env.seq != expected:
                raise StoreError(f"chain {st.chain_id!r}: offset {record.offset} holds seq "
                                 f"{env.seq}, expected {expected}")
            expected += 1
            chunk.append(env)

        # Read in slices so a long chain is never held in memory at once.
        with self._readers.consumer() as consumer:
            while expected < stop:
                slice_end = min(end_offset, offset + 2000)
                scan(consumer, {tp: offset}, on_record, timeout_ms=self.settings.timeout_ms,
                     what=f"reading chain {st.chain_id!r}", ends={tp: slice_end})
                offset = slice_end
                yield from chunk
                chunk.clear()
                if offset >= end_offset and expected < stop:
                    raise StoreError(f"chain {st.chain_id!r}: seqs {expected}..{stop - 1} "
                                     "were not found where the index put them")

    def seqs_for_command(self, chain_id: str, command_id: str) -> list[int]:
        st = self._state(chain_id)
        with st.lock:
            self._catch_up_events(st)
            return list(st.commands.get(command_id, ()))

    def put_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        st = self._state(checkpoint.chain_id)
        if checkpoint.size < 0:
            raise InvalidInput("checkpoint size must not be negative", field="size")
        with st.lock:
            producer = self._writer(st)
            self._catch_up_checkpoints(st)
            if checkpoint.size in st.checkpoints:
                return
            action = (f"storing the checkpoint of size {checkpoint.size} of chain "
                      f"{checkpoint.chain_id!r}")
            deadline = time.monotonic() + self.settings.timeout_ms / 1000
            try:
                producer.begin_transaction()
                key, value, headers = encode_checkpoint(checkpoint)
                future = producer.send(st.checkpoint_topic.name, value=value, key=key,
                                       headers=headers, partition=0)
                meta = future.get(timeout=_remaining_ms(deadline) / 1000)
                _end_transaction(producer, commit=True, timeout_ms=_remaining_ms(deadline))
            except Exception as exc:
                self._fail_writer(st, producer, exc, action)
            st.checkpoints[checkpoint.size] = checkpoint
            visible = self._await_visible(TopicPartition(meta.topic, meta.partition),
                                          int(meta.offset), deadline)
            st.cp_next_offset = max(st.cp_next_offset,
                                    self._past_marker(int(meta.offset), visible))

    def checkpoints(self, chain_id: str) -> list[StoredCheckpoint]:
        st = self._state(chain_id)
        with st.lock:
            self._catch_up_checkpoints(st)
            return [st.checkpoints[size] for size in sorted(st.checkpoints)]

    def close(self) -> None:
        self._closed = True
        with self._lock:
            states = list(self._states.values())
        for st in states:
            if st.producer is not None:
                close_quietly(st.producer, timeout=min(self.settings.timeout_ms / 1000, 5))
                st.producer = None
        self._readers.close()
        self._admin.close()


def open_kafka_store(url: str) -> tuple[KafkaEventStore, KeyRing]:
    """The event store and the key-ring named by a ``kafka://`` URL (same cluster and prefix)."""
    store = KafkaEventStore.from_url(url)
    try:
        return store, store.keyring()
    except BaseException:
        store.close()
        raise
