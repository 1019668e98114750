"""The Kafka event store: one fenced transactional writer per chain, state rebuilt on start."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from kafka import TopicPartition

from ledger.errors import (
    ConcurrencyError,
    InvalidInput,
    NotChainOwner,
    StoreError,
    StoreUnavailable,
    WriterFenced,
)
from ledger.stores.base import (
    ChainHead,
    EventStore,
    KeyRing,
    StoredCheckpoint,
    StoredEnvelope,
    check_link,
)
from ledger.stores.kafka.errors import is_fenced, kafka_errors_translated, short, translate
from ledger.stores.kafka.keyring import KafkaKeyRing
from ledger.stores.kafka.producer import (
    abort_quietly,
    end_transaction,
    make_producer,
    remaining_ms,
)
from ledger.stores.kafka.reading import ReaderPool, close_quietly, scan
from ledger.stores.kafka.records import (
    decode_checkpoint,
    decode_envelope,
    encode_checkpoint,
    encode_envelope,
)
from ledger.stores.kafka.settings import FORMAT, KafkaSettings, TopicSpec, chain_topics
from ledger.stores.kafka.topics import TopicAdmin

log = logging.getLogger(__name__)


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
        # Set by a cluster member (ledger/stores/kafka/ownership.py): a chain whose slot the
        # consumer group gave to another member is not written here, so no stray append or
        # checkpoint of this process can fence its owner.
        self.may_write: Callable[[str], bool] | None = None
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
        """A :class:`~ledger.stores.kafka.keyring.KafkaKeyRing` on the same cluster and prefix."""
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

        with self._readers.consumer(st.events.name) as consumer:
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

        with self._readers.consumer(st.checkpoint_topic.name) as consumer:
            ends = scan(consumer, {tp: st.cp_next_offset}, on_record,
                        timeout_ms=self.settings.timeout_ms,
                        what=f"reading the checkpoints of chain {st.chain_id!r}")
        st.cp_next_offset = max(st.cp_next_offset, ends[tp])

    def _catch_up_registry(self) -> list[str]:
        """Read the registry's new records; returns the sorted chain ids."""
        with self._registry_lock, self._readers.consumer(
                self.settings.registry_topic) as consumer:
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
        if self.may_write is not None and not self.may_write(st.chain_id):
            raise NotChainOwner(f"chain {st.chain_id!r} is owned by another member of the "
                                "cluster; nothing was stored",
                                hint="send the command to the chain's owner")
        if st.fenced is not None:
            raise WriterFenced(st.fenced, hint="stop this writer; the newer one owns the chain")
        if st.producer is not None:
            return st.producer
        return self._start_writer(st)

    def _start_writer(self, st: _ChainState) -> Any:
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

    def take_over(self, chain_id: str) -> None:
        """Become the chain's writer now: fence whoever wrote it, settle the transaction it
        left open and read the chain to its end. Why a call of its own: a consumer group
        has just given the chain (back) to this process, and a fencing this process
        suffered earlier from the member that held it meanwhile no longer stands."""
        st = self._state(chain_id)
        with st.lock:
            self._drop_writer(st)
            self._start_writer(st)

    def release(self, chain_id: str) -> None:
        """Stop writing the chain (the group gave it to another member). An append in flight
        finishes first: it holds the chain's lock."""
        st = self._state(chain_id)
        with st.lock:
            self._drop_writer(st)

    @staticmethod
    def _drop_writer(st: _ChainState) -> None:
        if st.producer is not None:
            close_quietly(st.producer, timeout=0)
            st.producer = None
        st.fenced = None

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
                f"{self.settings.timeout_ms} ms ({short(exc)}); it was not acknowledged",
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
            with self._readers.consumer(tp.topic) as consumer, kafka_errors_translated(
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
               expected_seq: int, prev_hash: bytes | None = None) -> None:
        st = self._state(chain_id)
        with st.lock:
            producer = self._writer(st)
            next_seq = len(st.offsets)
            if expected_seq != next_seq:
                raise ConcurrencyError(
                    f"chain {chain_id!r}: append expected seq {expected_seq} but the next seq "
                    f"is {next_seq}", hint="reload the chain and retry the command")
            check_link(chain_id, prev_hash, st.head_hash if next_seq else None)
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
                metas = [f.get(timeout=remaining_ms(deadline) / 1000) for f in futures]
                end_transaction(producer, commit=True, timeout_ms=remaining_ms(deadline))
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
        with self._readers.consumer(st.events.name) as consumer:
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
                meta = future.get(timeout=remaining_ms(deadline) / 1000)
                end_transaction(producer, commit=True, timeout_ms=remaining_ms(deadline))
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
