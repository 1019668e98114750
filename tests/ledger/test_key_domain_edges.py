"""The Key aggregate's refusals, decided on a real aggregate built by its own events: a
destroyed key refuses every change, destruction steps out of order, custody (escrow and
export) of a key that does not allow it, and zero-knowledge records made twice. Each
refusal names the key and changes nothing (no event is left pending)."""

from __future__ import annotations

import uuid

import pytest

from ledger.domain.key import DAY_MICROS, DEFAULT_POLICY, Key, KeyState
from ledger.errors import IllegalTransition, KeyMaterialDestroyed, NotFound

T0 = 1_700_000_000_000_000


def new_key(**policy: object) -> Key:
    key: Key = Key.create(
        Key.Generated, aggregate_id=uuid.uuid4(), at=T0, key_id="", domain="default",
        label=None, algorithm="ed25519", usage=["sign"], version=1, public_key=b"\x01" * 32,
        sealed_material=b"sealed", data_key_ref="dk-1",
        policy={**DEFAULT_POLICY, **policy})
    key.collect_events()
    return key


def refused(key: Key, error: type[Exception], call: object, *args: object,
            **kwargs: object) -> Exception:
    """``call(*args, **kwargs)`` raises ``error`` and leaves no event pending."""
    version = key.version
    with pytest.raises(error) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    assert key.pending_events == []
    assert key.version == version
    return caught.value


def destroyed_key(*, exportable: bool = False) -> Key:
    key = new_key(destruction_wait_days=1)
    if exportable:
        key.record_provenance(origin="imported", exportable=True, import_token_id=None, at=T0)
    key.record_escrow(version=1, agent_id="agent-a", sealed_escrow=b"e", escrow_ref="esc-1",
                      escrow_digest=b"d" * 32, at=T0)
    after = key.schedule_destruction(T0)
    assert after == T0 + DAY_MICROS
    assert key.destroy(after) == ["dk-1", "esc-1"]
    assert key.state is KeyState.DESTROYED
    key.collect_events()
    return key


# ------------------------------------------------------------------------- destroyed


def test_a_destroyed_key_refuses_every_change() -> None:
    key = destroyed_key()
    problem = refused(key, IllegalTransition, key.destroy, T0 + 10 * DAY_MICROS)
    assert str(problem) == f"cannot destroy key {key.id} in state destroyed"
    assert problem.hint == "allowed only while the key is not yet destroyed"  # type: ignore
    problem = refused(key, IllegalTransition, key.cancel_destruction, "oops", at=T0)
    assert str(problem) == f"no destruction of key {key.id} is pending"
    problem = refused(key, IllegalTransition, key.record_escrow, version=1, agent_id="b",
                      sealed_escrow=b"e", escrow_ref="esc-2", escrow_digest=b"d", at=T0)
    assert str(problem) == f"cannot escrow key {key.id} in state destroyed"
    problem = refused(key, IllegalTransition, key.change_policy, dict(DEFAULT_POLICY), at=T0)
    assert str(problem) == f"cannot change the policy of key {key.id} in state destroyed"
    problem = refused(key, IllegalTransition, key.set_chain_policy, actor_id="a",
                      allowed_networks=[], allowed_recipients=[], allowed_sighash=[], at=T0)
    assert str(problem) == f"cannot set the chain policy of key {key.id} in state destroyed"
    problem = refused(key, IllegalTransition, key.set_version_floors, 1, 1, at=T0)
    assert str(problem) == f"cannot change the policy of key {key.id} in state destroyed"


def test_a_destroyed_key_has_nothing_to_export_or_release() -> None:
    key = destroyed_key(exportable=True)
    problem = refused(key, KeyMaterialDestroyed, key.check_can_export, None)
    assert str(problem) == f"key {key.id} was destroyed; nothing to export"
    assert problem.reason_code == "material-destroyed"  # type: ignore[attr-defined]
    problem = refused(key, KeyMaterialDestroyed, key.check_can_release_escrow, "agent-a")
    assert "its escrow copies were shredded with it" in str(problem)


