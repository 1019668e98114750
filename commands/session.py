"""A session: one home, one store, one loaded ledger, acting for the home's identities.

Front ends (CLI now, services later) go through a session so that every command they
send is built, signed by the acting identity and executed the same way.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from commands.handlers import execute
from commands.wallet_handlers import share_input_name
from ledger.application import Ledger, Outcome
from ledger.authorization import SYSTEM_CHAIN
from ledger.command import SYSTEM_ACTOR, Command
from ledger.crypto import hd
from ledger.crypto.kek import KEKProvider
from ledger.crypto.memory import zeroize
from ledger.errors import ConfigurationError, InvalidInput
from ledger.home import Home
from ledger.stores.base import EventStore, KeyRing
from ledger.stores.url import open_store

DEFAULT_DOMAIN = "default"
BOOTSTRAP_ADMIN = "admin"


def now_micros() -> int:
    return time.time_ns() // 1000


class Session:
    """Owns the secrets it opened (KEK, ledger key) and wipes them on :meth:`close`."""

    def __init__(self, home: Home, *, passphrase: bytearray | None) -> None:
        self.home = home
        self._passphrase = passphrase
        self._kek: KEKProvider | None = None
        self._ledger_key: bytearray | None = None
        self._store: EventStore | None = None
        self._keyring: KeyRing | None = None
        self._ledger: Ledger | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def store(self) -> tuple[EventStore, KeyRing]:
        if self._store is None or self._keyring is None:
            self._store, self._keyring = open_store(self.home.store_url())
        return self._store, self._keyring

    def kek(self) -> KEKProvider:
        if self._kek is None:
            if self._passphrase is None:
                raise ConfigurationError("this command needs the ledger passphrase",
                                         hint="set SKMS_PASSPHRASE or use --passphrase-file")
            self._kek = self.home.open_kek(self._passphrase)
        return self._kek

    def ledger(self) -> Ledger:
        if self._ledger is None:
            store, keyring = self.store()
            kek = self.kek()
            self._ledger_key = self.home.ledger_key(kek)
            self._ledger = Ledger(store, keyring, kek=kek, ledger_key=self._ledger_key)
            self._ledger.load()
            self._ledger.reconcile_keyring()
        return self._ledger

    def read_only_ledger(self) -> Ledger:
        """The ledger loaded without secrets: for listings and public keys."""
        if self._ledger is not None:
            return self._ledger
        store, keyring = self.store()
        ledger = Ledger(store, keyring)
        ledger.load()
        return ledger

    def close(self) -> None:
        if self._ledger_key is not None:
            zeroize(self._ledger_key)
        if self._kek is not None:
            self._kek.close()
        if self._passphrase is not None:
            zeroize(self._passphrase)
        if self._store is not None:
            self._store.close()
        if self._keyring is not None:
            self._keyring.close()

    # --- creating a ledger -------------------------------------------------------------------

    def initialize(self, *, name: str, fips_mode: bool = False, checkpoint_every_events: int = 64,
                   checkpoint_every_seconds: int = 60, admin_name: str = BOOTSTRAP_ADMIN
                   ) -> dict[str, Any]:
        """Create the home, the genesis event and the first admin (its key kept here)."""
        if self._passphrase is None:
            raise ConfigurationError("initializing needs a passphrase",
                                     hint="set SKMS_PASSPHRASE or use --passphrase-file")
        kek, ledger_key, ledger_id = self.home.create(self._passphrase)
        self._kek, self._ledger_key = kek, ledger_key
        store, keyring = self.store()
        if store.chains():
            raise ConfigurationError(f"the store {store.url} already holds a ledger",
                                     hint="point --store at an empty store")
        self._ledger = Ledger(store, keyring, kek=kek, ledger_key=ledger_key)
        self._ledger.load()
        public_key = self.home.ledger_public_key()
        genesis = Command("InitializeLedger", SYSTEM_ACTOR, SYSTEM_CHAIN, {
            "ledger_id": ledger_id, "ledger_name": name, "ledger_public_key": public_key.hex(),
            "origin": f"skms.ledger/{ledger_id}", "fips_mode": fips_mode,
            "checkpoint_every_events": checkpoint_every_events,
            "checkpoint_every_seconds": checkpoint_every_seconds,
            "kek_provider": f"passphrase-{self.home.config()['kek']['kdf']}",
        }, now_micros()).sign(ledger_key)
        execute(self._ledger, genesis)
        admin_key = self.home.new_identity(admin_name, kek)
        bootstrap = Command("RegisterActor", SYSTEM_ACTOR, SYSTEM_CHAIN, {
            "name": admin_name, "public_key": admin_key.hex(), "roles": ["admin"],
            "domains": ["*"]}, now_micros()).sign(ledger_key)
        outcome = execute(self._ledger, bootstrap)
        self.home.bind_identity(admin_name, str(outcome.result))
        return {"ledger_id": ledger_id, "home": str(self.home.path), "store": store.url,
                "admin": admin_name, "admin_actor_id": outcome.result}

    # --- acting ------------------------------------------------------------------------------

    def act(self, actor_name: str, command_type: str, chain_id: str,
            args: Mapping[str, Any], *, message: bytes | None = None,
            messages: list[bytes] | None = None,
            inputs: Mapping[str, bytes] | None = None) -> Outcome[Any]:
        """Build a command for ``actor_name``, sign it with its identity key, execute it.

        ``inputs`` is the data of a data command (plaintext, ciphertext, ...); it is handed
        to the handler beside the command, never signed into it or stored.
        """
        ledger = self.ledger()
        identity = self.home.identity(actor_name)
        if not identity.actor_id:
            raise ConfigurationError(f"identity {actor_name!r} is not registered in the ledger")
        command = Command(command_type, identity.actor_id, chain_id, dict(args), now_micros())
        key = self.home.identity_key(actor_name, self.kek())
        try:
            signed = command.sign(key)
        finally:
            zeroize(key)
        return execute(ledger, signed, message=message, messages=messages, inputs=inputs)

    def add_actor(self, as_actor: str, name: str, roles: list[str], domains: list[str]
                  ) -> Outcome[Any]:
        public_key = self.home.new_identity(name, self.kek())
        outcome = self.act(as_actor, "RegisterActor", SYSTEM_CHAIN, {
            "name": name, "public_key": public_key.hex(), "roles": roles, "domains": domains})
        self.home.bind_identity(name, str(outcome.result))
        return outcome

    def sign(self, as_actor: str, key_id: str, message: bytes) -> Outcome[Any]:
        ledger = self.ledger()
        key = ledger.key(key_id)
        return self.act(as_actor, "Sign", key.domain, {
            "key_id": key_id, "message_digest": hashlib.sha256(message).hexdigest()},
            message=message)

    def sign_batch(self, as_actor: str, key_id: str, messages: list[bytes]) -> Outcome[Any]:
        key = self.ledger().key(key_id)
        return self.act(as_actor, "SignBatch", key.domain, {
            "key_id": key_id,
            "message_digests": [hashlib.sha256(m).hexdigest() for m in messages]},
            messages=messages)

    def key_command(self, as_actor: str, command_type: str, key_id: str,
                    extra: Mapping[str, Any] | None = None) -> Outcome[Any]:
        key = self.ledger().key(key_id)
        return self.act(as_actor, command_type, key.domain, {"key_id": key_id, **(extra or {})})

    # --- using keys on data (commands.crypto_handlers) --------------------------------------

    def encrypt(self, as_actor: str, key_id: str, plaintext: bytes, aad: bytes = b""
                ) -> Outcome[Any]:
        """``result``: ``{"ciphertext", "key_version"}``. The command names the plaintext's
        size, not its digest (see :mod:`commands.crypto_handlers`)."""
        return self._data(as_actor, "Encrypt", key_id, {
            "plaintext_size": len(plaintext), "aad_digest": _digest(aad)},
            {"plaintext": plaintext, "aad": aad})

    def decrypt(self, as_actor: str, key_id: str, ciphertext: bytes, aad: bytes = b""
                ) -> Outcome[Any]:
        """``result``: ``{"plaintext" (a bytearray to wipe), "key_version"}``, returned only
        after the DataDecrypted event is committed."""
        return self._data(as_actor, "Decrypt", key_id, {
            "ciphertext_digest": _digest(ciphertext), "aad_digest": _digest(aad)},
            {"ciphertext": ciphertext, "aad": aad})

    def generate_data_key(self, as_actor: str, key_id: str, aad: bytes = b"") -> Outcome[Any]:
        """``result``: ``{"plaintext_key" (a bytearray to wipe), "wrapped_key", ...}``."""
        return self._data(as_actor, "GenerateDataKey", key_id, {"aad_digest": _digest(aad)},
                          {"aad": aad})

    def generate_mac(self, as_actor: str, key_id: str, message: bytes) -> Outcome[Any]:
        return self._data(as_actor, "GenerateMac", key_id,
                          {"message_digest": _digest(message)}, {"message": message})

    def verify_mac(self, as_actor: str, key_id: str, message: bytes, mac: bytes,
                   version: int | None = None) -> Outcome[Any]:
        args: dict[str, Any] = {"message_digest": _digest(message), "mac_digest": _digest(mac)}
        if version is not None:
            args["key_version"] = version
        return self._data(as_actor, "VerifyMac", key_id, args, {"message": message, "mac": mac})

    def derive_shared_secret(self, as_actor: str, key_id: str, peer_public_key: bytes, *,
                             salt: bytes = b"", info: bytes = b"", length: int = 32,
                             version: int | None = None) -> Outcome[Any]:
        """``result``: ``{"derived_key" (a bytearray to wipe), "key_version"}``."""
        args: dict[str, Any] = {"peer_public_key": peer_public_key.hex(), "salt": salt.hex(),
                                "info": info.hex(), "length": length}
        if version is not None:
            args["key_version"] = version
        return self._data(as_actor, "DeriveSharedSecret", key_id, args, {})

    def _data(self, as_actor: str, command_type: str, key_id: str, args: dict[str, Any],
              inputs: dict[str, bytes]) -> Outcome[Any]:
        key = self.ledger().key(key_id)
        return self.act(as_actor, command_type, key.domain, {"key_id": key_id, **args},
                        inputs=inputs)

    # --- HD wallets (commands.wallet_handlers) -----------------------------------------------

    def create_wallet(self, as_actor: str, *, domain: str = DEFAULT_DOMAIN,
                      word_count: int = 24, language: str = "english", passphrase: str = "",
                      label: str | None = None, **settings: Any) -> Outcome[Any]:
        """``result["mnemonic"]`` is the only copy there will ever be: show it once.

        ``settings``: ``purposes``, ``curves``, ``gap_limit`` (see ``WalletCreated``).
        """
        args: dict[str, Any] = {"word_count": word_count, "language": language,
                                "has_passphrase": bool(passphrase), **settings}
        if label is not None:
            args["label"] = label
        inputs = {"passphrase": passphrase.encode()} if passphrase else {}
        return self.act(as_actor, "CreateWallet", domain, args, inputs=inputs)

    def import_wallet(self, as_actor: str, mnemonic: str, *, passphrase: str = "",
                      domain: str = DEFAULT_DOMAIN, language: str | None = None,
                      label: str | None = None, allow_weak: bool = False,
                      **settings: Any) -> Outcome[Any]:
        """Import a mnemonic; the signed command names only the seed's master fingerprint."""
        checked = hd.parse_mnemonic(mnemonic, language)
        with hd.wiped(hd.seed_from_mnemonic(checked, passphrase)) as seed:
            fingerprint = hd.master_fingerprint(seed).hex()
        args: dict[str, Any] = {"master_fingerprint": fingerprint, "language": checked.language,
                                "has_passphrase": bool(passphrase), **settings}
        if allow_weak:
            args["allow_weak"] = True
        if label is not None:
            args["label"] = label
        inputs = {"mnemonic": checked.text.encode()}
        if passphrase:
            inputs["passphrase"] = passphrase.encode()
        return self.act(as_actor, "ImportWallet", domain, args, inputs=inputs)

    def wallet_command(self, as_actor: str, command_type: str, wallet_id: str,
                       extra: Mapping[str, Any] | None = None,
                       inputs: Mapping[str, bytes] | None = None) -> Outcome[Any]:
        """DeriveAddress, MarkAddressUsed, ExportXpub, BackupWallet … in the wallet's domain."""
        wallet = self.ledger().wallet(wallet_id)
        return self.act(as_actor, command_type, wallet.domain,
                        {"wallet_id": wallet_id, **(extra or {})}, inputs=inputs)

    def derive_address(self, as_actor: str, wallet_id: str, **route: Any) -> Outcome[Any]:
        """``route``: ``purpose``, ``coin``, ``curve``, ``account``, ``change``."""
        return self.wallet_command(as_actor, "DeriveAddress", wallet_id, route)

    def mark_address_used(self, as_actor: str, wallet_id: str, path: str,
                          curve: str = "secp256k1") -> Outcome[Any]:
        return self.wallet_command(as_actor, "MarkAddressUsed", wallet_id,
                                   {"path": path, "curve": curve})

    def export_xpub(self, as_actor: str, wallet_id: str, **account: Any) -> Outcome[Any]:
        """``account``: ``purpose``, ``coin``, ``account``."""
        return self.wallet_command(as_actor, "ExportXpub", wallet_id, account)

    def backup_wallet(self, as_actor: str, wallet_id: str, *, threshold: int,
                      custodians: list[str], scheme: str = "feldman") -> Outcome[Any]:
        """``result["documents"]``: one secret share document per custodian, in order."""
        return self.wallet_command(as_actor, "BackupWallet", wallet_id, {
            "threshold": threshold, "custodians": list(custodians), "scheme": scheme})

    def recover_wallet(self, as_actor: str, documents: Sequence[Mapping[str, Any]]
                       ) -> Outcome[Any]:
        """Recover from share documents (wallet and backup are named inside them)."""
        if not documents:
            raise InvalidInput("no share documents were given", field="shares")
        first = documents[0]
        wallet_id, split_id = first.get("wallet_id"), first.get("split_id")
        if not isinstance(wallet_id, str) or not isinstance(split_id, str):
            raise InvalidInput("share documents name no wallet or backup", field="shares")
        indexes = [d.get("index") for d in documents]
        inputs = {share_input_name(n): json.dumps(dict(d)).encode()
                  for n, d in enumerate(documents)}
        return self.wallet_command(as_actor, "RecoverWallet", wallet_id, {
            "split_id": split_id, "share_indexes": indexes}, inputs=inputs)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
