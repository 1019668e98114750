"""Kafka store pieces that need no broker: the URL, topic naming, an unreachable cluster."""

from __future__ import annotations

import socket
import time

import pytest

from ledger.errors import ConfigurationError, StoreUnavailable
from ledger.stores.kafka import KafkaEventStore, KafkaSettings, chain_token


def test_url_parsing() -> None:
    settings = KafkaSettings.from_url(
        "kafka://127.0.0.1:19092,127.0.0.1:19093?prefix=skms.test&timeout_ms=1500")
    assert settings.bootstrap == ("127.0.0.1:19092", "127.0.0.1:19093")
    assert settings.prefix == "skms.test"
    assert settings.timeout_ms == 1500
    assert KafkaSettings.from_url(settings.url()) == settings
    assert KafkaSettings.from_url("kafka://h:1").prefix == "skms"
    for bad in ("sqlite:///x", "kafka://", "kafka://host", "kafka://h:1?prefix=a/b",
                "kafka://h:1?timeout_ms=0", "kafka://h:1?timeout_ms=10", "kafka://h:1?nope=1", "kafka://h:1/path"):
        with pytest.raises(ConfigurationError):
            KafkaSettings.from_url(bad)


def test_chain_ids_map_to_legal_distinct_topic_names() -> None:
    assert chain_token("main") == "main"
    assert chain_token("keys/ec:p256") == "keys_2fec_3ap256"
    assert chain_token("a_b") != chain_token("a.b")
    assert chain_token("é") == "_c3_a9"


def test_unreachable_broker_is_store_unavailable() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        KafkaEventStore.from_url(f"kafka://127.0.0.1:{port}?timeout_ms=1500")
    assert time.monotonic() - started < 30
