"""Command results kept in Kafka, so that a retry after a failover gets the original one.

Why: a client whose command the dead owner stored but never answered retries it with the
same command id at the chain's new owner, which finds the command in the chain (the ledger
replays it, nothing is stored twice) but cannot know its result: the events keep a
signature's digest, not the signature. The result lived only in the first owner's memory.

Requirements:

1. Only results that hold no secret are kept (the caller decides; a ``Sign`` result, a
   public key, a key id: never a plaintext or exported material). The topic
   ``<prefix>.results`` has the chain topics' retention (forever) and replication.
2. A batch's results are durable (``acks=all``, idempotent producer) before the batch's
   transaction starts: whenever a command's events are committed, its result can be found.
   A result whose command then fails to commit is never served (it is looked for only for
   a command the chain holds), and a command decided again after that writes its new
   result later, which wins.
3. Looking one up reads only the window around the command's time (record timestamps, via
   ``offsets_for_times``): a retry comes within the command's clock-skew window, so the
   window is bounded by the rate of results, not by the topic's length.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from kafka import TopicPartition

from ledger.stores.kafka.errors import kafka_errors_translated
from ledger.stores.kafka.producer import make_producer
from ledger.stores.kafka.reading import ReaderPool, close_quietly, scan
from ledger.stores.kafka.settings import KafkaSettings, TopicSpec
from ledger.stores.kafka.topics import TopicAdmin

WINDOW_MS = 10 * 60 * 1000  # either side of the command's issue time


class ResultJournal:
    """``write`` a batch's results before its commit; ``find`` one after a failover."""

    def __init__(self, settings: KafkaSettings) -> None:
        self.settings = settings
        self.topic = f"{settings.prefix}.results"
        self._partition = TopicPartition(self.topic, 0)
        self._admin = TopicAdmin(settings)
        self._admin.ensure([TopicSpec(self.topic, compacted=False, single_partition=True)])
        self._readers = ReaderPool(settings)
        self._producer: Any = None
        self._lock = threading.Lock()

    def write(self, results: Sequence[tuple[str, bytes]]) -> None:
        """Make ``(command id, result)`` pairs durable; raises ``StoreUnavailable`` (and the
        batch is not committed) when Kafka does not confirm them (requirement 2)."""
        if not results:
            return
        with self._lock, kafka_errors_translated("keeping the commands' results"):
            if self._producer is None:
                self._producer = make_producer(self.settings, None)
            futures = [self._producer.send(self.topic, key=command_id.encode("utf-8"),
                                           value=value, partition=0)
                       for command_id, value in results]
            self._producer.flush(timeout=self.settings.timeout_ms / 1000)
            for future in futures:
                future.get(timeout=self.settings.timeout_ms / 1000)

    def find(self, command_id: str, issued_at_us: int) -> bytes | None:
        """The latest result kept for ``command_id`` (requirement 3), None if there is none."""
        key = command_id.encode("utf-8")
        around_ms = issued_at_us // 1000
        found: list[bytes] = []

        def on_record(record: Any) -> None:
            if record.key == key and record.timestamp <= around_ms + WINDOW_MS:
                found.append(bytes(record.value))

        with self._readers.consumer(self.topic) as consumer, kafka_errors_translated(
                f"looking for the result of command {command_id}"):
            start = consumer.offsets_for_times({self._partition: max(0, around_ms - WINDOW_MS)})
            begin = start.get(self._partition)
            if begin is None:  # nothing written since then
                return None
            later = consumer.offsets_for_times({self._partition: around_ms + WINDOW_MS})
            stop = later.get(self._partition)
            ends = None if stop is None else {self._partition: int(stop.offset)}
            scan(consumer, {self._partition: int(begin.offset)}, on_record,
                 timeout_ms=self.settings.timeout_ms, what=f"reading {self.topic}", ends=ends)
        return found[-1] if found else None

    def close(self) -> None:
        with self._lock:
            if self._producer is not None:
                close_quietly(self._producer, timeout=5)
                self._producer = None
        self._readers.close()
        self._admin.close()

