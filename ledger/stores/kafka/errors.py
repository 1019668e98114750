"""kafka-python errors become ledger errors here, and nowhere else."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

from kafka import errors as kafka_errors

from ledger.errors import (
    ConfigurationError,
    InvalidInput,
    StoreError,
    StoreUnavailable,
    WriterFenced,
)
from ledger.stores.kafka.settings import _MESSAGE_LIMIT

_FENCED_ERRORS: Final[tuple[type[BaseException], ...]] = (
    kafka_errors.ProducerFencedError,
    kafka_errors.InvalidProducerEpochError,
)


def short(exc: BaseException) -> str:
    text = str(exc)
    if not text.startswith(type(exc).__name__):
        text = f"{type(exc).__name__}: {text}"
    return text if len(text) <= _MESSAGE_LIMIT else text[:_MESSAGE_LIMIT] + "..."


def is_fenced(exc: BaseException, producer: Any = None) -> bool:
    """True when ``exc`` (or the producer's recorded fatal error) says another writer won."""
    if isinstance(exc, _FENCED_ERRORS):
        return True
    manager = getattr(producer, "_transaction_manager", None)
    last_error = getattr(manager, "last_error", None)
    if callable(last_error):
        try:
            if isinstance(last_error(), _FENCED_ERRORS):
                return True
        except Exception:  # noqa: S110 - defensive: private kafka-python API
            pass
    return "ProducerFenced" in str(exc)


def translate(exc: BaseException, action: str) -> Exception:
    """Turn a kafka-python (or socket) error into the ledger error a user sees."""
    if isinstance(exc, StoreError | ConfigurationError | InvalidInput):
        return exc
    if not isinstance(exc, Exception):
        raise exc
    detail = short(exc)
    if isinstance(exc, _FENCED_ERRORS):
        return WriterFenced(f"{action}: another writer took over ({detail})",
                            hint="stop this writer; the newer one owns the chain")
    if isinstance(exc, kafka_errors.AuthorizationError):
        return StoreError(f"{action}: Kafka refused access ({detail})",
                          hint="check the ACLs for this principal, prefix and transactional id")
    if isinstance(exc, kafka_errors.KafkaConfigurationError):
        return ConfigurationError(f"{action}: bad Kafka client configuration ({detail})")
    if isinstance(exc, kafka_errors.RetriableError | kafka_errors.TransactionAbortedError
                  | kafka_errors.CoordinatorNotAvailableError | OSError | TimeoutError):
        return StoreUnavailable(f"{action}: Kafka did not answer in time ({detail})",
                                hint="check that the brokers are up (tools/kafka/kafka.sh status)"
                                     " and retry; nothing was acknowledged")
    if isinstance(exc, kafka_errors.KafkaError):
        return StoreError(f"{action}: Kafka error ({detail})")
    return StoreError(f"{action}: {detail}")


@contextmanager
def kafka_errors_translated(action: str) -> Iterator[None]:
    """Run a block whose kafka-python errors become ledger errors."""
    try:
        yield
    except (kafka_errors.KafkaError, OSError, TimeoutError) as exc:
        raise translate(exc, action) from exc
