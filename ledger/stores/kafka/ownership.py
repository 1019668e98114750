"""Which chains this process writes, when several services share one Kafka store.

Requirements:

1. Each chain has exactly one writer at a time, decided by Kafka's own means: the members
   form a consumer group over ``<prefix>.owners``, a topic with ``slots`` partitions and
   no records; a chain belongs to slot ``sha256(chain id) mod slots``, and the member the
   group assigns a slot's partition writes that slot's chains. Safety never rests on the
   group alone: a new owner's first step is the chain producer's ``init_transactions``,
   which fences every earlier writer of the chain, so a member that still believes it owns
   a chain (a paused process whose session expired) can store nothing more.
2. Taking a chain over fences its previous writer, settles the transaction it left open,
   reads the chain to its end and folds it into the ledger (``on_gained``) before the
   slot is served; losing a slot stops its writers first (``on_lost``), so a command that
   arrives meanwhile is refused with :class:`~ledger.errors.NotChainOwner`, not written.
3. The cooperative-sticky assignor moves only the slots that must move when members come
   and go, so a new member costs the others nothing but the slots it takes.
4. Every member advertises the URL its clients' requests can be forwarded to, in its group
   subscription's user data; :meth:`ChainOwnership.owner` reads the group's current
   assignment (DescribeGroups) to route a command to its chain's owner.
5. A member that dies (``kill -9``) is noticed when its session times out
   (``session_timeout_ms``; the brokers' ``group.min.session.timeout.ms`` bounds it from
   below); its slots then go to the living members, which take their chains over.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.coordinator.assignors.cooperative_sticky import CooperativeStickyAssignor

from ledger.errors import ConfigurationError, StoreUnavailable
from ledger.stores.kafka.errors import kafka_errors_translated
from ledger.stores.kafka.reading import close_quietly
from ledger.stores.kafka.settings import KafkaSettings, TopicSpec
from ledger.stores.kafka.topics import TopicAdmin

log = logging.getLogger(__name__)

DEFAULT_SLOTS = 16
ROUTE_CACHE_S = 1.0  # how long a read of the group's assignment answers owner()


def slot_of(chain_id: str, slots: int) -> int:
    """The slot (owners-topic partition) of a chain: stable across processes and restarts."""
    return int.from_bytes(hashlib.sha256(chain_id.encode("utf-8")).digest()[:8], "big") % slots


class _AdvertisingAssignor(CooperativeStickyAssignor):  # type: ignore[misc]
    """The cooperative-sticky assignor with this member's URL in its subscription."""

    name = "skms-owners"

    def __init__(self, advertise: str) -> None:
        super().__init__()
        self._advertise = advertise

    def metadata(self, topics: Any) -> Any:
        subscription = super().metadata(topics)
        subscription.user_data = self._advertise.encode("utf-8")
        return subscription


