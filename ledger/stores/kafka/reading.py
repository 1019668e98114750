"""``read_committed`` consumers (manual assignment, no group) and the bounded scan loop.

Readers never make a producer, so an auditor can never fence the chain's writer.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, Final

from kafka import KafkaConsumer

from ledger.errors import (
    StoreUnavailable,
)
from ledger.stores.kafka.errors import kafka_errors_translated
from ledger.stores.kafka.settings import KafkaSettings


class ReaderPool:
    """``read_committed`` consumers without a group, lent out one per read in progress.

    Idle consumers are kept by the topics they last read, and a read takes one that read
    the same topics. Why: kafka-python keeps metadata only for the topics a consumer is
    assigned, so a consumer switched to other topics waits for a metadata refresh before
    its first offset lookup — measured at about 100 ms per switch on the local cluster
    (docs/performance.md, "Kafka store"), against 1.5-2 ms for a head lookup that does not
    switch.
    """

    _MAX_IDLE: Final = 24  # in all; the least recently returned goes first

    def __init__(self, settings: KafkaSettings) -> None:
        self._settings = settings
        self._idle: OrderedDict[frozenset[str], list[Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def consumer(self, *topics: str) -> Iterator[Any]:
        """A consumer for reading ``topics`` (the ones the caller will assign)."""
        key = frozenset(topics)
        consumer = self._take(key)
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
            evicted = [consumer]
            if healthy:
                with suppress(Exception):  # drop the assignment: its topic may be deleted
                    consumer.unsubscribe()
                evicted = self._give_back(key, consumer)
            for unwanted in evicted:
                close_quietly(unwanted)

    def _take(self, key: frozenset[str]) -> Any | None:
        with self._lock:
            idle = self._idle.get(key)
            if not idle:
                return None
            consumer = idle.pop()
            if not idle:
                del self._idle[key]
            return consumer

    def _give_back(self, key: frozenset[str], consumer: Any) -> list[Any]:
        """Keep ``consumer`` idle; returns the consumers the caller must close (it, once the
        pool is closed; else the oldest idle ones beyond ``_MAX_IDLE``)."""
        with self._lock:
            if self._closed:
                return [consumer]
            self._idle.setdefault(key, []).append(consumer)
            self._idle.move_to_end(key)
            evicted = []
            while sum(len(consumers) for consumers in self._idle.values()) > self._MAX_IDLE:
                oldest_key, oldest = next(iter(self._idle.items()))
                evicted.append(oldest.pop(0))
                if not oldest:
                    del self._idle[oldest_key]
            return evicted

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle = [c for consumers in self._idle.values() for c in consumers]
            self._idle.clear()
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
