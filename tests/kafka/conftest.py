"""Fixtures for the tests that need a real Kafka (start one with ``tools/kafka/kafka.sh up``).

``SKMS_KAFKA_BOOTSTRAP`` names the brokers (default ``127.0.0.1:19092``). When none answers,
the tests are skipped with one line, or fail when ``CI=true``.

For the shared store conformance suite: ``make_kafka_store()`` opens a
:class:`~ledger.stores.kafka.KafkaEventStore` on a prefix unique to the test (every call of
one test shares the prefix, so a second call is "the same store after a restart" or "a second
writer"); ``kafka_store`` is the first one; ``make_kafka_keyring()`` likewise. Every store is
closed and the test's topics are deleted afterwards.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator

import pytest

from ledger.stores.kafka import KafkaEventStore, KafkaSettings
from ledger.stores.kafka.keyring import KafkaKeyRing

BOOTSTRAP = os.environ.get("SKMS_KAFKA_BOOTSTRAP", "127.0.0.1:19092")


def _unreachable(bootstrap: str) -> str | None:
    for hostport in bootstrap.split(","):
        host, _, port = hostport.strip().rpartition(":")
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=2).close()
            return None
        except (OSError, ValueError) as exc:
            error = f"{hostport}: {exc}"
    return error


def require_broker(*, module_level: bool = False) -> str:
    """The bootstrap servers; without a broker: skip (one line), or fail when ``CI=true``.

    A test module calls it at import with ``module_level=True`` so that its tests are skipped
    as one entry of the summary instead of one per test. Under ``CI=true`` that call does
    nothing (a failure while collecting would stop the whole run); each test then fails
    through the ``kafka_bootstrap`` fixture and the other tests still run.
    """
    error = _unreachable(BOOTSTRAP)
    if error is not None:
        message = (f"no Kafka broker at SKMS_KAFKA_BOOTSTRAP={BOOTSTRAP} ({error}); "
                   "start one with: tools/kafka/kafka.sh up")
        if os.environ.get("CI", "").lower() == "true":
            if module_level:
                return BOOTSTRAP
            pytest.fail(message, pytrace=False)
        pytest.skip(message, allow_module_level=module_level)
    return BOOTSTRAP


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return require_broker()


@pytest.fixture
def kafka_prefix() -> str:
    return "t" + uuid.uuid4().hex[:12]


@pytest.fixture
def kafka_url(kafka_bootstrap: str, kafka_prefix: str) -> str:
    return f"kafka://{kafka_bootstrap}?prefix={kafka_prefix}&timeout_ms=20000"


@pytest.fixture
def kafka_admin(kafka_bootstrap: str) -> Iterator[object]:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap.split(","),
                             client_id="skms-tests", request_timeout_ms=20000)
    yield admin
    admin.close()


@pytest.fixture
def make_kafka_store(kafka_url: str, kafka_prefix: str,
                     kafka_admin: object) -> Iterator[Callable[[], KafkaEventStore]]:
    opened: list[KafkaEventStore | KafkaKeyRing] = []

    def make() -> KafkaEventStore:
        store = KafkaEventStore.from_url(kafka_url)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()
    delete_topics(kafka_admin, kafka_prefix)


@pytest.fixture
def kafka_store(make_kafka_store: Callable[[], KafkaEventStore]) -> KafkaEventStore:
    return make_kafka_store()


@pytest.fixture
def make_kafka_keyring(kafka_url: str, kafka_prefix: str,
                       kafka_admin: object) -> Iterator[Callable[[], KafkaKeyRing]]:
    opened: list[KafkaKeyRing] = []

    def make() -> KafkaKeyRing:
        ring = KafkaKeyRing(KafkaSettings.from_url(kafka_url))
        opened.append(ring)
        return ring

    yield make
    for ring in opened:
        ring.close()
    delete_topics(kafka_admin, kafka_prefix)


def delete_topics(admin: object, prefix: str) -> None:
    try:
        names = [n for n in admin.list_topics() if n.startswith(prefix + ".")]  # type: ignore[attr-defined]
        if names:
            admin.delete_topics(names)  # type: ignore[attr-defined]
    except Exception:  # best effort: a leftover topic only costs disk
        pass