class ChainOwnership:
    """This process's membership of the owners' group; see the module docstring."""

    def __init__(self, settings: KafkaSettings, advertise: str, *,
                 chains: Callable[[], list[str]],
                 on_gained: Callable[[str], None], on_lost: Callable[[str], None],
                 slots: int = DEFAULT_SLOTS, session_timeout_ms: int = 6000) -> None:
        if not 1 <= slots <= 1024:
            raise ConfigurationError(f"ownership slots must be 1 to 1024, not {slots}")
        if not advertise.startswith(("https://", "http://")):
            raise ConfigurationError(f"the advertised URL {advertise!r} is not an http(s) URL",
                                     hint="give the URL other members forward requests to, "
                                          "e.g. https://10.0.0.5:8443")
        self.settings = settings
        self.advertise = advertise
        self.slots = slots
        self.group = f"{settings.prefix}.owners"  # the same name group_routes reads
        self._session_timeout_ms = session_timeout_ms
        self._chains = chains
        self._on_gained = on_gained
        self._on_lost = on_lost
        self._owned: set[int] = set()
        self._pending: set[int] = set()  # assigned, but taking a chain over failed: retried
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._assigned_once = threading.Event()
        self._thread: threading.Thread | None = None
        self._consumer: Any = None
        self._admin_client: Any = None
        self._routes: dict[int, str] = {}
        self._routes_at = 0.0
        self._routes_lock = threading.Lock()

    # --- membership ------------------------------------------------------------------------

    def start(self, *, wait_s: float = 30.0) -> None:
        """Join the group and wait for the first assignment (which may be empty)."""
        TopicAdmin(self.settings).ensure([TopicSpec(
            self.settings.owners_topic, compacted=True, single_partition=False,
            exact_partitions=self.slots)])
        with kafka_errors_translated(f"joining the owners' group {self.group}"):
            self._consumer = KafkaConsumer(
                **self.settings.client_config(), group_id=self.group,
                partition_assignment_strategy=[_AdvertisingAssignor(self.advertise)],
                session_timeout_ms=self._session_timeout_ms,
                heartbeat_interval_ms=max(100, self._session_timeout_ms // 6),
                enable_auto_commit=False)
            self._consumer.subscribe([self.settings.owners_topic], listener=_Listener(self))
        self._thread = threading.Thread(target=self._run, name="skms-owners", daemon=True)
        self._thread.start()
        if not self._assigned_once.wait(wait_s):
            raise StoreUnavailable(f"the owners' group {self.group} gave this process no "
                                   f"assignment within {wait_s:.0f} s",
                                   hint="check the brokers (tools/kafka/kafka.sh status)")

    def _run(self) -> None:
        """Poll so the group's rebalances reach the listener (the topic has no records), and
        retry the takeovers that failed."""
        while not self._stop.is_set():
            try:
                self._consumer.poll(timeout_ms=100)
                if self._pending:
                    self.gained(sorted(self._pending))
            except Exception as exc:
                log.warning("owners' group poll failed: %s", type(exc).__name__)
                time.sleep(0.2)

    def close(self) -> None:
        """Leave the group (the living members take the slots at once, without waiting
        for a session to time out) and give up every chain."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            owned, self._owned = set(self._owned), set()
        self._release(owned)
        if self._consumer is not None:
            close_quietly(self._consumer, timeout=5)
        if self._admin_client is not None:
            close_quietly(self._admin_client)

    # --- what this process owns -------------------------------------------------------------

    def owns(self, chain_id: str) -> bool:
        return slot_of(chain_id, self.slots) in self._owned

    def gained(self, partitions: list[int]) -> None:
        """Take the slots' chains over, then serve them (requirement 2)."""
        fresh = [p for p in partitions if p not in self._owned]
        chains = self._chains() if fresh else []
        for partition in fresh:
            self._pending.add(partition)
            try:
                for chain_id in chains:
                    if slot_of(chain_id, self.slots) == partition:
                        self._on_gained(chain_id)
            except Exception as exc:
                log.warning("taking slot %d over failed (%s); retrying", partition,
                            type(exc).__name__)
                continue
            with self._lock:
                self._owned.add(partition)
            self._pending.discard(partition)
        if fresh:
            log.info("owners' group: this process now writes slots %s", sorted(fresh))
        self.forget_routes()
        self._assigned_once.set()

    def lost(self, partitions: list[int]) -> None:
        """Stop serving the slots, then stop their writers (requirement 2)."""
        with self._lock:
            gone = {p for p in partitions if p in self._owned or p in self._pending}
            self._owned -= gone
            self._pending -= gone
        self._release(gone)
        if gone:
            log.info("owners' group: this process no longer writes slots %s", sorted(gone))
        self.forget_routes()

    def _release(self, slots: set[int]) -> None:
        if not slots:
            return
        for chain_id in self._chains():
            if slot_of(chain_id, self.slots) in slots:
                self._on_lost(chain_id)

    # --- routing ----------------------------------------------------------------------------

    def owner(self, chain_id: str) -> str | None:
        """The URL of the member that writes ``chain_id`` now, None while its slot moves."""
        slot = slot_of(chain_id, self.slots)
        if slot in self._owned:
            return self.advertise
        with self._routes_lock:
            if time.monotonic() - self._routes_at > ROUTE_CACHE_S or slot not in self._routes:
                self._routes = self._read_routes()
                self._routes_at = time.monotonic()
            return self._routes.get(slot)

    def forget_routes(self) -> None:
        self._routes_at = 0.0

    def _read_routes(self) -> dict[int, str]:
        with kafka_errors_translated(f"describing the owners' group {self.group}"):
            if self._admin_client is None:
                self._admin_client = KafkaAdminClient(**self.settings.client_config())
            return group_routes(self._admin_client, self.settings)


def group_routes(admin: Any, settings: KafkaSettings) -> dict[int, str]:
    """Slot -> URL of the member the owners' group assigns it to now (DescribeGroups)."""
    group = f"{settings.prefix}.owners"
    described = admin.describe_groups([group])[group]
    routes: dict[int, str] = {}
    for member in described.get("members") or []:
        metadata = member.get("member_metadata") or {}
        assignment = member.get("member_assignment") or {}
        url = metadata.get("user_data") if isinstance(metadata, dict) else None
        if not isinstance(url, str) or not url:
            continue
        for topic in (assignment.get("assigned_partitions") or []
                      if isinstance(assignment, dict) else []):
            if topic.get("topic") == settings.owners_topic:
                for partition in topic.get("partitions") or []:
                    routes[int(partition)] = url
    return routes


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, ownership: ChainOwnership) -> None:
        self._ownership = ownership

    def on_partitions_revoked(self, revoked: Any) -> None:
        self._ownership.lost([tp.partition for tp in revoked])

    def on_partitions_assigned(self, assigned: Any) -> None:
        self._ownership.gained([tp.partition for tp in assigned])

    def on_partitions_lost(self, lost: Any) -> None:
        self._ownership.lost([tp.partition for tp in lost])
