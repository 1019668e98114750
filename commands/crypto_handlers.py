"""Handlers for using keys on data: encrypt, decrypt, data keys, MACs, key agreement.

Same shape as :mod:`commands.handlers` (load the key, let the aggregate check, unseal once,
call one primitive, record one event), kept in their own module because they share a
pattern the lifecycle handlers do not: the data itself travels *beside* the signed command
(``inputs``), never inside it, because the command bytes are stored in the log forever.
The command carries what the actor vouches for instead:

* ``Decrypt``, ``GenerateMac``, ``VerifyMac``: SHA-256 digests of the ciphertext, message
  and tag, checked here against the inputs, as ``Sign`` does with its message.
* ``Encrypt``: the plaintext's *size* and the digest of the associated data, but no digest
  of the plaintext: that digest would sit in the log for ever and confirm guesses of
  low-entropy plaintexts (a salary, a yes/no). The ciphertext digest is recorded instead.
* ``DeriveSharedSecret``: the peer public key, salt and info themselves (all public).

Secrets produced for the caller (plaintexts, data keys, derived keys) are ``bytearray``
results; :func:`execute_data` wipes them if the command's events fail to commit, so nothing
secret is handed out without its record (fail closed).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from typing import Any

from commands.handlers import _hex, _key_in_chain
from ledger.application import Decision, Ledger, Outcome
from ledger.command import SignedCommand
from ledger.crypto.ciphertext import read_header
from ledger.crypto.data_keys import DATA_KEY_SIZE, generate_data_key
from ledger.crypto.kinds import get_agreement, get_cipher, get_mac
from ledger.crypto.memory import zeroize
from ledger.domain.key import Key
from ledger.errors import (
    AuthenticationFailed,
    InvalidCiphertext,
    InvalidInput,
    InvalidSignature,
)
from ledger.key_material import use_material

__all__ = ["DATA_COMMANDS", "MAX_AAD", "MAX_DATA", "execute_data"]

MAX_DATA = 1 << 20
"""Largest plaintext, ciphertext or message accepted (1 MiB): bulk data belongs under a
data key from GenerateDataKey, encrypted outside the ledger."""
MAX_AAD = 8192
MAX_HKDF_INPUT = 1024
MIN_DERIVED, MAX_DERIVED = 16, 64

DataHandler = Callable[[Decision, Mapping[str, bytes]], Any]


# --- argument helpers ---------------------------------------------------------------------

def _input(inputs: Mapping[str, bytes], name: str, limit: int) -> bytes:
    value = inputs.get(name)
    if not isinstance(value, bytes | bytearray):
        raise InvalidInput(f"the command needs its {name}", field=name)
    if len(value) > limit:
        raise InvalidInput(f"larger than {limit} bytes", field=name,
                           hint="encrypt bulk data locally under a data key (skms datakey)")
    return bytes(value)


def _check_digest(args: Mapping[str, Any], name: str, data: bytes) -> bytes:
    """The signed digest ``args[name]``, after checking it is SHA-256 of ``data``."""
    claimed = _hex(dict(args), name, 32)
    if not hmac.compare_digest(hashlib.sha256(data).digest(), claimed):
        raise InvalidInput(f"the data does not match the signed {name}", field=name)
    return claimed


def _aad(args: Mapping[str, Any], inputs: Mapping[str, bytes]) -> tuple[bytes, bytes]:
    aad = bytes(inputs.get("aad", b""))
    if len(aad) > MAX_AAD:
        raise InvalidInput(f"associated data is larger than {MAX_AAD} bytes", field="aad")
    return aad, _check_digest(args, "aad_digest", aad)


def _optional_hex(args: Mapping[str, Any], name: str) -> bytes:
    value = args.get(name, "")
    if not isinstance(value, str) or len(value) > 2 * MAX_HKDF_INPUT:
        raise InvalidInput(f"must be hexadecimal text of at most {MAX_HKDF_INPUT} bytes",
                           field=name)
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise InvalidInput("not hexadecimal", field=name) from None


def _int(args: Mapping[str, Any], name: str, low: int, high: int,
         default: int | None = None) -> int:
    value = args.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"must be a whole number from {low} to {high}", field=name)
    return value


def _version_arg(args: Mapping[str, Any]) -> int | None:
    if args.get("key_version") is None:
        return None
    return _int(args, "key_version", 1, 2**31 - 1)


def _sha256(data: bytes | bytearray) -> bytes:
    return hashlib.sha256(data).digest()


def _unseal_and(decision: Decision, key: Key, version: int,
                operation: Callable[[bytearray], Any]) -> Any:
    record = key.versions[version]
    return use_material(key.key_id, version, record["sealed_material"], record["data_key_ref"],
                        decision.ledger.kek, decision.ledger.keyring, operation)


def _refuse_unauthentic(key: Key, problem: InvalidCiphertext) -> AuthenticationFailed:
    return AuthenticationFailed(f"ciphertext does not authenticate under key {key.key_id}: "
                                f"{problem.message}", hint=problem.hint,
                                reason_code="authentication-failed")


# --- handlers -----------------------------------------------------------------------------

def encrypt(decision: Decision, inputs: Mapping[str, bytes]) -> dict[str, Any]:
    """Encrypt the plaintext under the key's current version."""
    args, actor = decision.command.args, decision.command.actor_id
    plaintext = _input(inputs, "plaintext", MAX_DATA)
    if _int(args, "plaintext_size", 0, MAX_DATA) != len(plaintext):
        raise InvalidInput("the plaintext does not have the signed plaintext_size",
                           field="plaintext_size")
    aad, aad_digest = _aad(args, inputs)
    key = _key_in_chain(decision)
    version = key.check_can_use("encrypt", actor)
    cipher = get_cipher(key.algorithm)
    public_key = key.versions[version]["public_key"]
    if cipher.encrypt_needs_secret:
        blob = _unseal_and(decision, key, version, lambda secret: cipher.encrypt(
            secret, public_key, plaintext, aad, key_version=version))
    else:
        blob = cipher.encrypt(None, public_key, plaintext, aad, key_version=version)
    key.record_encryption(actor_id=actor, key_version=version, aad_digest=aad_digest,
                          ciphertext_digest=_sha256(blob), plaintext_size=len(plaintext),
                          ciphertext_size=len(blob))
    return {"ciphertext": blob, "key_version": version}


