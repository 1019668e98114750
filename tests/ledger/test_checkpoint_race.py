"""A checkpoint never outlives a lost commit race between two processes on one home.

Two ledgers over one SQLite file stand for ``skms serve`` and a CLI process: the first has
decided a command (its envelope is queued, not committed) when the second commits at the
same seq. A checkpoint the first then publishes covers the queued envelope; its event
fails with the envelope, so its note must not be stored either, or every later audit
finds a stored root that no chain has.
"""

from __future__ import annotations

import pytest

from commands.handlers import begin, execute
from commands.session import Session
from ledger.audit import Auditor
from ledger.errors import ConcurrencyError
from tests.ledger.conftest import create_key, new_session
from tests.ledger.test_begin import signed_sign


def test_a_checkpoint_over_an_envelope_that_lost_a_race_is_not_stored(session: Session) -> None:
    key_id = create_key(session)
    ledger = session.ledger()
    store, _ = session.store()
    stored_before = [c.size for c in store.checkpoints("default")]
    pending = begin(ledger, signed_sign(session, "bob", key_id, b"queued"),
                    {"message": b"queued"})
    assert pending is not None and pending.ticket is not None
    other = new_session(session.home.path)
    try:
        other_ledger = other.ledger()
        execute(other_ledger, signed_sign(other, "bob", key_id, b"committed elsewhere"),
                {"message": b"committed elsewhere"})
        with pytest.raises(ConcurrencyError):
            ledger.checkpoint("default")
        assert [c.size for c in store.checkpoints("default")] == stored_before
        outcome = pending.complete()  # decided again on the new head
        assert outcome.seqs and not outcome.replayed
        published = ledger.checkpoint("default")
    finally:
        other.close()
    assert [c.size for c in store.checkpoints("default")] == [*stored_before, published.size]
    report = Auditor(store).verify()
    (default,) = [chain for chain in report.chains if chain.chain_id == "default"]
    assert default.last_checkpoint_size == published.size
