"""Projections fed from the Kafka store equal those fed from its SQLite replica."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ledger.errors import IllegalTransition
from ledger.replay import replay
from ledger.stores.sqlite import SQLiteEventStore
from projections.models import READ_MODELS
from projections.runner import ProjectionRunner
from tests.kafka.kafka_ledger import init_ledger, store_url
from tests.ledger.conftest import new_session

pytestmark = pytest.mark.kafka


def rows(database: Path) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {t.name: sorted(con.execute(f"SELECT * FROM {t.name}").fetchall(),
                               key=repr) for t in READ_MODELS}


def test_kafka_fed_projection_equals_sqlite_fed(kafka_bootstrap: str, kafka_prefix: str,
                                                tmp_path: Path) -> None:
    url = store_url(kafka_bootstrap, kafka_prefix)
    home = tmp_path / "home"
    init_ledger(home, url)
    session = new_session(home, url)
    try:
        key_id = session.act("alice", "CreateKey", "payments",
                                 {"algorithm": "ed25519"}).result["key_id"]
        for n in range(5):
            session.sign("bob", key_id, f"invoice {n}".encode())
        session.sign_batch("bob", key_id, [b"a", b"b", b"c"])
        session.key_command("alice", "SuspendKey", key_id, {"reason": "hold"})
        with pytest.raises(IllegalTransition):  # a refused sign is recorded, then raised
            session.sign("bob", key_id, b"refused")
        kafka_store, _ = session.store()
        replica = SQLiteEventStore(tmp_path / "replica.db")
        replay(kafka_store, replica)
        with ProjectionRunner(kafka_store, tmp_path / "from-kafka.duckdb") as runner:
            runner.update()
            assert all(s.lag == 0 for s in runner.status())
        with ProjectionRunner(replica, tmp_path / "from-sqlite.duckdb") as runner:
            runner.update()
        from_kafka = rows(tmp_path / "from-kafka.duckdb")
        assert from_kafka == rows(tmp_path / "from-sqlite.duckdb")
        assert len(from_kafka["signatures"]) == 8
        assert len(from_kafka["command_rejections"]) == 1
        replica.close()
    finally:
        session.close()
