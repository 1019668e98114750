"""A session: one home, one store, one loaded ledger, acting for the home's identities.

Front ends (CLI now, services later) go through a session so that every command they
send is built, signed by the acting identity and executed the same way.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from typing import Any

from commands.handlers import execute
from ledger.application import Ledger, Outcome
from ledger.authorization import SYSTEM_CHAIN
from ledger.command import SYSTEM_ACTOR, Command
from ledger.crypto.kek import KEKProvider
from ledger.crypto.memory import zeroize
from ledger.errors import ConfigurationError
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
            messages: list[bytes] | None = None) -> Outcome[Any]:
        """Build a command for ``actor_name``, sign it with its identity key, execute it."""
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
        return execute(ledger, signed, message=message, messages=messages)

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
