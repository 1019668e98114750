"""Key-ring on a compacted Kafka topic, behind :class:`ledger.stores.base.KeyRing`.

Topic ``<prefix>.keyring`` (see :mod:`ledger.stores.kafka` for the URL and the shared
settings): ``cleanup.policy=compact`` and nothing else, since a ``delete`` policy would expire
data keys and lose the material they seal. Record key = the key reference (UTF-8), value =
the wrapped data key bytes as given. Shredding writes a tombstone (value ``None``) for the
reference, so once the log cleaner has compacted the segment no copy of the topic holds the
data key; ``segment.ms``/``max.compaction.lag.ms`` of one hour bound how long the old value
stays on the brokers' disks (until then the bytes are still in the log segment, as they are in
any broker backup). Tombstones are kept for ``delete.retention.ms`` (30 days).

Writes use an idempotent producer with ``acks=all`` (not a transactional one: every writer of
every chain shares the key-ring, and a transactional id would make them fence each other);
``put`` and ``shred`` return once the broker has confirmed the record. ``get`` reads the topic
(``read_committed``, no consumer group) up to the end offset taken when the call starts into
an in-memory map that later calls extend.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Final

from kafka import TopicPartition

from ledger.errors import InvalidInput, StoreError
from ledger.stores.base import KeyRing
from ledger.stores.kafka.errors import kafka_errors_translated
from ledger.stores.kafka.producer import make_producer
from ledger.stores.kafka.reading import ReaderPool, close_quietly, scan
from ledger.stores.kafka.settings import KafkaSettings, TopicSpec
from ledger.stores.kafka.topics import TopicAdmin

KEYRING_CONFIGS: Final = (
    ("segment.ms", "3600000"),
    ("max.compaction.lag.ms", "3600000"),
    ("min.cleanable.dirty.ratio", "0.01"),
    ("delete.retention.ms", str(30 * 24 * 3600 * 1000)),
)


class KafkaKeyRing(KeyRing):
    """:class:`KeyRing` over the compacted ``<prefix>.keyring`` topic."""

    def __init__(self, settings: KafkaSettings) -> None:
        self.settings = settings
        self.url = settings.url()
        self.spec = TopicSpec(settings.keyring_topic, compacted=True, single_partition=False,
                              extra_configs=KEYRING_CONFIGS)
        self._admin = TopicAdmin(settings)
        self._readers = ReaderPool(settings)
        self._lock = threading.RLock()
        self._producer: Any = None
        self._keys: dict[str, bytes | None] = {}  # None: shredded (tombstone seen)
        self._next: dict[Any, int] = {}
        self._closed = False
        try:
            self._admin.ensure([self.spec])
            self._next = dict.fromkeys(self._admin.partitions(self.spec.name), 0)
        except BaseException:
            self.close()
            raise

    @classmethod
    def from_url(cls, url: str) -> KafkaKeyRing:
        return cls(KafkaSettings.from_url(url))

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the Kafka key-ring is closed")

    def _catch_up(self) -> None:
        def on_record(record: Any) -> None:
            key = bytes(record.key or b"").decode("utf-8", "replace")
            self._keys[key] = None if record.value is None else bytes(record.value)
            self._next[TopicPartition(record.topic, record.partition)] = record.offset + 1

        with self._readers.consumer(self.spec.name) as consumer:
            ends = scan(consumer, dict(self._next), on_record,
                        timeout_ms=self.settings.timeout_ms, what="reading the key-ring")
        for tp, end in ends.items():
            self._next[tp] = max(self._next[tp], end)

    def _write(self, key_ref: str, value: bytes | None, action: str) -> None:
        with kafka_errors_translated(action):
            if self._producer is None:
                self._producer = make_producer(self.settings, None)
            deadline = time.monotonic() + self.settings.timeout_ms / 1000
            future = self._producer.send(self.spec.name, key=key_ref.encode("utf-8"),
                                         value=value, headers=[("skms-kind", b"data-key")])
            meta = future.get(timeout=max(0.001, deadline - time.monotonic()))
        self._keys[key_ref] = value
        tp = TopicPartition(meta.topic, meta.partition)
        if self._next.get(tp, 0) == meta.offset:
            self._next[tp] = meta.offset + 1

    @staticmethod
    def _check_ref(key_ref: str) -> None:
        if not isinstance(key_ref, str) or not key_ref:
            raise InvalidInput("key reference must be a non-empty string", field="key_ref")

    def put(self, key_ref: str, wrapped_data_key: bytes) -> None:
        self._check_ref(key_ref)
        if not wrapped_data_key:
            raise InvalidInput("wrapped data key must not be empty", field="wrapped_data_key")
        with self._lock:
            self._check_open()
            self._catch_up()
            if self._keys.get(key_ref) == bytes(wrapped_data_key):
                return
            # Like the other adapters, a put under a used reference replaces its value; the
            # ledger only ever puts under fresh references.
            self._write(key_ref, bytes(wrapped_data_key), f"storing data key {key_ref!r}")

    def get(self, key_ref: str) -> bytes | None:
        self._check_ref(key_ref)
        with self._lock:
            self._check_open()
            self._catch_up()
            return self._keys.get(key_ref)

    def shred(self, key_ref: str) -> None:
        self._check_ref(key_ref)
        with self._lock:
            self._check_open()
            self._catch_up()
            if key_ref in self._keys and self._keys[key_ref] is None:
                return  # already a tombstone
            # A tombstone also for a reference never seen here: another process may have put
            # it after our catch-up, and shredding must win.
            self._write(key_ref, None, f"shredding data key {key_ref!r}")

    def refs(self) -> list[str]:
        with self._lock:
            self._check_open()
            self._catch_up()
            return sorted(k for k, v in self._keys.items() if v is not None)

    def close(self) -> None:
        self._closed = True
        if self._producer is not None:
            close_quietly(self._producer, timeout=min(self.settings.timeout_ms / 1000, 5))
            self._producer = None
        self._readers.close()
        self._admin.close()
