"""Handlers: using keys on data (encrypt, decrypt, data keys, MACs, key agreement).

The data travels beside the signed command (``decision.inputs``), never inside it: the
command bytes are stored for ever. The command carries what the actor vouches for
instead, checked here against the inputs: digests (Decrypt, GenerateMac, VerifyMac, the
associated data), the plaintext's size (Encrypt: a digest would confirm guesses of
low-entropy plaintexts), the peer key, salt and info themselves (DeriveSharedSecret).

Secrets produced for the caller (plaintexts, data keys, derived keys) are ``bytearray``
values of the result; :func:`commands.handlers.execute` wipes them if the command's events
fail to commit, so nothing secret is handed out without its record (fail closed).
"""

from __future__ import annotations

from typing import Any

from commands.handlers.lookups import key_in_chain, matching_digest, sha256
from commands.handlers.registry import handles
from ledger.application import Decision
from ledger.crypto.ciphertext import read_header
from ledger.crypto.data_keys import DATA_KEY_SIZE, generate_data_key
from ledger.crypto.key_kinds import get_agreement, get_cipher, get_mac
from ledger.crypto.memory import zeroize
from ledger.domain.key import Key
from ledger.errors import AuthenticationFailed, InvalidCiphertext, InvalidInput, InvalidSignature


def _unauthentic(key: Key, problem: InvalidCiphertext) -> AuthenticationFailed:
    return AuthenticationFailed(f"ciphertext does not authenticate under key {key.key_id}: "
                                f"{problem.message}", hint=problem.hint,
                                reason_code="authentication-failed")


def _seal(decision: Decision, key: Key, version: int, plaintext: bytes | bytearray,
          aad: bytes) -> bytes:
    """The ciphertext of ``plaintext`` under one version (it names that version)."""
    cipher = get_cipher(key.algorithm)
    public_key = key.versions[version]["public_key"]
    if cipher.encrypt_needs_secret:
        return decision.ledger.material.use(key.key_id, version, key.versions[version],
                                            lambda secret: cipher.encrypt(
                                                secret, public_key, plaintext, aad,
                                                key_version=version))
    return cipher.encrypt(None, public_key, plaintext, aad, key_version=version)


def _open(decision: Decision, key: Key, blob: bytes, aad: bytes) -> tuple[bytearray, int]:
    """The plaintext of ``blob`` and the version it names (checked usable for decrypting);
    a ciphertext that does not authenticate is an :class:`AuthenticationFailed` refusal."""
    actor = decision.command.actor_id
    key.check_can_use("decrypt", actor, processing=True)  # state first: destroyed, held, ...
    try:
        _, named = read_header(blob)
    except InvalidCiphertext as problem:
        raise _unauthentic(key, problem) from None
    version = key.check_can_use("decrypt", actor, processing=True, version=named)
    key.check_version_floor("decrypt", version)
    cipher = get_cipher(key.algorithm)
    try:
        plaintext: bytearray = decision.ledger.material.use(
            key.key_id, version, key.versions[version],
            lambda secret: cipher.decrypt(secret, blob, aad))
    except InvalidCiphertext as problem:
        raise _unauthentic(key, problem) from None
    return plaintext, version


@handles("Encrypt")
def encrypt(decision: Decision) -> dict[str, Any]:
    """Encrypt the plaintext under the key's current version."""
    args, actor = decision.args, decision.command.actor_id
    plaintext = decision.inputs["plaintext"]
    if args["plaintext_size"] != len(plaintext):
        raise InvalidInput("the plaintext does not have the signed plaintext_size",
                           field="plaintext_size")
    aad = decision.inputs["aad"]
    aad_digest = matching_digest(decision, "aad_digest", aad)
    key = key_in_chain(decision)
    version = key.check_can_use("encrypt", actor)
    blob = _seal(decision, key, version, plaintext, aad)
    key.record_encryption(actor_id=actor, key_version=version, aad_digest=aad_digest,
                          ciphertext_digest=sha256(blob), plaintext_size=len(plaintext),
                          ciphertext_size=len(blob), at=decision.now)
    return {"key_id": key.key_id, "ciphertext": blob, "key_version": version}


@handles("Decrypt")
def decrypt(decision: Decision) -> dict[str, Any]:
    """Decrypt with the version the ciphertext names; the plaintext waits for the commit."""
    blob = decision.inputs["ciphertext"]
    ciphertext_digest = matching_digest(decision, "ciphertext_digest", blob)
    aad = decision.inputs["aad"]
    aad_digest = matching_digest(decision, "aad_digest", aad)
    key = key_in_chain(decision)
    plaintext, version = _open(decision, key, blob, aad)
    key.record_decryption(actor_id=decision.command.actor_id, key_version=version,
                          aad_digest=aad_digest, ciphertext_digest=ciphertext_digest,
                          plaintext_size=len(plaintext), ciphertext_size=len(blob),
                          at=decision.now)
    return {"key_id": key.key_id, "plaintext": plaintext, "key_version": version}


