"""The auditor re-checks custody decisions from the log alone: an export of a key that was
not created exportable, a second use of an import token, an escrow release of versions the
agent holds no copy of. The events' own fold refuses them, so a compromised or buggy writer
that skipped the handler's checks is named at the seq it wrote.

The forged export is written by a ledger whose checks were switched off (the envelopes are
well sealed and chained, so only the fold can catch it); the token and escrow rules are
shown on the aggregates directly, as the auditor's fold applies the same events.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from commands.session import Session
from ledger.audit import Auditor
from ledger.domain.custody import ImportToken
from ledger.domain.key import DEFAULT_POLICY, Key
from ledger.errors import IllegalTransition, VerificationError
from tests.ledger.conftest import new_session


@pytest.fixture
def session(tmp_path: Any) -> Iterator[Session]:
    """Without the default approval rules: these forgeries are of the fold's own checks,
    so the forged export runs at once."""
    current = new_session(tmp_path / "home")
    current.initialize(name="custody-audit", checkpoint_every_events=50,
                       default_approvals=False)
    current.add_actor("admin", "alice", ["key-manager"], ["*"])
    yield current
    current.close()


def test_a_forged_export_of_a_key_not_created_exportable_is_named(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    key_id = str(session.run("alice", "CreateKey", domain="default",
                             algorithm="ed25519").result["key_id"])
    pem = rsa.generate_private_key(public_exponent=65537, key_size=3072).public_key(
    ).public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    Auditor(session.store()[0]).verify()  # clean so far
    # the writer's checks switched off: the handler's and the event's own
    monkeypatch.setattr(Key, "check_can_export", lambda self, version: self.current_version)
    monkeypatch.setattr(Key.Exported, "apply", lambda self, aggregate: None)
    forged = session.run("alice", "ExportKey", key_id=key_id, wrapping_public_key=pem)
    monkeypatch.undo()
    with pytest.raises(VerificationError) as found:
        Auditor(session.store()[0]).verify()
    assert found.value.seq == forged.seqs[0]
    assert "not exportable" in found.value.message


def _token() -> ImportToken:
    return ImportToken.create(
        ImportToken.Issued, aggregate_id=uuid.uuid4(), at=10, token_id="t", domain="default",
        algorithm="ed25519", wrapping_public_key=b"k", sealed_wrapping_key=b"s",
        wrapping_key_ref="t/wrap", expires_at=100, actor_id="a")


def test_an_import_token_folds_one_redemption_before_it_expires() -> None:
    token = _token()
    token.trigger_event(ImportToken.Redeemed, at=20, token_id="t", key_id="k1",
                        shredded_ref="t/wrap", actor_id="a")
    with pytest.raises(IllegalTransition, match="already used"):
        token.trigger_event(ImportToken.Redeemed, at=30, token_id="t", key_id="k2",
                            shredded_ref="t/wrap", actor_id="a")
    with pytest.raises(IllegalTransition, match="had expired"):
        _token().trigger_event(ImportToken.Redeemed, at=100, token_id="t", key_id="k1",
                               shredded_ref="t/wrap", actor_id="a")


def _key() -> Key:
    return Key.create(Key.Generated, aggregate_id=uuid.uuid4(), at=1, key_id="k", domain="d",
                      label=None, algorithm="ed25519", usage=["sign", "verify"], version=1,
                      public_key=bytes(32), sealed_material=b"sealed", data_key_ref="k/v1",
                      policy=dict(DEFAULT_POLICY))


def _release(key: Key, agent: str, versions: list[int]) -> None:
    key.trigger_event(Key.EscrowReleased, at=5, key_id="k", agent_id=agent, versions=versions,
                      package_digest=bytes(32), reason="court order", actor_id="a")


def test_an_escrow_release_folds_only_copies_the_agent_holds() -> None:
    key = _key()
    with pytest.raises(IllegalTransition, match="no escrow copy"):
        _release(key, "agent-1", [1])
    key.trigger_event(Key.Escrowed, at=2, key_id="k", version=1, agent_id="agent-1",
                      sealed_escrow=b"e", escrow_ref="k/v1/escrow", escrow_digest=bytes(32))
    with pytest.raises(IllegalTransition, match="no escrow copy"):
        _release(key, "agent-2", [1])
    with pytest.raises(IllegalTransition, match="no escrow copy"):
        _release(key, "agent-1", [1, 2])
    _release(key, "agent-1", [1])
    assert key.escrow_releases == 1
