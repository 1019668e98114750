"""The mapping of a log that starts mid-way (entities whose creation was never seen), events
of a type newer than the code, and a destruction that shreds only some versions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from typing import Any

from projections.models import (
    ACTOR_ROLE_HISTORY,
    ACTORS,
    KEY_EVENTS,
    KEY_LIFECYCLE_EVENTS,
    KEY_VERSIONS,
    KEYS,
    SIGNATURES,
    WALLET_BACKUPS,
    WALLET_RECOVERIES,
    WALLET_XPUB_EXPORTS,
    WALLETS,
    LoggedEvent,
    Table,
    decode,
    map_events,
)
from tests.projections.conftest import Ledger

CREATIONS = {"KeyGenerated", "ActorRegistered", "WalletCreated"}


class _Nothing:
    """An entity source that has seen none of the entities (a log read from mid-way)."""

    def load(self, table: Table, ids: Collection[str]) -> list[dict[str, Any]]:
        return []


class _Rows:
    """An entity source holding given rows."""

    def __init__(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        self.rows = rows

    def load(self, table: Table, ids: Collection[str]) -> list[dict[str, Any]]:
        return [dict(r) for r in self.rows.get(table.name, [])
                if r[str(table.entity_key)] in ids]


def _midway_events(ledger: Ledger) -> list[LoggedEvent]:
    return [e for e in ledger.events() if e.event_type not in CREATIONS]


def test_a_log_without_creations_invents_no_entity_state(lifecycle_ledger: Ledger) -> None:
    events = _midway_events(lifecycle_ledger)
    kinds = Counter(e.event_type for e in events)
    # The walk below covers every state handler with an unknown key, actor or wallet.
    assert {"KeyActivated", "KeyRotated", "KeySuspended", "KeyCompromised",
            "KeyDestructionScheduled", "KeyDestructionCancelled", "KeyDestroyed",
            "KeyPolicyChanged", "KeyDeactivated", "ActorRolesChanged", "ActorRevoked",
            "WalletXpubExported", "SecretSplit", "SecretRecovered", "SignatureIssued",
            "SignatureBatchIssued", "WalletAddressUsed"} <= set(kinds)
    for event in events:
        rows = map_events([event], _Nothing())
        assert rows.replaced[KEYS.name] == [], event.event_type
        assert rows.replaced[ACTORS.name] == [], event.event_type
        assert rows.replaced[WALLETS.name] == [], event.event_type
        assert rows.replaced[KEY_VERSIONS.name] == [] or event.event_type == "KeyRotated"
    rows = map_events(events, _Nothing())
    timeline = Counter(row[KEY_EVENTS.column_names.index("event_type")]
                       for row in rows.appended[KEY_EVENTS.name])
    # Every key lifecycle event still reaches the key's timeline.
    for kind in KEY_LIFECYCLE_EVENTS - CREATIONS:
        assert timeline[kind] == kinds[kind], kind
    assert len(rows.appended[SIGNATURES.name]) == lifecycle_ledger.signature_count()
    history = [dict(zip(ACTOR_ROLE_HISTORY.column_names, row, strict=True))
               for row in rows.appended[ACTOR_ROLE_HISTORY.name]]
    revoked = [h for h in history if h["event_type"] == "ActorRevoked"]
    assert revoked and all(h["previous_roles"] == [] for h in revoked)  # none known
    assert len(rows.appended[WALLET_XPUB_EXPORTS.name]) == kinds["WalletXpubExported"]
    assert len(rows.appended[WALLET_BACKUPS.name]) == kinds["SecretSplit"]
    assert len(rows.appended[WALLET_RECOVERIES.name]) == kinds["SecretRecovered"]
    assert rows.replaced == {KEYS.name: [], KEY_VERSIONS.name: rows.replaced[KEY_VERSIONS.name],
                             ACTORS.name: [], WALLETS.name: []}


def test_an_event_type_newer_than_the_code_adds_no_rows() -> None:
    event = LoggedEvent("payments", 7, "KeyTeleported", "bob-id", 1_000,
                        {"key_id": "k-1", "where": "mars"})
    rows = map_events([event], _Nothing())
    assert not any(rows.appended.values())
    assert not any(rows.replaced.values())


def _version(key_id: str, version: int, ref: str) -> dict[str, Any]:
    row = dict.fromkeys(KEY_VERSIONS.column_names)
    row.update(key_id=key_id, version=version, data_key_ref=ref)
    return row


def test_destruction_marks_only_the_shredded_versions(demo_ledger: Ledger) -> None:
    destroyed = next(e for e in demo_ledger.events() if e.event_type == "KeyDestroyed")
    key_id = destroyed.record["key_id"]
    keep, shred = _version(key_id, 1, "ref-kept"), _version(key_id, 2, "ref-shredded")
    record = {**destroyed.record, "shredded_refs": ["ref-shredded"]}
    event = LoggedEvent(destroyed.chain_id, destroyed.seq, "KeyDestroyed", destroyed.actor_id,
                        destroyed.recorded_at, record)
    rows = map_events([event], _Rows({KEY_VERSIONS.name: [keep, shred]}))
    versions = {row[KEY_VERSIONS.column_names.index("version")]:
                row[KEY_VERSIONS.column_names.index("shredded_at")]
                for row in rows.replaced[KEY_VERSIONS.name]}
    assert versions == {1: None, 2: destroyed.recorded_at}
    assert rows.replaced[KEYS.name] == []  # the key row itself was never seen


def test_decoded_demo_log_maps_in_one_batch(demo_ledger: Ledger) -> None:
    """The same log in one batch from scratch does build every key and actor."""
    events = [decode(e) for chain in sorted(demo_ledger.envelopes, key=lambda c: c != "system")
              for e in demo_ledger.envelopes[chain]]
    rows = map_events(events, _Nothing())
    assert len(rows.replaced[KEYS.name]) == demo_ledger.count("KeyGenerated")
    assert len(rows.replaced[ACTORS.name]) == demo_ledger.count("ActorRegistered")