def test_the_fold_refuses_a_release_or_export_recorded_after_destruction() -> None:
    """The events' own ``apply`` (which the auditor's fold runs) refuse what the decisions
    would have: a release of a destroyed key's escrow, an export of a destroyed key."""
    key = destroyed_key(exportable=True)
    problem = refused(key, IllegalTransition, key.record_escrow_release, agent_id="agent-a",
                      versions=[1], package_digest=b"p", reason="r", actor_id="a", at=T0)
    assert str(problem) == f"key {key.id} was destroyed: its escrow copy is gone"
    assert problem.reason_code == "key-destroyed"  # type: ignore[attr-defined]
    problem = refused(key, IllegalTransition, key.record_export, key_version=1,
                      material_format="raw", wrapping_key_digest=b"w", wrapped_digest=b"x",
                      actor_id="a", at=T0)
    assert str(problem) == f"key {key.id} has no live version 1 to export"


# ------------------------------------------------------------------------- destruction order


def test_destruction_steps_out_of_order_are_refused() -> None:
    key = new_key(destruction_wait_days=2)
    problem = refused(key, IllegalTransition, key.destroy, T0)
    assert str(problem) == f"destruction of key {key.id} was not scheduled"
    problem = refused(key, IllegalTransition, key.cancel_destruction, "why", at=T0)
    assert str(problem) == f"no destruction of key {key.id} is pending"
    after = key.schedule_destruction(T0)
    key.collect_events()
    problem = refused(key, IllegalTransition, key.schedule_destruction, T0 + 1)
    assert str(problem) == f"destruction of key {key.id} is already scheduled"
    problem = refused(key, IllegalTransition, key.destroy, after - 1)
    assert problem.reason_code == "waiting-period"  # type: ignore[attr-defined]
    key.cancel_destruction("kept after all", at=T0 + 5)
    assert [e.event_type for e in key.collect_events()] == ["KeyDestructionCancelled"]
    assert key.destroy_after is None


# ------------------------------------------------------------------------- custody


def test_escrow_release_needs_a_copy_held_by_the_named_agent() -> None:
    key = new_key()
    problem = refused(key, IllegalTransition, key.check_can_release_escrow, None)
    assert (str(problem), problem.reason_code) == (  # type: ignore[attr-defined]
        f"key {key.id} has no escrow copy", "not-escrowed")
    key.activate(at=T0)
    key.rotate(public_key=b"\x02" * 32, sealed_material=b"s2", data_key_ref="dk-2", at=T0)
    key.record_escrow(version=1, agent_id="agent-a", sealed_escrow=b"e", escrow_ref="esc-1",
                      escrow_digest=b"d", at=T0)
    key.record_escrow(version=2, agent_id="agent-b", sealed_escrow=b"e", escrow_ref="esc-2",
                      escrow_digest=b"d", at=T0)
    key.collect_events()
    assert key.escrow_agents() == ["agent-a", "agent-b"]
    for agent in (None, "agent-c"):
        problem = refused(key, IllegalTransition, key.check_can_release_escrow, agent)
        assert (str(problem), problem.reason_code) == (  # type: ignore[attr-defined]
            f"key {key.id} is escrowed with agent-a, agent-b", "wrong-agent")
    assert key.check_can_release_escrow("agent-b") == ("agent-b", [2])
    problem = refused(key, IllegalTransition, key.record_escrow_release, agent_id="agent-a",
                      versions=[1, 2], package_digest=b"p", reason="r", actor_id="a", at=T0)
    assert str(problem) == (f"key {key.id} holds no escrow copy for agent agent-a of "
                            "versions [2]")
    problem = refused(key, IllegalTransition, key.record_escrow_release, agent_id="agent-a",
                      versions=[], package_digest=b"p", reason="r", actor_id="a", at=T0)
    assert "of versions []" in str(problem)
    key.record_escrow_release(agent_id="agent-a", versions=[1], package_digest=b"p",
                              reason="court order", actor_id="a", at=T0)
    assert key.escrow_releases == 1
    assert key.shreddable_refs() == ["dk-1", "dk-2", "esc-1", "esc-2"]