@handles("ReEncrypt")
def reencrypt(decision: Decision) -> dict[str, Any]:
    """Open with the version the ciphertext names, seal under the current one, and record
    both (the decryption and the encryption are what happened); the plaintext exists only
    inside this call, in a buffer wiped before it returns."""
    actor = decision.command.actor_id
    blob = decision.inputs["ciphertext"]
    ciphertext_digest = matching_digest(decision, "ciphertext_digest", blob)
    aad = decision.inputs["aad"]
    aad_digest = matching_digest(decision, "aad_digest", aad)
    key = key_in_chain(decision)
    current = key.check_can_use("encrypt", actor)
    plaintext, source = _open(decision, key, blob, aad)
    try:
        fresh = _seal(decision, key, current, plaintext, aad)
        size = len(plaintext)
    finally:
        zeroize(plaintext)
    key.record_decryption(actor_id=actor, key_version=source, aad_digest=aad_digest,
                          ciphertext_digest=ciphertext_digest, plaintext_size=size,
                          ciphertext_size=len(blob), at=decision.now)
    key.record_encryption(actor_id=actor, key_version=current, aad_digest=aad_digest,
                          ciphertext_digest=sha256(fresh), plaintext_size=size,
                          ciphertext_size=len(fresh), at=decision.now)
    return {"key_id": key.key_id, "ciphertext": fresh, "key_version": current,
            "source_version": source}


@handles("GenerateDataKey")
def generate_data_key_(decision: Decision) -> dict[str, Any]:
    """A fresh data key, in clear once and wrapped under the key's current version."""
    actor = decision.command.actor_id
    aad = decision.inputs["aad"]
    aad_digest = matching_digest(decision, "aad_digest", aad)
    key = key_in_chain(decision)
    version = key.check_can_use("wrap", actor)
    cipher = get_cipher(key.algorithm)
    public_key = key.versions[version]["public_key"]
    if cipher.encrypt_needs_secret:
        data_key = decision.ledger.material.use(
            key.key_id, version, key.versions[version],
            lambda secret: generate_data_key(cipher, secret, public_key, aad,
                                             key_version=version))
    else:
        data_key = generate_data_key(cipher, None, public_key, aad, key_version=version)
    key.record_data_key(actor_id=actor, key_version=version, aad_digest=aad_digest,
                        wrapped_key_digest=sha256(data_key.wrapped),
                        data_key_size=DATA_KEY_SIZE, at=decision.now)
    return {"key_id": key.key_id, "plaintext_key": data_key.plaintext,
            "wrapped_key": data_key.wrapped.hex(), "key_version": version}


@handles("GenerateMac")
def generate_mac(decision: Decision) -> dict[str, Any]:
    actor = decision.command.actor_id
    message = decision.inputs["message"]
    message_digest = matching_digest(decision, "message_digest", message)
    key = key_in_chain(decision)
    version = key.check_can_use("mac", actor)
    kind = get_mac(key.algorithm)
    tag: bytes = decision.ledger.material.use(key.key_id, version, key.versions[version],
                                              lambda secret: kind.mac(secret, message))
    key.record_mac(actor_id=actor, key_version=version, message_digest=message_digest,
                   mac_digest=sha256(tag), at=decision.now)
    return {"key_id": key.key_id, "mac": tag.hex(), "key_version": version}


@handles("VerifyMac")
def verify_mac(decision: Decision) -> dict[str, Any]:
    """Check a tag against the named version, or every version newest first.

    Trying older versions is what lets tags made before a rotation still verify; each
    comparison is constant-time. A tag that matches no version is refused and recorded.
    """
    actor = decision.command.actor_id
    message, tag = decision.inputs["message"], decision.inputs["mac"]
    message_digest = matching_digest(decision, "message_digest", message)
    mac_digest = matching_digest(decision, "mac_digest", tag)
    key = key_in_chain(decision)
    requested = decision.args.get("key_version")
    key.check_can_use("mac", actor, processing=True, version=requested)
    if requested is not None:
        key.check_version_floor("verify", requested)
    kind = get_mac(key.algorithm)
    candidates = [requested] if requested is not None else key.verifiable_versions()
    for version in candidates:
        try:
            decision.ledger.material.use(key.key_id, version, key.versions[version],
                                         lambda secret: kind.verify(secret, message, tag))
        except InvalidSignature:
            continue
        key.record_mac(actor_id=actor, key_version=version, message_digest=message_digest,
                       mac_digest=mac_digest, verified=True, at=decision.now)
        return {"key_id": key.key_id, "valid": True, "key_version": version}
    tried = ", ".join(str(v) for v in candidates)
    raise AuthenticationFailed(f"MAC does not verify under key {key.key_id} "
                               f"(versions tried: {tried})", reason_code="mac-mismatch")


@handles("DeriveSharedSecret")
def derive_shared_secret(decision: Decision) -> dict[str, Any]:
    """Key agreement with a peer public key, output through HKDF-SHA256."""
    args, actor = decision.args, decision.command.actor_id
    peer = bytes.fromhex(args["peer_public_key"])
    salt, info = bytes.fromhex(args["salt"]), bytes.fromhex(args["info"])
    length = args["length"]
    key = key_in_chain(decision)
    version = key.check_can_use("derive", actor, version=args.get("key_version"))
    kind = get_agreement(key.algorithm)
    canonical = kind.check_peer_public_key(peer)
    derived: bytearray = decision.ledger.material.use(
        key.key_id, version, key.versions[version],
        lambda secret: kind.derive(secret, canonical, salt=salt, info=info, length=length))
    key.record_derivation(actor_id=actor, key_version=version,
                          peer_public_key_digest=sha256(canonical), salt_digest=sha256(salt),
                          info_digest=sha256(info), output_size=length, at=decision.now)
    return {"key_id": key.key_id, "derived_key": derived, "key_version": version}
