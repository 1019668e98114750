"""One config key picks the store: a URL.

``sqlite:///abs/path/ledger.db`` (key-ring in ``keyring.db`` beside it), ``memory://``,
``kafka://host:port[,host:port][?prefix=...]`` (key-ring in a compacted topic).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from ledger.errors import ConfigurationError
from ledger.stores.base import EventStore, KeyRing


def open_store(url: str) -> tuple[EventStore, KeyRing]:
    """Open the event store and its key-ring named by ``url``."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        if not parts.path or parts.path == "/":
            raise ConfigurationError("sqlite URL needs a file path", field="store",
                                     hint="e.g. sqlite:////var/lib/skms/ledger.db")
        from ledger.stores.sqlite import SQLiteEventStore, SQLiteKeyRing

        path = Path(parts.path)
        return SQLiteEventStore(path), SQLiteKeyRing(path.with_name(path.stem + ".keyring.db"))
    if parts.scheme == "memory":
        from ledger.stores.memory import MemoryEventStore, MemoryKeyRing

        return MemoryEventStore(), MemoryKeyRing()
    if parts.scheme == "kafka":
        from ledger.stores.kafka import open_kafka_store

        return open_kafka_store(url)
    raise ConfigurationError(f"unsupported store URL scheme {parts.scheme!r}", field="store",
                             hint="use sqlite:///PATH, kafka://HOST:PORT or memory://")
