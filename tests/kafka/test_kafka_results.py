"""The result journal (ledger/stores/kafka/results.py) on the real cluster: a kept result is
found by its command id around the command's time, the latest kept wins, and nothing is
found for a command that kept none or outside the window."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from ledger.stores.kafka import KafkaSettings
from ledger.stores.kafka.results import WINDOW_MS, ResultJournal
from tests.kafka.conftest import delete_topics, require_broker

pytestmark = [pytest.mark.kafka]
require_broker(module_level=True)


@pytest.fixture
def journal(kafka_url: str, kafka_prefix: str, kafka_admin: object) -> Iterator[ResultJournal]:
    opened = ResultJournal(KafkaSettings.from_url(kafka_url))
    yield opened
    opened.close()
    delete_topics(kafka_admin, kafka_prefix)


def test_a_kept_result_is_found_by_command_id_and_the_latest_wins(
        journal: ResultJournal) -> None:
    now_us = time.time_ns() // 1000
    first, second, never = (str(uuid.uuid4()) for _ in range(3))
    journal.write([(first, b'{"signature":"01"}'), (second, b'{"signature":"02"}')])
    journal.write([(first, b'{"signature":"03"}')])  # decided again after a lost commit
    assert journal.find(first, now_us) == b'{"signature":"03"}'
    assert journal.find(second, now_us) == b'{"signature":"02"}'
    assert journal.find(never, now_us) is None
    # Issued long before anything was kept: the window holds none of these records.
    assert journal.find(first, now_us - 3 * WINDOW_MS * 1000) is None
    # Issued after the window reaches past every record: nothing written since then.
    assert journal.find(first, now_us + 3 * WINDOW_MS * 1000) is None


def test_nothing_to_write_writes_nothing(journal: ResultJournal) -> None:
    journal.write([])
    assert journal.find(str(uuid.uuid4()), time.time_ns() // 1000) is None
