"""A broker that has not caught up with a topic just created is asked again, not believed.

No broker needed: the admin's describe call is replaced by one that answers like a lagging
broker (the topic unknown) a few times before the topic appears.
"""

from __future__ import annotations

from typing import Any

import pytest
from kafka import TopicPartition

from ledger.errors import StoreError
from ledger.stores.kafka.settings import KafkaSettings
from ledger.stores.kafka.topics import TopicAdmin

NAME = "lag.keyring"


def lagging_admin(unknown_answers: int) -> tuple[TopicAdmin, list[int]]:
    admin = TopicAdmin(KafkaSettings.from_url("kafka://127.0.0.1:9?prefix=lag&timeout_ms=5000"))
    calls: list[int] = []

    def describe(names: Any) -> dict[str, dict[str, Any]]:
        calls.append(len(calls))
        if len(calls) <= unknown_answers:
            return {}
        return {NAME: {"partitions": [{"partition_index": 1}, {"partition_index": 0}]}}

    admin._describe = describe  # type: ignore[method-assign]
    return admin, calls


def test_partitions_of_a_topic_just_created_wait_for_a_lagging_broker() -> None:
    admin, calls = lagging_admin(unknown_answers=3)
    admin._known.add(NAME)  # ensure() created or saw it
    assert admin.partitions(NAME) == [TopicPartition(NAME, 0), TopicPartition(NAME, 1)]
    assert len(calls) == 4


def test_a_topic_never_seen_is_missing_at_once() -> None:
    admin, calls = lagging_admin(unknown_answers=3)
    with pytest.raises(StoreError, match="does not exist"):
        admin.partitions(NAME)
    assert len(calls) == 1