def test_export_needs_an_exportable_key_and_a_version_it_has() -> None:
    key = new_key()
    problem = refused(key, IllegalTransition, key.check_can_export, None)
    assert (str(problem), problem.reason_code) == (  # type: ignore[attr-defined]
        f"key {key.id} is not exportable", "not-exportable")
    problem = refused(key, IllegalTransition, key.record_export, key_version=1,
                      material_format="raw", wrapping_key_digest=b"w", wrapped_digest=b"x",
                      actor_id="a", at=T0)
    assert problem.reason_code == "not-exportable"  # type: ignore[attr-defined]
    key.record_provenance(origin="imported", exportable=True, import_token_id="tok", at=T0)
    key.collect_events()
    problem = refused(key, IllegalTransition, key.check_can_export, 3)
    assert (str(problem), problem.reason_code) == (  # type: ignore[attr-defined]
        f"key {key.id} has no version 3", "unknown-version")
    problem = refused(key, IllegalTransition, key.record_export, key_version=3,
                      material_format="raw", wrapping_key_digest=b"w", wrapped_digest=b"x",
                      actor_id="a", at=T0)
    assert str(problem) == f"key {key.id} has no live version 3 to export"
    assert key.check_can_export(None) == 1
    problem = refused(key, IllegalTransition, key.record_provenance, origin="imported",
                      exportable=True, import_token_id=None, at=T0)
    assert problem.reason_code == "provenance-late"  # type: ignore[attr-defined]


# ------------------------------------------------------------------------- version floors


def test_version_floors_outside_the_versions_are_refused_and_unchanged_ones_record_nothing(
        ) -> None:
    key = new_key()
    key.activate(at=T0)
    key.rotate(public_key=b"\x02" * 32, sealed_material=b"s2", data_key_ref="dk-2", at=T0)
    key.collect_events()
    problem = refused(key, IllegalTransition, key.set_version_floors, 3, None, at=T0)
    assert str(problem) == f"key {key.id} has versions 1 to 2; min_decrypt_version 3 is outside"
    assert problem.field == "min_decrypt_version"  # type: ignore[attr-defined]
    problem = refused(key, IllegalTransition, key.set_version_floors, None, 0, at=T0)
    assert problem.field == "min_verify_version"  # type: ignore[attr-defined]
    key.set_version_floors(None, None, at=T0)
    assert key.pending_events == []
    key.set_version_floors(None, 2, at=T0)
    assert [e.event_type for e in key.collect_events()] == ["KeyVersionFloorsSet"]
    assert key.verifiable_versions() == [2]
    problem = refused(key, IllegalTransition, key.check_version_floor, "verify", 1)
    assert problem.reason_code == "version-retired"  # type: ignore[attr-defined]
    key.check_version_floor("decrypt", 1)


# ------------------------------------------------------------------------- zero knowledge


def test_a_commitment_or_a_ceremony_is_recorded_once() -> None:
    key = new_key()
    key.record_commitment(actor_id="a", key_version=1, commitment_id="c1",
                          commitment=b"\x03" * 33, parts=[], at=T0)
    key.collect_events()
    problem = refused(key, IllegalTransition, key.record_commitment, actor_id="a",
                      key_version=1, commitment_id="c1", commitment=b"\x04", parts=[], at=T0)
    assert (str(problem), problem.reason_code) == (  # type: ignore[attr-defined]
        "commitment c1 exists already", "exists")
    problem = refused(key, NotFound, key.record_commitment, actor_id="a", key_version=1,
                      commitment_id="c2", commitment=b"\x04", parts=["c1", "nope"], at=T0)
    assert str(problem) == f"key {key.id} made no commitment 'nope'"
    assert problem.field == "commitment_id"  # type: ignore[attr-defined]

    setup = {"actor_id": "a", "circuit": "square", "transcript_digest": b"t",
             "zkey_digest": b"z", "wasm_digest": b"w", "vkey_digest": b"v", "n_public": 1,
             "power": 8, "tools": ["snarkjs"]}
    key.record_snark_setup(**setup, at=T0)  # type: ignore[arg-type]
    key.collect_events()
    problem = refused(key, IllegalTransition, key.record_snark_setup, **setup, at=T0)
    assert str(problem) == f"version 1 of key {key.id} has its ceremony already"
    problem = refused(key, NotFound, key.record_snark_proof, actor_id="a", key_version=2,
                      proof_digest=b"p", public_signals=[], public_digest=b"d", at=T0)
    assert str(problem) == f"key {key.id} version 2 has no recorded ceremony"
    assert problem.field == "key_id"  # type: ignore[attr-defined]
    assert key.setup(1)["circuit"] == "square"
