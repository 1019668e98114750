"""A session: one home, one store, one loaded ledger, acting for the home's identities.

The CLI goes through a session so that every command it sends is built (by
:mod:`commands.builders`, as the SDK builds it), signed by the acting identity and
executed the same way, and every read is answered by :mod:`commands.reads`, as the
service answers it.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

from commands.builders import Resolver, build
from commands.handlers import execute
from ledger.application import Ledger, Outcome
from ledger.approvals.policy import DEFAULT_RULES
from ledger.authorization import SYSTEM_CHAIN
from ledger.catalogue import CATALOGUE
from ledger.command import SYSTEM_ACTOR, Command, parse_command
from ledger.crypto.kek import KDF_PBKDF2, KDF_SCRYPT, KEKProvider
from ledger.crypto.memory import zeroize
from ledger.domain.approval import OPEN_STATES
from ledger.errors import ConfigurationError, InvalidInput, NotFound
from ledger.home import Home, Identity
from ledger.hsm.config import Pkcs11Config
from ledger.hsm.keystore import HsmKeyStore
from ledger.stores.base import EventStore, KeyRing

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
        self._hsm: HsmKeyStore | None = None
        self._ledger_key: bytearray | None = None
        self._store: EventStore | None = None
        self._keyring: KeyRing | None = None
        self._ledger: Ledger | None = None
        self._reader: Ledger | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def store(self) -> tuple[EventStore, KeyRing]:
        if self._store is None or self._keyring is None:
            self._store, self._keyring = self.home.open_store()
        return self._store, self._keyring

    def kek(self) -> KEKProvider:
        """The passphrase's KEK, or the token's (its PIN read from the home's PIN file)."""
        if self._kek is None:
            self._kek = self.home.open_kek(self._passphrase)
        return self._kek

    def key_store(self) -> HsmKeyStore | None:
        """The home's HSM for token-resident keys (logged in on first use), if any."""
        if self._hsm is None:
            self._hsm = self.home.key_store()
        return self._hsm

    def ledger(self) -> Ledger:
        if self._ledger is None:
            store, keyring = self.store()
            kek = self.kek()
            self._ledger_key = self.home.ledger_key(kek)
            self._ledger = self._new_ledger(store, keyring, kek, self._ledger_key)
            self._ledger.load()
            self._ledger.reconcile_keyring()
        return self._ledger

    def _new_ledger(self, store: EventStore, keyring: KeyRing, kek: KEKProvider,
                    ledger_key: bytearray) -> Ledger:
        """The ledger this session decides with; its KEK's uses fenced against a rotation
        run by another process on the home (ledger/recipes/kek_fence.py)."""
        return Ledger(store, keyring, kek=kek, ledger_key=ledger_key, hsm=self.key_store(),
                      kek_fence=self.home.kek_fence(kek),
                      home_identities=lambda: self.home.held_identities(kek))

    def read_only_ledger(self) -> Ledger:
        """The ledger loaded without secrets: for listings and public keys."""
        if self._ledger is not None:
            return self._ledger
        if self._reader is None:
            store, keyring = self.store()
            self._reader = Ledger(store, keyring)
            self._reader.load()
        return self._reader

    def catch_up(self) -> None:
        """Fold in envelopes other processes appended (see :meth:`Ledger.catch_up`)."""
        for ledger in (self._ledger, self._reader):
            if ledger is not None:
                ledger.catch_up()

    def close(self) -> None:
        if self._ledger_key is not None:
            zeroize(self._ledger_key)
        if self._kek is not None:
            self._kek.close()
        if self._hsm is not None:
            self._hsm.close()
        if self._passphrase is not None:
            zeroize(self._passphrase)
        if self._store is not None:
            self._store.close()
        if self._keyring is not None:
            self._keyring.close()

    # --- creating a ledger -------------------------------------------------------------------

    def initialize(self, *, name: str, fips_mode: bool = False, checkpoint_every_events: int = 64,
                   checkpoint_every_seconds: int = 60, admin_name: str = BOOTSTRAP_ADMIN,
                   kek_provider: str = "passphrase", pkcs11: Pkcs11Config | None = None,
                   default_approvals: bool = True) -> dict[str, Any]:
        """Create the home, the genesis event and the first admin (its key kept here).

        ``kek_provider="pkcs11"`` puts the KEK on the token ``pkcs11`` names (no passphrase
        needed then); ``pkcs11`` alone names the HSM for token-resident keys. FIPS mode
        (issue 15, section 6): a passphrase KEK comes from PBKDF2-HMAC-SHA256 (600,000
        iterations or more), never scrypt, and the home refuses scrypt from now on.
        ``default_approvals`` records :data:`DEFAULT_RULES` as the admin's first policy."""
        kek, ledger_key, ledger_id = self.home.create(
            self._passphrase, kdf=KDF_PBKDF2 if fips_mode else KDF_SCRYPT, fips=fips_mode,
            kek_provider=kek_provider, pkcs11=pkcs11)
        self._kek, self._ledger_key = kek, ledger_key
        store, keyring = self.store()
        if store.chains():
            raise ConfigurationError(f"the store {store.url} already holds a ledger",
                                     hint="point --store at an empty store")
        self._ledger = self._new_ledger(store, keyring, kek, ledger_key)
        self._ledger.load()
        public_key = self.home.ledger_public_key()
        genesis = Command("InitializeLedger", SYSTEM_ACTOR, SYSTEM_CHAIN, {
            "ledger_id": ledger_id, "ledger_name": name, "ledger_public_key": public_key.hex(),
            "origin": f"skms.ledger/{ledger_id}", "fips_mode": fips_mode,
            "checkpoint_every_events": checkpoint_every_events,
            "checkpoint_every_seconds": checkpoint_every_seconds,
            "kek_provider": self.home.kek_description(),
        }, now_micros()).sign(ledger_key)
        execute(self._ledger, genesis)
        admin_key = self.home.new_identity(admin_name, kek)
        bootstrap = Command("RegisterActor", SYSTEM_ACTOR, SYSTEM_CHAIN, {
            "name": admin_name, "public_key": admin_key.hex(), "roles": ["admin"],
            "domains": ["*"]}, now_micros()).sign(ledger_key)
        outcome = execute(self._ledger, bootstrap)
        admin_id = str((outcome.result or {})["actor_id"])
        self.home.bind_identity(admin_name, admin_id)
        rules = [self.run(admin_name, "SetApprovalPolicy", command=command,
                          approvals=approvals).result
                 for command, approvals in (DEFAULT_RULES if default_approvals else ())]
        return {"ledger_id": ledger_id, "home": str(self.home.path), "store": store.url,
                "admin": admin_name, "admin_actor_id": admin_id,
                "approval_rules": [rule for rule in rules if rule]}

    # --- acting ------------------------------------------------------------------------------

    def resolver(self) -> Resolver:
        """Domains of keys and wallets, as this session's ledger holds them."""
        return Resolver(lambda key_id: self.ledger().key(key_id).domain,
                        lambda wallet_id: self.ledger().wallet(wallet_id).domain,
                        self._approval)

    def _approval(self, approval_id: str) -> tuple[str, str]:
        approval = self.ledger().state.approval(approval_id)
        return approval.chain_id, approval.request_digest.hex()

    def run(self, actor_name: str, command_type: str, **params: Any) -> Outcome[Any]:
        """Build a catalogue command from ``params`` (:mod:`commands.builders`), sign it as
        ``actor_name`` and execute it."""
        built = build(CATALOGUE.command(command_type), params, self.resolver())
        return self.act(actor_name, command_type, built.chain_id, built.args,
                        inputs=built.inputs)

    def act(self, actor_name: str, command_type: str, chain_id: str,
            args: Mapping[str, Any], *, inputs: Mapping[str, Any] | None = None
            ) -> Outcome[Any]:
        """Sign exactly these arguments as ``actor_name`` and execute the command.

        ``inputs`` is the data of a data command (plaintext, ciphertext, ...); it is handed
        to the handler beside the command, never signed into it or stored.
        """
        ledger = self.ledger()
        identity = self.identity(actor_name)
        if not identity.actor_id:
            held = self._held_registration(identity.public_key)
            raise ConfigurationError(
                f"identity {actor_name!r} is not registered in the ledger"
                + (f": its registration is waiting for approvers (approval {held})"
                   if held else ""),
                hint="see 'skms approval list --pending'" if held else "")
        command = Command(command_type, identity.actor_id, chain_id, dict(args), now_micros())
        key = self.home.identity_key(actor_name, self.kek())
        try:
            signed = command.sign(key)
        finally:
            zeroize(key)
        return execute(ledger, signed, inputs)

    def identity(self, name: str) -> Identity:
        """The home's identity ``name``, bound to the actor id the ledger gave it.

        A registration held for approvers executes later, on the approval completing its
        quorum (``ApprovalExecuted``), from any home, the service or the SDK: none of them
        can write this home's identity file. So the log decides: an identity still unbound
        here is bound to the actor the ledger registered under the same name with the same
        public key, the first time it is looked up.
        """
        identity = self.home.identity(name)
        if identity.actor_id:
            return identity
        for actor in self.read_only_ledger().actors.values():
            if actor.name == identity.name and hmac.compare_digest(actor.public_key,
                                                                   identity.public_key):
                self.home.bind_identity(name, actor.actor_id)
                return Identity(identity.name, actor.actor_id, identity.public_key)
        return identity

    def _held_registration(self, public_key: bytes) -> str | None:
        """The open approval request holding a RegisterActor for ``public_key``, if any."""
        for approval in self.read_only_ledger().state.approvals.values():
            if approval.command_type != "RegisterActor" or approval.status not in OPEN_STATES:
                continue
            held = str(parse_command(approval.command).args.get("public_key", ""))
            if hmac.compare_digest(held.encode(), public_key.hex().encode()):
                return str(approval.approval_id)
        return None

    def new_identity(self, name: str) -> bytes:
        """Make and seal a new identity key here for registering actor ``name``.

        An unbound identity of that name whose registration the log neither holds for
        approvers nor ever recorded (its request was rejected or expired, or the command
        never reached the ledger) signed nothing the log keeps, so it is replaced; one
        still waiting for approvers is not (its approval would bind the old key).
        """
        try:
            stale = self.identity(name)
        except NotFound:
            stale = None
        if stale is not None and not stale.actor_id:
            held = self._held_registration(stale.public_key)
            if held is not None:
                raise InvalidInput(f"the registration of {name!r} is waiting for approvers "
                                   f"(approval {held})", field="name",
                                   hint="approve or reject it first")
            self.home.forget_identity(name)
        return self.home.new_identity(name, self.kek())

    def add_actor(self, as_actor: str, name: str, roles: list[str], domains: list[str]
                  ) -> Outcome[Any]:
        """Register an actor whose identity key is made and kept in this home."""
        public_key = self.new_identity(name)
        outcome = self.run(as_actor, "RegisterActor", name=name, public_key=public_key.hex(),
                           roles=roles, domains=domains)
        if outcome.approval_id is None:  # held for approvers: no actor id to bind yet
            self.home.bind_identity(name, str((outcome.result or {})["actor_id"]))
        return outcome

    # --- shorthands the tests and tools use (each one catalogue command) --------------------

    def sign(self, as_actor: str, key_id: str, message: bytes) -> Outcome[Any]:
        return self.run(as_actor, "Sign", key_id=key_id, message=message)

    def sign_batch(self, as_actor: str, key_id: str, messages: list[bytes]) -> Outcome[Any]:
        return self.run(as_actor, "SignBatch", key_id=key_id, messages=messages)

    def key_command(self, as_actor: str, command_type: str, key_id: str,
                    extra: Mapping[str, Any] | None = None) -> Outcome[Any]:
        return self.run(as_actor, command_type, key_id=key_id, **dict(extra or {}))

    def encrypt(self, as_actor: str, key_id: str, plaintext: bytes, aad: bytes = b""
                ) -> Outcome[Any]:
        return self.run(as_actor, "Encrypt", key_id=key_id, plaintext=plaintext, aad=aad)

    def decrypt(self, as_actor: str, key_id: str, ciphertext: bytes, aad: bytes = b""
                ) -> Outcome[Any]:
        """``result["plaintext"]`` is a bytearray to wipe, returned only after the
        DataDecrypted event is committed."""
        return self.run(as_actor, "Decrypt", key_id=key_id, ciphertext=ciphertext, aad=aad)

    def generate_data_key(self, as_actor: str, key_id: str, aad: bytes = b"") -> Outcome[Any]:
        return self.run(as_actor, "GenerateDataKey", key_id=key_id, aad=aad)

    def generate_mac(self, as_actor: str, key_id: str, message: bytes) -> Outcome[Any]:
        return self.run(as_actor, "GenerateMac", key_id=key_id, message=message)

    def verify_mac(self, as_actor: str, key_id: str, message: bytes, mac: bytes,
                   version: int | None = None) -> Outcome[Any]:
        return self.run(as_actor, "VerifyMac", key_id=key_id, message=message, mac=mac,
                        key_version=version)

    def derive_shared_secret(self, as_actor: str, key_id: str, peer_public_key: bytes, *,
                             salt: bytes = b"", info: bytes = b"", length: int = 32,
                             version: int | None = None) -> Outcome[Any]:
        return self.run(as_actor, "DeriveSharedSecret", key_id=key_id,
                        peer_public_key=peer_public_key.hex(), salt=salt.hex(),
                        info=info.hex(), length=length, key_version=version)

    def create_wallet(self, as_actor: str, *, domain: str = DEFAULT_DOMAIN,
                      word_count: int = 24, language: str = "english", passphrase: str = "",
                      **settings: Any) -> Outcome[Any]:
        """``result["mnemonic"]`` is the only copy there will ever be: show it once."""
        return self.run(as_actor, "CreateWallet", domain=domain, word_count=word_count,
                        language=language, passphrase=passphrase.encode(), **settings)

    def import_wallet(self, as_actor: str, mnemonic: str, *, passphrase: str = "",
                      domain: str = DEFAULT_DOMAIN, **settings: Any) -> Outcome[Any]:
        """Import a mnemonic; the signed command names only the seed's master fingerprint."""
        return self.run(as_actor, "ImportWallet", domain=domain, mnemonic=mnemonic.encode(),
                        passphrase=passphrase.encode(), **settings)

    def derive_address(self, as_actor: str, wallet_id: str, **route: Any) -> Outcome[Any]:
        return self.run(as_actor, "DeriveAddress", wallet_id=wallet_id, **route)

    def mark_address_used(self, as_actor: str, wallet_id: str, path: str,
                          curve: str = "secp256k1") -> Outcome[Any]:
        return self.run(as_actor, "MarkAddressUsed", wallet_id=wallet_id, path=path,
                        curve=curve)

    def export_xpub(self, as_actor: str, wallet_id: str, **account: Any) -> Outcome[Any]:
        return self.run(as_actor, "ExportXpub", wallet_id=wallet_id, **account)

    def backup_wallet(self, as_actor: str, wallet_id: str, *, threshold: int,
                      custodians: list[str], scheme: str = "feldman") -> Outcome[Any]:
        """``result["documents"]``: one secret share document per custodian, in order."""
        return self.run(as_actor, "BackupWallet", wallet_id=wallet_id, threshold=threshold,
                        custodians=list(custodians), scheme=scheme)

    def recover_wallet(self, as_actor: str, documents: list[Mapping[str, Any]]
                       ) -> Outcome[Any]:
        """Recover from share documents (wallet and backup are named inside them)."""
        return self.run(as_actor, "RecoverWallet",
                        shares=[json.dumps(dict(d)).encode() for d in documents])
