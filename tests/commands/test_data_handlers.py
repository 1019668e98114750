"""Symmetric keys, key agreement and key transport through the ledger (Session → handler →
Key aggregate → event → SQLite), with the auditor re-checking every chain afterwards."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from commands.errors import answer_for
from commands.handlers import HANDLERS
from commands.session import Session
from ledger.audit import Auditor
from ledger.catalogue.data import MAX_DATA
from ledger.crypto.ciphertext import read_header
from ledger.crypto.mlkem768_x25519 import KIND as HYBRID
from ledger.envelope import open_envelope
from ledger.errors import (
    AuthenticationFailed,
    CommandRejected,
    IllegalTransition,
    InvalidInput,
    KeyMaterialDestroyed,
    MaterialDestroyed,
    StoreError,
    Unauthorized,
)
from tests.commands.conftest import create
from tests.ledger.conftest import new_session


def events(session: Session, event_type: str) -> list[dict[str, Any]]:
    store, _ = session.store()
    return [envelope.event() for envelope in (open_envelope(e) for e in store.read("default"))
            if envelope.event_type == event_type]


def recorded_refusal(session: Session, refusal: CommandRejected) -> dict[str, Any]:
    """The CommandRejected event a refusal names (it must exist)."""
    assert refusal.seq is not None, "the refusal was not recorded"
    store, _ = session.store()
    stored = next(iter(store.read("default", refusal.seq, refusal.seq + 1)))
    assert stored.event_type == "CommandRejected"
    return open_envelope(stored).event()


def audit(session: Session) -> None:
    Auditor(session.store()[0]).verify()


def sha(data: bytes | bytearray) -> bytes:
    return hashlib.sha256(data).digest()


# --- round trips --------------------------------------------------------------------------

@pytest.mark.parametrize("algorithm", ["aes-256-gcm", "mlkem768-x25519"])
def test_encrypt_decrypt_and_data_keys_round_trip(session: Session, algorithm: str) -> None:
    key_id = create(session, algorithm)
    key = session.ledger().key(key_id)
    assert key.usage == ["decrypt", "encrypt", "wrap"]
    plaintext = b"quarterly numbers, do not forward"
    sealed = session.encrypt("bob", key_id, plaintext, b"doc:42").result
    assert sealed["key_version"] == 1
    blob = sealed["ciphertext"]
    assert read_header(blob)[1] == 1
    opened = session.decrypt("bob", key_id, blob, b"doc:42").result
    assert opened == {"key_id": key_id, "plaintext": bytearray(plaintext), "key_version": 1}
    data_key = session.generate_data_key("bob", key_id, b"bucket/a").result
    unwrapped = session.decrypt("bob", key_id, bytes.fromhex(data_key["wrapped_key"]),
                                b"bucket/a").result
    assert unwrapped["plaintext"] == data_key["plaintext_key"] and len(unwrapped["plaintext"]) == 32
    (encrypted,) = events(session, "DataEncrypted")
    assert encrypted["ciphertext_digest"] == sha(blob)
    assert encrypted["aad_digest"] == sha(b"doc:42")
    assert (encrypted["plaintext_size"], encrypted["ciphertext_size"]) == (len(plaintext),
                                                                          len(blob))
    assert encrypted["algorithm"] == algorithm
    assert encrypted["actor_id"] == session.ledger().actor("bob").actor_id
    decrypted = events(session, "DataDecrypted")
    wrapped = bytes.fromhex(data_key["wrapped_key"])
    assert [d["ciphertext_digest"] for d in decrypted] == [sha(blob), sha(wrapped)]
    (generated,) = events(session, "DataKeyGenerated")
    assert generated["wrapped_key_digest"] == sha(bytes.fromhex(data_key["wrapped_key"]))
    assert generated["data_key_size"] == 32
    audit(session)


def test_hybrid_key_accepts_ciphertexts_made_offline_from_its_public_key(
        session: Session) -> None:
    key_id = create(session, "mlkem768-x25519")
    public = session.ledger().key(key_id).versions[1]["public_key"]
    offline = HYBRID.encrypt(None, public, b"sent without the ledger", b"", key_version=1)
    assert session.decrypt("bob", key_id, offline).result["plaintext"] == bytearray(
        b"sent without the ledger")
    audit(session)


def test_mac_generate_verify_and_rotation(session: Session) -> None:
    key_id = create(session, "hmac-sha256")
    assert session.ledger().key(key_id).versions[1]["public_key"] == b""
    message = b"amount=100;to=alice"
    first = session.generate_mac("bob", key_id, message).result
    first_tag = bytes.fromhex(first["mac"])
    assert len(first_tag) == 32
    assert session.verify_mac("bob", key_id, message, first_tag).result == {
        "key_id": key_id, "valid": True, "key_version": 1}
    with pytest.raises(AuthenticationFailed, match="does not verify") as refused:
        session.verify_mac("bob", key_id, message + b"0", first_tag)
    assert recorded_refusal(session, refused.value)["reason_code"] == "mac-mismatch"
    session.key_command("alice", "RotateKey", key_id)
    second = session.generate_mac("bob", key_id, message).result
    assert second["key_version"] == 2 and second["mac"] != first["mac"]
    # Old tags still verify: versions are tried newest first.
    assert session.verify_mac("bob", key_id, message, first_tag).result["key_version"] == 1
    with pytest.raises(AuthenticationFailed):
        session.verify_mac("bob", key_id, message, first_tag, version=2)
    generated, verified = events(session, "MacGenerated"), events(session, "MacVerified")
    assert [g["mac_digest"] for g in generated] == [sha(first_tag),
                                                    sha(bytes.fromhex(second["mac"]))]
    assert [v["key_version"] for v in verified] == [1, 1]
    audit(session)


def _peer(algorithm: str) -> tuple[Any, bytes]:
    if algorithm == "x25519":
        private = x25519.X25519PrivateKey.generate()
        return private, private.public_key().public_bytes_raw()
    ec_private = ec.generate_private_key(ec.SECP256R1())
    return ec_private, ec_private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


@pytest.mark.parametrize("algorithm", ["x25519", "ecdh-p256"])
def test_derive_matches_what_the_peer_computes(session: Session, algorithm: str) -> None:
    key_id = create(session, algorithm)
    ours = session.ledger().key(key_id).versions[1]["public_key"]
    peer, peer_public = _peer(algorithm)
    result = session.derive_shared_secret("bob", key_id, peer_public, salt=b"salt",
                                          info=b"tunnel v1", length=32).result
    if algorithm == "x25519":
        shared = peer.exchange(x25519.X25519PublicKey.from_public_bytes(ours))
    else:
        shared = peer.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), ours))
    assert result["derived_key"] == HKDF(hashes.SHA256(), 32, b"salt", b"tunnel v1").derive(
        shared)
    (derived,) = events(session, "SharedSecretDerived")
    assert derived["info_digest"] == sha(b"tunnel v1")
    assert derived["salt_digest"] == sha(b"salt")
    assert derived["output_size"] == 32
    with pytest.raises(InvalidInput):
        session.derive_shared_secret("bob", key_id, b"\x01\x02", length=32)
    with pytest.raises(InvalidInput, match="from 16 to 64") as too_short:
        session.derive_shared_secret("bob", key_id, peer_public, length=8)
    assert too_short.value.field == "length"
    audit(session)


# --- refusals -----------------------------------------------------------------------------

def test_wrong_aad_and_tampered_ciphertexts_are_refused_and_recorded(session: Session) -> None:
    key_id = create(session, "aes-256-gcm")
    blob = session.encrypt("bob", key_id, b"payload", b"right").result["ciphertext"]
    flipped = bytearray(blob)
    flipped[-1] ^= 0x80
    truncated = blob[:5] + b"short"
    for ciphertext, aad in ((blob, b"wrong"), (bytes(flipped), b"right"), (truncated, b"right")):
        with pytest.raises(AuthenticationFailed, match="does not authenticate") as refused:
            session.decrypt("bob", key_id, ciphertext, aad)
        assert answer_for(refused.value).exit == 1
        record = recorded_refusal(session, refused.value)
        assert record["reason_code"] == "authentication-failed"
        assert record["command_type"] == "Decrypt"
    hybrid = create(session, "mlkem768-x25519")
    with pytest.raises(AuthenticationFailed, match="another kind of key"):
        session.decrypt("bob", hybrid, blob, b"right")
    assert events(session, "DataDecrypted") == []
    audit(session)


def test_decrypt_after_rotation_uses_the_version_the_ciphertext_names(session: Session) -> None:
    key_id = create(session, "aes-256-gcm")
    old = session.encrypt("bob", key_id, b"written under v1").result["ciphertext"]
    assert session.key_command("alice", "RotateKey", key_id).result["version"] == 2
    new = session.encrypt("bob", key_id, b"written under v2").result
    assert new["key_version"] == 2 and read_header(new["ciphertext"])[1] == 2
    assert session.decrypt("bob", key_id, old).result == {
        "key_id": key_id, "plaintext": bytearray(b"written under v1"), "key_version": 1}
    assert session.decrypt("bob", key_id, new["ciphertext"]).result["key_version"] == 2
    assert [e["key_version"] for e in events(session, "DataDecrypted")] == [1, 2]
    future = old[:1] + (9).to_bytes(4, "big") + old[5:]
    with pytest.raises(IllegalTransition, match="no version 9") as refused:
        session.decrypt("bob", key_id, future)
    assert recorded_refusal(session, refused.value)["reason_code"] == "unknown-version"
    audit(session)


def test_states_decide_what_a_key_may_still_do(session: Session) -> None:
    key_id = create(session, "aes-256-gcm")
    blob = session.encrypt("bob", key_id, b"kept").result["ciphertext"]
    session.key_command("alice", "SuspendKey", key_id)
    with pytest.raises(IllegalTransition, match="state suspended"):
        session.decrypt("bob", key_id, blob)  # a hold stops everything
    session.key_command("alice", "ReactivateKey", key_id)
    session.key_command("alice", "RevokeKey", key_id)
    # Deactivated: opens what it protected (SP 800-57), protects nothing new.
    assert session.decrypt("bob", key_id, blob).result["plaintext"] == bytearray(b"kept")
    for attempt in (lambda: session.encrypt("bob", key_id, b"new"),
                    lambda: session.generate_data_key("bob", key_id)):
        with pytest.raises(IllegalTransition, match="state deactivated"):
            attempt()
    audit(session)


def test_destroyed_key_decrypt_is_material_destroyed(session: Session) -> None:
    key_id = create(session, "aes-256-gcm", destruction_wait_days=0)
    blob = session.encrypt("bob", key_id, b"shred me").result["ciphertext"]
    session.key_command("alice", "RevokeKey", key_id)
    session.key_command("alice", "DestroyKey", key_id)
    _, keyring = session.store()
    assert keyring.get(session.ledger().key(key_id).versions[1]["data_key_ref"]) is None
    with pytest.raises(MaterialDestroyed, match="unrecoverable") as refused:
        session.decrypt("bob", key_id, blob)
    assert isinstance(refused.value, KeyMaterialDestroyed)
    assert recorded_refusal(session, refused.value)["reason_code"] == "material-destroyed"
    audit(session)


@pytest.mark.parametrize(("actor", "command", "error", "code"), [
    ("carol", "encrypt", Unauthorized, "missing-role"),   # an auditor uses no key
    ("alice", "decrypt", Unauthorized, "missing-role"),   # a key-manager neither
    ("alice", "mac", Unauthorized, "missing-role"),
    ("bob", "sign", IllegalTransition, "usage"),          # an AES key does not sign
    ("bob", "mac", IllegalTransition, "usage"),           # nor MAC
    ("bob", "derive", IllegalTransition, "usage"),        # nor derive
])
def test_refusals_are_recorded(session: Session, actor: str, command: str,
                               error: type[CommandRejected], code: str) -> None:
    key_id = create(session, "aes-256-gcm")
    blob = session.encrypt("bob", key_id, b"x").result["ciphertext"]
    actions = {
        "encrypt": lambda: session.encrypt(actor, key_id, b"x"),
        "decrypt": lambda: session.decrypt(actor, key_id, blob),
        "mac": lambda: session.generate_mac(actor, key_id, b"x"),
        "sign": lambda: session.sign(actor, key_id, b"x"),
        "derive": lambda: session.derive_shared_secret(actor, key_id, bytes(32)),
    }
    with pytest.raises(error) as refused:
        actions[command]()
    assert recorded_refusal(session, refused.value)["reason_code"] == code
    audit(session)


def test_usage_lists_and_policy_narrow_what_a_key_does(session: Session) -> None:
    with pytest.raises(InvalidInput, match="may only have usages"):
        create(session, "aes-256-gcm", usage=["sign"])
    with pytest.raises(InvalidInput, match="may only have usages"):
        create(session, "x25519", usage=["encrypt"])
    decrypt_only = create(session, "aes-256-gcm", usage=["decrypt"])
    with pytest.raises(IllegalTransition, match="not for encrypt"):
        session.encrypt("bob", decrypt_only, b"x")
    with pytest.raises(IllegalTransition, match="not for wrap"):
        session.generate_data_key("bob", decrypt_only)
    hmac_key = create(session, "hmac-sha256")
    with pytest.raises(IllegalTransition, match="not for encrypt"):
        session.encrypt("bob", hmac_key, b"x")
    session.add_actor("admin", "dave", ["signer"], ["*"])
    restricted = create(session, "hmac-sha256",
                        allowed_signers=[session.ledger().actor("dave").actor_id])
    session.generate_mac("dave", restricted, b"ok")
    with pytest.raises(Unauthorized, match="not allowed to use") as refused:
        session.generate_mac("bob", restricted, b"no")
    assert recorded_refusal(session, refused.value)["reason_code"] == "policy"
    audit(session)


def test_inputs_must_match_what_the_actor_signed(session: Session) -> None:
    key_id = create(session, "aes-256-gcm")
    signed_for = {"key_id": key_id, "plaintext_size": 3,
                  "aad_digest": hashlib.sha256(b"").hexdigest()}
    with pytest.raises(InvalidInput, match="plaintext_size"):
        session.act("bob", "Encrypt", "default", signed_for, inputs={"plaintext": b"four"})
    with pytest.raises(InvalidInput, match="aad_digest"):
        session.act("bob", "Encrypt", "default", signed_for,
                    inputs={"plaintext": b"abc", "aad": b"x"})
    with pytest.raises(InvalidInput, match="required input is missing") as missing:
        session.act("bob", "Decrypt", "default", {
            "key_id": key_id, "ciphertext_digest": "00" * 32, "aad_digest": "00" * 32})
    assert missing.value.field == "ciphertext"
    with pytest.raises(InvalidInput, match="larger than"):
        session.encrypt("bob", key_id, bytes(MAX_DATA + 1))


# --- secrecy and fail-closed --------------------------------------------------------------

def test_no_plaintext_or_key_bytes_anywhere_in_the_store(session: Session,
                                                         tmp_path: Path) -> None:
    secrets: list[bytes] = []
    plaintext = os.urandom(48)
    secrets.append(plaintext)
    ledger = session.ledger()
    for algorithm in ("aes-256-gcm", "mlkem768-x25519", "hmac-sha256", "x25519", "ecdh-p256"):
        key_id = create(session, algorithm)
        if algorithm in ("aes-256-gcm", "mlkem768-x25519"):
            blob = session.encrypt("bob", key_id, plaintext, b"aad").result["ciphertext"]
            session.decrypt("bob", key_id, blob, b"aad")
            secrets.append(bytes(session.generate_data_key("bob", key_id).result["plaintext_key"]))
        elif algorithm == "hmac-sha256":
            session.generate_mac("bob", key_id, plaintext)
        else:
            _, peer_public = _peer(algorithm)
            derived = session.derive_shared_secret("bob", key_id, peer_public).result
            secrets.append(bytes(derived["derived_key"]))
        version = ledger.key(key_id).versions[1]
        secrets.append(bytes(ledger.material.use(key_id, 1, version, bytes)))
    store, _ = session.store()
    bodies = b"".join(stored.body for chain in store.chains() for stored in store.read(chain))
    files = b"".join(path.read_bytes() for path in session.home.path.rglob("*")
                     if path.is_file())
    for secret in secrets:
        for haystack in (bodies, files):
            assert secret not in haystack
            assert secret.hex().encode() not in haystack
    audit(session)


def test_decrypted_plaintext_is_wiped_when_the_commit_fails(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    key_id = create(session, "aes-256-gcm")
    blob = session.encrypt("bob", key_id, b"must not escape").result["ciphertext"]
    produced: list[dict[str, Any]] = []
    original = HANDLERS["Decrypt"]

    def spy(decision: Any) -> Any:
        result = original(decision)
        produced.append(result)
        return result

    monkeypatch.setitem(HANDLERS, "Decrypt", spy)
    store, _ = session.store()

    def broken_append(*args: object, **kwargs: object) -> None:
        raise StoreError("disk on fire")

    monkeypatch.setattr(store, "append", broken_append)
    with pytest.raises(StoreError):
        session.decrypt("bob", key_id, blob)
    assert produced and produced[0]["plaintext"] == bytearray(len(b"must not escape"))
    monkeypatch.undo()
    assert events(session, "DataDecrypted") == []
    assert session.decrypt("bob", key_id, blob).result["plaintext"] == bytearray(
        b"must not escape")
    audit(session)


def test_fips_ledger_refuses_kinds_that_are_not_approved(tmp_path: Path) -> None:
    fips = new_session(tmp_path / "fips")
    try:
        fips.initialize(name="fips", fips_mode=True)
        fips.add_actor("admin", "alice", ["key-manager"], ["*"])
        for algorithm in ("aes-256-gcm", "hmac-sha256", "ecdh-p256"):
            create(fips, algorithm)
        for algorithm in ("x25519", "mlkem768-x25519"):
            with pytest.raises(CommandRejected, match="not FIPS-approved"):
                create(fips, algorithm)
        audit(fips)
    finally:
        fips.close()


# --- rewrapping ---------------------------------------------------------------------------

@pytest.mark.parametrize("algorithm", ["aes-256-gcm", "mlkem768-x25519"])
def test_reencrypt_rewraps_under_the_current_version_and_records_both(
        session: Session, algorithm: str) -> None:
    key_id = create(session, algorithm)
    old = session.encrypt("bob", key_id, b"ledger page 7", b"page").result["ciphertext"]
    session.key_command("alice", "RotateKey", key_id)
    fresh = session.run("bob", "ReEncrypt", key_id=key_id, ciphertext=old, aad=b"page").result
    assert (fresh["key_version"], fresh["source_version"]) == (2, 1)
    assert read_header(fresh["ciphertext"])[1] == 2 and fresh["ciphertext"] != old
    for blob in (old, fresh["ciphertext"]):  # both open to the same plaintext
        assert session.decrypt("bob", key_id, blob, b"page").result["plaintext"] == \
            bytearray(b"ledger page 7")
    decrypted = [e for e in events(session, "DataDecrypted") if e["ciphertext_digest"] == sha(old)]
    rewrapped = [e for e in events(session, "DataEncrypted")
                 if e["ciphertext_digest"] == sha(fresh["ciphertext"])]
    assert [e["key_version"] for e in decrypted][:1] == [1] and len(rewrapped) == 1
    assert rewrapped[0]["key_version"] == 2 and rewrapped[0]["plaintext_size"] == 13
    audit(session)


def test_reencrypt_refuses_what_decrypt_refuses(session: Session) -> None:
    key_id = create(session, "aes-256-gcm")
    old = session.encrypt("bob", key_id, b"x", b"right").result["ciphertext"]
    with pytest.raises(AuthenticationFailed) as wrong_aad:
        session.run("bob", "ReEncrypt", key_id=key_id, ciphertext=old, aad=b"wrong")
    assert recorded_refusal(session, wrong_aad.value)["reason_code"] == "authentication-failed"
    with pytest.raises(Unauthorized):  # a key-manager is not a key user
        session.run("alice", "ReEncrypt", key_id=key_id, ciphertext=old, aad=b"right")
    session.key_command("alice", "SuspendKey", key_id)
    with pytest.raises(IllegalTransition):
        session.run("bob", "ReEncrypt", key_id=key_id, ciphertext=old, aad=b"right")
    assert not [e for e in events(session, "DataEncrypted") if e["key_version"] != 1]
    audit(session)
