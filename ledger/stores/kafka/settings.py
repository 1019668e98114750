"""URL settings, chain ids as topic names, topic specifications.

See :mod:`ledger.stores.kafka` for the URL keys, topics and record format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl, quote, urlsplit

from ledger.errors import (
    ConfigurationError,
    InvalidInput,
)

FORMAT: Final = 1
_SAFE_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
_PREFIX_RE: Final = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_HOSTPORT_RE: Final = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$")
_MAX_TOPIC_LEN: Final = 249
_URL_KEYS: Final = ("prefix", "timeout_ms", "transaction_timeout_ms", "client_id")
_MESSAGE_LIMIT: Final = 300


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

    @property
    def owners_topic(self) -> str:
        """Holds no records: its partitions are the slots a consumer group shares out."""
        return f"{self.prefix}.owners"


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
    exact_partitions: int = 0
    """More than one partition, exactly this many (the chain-ownership slots); 0: not so."""

    @property
    def partitions_on_creation(self) -> int:
        return self.exact_partitions or 1


def chain_topics(prefix: str, chain_id: str) -> tuple[TopicSpec, TopicSpec]:
    token = chain_token(chain_id)
    events = f"{prefix}.{token}.events"
    if len(events) + len("checkpoints") - len("events") > _MAX_TOPIC_LEN:
        raise InvalidInput(f"chain id is too long for a Kafka topic name ({len(chain_id)} chars)",
                           field="chain_id")
    return (TopicSpec(events, compacted=False, single_partition=True),
            TopicSpec(f"{prefix}.{token}.checkpoints", compacted=False, single_partition=True))
