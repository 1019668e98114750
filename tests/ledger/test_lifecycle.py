"""Key lifecycle through real commands: legal paths work, illegal ones are refused and recorded."""

from __future__ import annotations

import hashlib

import pytest

from commands.session import Session
from ledger.audit import Auditor
from ledger.crypto.schemes import get_scheme
from ledger.errors import CommandRejected, IllegalTransition, MaterialDestroyed, Unauthorized
from tests.ledger.conftest import create_key


def events_of(session: Session, chain: str) -> list[str]:
    store, _ = session.store()
    return [e.event_type for e in store.read(chain) if e.event_type != "CheckpointPublished"]


@pytest.mark.parametrize("algorithm", ["ed25519", "ecdsa-secp256k1", "ecdsa-p256"])
def test_sign_verifies_with_the_published_public_key(session: Session, algorithm: str) -> None:
    key_id = create_key(session, algorithm)
    message = b"pay 10 EUR to Mallory? no: to Alice"
    outcome = session.sign("bob", key_id, message)
    key = session.ledger().key(key_id)
    signature = bytes.fromhex(outcome.result["signature"])
    get_scheme(algorithm).verify(key.versions[1]["public_key"], message, signature)
    store, _ = session.store()
    issued = next(iter(store.read("default", outcome.seqs[0], outcome.seqs[0] + 1)))
    assert issued.event_type == "SignatureIssued"
    from ledger.envelope import open_envelope

    record = open_envelope(issued).event()
    assert record["message_digest"] == hashlib.sha256(message).digest()
    assert record["signature_digest"] == hashlib.sha256(signature).digest()


def test_full_lifecycle_states(session: Session) -> None:
    key_id = create_key(session, destruction_wait_days=0)
    ledger = session.ledger()
    assert ledger.key(key_id).state.value == "active"
    assert session.key_command("alice", "RotateKey", key_id).result["version"] == 2
    session.key_command("alice", "SuspendKey", key_id, {"reason": "investigation"})
    with pytest.raises(IllegalTransition) as refused:
        session.sign("bob", key_id, b"x")
    assert refused.value.seq is not None
    session.key_command("alice", "ReactivateKey", key_id, {"reason": "cleared"})
    session.key_command("alice", "RevokeKey", key_id, {"reason": "retired"})
    assert ledger.key(key_id).state.value == "deactivated"
    session.key_command("alice", "DestroyKey", key_id)
    assert ledger.key(key_id).state.value == "destroyed"
    assert events_of(session, "default")[-2:] == ["KeyDestructionScheduled", "KeyDestroyed"]
    Auditor(session.store()[0]).verify()


def test_destruction_waits_for_its_period_and_can_be_cancelled(session: Session) -> None:
    key_id = create_key(session, destruction_wait_days=30)
    session.key_command("alice", "RevokeKey", key_id)
    result = session.key_command("alice", "DestroyKey", key_id).result
    assert result["destroy_after"] > session.ledger().clock()
    with pytest.raises(IllegalTransition):
        session.key_command("alice", "DestroyKey", key_id)  # already scheduled, not due
    session.key_command("alice", "CancelDestruction", key_id, {"reason": "legal hold"})
    assert session.ledger().key(key_id).destroy_after is None


@pytest.mark.parametrize(("actor", "command", "error"), [
    ("bob", "RotateKey", Unauthorized),          # a signer cannot manage keys
    ("carol", "SuspendKey", Unauthorized),       # an auditor cannot either
    ("alice", "ReactivateKey", IllegalTransition),  # not suspended
    ("alice", "ActivateKey", IllegalTransition),    # already active
])
def test_refusals_are_recorded_as_events(session: Session, actor: str, command: str,
                                         error: type[CommandRejected]) -> None:
    key_id = create_key(session)
    with pytest.raises(error) as refused:
        session.key_command(actor, command, key_id)
    store, _ = session.store()
    recorded = next(iter(store.read("default", refused.value.seq, refused.value.seq + 1)))
    assert recorded.event_type == "CommandRejected"
    from ledger.envelope import open_envelope

    record = open_envelope(recorded).event()
    assert record["command_type"] == command
    assert record["reason_code"] == refused.value.reason_code
    Auditor(store).verify()


def test_signer_lacking_role_cannot_sign(session: Session) -> None:
    key_id = create_key(session)
    with pytest.raises(Unauthorized):
        session.sign("alice", key_id, b"x")


