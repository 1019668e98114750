"""Recipe edges: the sealing recipe's size and type checks, custody key documents, share
documents, backup bundles and BYOK imports refused by field and reason. Wrapped blobs are
made with pyca/cryptography (what an importer's own tools use), bundles are signed with a
test Ed25519 key and checked as a restore would check them."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, keywrap, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from ledger.crypto.entropy import random_bytes
from ledger.crypto.kek import PassphraseKEK
from ledger.crypto.schemes import get_scheme
from ledger.crypto.shamir import InsufficientShares
from ledger.errors import (
    CryptoError,
    InvalidCiphertext,
    InvalidInput,
    InvalidSignature,
)
from ledger.recipes import backup_bundle, byok, custody_keys, sealing, wallet_backup
from ledger.recipes.backup_bundle import Entry

AAD = b"skms:key=k-1:version=1"
ED25519 = get_scheme("ed25519")


@pytest.fixture(scope="module")
def kek() -> PassphraseKEK:
    provider, _ = PassphraseKEK.create(b"recipe edges passphrase")
    return provider


def refused(error: type[Exception], call: Any, *args: Any, **kwargs: Any) -> Any:
    with pytest.raises(error) as caught:
        call(*args, **kwargs)
    assert type(caught.value) is error
    return caught.value


# --- sealing --------------------------------------------------------------------------------

def _short_data_key(kek: PassphraseKEK) -> bytes:
    """A key-ring entry that authenticates under the KEK but holds a 16-byte data key
    (a foreign or corrupted entry: the size is checked after the AEAD)."""
    return bytes([sealing.SEALING_VERSION]) + kek.wrap(bytearray(16),
                                                       sealing._DATA_KEY_LABEL + AAD)


def test_every_unwrap_checks_the_data_key_size(kek: PassphraseKEK) -> None:
    sealed = sealing.seal_private_key(bytearray(b"secret"), kek, aad=AAD)
    short = _short_data_key(kek)
    for call in (lambda: sealing.unseal_private_key(sealed.sealed_material, short, kek,
                                                    aad=AAD),
                 lambda: sealing.rewrap_data_key(short, kek, kek, aad=AAD),
                 lambda: sealing.check_data_key(short, kek, aad=AAD),
                 lambda: sealing.unwrap_data_key(short, kek, aad=AAD)):
        assert refused(CryptoError, call).message == "unwrapped data key has the wrong size"
    # the good entry passes each of them
    sealing.check_data_key(sealed.wrapped_data_key, kek, aad=AAD)
    moved = sealing.rewrap_data_key(sealed.wrapped_data_key, kek, kek, aad=AAD)
    assert sealing.unseal_private_key(sealed.sealed_material, moved, kek, aad=AAD) == b"secret"


def test_sealing_arguments_are_typed(kek: PassphraseKEK) -> None:
    problem = refused(InvalidInput, sealing.seal_private_key, bytearray(b"k"), kek, aad="x")
    assert (problem.field, problem.message) == ("aad", "aad must be bytes")
    problem = refused(InvalidInput, sealing.wrap_data_key, bytearray(16), kek, aad=AAD)
    assert (problem.field, problem.message) == ("data_key", "a data key is a 32-byte buffer")
    data_key = bytearray(random_bytes(32))
    entry = sealing.wrap_data_key(data_key, kek, aad=AAD)
    assert sealing.unwrap_data_key(entry, kek, aad=AAD) == data_key


# --- custody keys ---------------------------------------------------------------------------

@pytest.mark.parametrize(("change", "message"), [
    ({"name": ""}, "a name of 1 to 100 printable characters"),
    ({"kem": "rsa"}, "must be one of "),
    ({"public_key": "zz"}, "must be 32 bytes of hex"),
    ({"public_key": "00"}, "must be 32 bytes of hex"),
    ({"format": "other"}, "not a skms-custody-public-key/v1 document"),
])
def test_custody_public_documents_are_checked(change: dict[str, Any], message: str) -> None:
    public, _ = custody_keys.generate("ann", "x25519")
    problem = refused(InvalidInput, custody_keys.parse_public, {**public, **change})
    assert problem.field == "public_key" and problem.message.startswith(message)


def test_custody_documents_in_text_and_bad_points() -> None:
    public, private = custody_keys.generate("ann", "x25519")
    assert custody_keys.parse_public(json.dumps(public)).public_key.hex() == \
        public["public_key"]
    for text in ("not json", "[1, 2]"):
        problem = refused(InvalidInput, custody_keys.parse_public, text)
        assert problem.message.startswith("not a ")  # an empty document has no format
    problem = refused(InvalidInput, custody_keys.parse_public, 7)
    assert (problem.field, problem.message) == ("public_key", "not a key document")
    _, other_private = custody_keys.generate("ann", "x25519")
    mixed = {**private, "private_key": other_private["private_key"]}
    problem = refused(InvalidInput, custody_keys.parse_private, mixed)
    assert (problem.field, problem.message) == (
        "private_key", "the private key does not match its public key")
    hybrid, _ = custody_keys.generate("cy")
    size = len(bytes.fromhex(hybrid["public_key"]))
    problem = refused(InvalidInput, custody_keys.parse_public,
                      {**hybrid, "public_key": "ff" * size})
    assert problem.message == "not a valid ML-KEM-768+X25519 public key"


# --- share documents ------------------------------------------------------------------------

def _backup(scheme: str = "slip39") -> wallet_backup.Backup:
    return wallet_backup.make_backup(bytes(range(16)), wallet_id="w-1", split_id="s-1",
                                     scheme=scheme, threshold=2, custodians=["a", "b", "c"],
                                     master_fingerprint=bytes(4))


def _split(backup: wallet_backup.Backup) -> dict[str, Any]:
    return {"split_id": "s-1", "scheme": backup.scheme_id, "threshold": 2, "share_count": 3,
            "commitment_digests": backup.commitment_digests,
            "ciphertext_digest": backup.ciphertext_digest}


@pytest.mark.parametrize(("change", "message"), [
    ({"split_id": ""}, "a share document lacks split_id"),
    ({"scheme": "other/v1"}, "the shares were made with another scheme"),
    ({"index": 4}, "a share index is outside the backup"),
    ({"index": True}, "a share index is outside the backup"),
])
def test_share_documents_are_checked(change: dict[str, Any], message: str) -> None:
    backup = _backup()
    documents = [dict(backup.documents[0], **change), backup.documents[1]]
    problem = refused(InvalidInput, wallet_backup.recover_seed, documents, wallet_id="w-1",
                      split=_split(backup))
    assert (problem.field, problem.message) == ("shares", message)


def test_no_shares_and_unknown_schemes() -> None:
    backup = _backup()
    problem = refused(InsufficientShares, wallet_backup.recover_seed, [], wallet_id="w-1",
                      split=_split(backup))
    assert "0" in problem.message and "2" in problem.message
    problem = refused(InvalidInput, _backup, "shamir")
    assert problem.field == "scheme" and problem.message.startswith("must be one of ")
    seed, used = wallet_backup.recover_seed(backup.documents[1:], wallet_id="w-1",
                                            split=_split(backup))
    assert (bytes(seed), used) == (bytes(range(16)), [2, 3])
    assert repr(backup) == f"Backup({backup.scheme_id}, 3 shares)"


def test_a_feldman_share_with_bad_hex_is_refused() -> None:
    backup = _backup("feldman")
    for bad in (7, "zz"):
        documents = [dict(backup.documents[0], share=bad), backup.documents[1]]
        with pytest.raises(InvalidInput) as caught:
            wallet_backup.recover_seed(documents, wallet_id="w-1", split=_split(backup))
        assert caught.value.field == "shares"


# --- backup bundles -------------------------------------------------------------------------

LEDGER_KEY = ED25519.generate(bytearray(range(32)))
LEDGER_PUBLIC = ED25519.public_key(LEDGER_KEY)


def _create(entries: list[Entry], **change: Any) -> backup_bundle.NewBundle:
    custodians = [custody_keys.parse_public(custody_keys.generate(n, "x25519")[0])
                  for n in ("ann", "ben")]
    arguments: dict[str, Any] = {
        "bundle_id": "b-1", "ledger_id": "l-1", "ledger_public_key": LEDGER_PUBLIC,
        "sign": lambda message: ED25519.sign(LEDGER_KEY, message), "created_at": 1,
        "created_by": "admin", "custodians": custodians, "threshold": 2, "scheme": "feldman",
        **change}
    return backup_bundle.create(entries, **arguments)


def test_bundles_need_something_to_back_up() -> None:
    problem = refused(InvalidInput, _create, [])
    assert (problem.field, problem.message) == ("keys", "nothing to back up")


def test_bundle_fields_that_are_not_hex_are_named() -> None:
    entry = Entry({"kind": "key-version", "id": "k-1", "version": 1}, bytearray(32))
    made = _create([entry])
    assert repr(made) == "NewBundle(b-1)" and repr(entry) == "Entry(key-version, k-1)"
    assert bytes(32) not in repr(entry).encode()
    backup_bundle.verify(made.bundle, ledger_public_key=LEDGER_PUBLIC)
    for value in (5, "not hex"):
        bundle = dict(copy.deepcopy(made.bundle), ledger_public_key=value)
        problem = refused(InvalidInput, backup_bundle.verify, bundle)
        assert (problem.field, problem.message) == (
            "bundle", "the bundle's ledger_public_key is not hex")
    # A named key the scheme cannot parse (31 bytes): the signature cannot be checked.
    short = dict(copy.deepcopy(made.bundle), ledger_public_key="00" * 31)
    problem = refused(InvalidSignature, backup_bundle.verify, short)
    assert problem.message == "the bundle's signature is malformed"


# --- BYOK -----------------------------------------------------------------------------------

def test_import_wrapping_keys_and_recipients() -> None:
    wrapping = byok.new_wrapping_key()
    assert repr(wrapping).startswith("WrappingKey(sha256=") and "private" not in repr(wrapping)
    problem = refused(InvalidInput, byok.load_recipient, b"not a key")
    assert (problem.field, problem.message) == (
        "wrapping_public_key", "must be an RSA public key (PEM or DER SubjectPublicKeyInfo)")
    ec_der = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    problem = refused(InvalidInput, byok.unwrap, ec_der, b"x" * 400)
    assert (problem.field, problem.message) == ("token", "the wrapping key is not an RSA key")


def test_an_rsa_oaep_head_holding_a_short_aes_key_is_refused() -> None:
    """Wrapped by pyca/cryptography as an importer would, but with a 16-byte AES key."""
    wrapping = byok.new_wrapping_key()
    public = serialization.load_der_public_key(wrapping.public_der)
    assert isinstance(public, rsa.RSAPublicKey)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(),
                        label=None)
    aes_key = bytes(range(16))
    blob = public.encrypt(aes_key, oaep) + keywrap.aes_key_wrap_with_padding(aes_key, b"m" * 32)
    problem = refused(InvalidCiphertext, byok.unwrap, wrapping.private_der, blob)
    assert problem.field == "wrapped"
    good_key = bytes(range(32))
    good = public.encrypt(good_key, oaep) + keywrap.aes_key_wrap_with_padding(good_key,
                                                                            b"m" * 32)
    assert byok.unwrap(wrapping.private_der, good) == b"m" * 32


def test_imported_material_must_be_of_its_algorithm() -> None:
    ec_der = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    problem = refused(InvalidInput, byok.to_native, "ed25519", ec_der)
    assert (problem.field, problem.message) == ("wrapped", "the PKCS#8 key is not a ed25519 key")
    rsa_name = "rsa-pss-2048"
    problem = refused(InvalidInput, byok.to_native, rsa_name, b"\x01" * 32)
    assert (problem.field, problem.message) == ("wrapped", "an RSA key is imported as PKCS#8 DER")
    problem = refused(InvalidInput, byok.to_native, rsa_name, ec_der)
    assert problem.message == f"the PKCS#8 key is not a {rsa_name} key"


@pytest.mark.parametrize("algorithm", ["hmac-sha256", "aes-256-gcm"])
def test_symmetric_imports_are_32_raw_bytes(algorithm: str) -> None:
    problem = refused(InvalidInput, byok.to_native, algorithm, b"\x01" * 16)
    assert (problem.field, problem.message) == ("wrapped",
                                                f"a {algorithm} key is 32 raw bytes")
    native, _public = byok.to_native(algorithm, b"\x01" * 32)
    assert native == b"\x01" * 32


def test_bundle_entry_limits_and_quiet_reprs() -> None:
    entries = [Entry({"kind": "key-version", "id": "k"}, bytearray(1))] * (
        backup_bundle.MAX_ENTRIES + 1)
    problem = refused(InvalidInput, _create, entries)
    assert (problem.field, problem.message) == (
        "keys", f"at most {backup_bundle.MAX_ENTRIES} entries per bundle")
    secret = backup_bundle.Secret({"kind": "identity", "id": "home"}, bytearray(b"\x07" * 8))
    assert repr(secret) == "Secret(identity, home)"


def test_a_custody_key_that_is_not_text_is_refused() -> None:
    public, _ = custody_keys.generate("ann", "x25519")
    problem = refused(InvalidInput, custody_keys.parse_public, {**public, "public_key": 5})
    assert (problem.field, problem.message) == ("public_key", "must be 32 bytes of hex")
