"""Transactional producers: creation, and commit or abort within a deadline."""

from __future__ import annotations

import logging
import time
from typing import Any

from kafka import KafkaProducer
from kafka import errors as kafka_errors

from ledger.stores.kafka.errors import short
from ledger.stores.kafka.settings import KafkaSettings

log = logging.getLogger(__name__)


def make_producer(settings: KafkaSettings, transactional_id: str | None) -> Any:
    config: dict[str, Any] = dict(
        settings.client_config(), acks="all", enable_idempotence=True, linger_ms=0,
        max_block_ms=settings.timeout_ms, delivery_timeout_ms=settings.timeout_ms,
        # kafka-python waits retry_backoff_ms between tries of AddPartitionsToTxn, which fails
        # with CONCURRENT_TRANSACTIONS while the previous commit's markers are written: 20 ms
        # (the Java client's value for that case) instead of 100 keeps an append ~15 ms.
        retry_backoff_ms=20,
        allow_auto_create_topics=False)
    if transactional_id is not None:
        config.update(transactional_id=transactional_id,
                      transaction_timeout_ms=settings.transaction_timeout_ms)
    return KafkaProducer(**config)


def remaining_ms(deadline: float) -> int:
    return max(1, int((deadline - time.monotonic()) * 1000))


def end_transaction(producer: Any, commit: bool, timeout_ms: int) -> None:
    """commit_transaction/abort_transaction with a bound (kafka-python's wait forever)."""
    manager = getattr(producer, "_transaction_manager", None)
    sender = getattr(producer, "_sender", None)
    if manager is None or sender is None:  # pragma: no cover - other kafka-python layouts
        if commit:
            producer.commit_transaction()
        else:
            producer.abort_transaction()
        return
    result = manager.begin_commit() if commit else manager.begin_abort()
    sender.wakeup()
    if not result.wait(timeout_ms=timeout_ms):
        verb = "commit" if commit else "abort"
        raise kafka_errors.KafkaTimeoutError(f"transaction {verb} not confirmed in {timeout_ms} ms")


def abort_quietly(producer: Any, timeout_ms: int) -> None:
    manager = getattr(producer, "_transaction_manager", None)
    try:
        if manager is not None and manager.has_fatal_error():
            return
        end_transaction(producer, commit=False, timeout_ms=timeout_ms)
    except Exception as exc:  # the append already failed; report that, not this
        log.debug("abort after a failed Kafka transaction failed too: %s", short(exc))