def decrypt(decision: Decision, inputs: Mapping[str, bytes]) -> dict[str, Any]:
    """Decrypt with the version the ciphertext names; the plaintext waits for the commit."""
    args, actor = decision.command.args, decision.command.actor_id
    blob = _input(inputs, "ciphertext", 2 * MAX_DATA)
    ciphertext_digest = _check_digest(args, "ciphertext_digest", blob)
    aad, aad_digest = _aad(args, inputs)
    key = _key_in_chain(decision)
    key.check_can_use("decrypt", actor, processing=True)  # state first: destroyed, held, ...
    try:
        _, named = read_header(blob)
    except InvalidCiphertext as problem:
        raise _refuse_unauthentic(key, problem) from None
    version = key.check_can_use("decrypt", actor, processing=True, version=named)
    cipher = get_cipher(key.algorithm)
    try:
        plaintext: bytearray = _unseal_and(decision, key, version,
                                           lambda secret: cipher.decrypt(secret, blob, aad))
    except InvalidCiphertext as problem:
        raise _refuse_unauthentic(key, problem) from None
    key.record_decryption(actor_id=actor, key_version=version, aad_digest=aad_digest,
                          ciphertext_digest=ciphertext_digest, plaintext_size=len(plaintext),
                          ciphertext_size=len(blob))
    return {"plaintext": plaintext, "key_version": version}


def generate_data_key_(decision: Decision, inputs: Mapping[str, bytes]) -> dict[str, Any]:
    """A fresh data key, in clear once and wrapped under the key's current version."""
    args, actor = decision.command.args, decision.command.actor_id
    aad, aad_digest = _aad(args, inputs)
    key = _key_in_chain(decision)
    version = key.check_can_use("wrap", actor)
    cipher = get_cipher(key.algorithm)
    public_key = key.versions[version]["public_key"]
    if cipher.encrypt_needs_secret:
        data_key = _unseal_and(decision, key, version, lambda secret: generate_data_key(
            cipher, secret, public_key, aad, key_version=version))
    else:
        data_key = generate_data_key(cipher, None, public_key, aad, key_version=version)
    key.record_data_key(actor_id=actor, key_version=version, aad_digest=aad_digest,
                        wrapped_key_digest=_sha256(data_key.wrapped),
                        data_key_size=DATA_KEY_SIZE)
    return {"plaintext_key": data_key.plaintext, "wrapped_key": data_key.wrapped,
            "key_version": version}