def test_revoked_actor_is_refused(session: Session) -> None:
    key_id = create_key(session)
    bob = session.ledger().actor("bob")
    session.act("admin", "RevokeActor", "system", {"actor_id": bob.actor_id, "reason": "left"})
    with pytest.raises(Unauthorized) as refused:
        session.sign("bob", key_id, b"x")
    assert refused.value.reason_code == "revoked-actor"


def test_domain_restriction(session: Session) -> None:
    session.add_actor("admin", "erin", ["signer"], ["treasury"])
    key_id = create_key(session, domain="payments")
    with pytest.raises(Unauthorized) as refused:
        session.sign("erin", key_id, b"x")
    assert refused.value.reason_code == "domain"


def test_policy_limits_signers_and_volume(session: Session) -> None:
    session.add_actor("admin", "frank", ["signer"], ["*"])
    key_id = create_key(session)
    bob_id = session.ledger().actor("bob").actor_id
    session.key_command("alice", "ChangeKeyPolicy", key_id,
                        {"allowed_signers": [bob_id], "max_signatures_per_day": 2})
    with pytest.raises(Unauthorized):
        session.sign("frank", key_id, b"x")
    session.sign("bob", key_id, b"1")
    session.sign("bob", key_id, b"2")
    with pytest.raises(IllegalTransition) as refused:
        session.sign("bob", key_id, b"3")
    assert refused.value.reason_code == "policy-limit"


def test_fips_mode_refuses_and_records_non_approved_algorithms(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.ledger.conftest import new_session

    fips = new_session(tmp_path / "fips")
    fips.initialize(name="fips", fips_mode=True)
    fips.add_actor("admin", "km", ["key-manager"], ["*"])
    fips.act("km", "CreateKey", "default", {"algorithm": "ecdsa-p256"})
    with pytest.raises(CommandRejected) as refused:
        fips.act("km", "CreateKey", "default", {"algorithm": "ecdsa-secp256k1"})
    assert refused.value.reason_code == "fips" and refused.value.seq is not None
    fips.close()


def test_destroyed_key_material_is_unrecoverable(session: Session) -> None:
    key_id = create_key(session, destruction_wait_days=0)
    key = session.ledger().key(key_id)
    version = key.versions[1]
    ledger = session.ledger()
    signature = ledger.material.sign(key.algorithm, key_id, 1, version, b"before")
    assert signature
    session.key_command("alice", "RevokeKey", key_id)
    session.key_command("alice", "DestroyKey", key_id)
    with pytest.raises(MaterialDestroyed):
        ledger.material.sign(key.algorithm, key_id, 1, version, b"after")


def test_shredding_defeats_every_copy_of_the_log_even_with_the_kek(
        session: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Copies of the log taken before destruction cannot unseal the key once it is destroyed."""
    import shutil

    from ledger.recipes.key_material import material_aad
    from ledger.recipes.sealing import unseal_private_key
    from ledger.stores.sqlite import SQLiteEventStore

    key_id = create_key(session, destruction_wait_days=0)
    ledger = session.ledger()
    version = ledger.key(key_id).versions[1]
    secret = unseal_private_key(version["sealed_material"], ledger.keyring.get(
        version["data_key_ref"]), ledger.material.kek, aad=material_aad(key_id, 1))
    home = session.home.path
    # The clear private key is nowhere on disk: not in the log, the key-ring, the home.
    for path in home.rglob("*"):
        if path.is_file():
            assert bytes(secret) not in path.read_bytes(), path
    backup = tmp_path / "log-backup.db"
    store, _ = session.store()
    shutil.copyfile(home / "ledger.db", backup)
    for suffix in ("-wal", "-shm"):
        if (home / f"ledger.db{suffix}").exists():
            shutil.copyfile(home / f"ledger.db{suffix}", tmp_path / f"log-backup.db{suffix}")
    session.key_command("alice", "RevokeKey", key_id)
    session.key_command("alice", "DestroyKey", key_id)
    copy = SQLiteEventStore(backup)
    from ledger.application import Ledger

    from_backup = Ledger(copy, ledger.keyring, kek=ledger.material.kek)
    from_backup.load()
    sealed = from_backup.key(key_id).versions[1]
    assert sealed["sealed_material"] == version["sealed_material"]
    with pytest.raises(MaterialDestroyed):
        unseal_private_key(sealed["sealed_material"], ledger.keyring.get(sealed["data_key_ref"]),
                           ledger.material.kek, aad=material_aad(key_id, 1))
    keyring_bytes = b"".join(p.read_bytes() for p in home.glob("ledger.keyring.db*"))
    assert version["data_key_ref"].encode() not in keyring_bytes
    Auditor(copy).verify()
    Auditor(store).verify()  # event hashes cover only ciphertext: still intact
    copy.close()
