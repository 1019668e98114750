"""Handler refusals through the ledger (Session -> handler -> SQLite): a command that
names the wrong chain, the wrong kind of subject or data that does not match what it
signed is refused with the field and the reason, and nothing is recorded but the refusal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commands.builders import build
from commands.handlers import HANDLERS, decide_for, execute, wipe
from commands.handlers.registry import check_complete, handles
from commands.session import Session, now_micros
from ledger.authorization import SYSTEM_CHAIN
from ledger.catalogue import CATALOGUE
from ledger.command import SYSTEM_ACTOR, Command
from ledger.envelope import open_envelope
from ledger.errors import (
    AuthenticationFailed,
    CommandRejected,
    InvalidInput,
    NotFound,
)
from tests.ledger.conftest import create_key, new_session


def event_types(session: Session, chain: str = "default") -> list[str]:
    store, _ = session.store()
    return [open_envelope(e).event_type for e in store.read(chain)]


def tampered(session: Session, actor: str, command: str, changes: dict[str, Any],
             **params: Any) -> Any:
    """Build ``command`` as a client would, change some signed arguments, sign and run it."""
    built = build(CATALOGUE.command(command), params, session.resolver())
    return session.act(actor, command, built.chain_id, {**built.args, **changes},
                       inputs=built.inputs)


@pytest.fixture
def open_session(tmp_path: Path) -> Iterator[Session]:
    """A ledger without the default approval rules (policies are set at once)."""
    current = new_session(tmp_path / "open")
    current.initialize(name="open", checkpoint_every_events=8, default_approvals=False)
    current.add_actor("admin", "alice", ["key-manager"], ["*"])
    current.add_actor("admin", "bob", ["signer"], ["*"])
    current.add_actor("admin", "carol", ["auditor"], ["*"])
    yield current
    current.close()


# --- actors ---------------------------------------------------------------------------------

def test_an_actor_cannot_revoke_itself(session: Session) -> None:
    admin = session.identity("admin").actor_id
    with pytest.raises(CommandRejected) as refused:
        session.run("admin", "RevokeActor", actor_id=admin, reason="leaving")
    assert refused.value.reason_code == "self-revoke"
    assert refused.value.message == "an actor cannot revoke itself"
    assert not session.ledger().actor(admin).revoked


def test_the_ledger_identity_registers_only_the_first_admin(session: Session) -> None:
    ledger_key = session.home.ledger_key(session.kek())
    signed = Command("RegisterActor", SYSTEM_ACTOR, SYSTEM_CHAIN, {
        "name": "mallory", "public_key": "11" * 32, "roles": ["admin"], "domains": ["*"]},
        now_micros()).sign(ledger_key)
    with pytest.raises(CommandRejected) as refused:
        execute(session.ledger(), signed)
    assert refused.value.reason_code == "bootstrap-only"
    assert "registers only the first admin" in refused.value.message
    assert "mallory" not in {a.name for a in session.ledger().actors.values()}


# --- keys -----------------------------------------------------------------------------------

def test_keys_live_in_key_domains_not_the_system_chain(session: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        session.act("alice", "CreateKey", SYSTEM_CHAIN, {"algorithm": "ed25519"})
    assert refused.value.field == "domain"
    assert "not the system chain" in refused.value.message
    assert session.ledger().state.keys == {}


def test_a_key_on_the_hsm_is_neither_exportable_nor_escrowed(session: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        session.run("alice", "CreateKey", algorithm="ecdsa-p256", backend="pkcs11",
                    exportable=True)
    assert refused.value.field == "exportable"
    assert refused.value.message == "a key on the HSM cannot be exported or escrowed"


def test_an_explicit_null_signer_list_means_no_restriction(session: Session) -> None:
    key_id = session.act("alice", "CreateKey", "default",
                         {"algorithm": "ed25519", "allowed_signers": None}).result["key_id"]
    assert session.ledger().key(key_id).policy["allowed_signers"] == []
    assert session.sign("bob", key_id, b"anyone may sign").result["signature"]


def test_a_key_command_on_another_domain_is_refused(session: Session) -> None:
    key_id = create_key(session)
    with pytest.raises(CommandRejected) as refused:
        session.act("alice", "SuspendKey", "payments", {"key_id": key_id, "reason": "x"})
    assert (refused.value.field, refused.value.reason_code) == ("chain_id", "wrong-chain")
    assert "belongs to domain 'default', not 'payments'" in refused.value.message
    assert session.ledger().key(key_id).state.value == "active"


def test_sign_batch_digests_must_match_the_messages(session: Session) -> None:
    key_id = create_key(session)
    messages = [b"one", b"two"]
    with pytest.raises(InvalidInput) as short:
        tampered(session, "bob", "SignBatch", {"message_digests": ["00" * 32]},
                 key_id=key_id, messages=messages)
    assert (short.value.field, short.value.message) == (
        "messages", "one message per digest is required")
    built = build(CATALOGUE.command("SignBatch"), {"key_id": key_id, "messages": messages},
                  session.resolver())
    swapped = list(reversed(built.args["message_digests"]))
    with pytest.raises(InvalidInput) as wrong:
        tampered(session, "bob", "SignBatch", {"message_digests": swapped},
                 key_id=key_id, messages=messages)
    assert wrong.value.field == "message_digests[0]"
    assert wrong.value.message == "message 0 does not match its signed digest"
    assert "SignaturesIssued" not in event_types(session)


def test_decrypting_a_blob_without_a_header_is_refused_as_unauthentic(session: Session) -> None:
    key_id = create_key(session, "aes-256-gcm")
    with pytest.raises(AuthenticationFailed) as refused:
        session.decrypt("bob", key_id, b"\x00not a ciphertext")
    assert refused.value.message == (f"ciphertext does not authenticate under key {key_id}: "
                                     "ciphertext has unknown format 0")


# --- approval policies and requests ---------------------------------------------------------

def test_a_policy_for_a_missing_key_is_refused(open_session: Session) -> None:
    with pytest.raises(NotFound) as refused:
        open_session.act("admin", "SetApprovalPolicy", SYSTEM_CHAIN,
                         {"command": "ExportKey", "key_id": "no-such-key", "approvals": 1})
    assert refused.value.field == "key_id"
    assert refused.value.message == "no key or wallet 'no-such-key'"


def test_a_key_policy_is_set_on_the_keys_own_chain(open_session: Session) -> None:
    key_id = create_key(open_session)
    with pytest.raises(InvalidInput) as refused:
        open_session.act("admin", "SetApprovalPolicy", SYSTEM_CHAIN,
                         {"command": "ExportKey", "key_id": key_id, "approvals": 1})
    assert refused.value.field == "key_id"
    assert refused.value.message == f"{key_id} lives in domain 'default'"


def test_a_domain_policy_is_set_on_its_own_chain(open_session: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        open_session.act("admin", "SetApprovalPolicy", "default",
                         {"command": "ExportKey", "domain": "payments", "approvals": 1})
    assert refused.value.field == "domain"
    assert refused.value.message == "a rule for domain 'payments' is set on its own chain"


def test_a_ledger_wide_policy_is_set_on_the_system_chain(open_session: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        open_session.act("admin", "SetApprovalPolicy", "default",
                         {"command": "ExportKey", "approvals": 1})
    assert refused.value.field == "domain"
    assert refused.value.message == "a ledger-wide rule is set on the system chain"


def test_a_threat_policy_names_a_key_not_a_wallet(open_session: Session) -> None:
    wallet_id = open_session.create_wallet("alice").result["wallet_id"]
    with pytest.raises(NotFound) as refused:
        open_session.run("admin", "SetThreatPolicy", key_id=wallet_id, threshold=50,
                         action="suspend", lift_approvals=1)
    assert refused.value.field == "key_id"
    assert refused.value.message == f"no key {wallet_id!r}"


def test_an_approval_is_decided_in_its_own_chain(session: Session) -> None:
    key_id = create_key(session, exportable=True)
    held = session.run("alice", "ExportKey", key_id=key_id,
                       wrapping_public_key=_rsa_wrapping_pem().encode()).result
    assert held["status"] == "pending"
    session.add_actor("admin", "dave", ["approver"], ["*"])
    with pytest.raises(InvalidInput) as refused:
        session.act("dave", "ApproveRequest", SYSTEM_CHAIN,
                    {"approval_id": held["approval_id"],
                     "request_digest": held["request_digest"]})
    assert refused.value.field == "approval_id"
    assert refused.value.message == (f"approval {held['approval_id']} is in chain 'default', "
                                     "not 'system'")
    assert session.ledger().state.approval(held["approval_id"]).approvers == []


def _rsa_wrapping_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


# --- custody --------------------------------------------------------------------------------

def test_import_parameters_are_for_a_key_domain(session: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        session.act("alice", "GetImportParameters", SYSTEM_CHAIN, {"algorithm": "ed25519"})
    assert refused.value.field == "domain"
    assert refused.value.message == "keys live in key domains, not the system chain"


# --- dispatch and registration --------------------------------------------------------------

def test_an_unknown_command_type_has_no_handler(session: Session) -> None:
    signed = Command("Sign", "actor", "default", {}, 1).sign(bytearray(32))
    object.__setattr__(signed.command, "command_type", "Teleport")
    with pytest.raises(InvalidInput) as refused:
        decide_for(signed)
    assert refused.value.field == "command.type"
    assert refused.value.message == "unknown command type 'Teleport'"


def test_wipe_zeroes_the_secrets_of_a_result_and_ignores_anything_else() -> None:
    secret = bytearray(b"secret")
    wipe({"key": secret, "label": "kept"})
    assert secret == bytearray(6)
    others = [bytearray(b"x")]
    wipe(others)
    assert others == [bytearray(b"x")]


def test_a_command_has_one_handler() -> None:
    with pytest.raises(RuntimeError, match="Sign has two handlers"):
        handles("Sign")(lambda decision: {})
    assert HANDLERS["Sign"].__name__ == "sign"


def test_every_catalogue_command_needs_a_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    check_complete()
    monkeypatch.delitem(HANDLERS, "Sign")
    with pytest.raises(RuntimeError, match=r"handlers missing for \['Sign'\]"):
        check_complete()



# --- wallets --------------------------------------------------------------------------------

def test_a_wallet_passphrase_must_be_utf8(session: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        session.run("alice", "CreateWallet", passphrase=b"\xff\xfe")
    assert refused.value.field == "passphrase"
    assert session.ledger().state.wallets == {}


def test_has_passphrase_must_say_whether_one_is_given(session: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        tampered(session, "alice", "CreateWallet", {"has_passphrase": False},
                 passphrase=b"extra words")
    assert refused.value.field == "has_passphrase"
    assert refused.value.message == "has_passphrase must say whether a passphrase is given"


def test_bip_purposes_need_the_secp256k1_curve(session: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        session.create_wallet("alice", purposes=["84"], curves=["ed25519"])
    assert refused.value.field == "curves"
    assert refused.value.message == "BIP-44/49/84/86 purposes need the secp256k1 curve"


def test_addresses_and_xpubs_name_a_coin_of_their_purpose(session: Session) -> None:
    wallet_id = session.create_wallet("alice", purposes=["84", "slip10"],
                                      curves=["secp256k1", "ed25519"]).result["wallet_id"]
    with pytest.raises(InvalidInput) as address:
        session.derive_address("bob", wallet_id, purpose="84", coin="ethereum")
    assert address.value.field == "coin"
    assert "for purpose 84" in address.value.message
    with pytest.raises(InvalidInput) as slip10:
        session.export_xpub("alice", wallet_id, purpose="slip10")
    assert (slip10.value.field, slip10.value.message) == (
        "purpose", "SLIP-10 accounts have no extended public key")
    with pytest.raises(InvalidInput) as xpub:
        session.export_xpub("alice", wallet_id, purpose="84", coin="ethereum")
    assert xpub.value.field == "coin"
    assert "for purpose 84" in xpub.value.message


def test_recovery_refuses_shares_that_are_not_the_ones_named(session: Session) -> None:
    wallet_id = session.create_wallet("alice").result["wallet_id"]
    documents = session.backup_wallet("alice", wallet_id, threshold=2,
                                      custodians=["ann", "ben", "cy"]).result["documents"]
    shares = [json.dumps(dict(d)).encode() for d in documents[:2]]
    with pytest.raises(InvalidInput) as named:
        tampered(session, "alice", "RecoverWallet", {"share_indexes": [1, 3]}, shares=shares)
    assert named.value.field == "share_indexes"
    assert named.value.message == "the presented shares are not the ones the command names"
    built = build(CATALOGUE.command("RecoverWallet"), {"shares": shares}, session.resolver())
    with pytest.raises(InvalidInput) as garbled:
        session.act("alice", "RecoverWallet", built.chain_id, built.args,
                    inputs={"shares": [shares[0], b"[1, 2]"]})
    assert garbled.value.field == "shares"
    assert garbled.value.message == "presented share 2 is not a share document"


# --- privacy --------------------------------------------------------------------------------

def test_approval_groups_live_in_key_domains_and_hold_no_revoked_member(
        session: Session) -> None:
    session.add_actor("admin", "dave", ["signer"], ["*"])
    dave = session.identity("dave").actor_id
    bob = session.identity("bob").actor_id
    with pytest.raises(InvalidInput) as system:
        session.act("alice", "CreateApprovalGroup", SYSTEM_CHAIN,
                    {"members": [bob, dave], "quorum": 1})
    assert (system.value.field, system.value.message) == (
        "domain", "approval groups live in key domains")
    session.run("admin", "RevokeActor", actor_id=dave, reason="left")
    with pytest.raises(CommandRejected) as revoked:
        session.run("alice", "CreateApprovalGroup", members=[bob, dave], quorum=1)
    assert (revoked.value.field, revoked.value.reason_code) == ("members", "revoked")
    assert revoked.value.message == "actor dave is revoked"
    carol = session.identity("carol").actor_id
    group_id = session.run("alice", "CreateApprovalGroup", members=[bob, carol],
                           quorum=1).result["group_id"]
    with pytest.raises(CommandRejected) as elsewhere:
        session.act("carol", "RingApprove", "payments",
                    {"group_id": group_id, "proposal": "p", "message_digest": "00" * 32,
                     "signature": "00"}, inputs={"message": b"m"})
    assert (elsewhere.value.field, elsewhere.value.reason_code) == ("chain_id", "wrong-chain")
    assert f"approval group {group_id} belongs to domain 'default'" in elsewhere.value.message


# --- proofs ---------------------------------------------------------------------------------

def test_proofs_and_circuits_are_recorded_in_a_key_domain(session: Session) -> None:
    with pytest.raises(InvalidInput) as stark:
        session.act("bob", "ProveStark", SYSTEM_CHAIN, {"start": "00" * 32, "steps": 4})
    assert stark.value.field == "domain"
    assert "not the system chain" in stark.value.message
    with pytest.raises(InvalidInput) as circuit:
        session.act("alice", "RegisterCircuit", SYSTEM_CHAIN,
                    {"circuit": "c", "transcript_digest": "00" * 32},
                    inputs={"transcript": b"t", "zkey": b"z", "wasm": b"w", "vkey": b"v"})
    assert (circuit.value.field, circuit.value.message) == (
        "domain", "keys live in key domains, not the system chain")
    recorded = event_types(session, SYSTEM_CHAIN) + event_types(session)
    assert not [e for e in recorded if "Stark" in e or "Circuit" in e]


# --- backups --------------------------------------------------------------------------------

def test_a_backup_names_no_destroyed_key_and_a_restore_takes_json(session: Session) -> None:
    from ledger.recipes import custody_keys

    key_id = create_key(session, destruction_wait_days=0)
    session.key_command("alice", "RevokeKey", key_id)
    session.key_command("alice", "DestroyKey", key_id)
    custodian = custody_keys.generate("ann")[0]
    with pytest.raises(InvalidInput) as destroyed:
        session.run("admin", "CreateBackup", key_ids=[key_id], threshold=1,
                    custodians=[custodian])
    assert destroyed.value.field == "key_ids"
    assert destroyed.value.message == f"key {key_id} was destroyed; nothing to back up"
    live = create_key(session)
    made = session.run("admin", "CreateBackup", key_ids=[live], threshold=1,
                       custodians=[custodian]).result
    with pytest.raises(InvalidInput) as garbled:
        session.run("admin", "RestoreBackup", backup_id=made["backup_id"],
                    bundle=b"{not json", shares=[b"{}"])
    assert (garbled.value.field, garbled.value.message) == ("bundle", "not a JSON document")


# --- threat findings, imports and chain transactions ----------------------------------------

def test_a_threat_finding_lists_each_feature_once_with_whole_numbers() -> None:
    from commands.handlers.threats import checked_features

    good = {"name": "rate", "observed_milli": 9000, "expected_milli": 1000,
            "surprise_milli": 5000, "points": 40}
    assert checked_features([good], 40) == [good]
    for bad in ({**good, "points": -1}, {**good, "points": True}, {**good, "extra": 1}):
        with pytest.raises(InvalidInput) as refused:
            checked_features([bad], 40)
        assert refused.value.field == "features"
        assert refused.value.message.startswith("feature rate: give non-negative integers")
    with pytest.raises(InvalidInput) as twice:
        checked_features([good, good], 80)
    assert (twice.value.field, twice.value.message) == ("features", "a feature is named twice")
    with pytest.raises(InvalidInput) as unknown:
        checked_features([{**good, "name": "moon-phase"}], 40)
    assert unknown.value.field == "features"


def test_an_import_takes_the_usages_of_its_algorithm_and_may_stay_inactive(
        session: Session) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    from tests.custody.test_byok import PKCS8, user_wrap

    def wrapped_token() -> tuple[str, bytes]:
        answer = session.run("alice", "GetImportParameters", algorithm="ecdsa-p256").result
        material = ec.generate_private_key(ec.SECP256R1()).private_bytes(*PKCS8)
        return answer["token"], user_wrap(answer["wrapping_public_key"], material)

    token, wrapped = wrapped_token()
    with pytest.raises(InvalidInput) as usage:
        session.run("alice", "ImportKey", token=token, wrapped=wrapped, usage=["encrypt"])
    assert usage.value.field == "usage"
    assert usage.value.message.startswith("a ecdsa-p256 key may only have usages")
    token, wrapped = wrapped_token()
    imported = session.run("alice", "ImportKey", token=token, wrapped=wrapped,
                           activate=False).result
    assert imported["state"] == "pre-activation"
    assert session.ledger().key(imported["key_id"]).state.value == "pre-activation"


def test_a_chain_transaction_declares_its_value_as_decimal_text(session: Session) -> None:
    from tests.chains import inputs

    key_id = create_key(session, "ecdsa-secp256k1")
    tx = inputs.as_json(inputs.eip1559(value=10**17))
    with pytest.raises(InvalidInput) as hex_value:
        tampered(session, "bob", "SignEvmTransaction", {"value": "0x10"}, key_id=key_id, tx=tx)
    assert (hex_value.value.field, hex_value.value.message) == (
        "value", "must be a decimal integer")
    ed = create_key(session, "ed25519")
    payer = bytes(session.ledger().key(ed).versions[1]["public_key"])
    solana_tx = inputs.solana_transfer(payer, 5_000)
    with pytest.raises(InvalidInput) as moved:
        tampered(session, "bob", "SignSolanaTransaction", {"value": "1"}, key_id=ed,
                 tx=solana_tx)
    assert (moved.value.field, moved.value.message) == (
        "value", "the transaction moves 5000 lamports, not the declared value")
    assert "ChainSignatureIssued" not in event_types(session)