def generate_mac(decision: Decision, inputs: Mapping[str, bytes]) -> dict[str, Any]:
    args, actor = decision.command.args, decision.command.actor_id
    message = _input(inputs, "message", MAX_DATA)
    message_digest = _check_digest(args, "message_digest", message)
    key = _key_in_chain(decision)
    version = key.check_can_use("mac", actor)
    kind = get_mac(key.algorithm)
    tag: bytes = _unseal_and(decision, key, version, lambda secret: kind.mac(secret, message))
    key.record_mac(actor_id=actor, key_version=version, message_digest=message_digest,
                   mac_digest=_sha256(tag))
    return {"mac": tag, "key_version": version}


def verify_mac(decision: Decision, inputs: Mapping[str, bytes]) -> dict[str, Any]:
    """Check a tag against the named version, or every version newest first.

    Trying older versions is what lets tags made before a rotation still verify; each
    comparison is constant-time. A tag that matches no version is refused and recorded.
    """
    args, actor = decision.command.args, decision.command.actor_id
    message = _input(inputs, "message", MAX_DATA)
    message_digest = _check_digest(args, "message_digest", message)
    tag = _input(inputs, "mac", 64)
    mac_digest = _check_digest(args, "mac_digest", tag)
    key = _key_in_chain(decision)
    requested = _version_arg(args)
    key.check_can_use("mac", actor, processing=True, version=requested)
    kind = get_mac(key.algorithm)
    candidates = [requested] if requested is not None else sorted(key.versions, reverse=True)
    for version in candidates:
        try:
            _unseal_and(decision, key, version,
                        lambda secret: kind.verify(secret, message, tag))
        except InvalidSignature:
            continue
        key.record_mac(actor_id=actor, key_version=version, message_digest=message_digest,
                       mac_digest=mac_digest, verified=True)
        return {"valid": True, "key_version": version}
    tried = ", ".join(str(v) for v in candidates)
    raise AuthenticationFailed(f"MAC does not verify under key {key.key_id} "
                               f"(versions tried: {tried})", reason_code="mac-mismatch")


def derive_shared_secret(decision: Decision, inputs: Mapping[str, bytes]) -> dict[str, Any]:
    """Key agreement with a peer public key, output through HKDF-SHA256."""
    args, actor = decision.command.args, decision.command.actor_id
    peer = _hex(dict(args), "peer_public_key")
    salt = _optional_hex(args, "salt")
    info = _optional_hex(args, "info")
    length = _int(args, "length", MIN_DERIVED, MAX_DERIVED, default=32)
    key = _key_in_chain(decision)
    version = key.check_can_use("derive", actor, version=_version_arg(args))
    kind = get_agreement(key.algorithm)
    canonical = kind.check_peer_public_key(peer)
    derived: bytearray = _unseal_and(decision, key, version, lambda secret: kind.derive(
        secret, canonical, salt=salt, info=info, length=length))
    key.record_derivation(actor_id=actor, key_version=version,
                          peer_public_key_digest=_sha256(canonical), salt_digest=_sha256(salt),
                          info_digest=_sha256(info), output_size=length)
    return {"derived_key": derived, "key_version": version}


DATA_COMMANDS: dict[str, DataHandler] = {
    "Encrypt": encrypt,
    "Decrypt": decrypt,
    "GenerateDataKey": generate_data_key_,
    "GenerateMac": generate_mac,
    "VerifyMac": verify_mac,
    "DeriveSharedSecret": derive_shared_secret,
}


def _wipe(result: Any) -> None:
    if isinstance(result, dict):
        for value in result.values():
            if isinstance(value, bytearray):
                zeroize(value)


def execute_data(ledger: Ledger, signed: SignedCommand,
                 inputs: Mapping[str, bytes] | None) -> Outcome[Any]:
    """Run a data command; secrets in its result are wiped unless its events committed."""
    handler = DATA_COMMANDS[signed.command.command_type]
    given = dict(inputs or {})
    produced: list[Any] = []

    def decide(decision: Decision) -> Any:
        result = handler(decision, given)
        produced.append(result)
        return result

    try:
        return ledger.submit(signed, decide)
    except BaseException:
        for result in produced:
            _wipe(result)
        raise
