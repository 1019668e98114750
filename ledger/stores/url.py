"""One config key picks the store: a URL.

``sqlite:////abs/path/ledger.db`` (key-ring in ``ledger.keyring.db`` beside it; three
slashes for a relative path), ``memory://``,
``kafka://host:port[,host:port][?prefix=...]`` (key-ring in a compacted topic).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from ledger.errors import ConfigurationError
from ledger.stores.base import EventStore, KeyRing


def sqlite_path(url: str, base: Path | None = None) -> Path:
    """The file of a ``sqlite:`` URL, as SQLAlchemy spells them: ``sqlite:////abs/path``
    (four slashes) is absolute, ``sqlite:///rel/path`` relative to ``base`` (a ledger
    home, whose config names its own store relatively so that the home can move) or to the
    working directory."""
    text = urlsplit(url).path
    if not text or text == "/" or text == "//":
        raise ConfigurationError("sqlite URL needs a file path", field="store",
                                 hint="e.g. sqlite:////var/lib/skms/ledger.db")
    if text.startswith("//"):
        return Path(text[1:])
    return (base or Path.cwd()) / text[1:]


def open_store(url: str, base: Path | None = None) -> tuple[EventStore, KeyRing]:
    """Open the event store and its key-ring named by ``url`` (relative sqlite paths are
    taken from ``base``). Each store module is imported only when its scheme is named: a
    SQLite ledger never loads the Kafka client."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        from ledger.stores.sqlite import SQLiteEventStore, SQLiteKeyRing

        path = sqlite_path(url, base)
        return SQLiteEventStore(path), SQLiteKeyRing(path.with_name(path.stem + ".keyring.db"))
    if parts.scheme == "memory":
        from ledger.stores.memory import MemoryEventStore, MemoryKeyRing

        return MemoryEventStore(), MemoryKeyRing()
    if parts.scheme == "kafka":
        from ledger.stores.kafka import open_kafka_store

        return open_kafka_store(url)
    raise ConfigurationError(f"unsupported store URL scheme {parts.scheme!r}", field="store",
                             hint="use sqlite:///PATH, kafka://HOST:PORT or memory://")
