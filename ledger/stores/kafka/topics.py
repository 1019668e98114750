"""Topic creation, and the start-up check that existing topics keep the ledger's guarantees."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from kafka import KafkaAdminClient, TopicPartition
from kafka import errors as kafka_errors
from kafka.admin import ConfigResource, ConfigResourceType

from ledger.errors import (
    StoreError,
    StoreMisconfigured,
    StoreUnavailable,
)
from ledger.stores.kafka.errors import kafka_errors_translated
from ledger.stores.kafka.reading import close_quietly
from ledger.stores.kafka.settings import KafkaSettings, TopicSpec


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
        """The topic's partitions, as ``TopicPartition`` objects.

        A topic seen (or created) a moment ago may be unknown to the broker this request
        reaches, which has not caught up yet: then the question is asked again, for up to
        the store's timeout (a CI run failed on exactly that right after creation)."""
        found = (self._describe_until_known([name]) if name in self._known
                 else self._describe([name]))
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

    def _describe_until_known(self, names: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Describe topics that exist: brokers learn of a new topic one by one, so ask until
        the one we reach knows them all, with their partitions (or the timeout passes)."""
        deadline = time.monotonic() + self._settings.timeout_ms / 1000
        while True:
            found = self._describe(names)
            if (all(found.get(n, {}).get("partitions") for n in names)
                    or time.monotonic() > deadline):
                return found
            time.sleep(0.05)

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
            request = {s.name: {"num_partitions": s.partitions_on_creation,
                                "replication_factor": replicas,
                                "configs": self.create_configs(s, min_isr)} for s in missing}
            with self._lock, kafka_errors_translated(
                    "creating Kafka topics " + ", ".join(sorted(request))):
                admin = self._admin()
                # TopicAlreadyExists: another process was first; the topics are checked below.
                with suppress(kafka_errors.TopicAlreadyExistsError):
                    admin.create_topics(request, timeout_ms=self._settings.timeout_ms)
                admin.wait_for_topics(list(request), timeout_ms=self._settings.timeout_ms)
            found = self._describe_until_known(names)
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
    if spec.exact_partitions and len(partitions) != spec.exact_partitions:
        problems.append(f"partitions is {len(partitions)}, must be {spec.exact_partitions} "
                        "(one per ownership slot)")
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
