"""The shared store conformance suite (tests/store_conformance.py) on the Kafka store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from ledger.stores.base import EventStore, KeyRing
from ledger.stores.kafka import KafkaEventStore
from tests.kafka.conftest import delete_topics, require_broker
from tests.stores.conformance import StoreConformance

pytestmark = pytest.mark.kafka
require_broker(module_level=True)


class TestKafkaStore(StoreConformance):
    prefix = ""
    bootstrap = ""

    @pytest.fixture(autouse=True)
    def _kafka(self, kafka_bootstrap: str, kafka_admin: object) -> Iterator[None]:
        self.bootstrap = kafka_bootstrap
        self.prefix = "c" + uuid.uuid4().hex[:12]
        yield
        delete_topics(kafka_admin, self.prefix)

    def create_store(self) -> tuple[EventStore, KeyRing]:
        store = KafkaEventStore.from_url(
            f"kafka://{self.bootstrap}?prefix={self.prefix}&timeout_ms=20000")
        return store, store.keyring()

    def reopen_store(self, store: EventStore) -> EventStore | None:
        return KafkaEventStore.from_url(store.url)
