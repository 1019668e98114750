"""A cluster member folds the chains other members write before a read answers
(``Ledger.catch_up`` on a store whose heads are remote; the Kafka cluster test runs the same
through real members)."""

from __future__ import annotations

from commands.session import Session
from tests.ledger.conftest import create_key, new_session


def test_a_member_reads_what_the_writer_of_a_chain_appended(session: Session) -> None:
    reader_session = new_session(session.home.path)
    try:
        reader = reader_session.ledger()
        reader.store.local_head = False  # as a Kafka store: nobody else appends, but...
        reader.writes = lambda chain_id: False  # ...this member writes no chain
        key_id = create_key(session)
        session.sign("bob", key_id, b"signed by the writer")
        assert key_id not in reader.keys
        reader.catch_up()
        assert reader.key(key_id).signature_count == 1
        session.sign("bob", key_id, b"and again")
        reader.catch_up()
        assert reader.key(key_id).signature_count == 2
        assert reader.chain("default").head_hash == session.ledger().chain("default").head_hash
    finally:
        reader_session.close()


def test_a_process_writing_every_chain_of_a_remote_store_folds_nothing(session: Session) -> None:
    reader_session = new_session(session.home.path)
    try:
        reader = reader_session.ledger()
        reader.store.local_head = False  # one writer per chain, and it is this process
        key_id = create_key(session)
        reader.catch_up()
        assert key_id not in reader.keys
    finally:
        reader_session.close()
