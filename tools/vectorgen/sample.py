"""The sample ledger every vector family is cut from: small, but with every kind of entry.

Requirements:

1. Built by the product itself (catalogue commands built by :mod:`commands.builders` and
   run by the command handlers through the ledger application, on the in-memory store),
   never by hand, so the vectors show what SKMS really writes.
2. Deterministic (see :mod:`vectorgen.sources`): fixed keys, a fixed clock moved one minute
   per command (the ledger's ``clock=``, hence every event's ``at=``), explicit command ids
   and nonces.
3. Small but complete: genesis and the bootstrap admin; three actors; ed25519 keys in two
   key domains; signatures (single and batch); a rotation, a suspension and reactivation;
   two refusals recorded as ``CommandRejected`` (a signer outside its domain, a revoked
   signer); checkpoints published automatically, on request and at the end.
4. Public values only leave this module (public keys, envelopes, notes); the private seeds
   stay inside :class:`SampleLedger` and are wiped by :meth:`SampleLedger.close`.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from vectorgen.product import (
    CATALOGUE,
    COMMAND_DOMAIN,
    SYSTEM_ACTOR,
    Command,
    CommandRejected,
    Ledger,
    MemoryEventStore,
    MemoryKeyRing,
    PassphraseKEK,
    Resolver,
    StoredCheckpoint,
    StoredEnvelope,
    build,
    execute,
    get_scheme,
    sign_note,
    zeroize,
)
from vectorgen.sources import FixedClock, SeededStream, deterministic, fixed_secret

SEED = b"skms/own-vectors/v1"
START_MICROS = 1_735_689_600_000_000  # 2025-01-01T00:00:00Z
STEP_SECONDS = 60
CHECKPOINT_EVERY_EVENTS = 6
CHECKPOINT_EVERY_SECONDS = 86_400
"""A day: a chain's first event, which has no checkpoint before it, is checkpointed at once;
after that checkpoints come from the event count, a request, or the final round."""
DEFAULT_DOMAIN = "default"
PAYMENTS_DOMAIN = "payments"


@dataclass(frozen=True)
class Identity:
    name: str
    actor_id: str
    public_key: bytes


@dataclass
class SampleLedger:
    """The built ledger's store and its public facts; holds the seeds until closed."""

    store: MemoryEventStore
    ledger_id: str
    origin: str
    ledger_public_key: bytes
    identities: dict[str, Identity]
    keys: dict[str, str]  # label -> key id
    foreign_key: bytes  # the public key of a key that is not the ledger's
    seeds: dict[str, bytearray] = field(repr=False)

    def chains(self) -> dict[str, list[StoredEnvelope]]:
        return {chain: list(self.store.read(chain)) for chain in self.store.chains()}

    def checkpoints(self) -> dict[str, list[StoredCheckpoint]]:
        return {chain: self.store.checkpoints(chain) for chain in self.store.chains()}

    def public_key_of(self, actor_id: str) -> bytes:
        if actor_id == SYSTEM_ACTOR:
            return self.ledger_public_key
        return next(i.public_key for i in self.identities.values() if i.actor_id == actor_id)

    def sign_with_ledger_key(self, body: str, name: str | None = None) -> str:
        """A note signed by the real ledger key (under its own key name unless ``name``):
        what an insider holding the key could forge."""
        return sign_note(body, name or self.origin, self.seeds["ledger"])

    def sign_with_foreign_key(self, body: str, name: str) -> str:
        """A note signed by a key that is not the ledger's, under any key name."""
        return sign_note(body, name, self.seeds["foreign"])

    def sign_command_as(self, name: str, canonical: bytes) -> bytes:
        """An actor's signature over command bytes (for re-signed forgeries)."""
        return get_scheme("ed25519").sign(self.seeds[name], COMMAND_DOMAIN + canonical)

    def close(self) -> None:
        for seed in self.seeds.values():
            zeroize(seed)


class _Builder:
    """Issues the sample ledger's commands one minute apart, as its actors."""

    def __init__(self) -> None:
        self.clock = FixedClock(START_MICROS)
        self.commands = SeededStream(SEED, "command")
        self.seeds: dict[str, bytearray] = {
            name: fixed_secret(SEED, name)
            for name in ("ledger", "admin", "alice", "bob", "carol", "foreign")}
        self.public = {name: bytes(get_scheme("ed25519").public_key(seed))
                       for name, seed in self.seeds.items()}
        self.actor_ids: dict[str, str] = {"ledger": SYSTEM_ACTOR}
        kek_params = {"version": 1, "kek_id": "own-vectors-fixed-kek", "kdf": "none"}
        self.kek = PassphraseKEK(fixed_secret(SEED, "kek"), kek_params)
        self.store = MemoryEventStore()
        self.ledger_key = bytearray(self.seeds["ledger"])  # the ledger's own copy
        self.ledger = Ledger(self.store, MemoryKeyRing(), kek=self.kek,
                             ledger_key=self.ledger_key, clock=self.clock, refusal_limit=None)
        self.resolver = Resolver(lambda key_id: self.ledger.key(key_id).domain,
                                 lambda wallet_id: self.ledger.wallet(wallet_id).domain)
        self.ledger_id = str(uuid.UUID(bytes=hashlib.sha256(SEED + b"/ledger-id").digest()[:16],
                                       version=4))
        self.origin = f"skms.ledger/{self.ledger_id}"

    def act(self, as_actor: str, command_type: str, *, refused: bool = False,
            **params: Any) -> dict[str, Any] | None:
        """Issue one catalogue command as ``as_actor``, one minute after the last.

        ``params`` are the command's catalogue names (arguments and inputs, ``domain`` or
        ``chain_id``); :func:`~commands.builders.build` derives the digests and the chain
        exactly as the SDK and the CLI do. Only the command id and nonce are given here.
        """
        self.clock.advance(STEP_SECONDS)
        built = build(CATALOGUE.command(command_type), params, self.resolver)
        command = Command(command_type, self.actor_ids[as_actor], built.chain_id, built.args,
                          self.clock.now, command_id=str(self.commands.uuid4()),
                          nonce=self.commands.read(16).hex())
        signed = command.sign(self.seeds[as_actor])
        try:
            outcome = execute(self.ledger, signed, built.inputs)
        except CommandRejected:
            if not refused:
                raise
            return None
        if refused:
            raise AssertionError(f"{command_type} by {as_actor} was meant to be refused")
        return dict(outcome.result or {})

    def register(self, as_actor: str, name: str, roles: list[str], domains: list[str]) -> None:
        result = self.act(as_actor, "RegisterActor", name=name,
                          public_key=self.public[name].hex(), roles=roles, domains=domains)
        assert result is not None
        self.actor_ids[name] = str(result["actor_id"])

    def create_key(self, domain: str, **params: Any) -> str:
        result = self.act("alice", "CreateKey", domain=domain, algorithm="ed25519", **params)
        assert result is not None
        return str(result["key_id"])

    def sign(self, key_id: str, message: bytes, *, refused: bool = False) -> None:
        self.act("bob", "Sign", key_id=key_id, message=message, refused=refused)

    def build(self) -> SampleLedger:
        self.ledger.load()
        self.act("ledger", "InitializeLedger", ledger_id=self.ledger_id,
                 ledger_name="own-vectors", ledger_public_key=self.public["ledger"].hex(),
                 origin=self.origin, fips_mode=False,
                 checkpoint_every_events=CHECKPOINT_EVERY_EVENTS,
                 checkpoint_every_seconds=CHECKPOINT_EVERY_SECONDS,
                 kek_provider="fixed-test-kek")
        self.register("ledger", "admin", ["admin"], ["*"])
        self.register("admin", "alice", ["key-manager"], ["*"])
        self.register("admin", "bob", ["signer"], [PAYMENTS_DOMAIN])
        self.register("admin", "carol", ["auditor"], ["*"])
        default_key = self.create_key(DEFAULT_DOMAIN, label="release-signing")
        payments_key = self.create_key(PAYMENTS_DOMAIN, label="invoices",
                                       max_signatures_per_day=100)
        for number in range(3):
            self.sign(payments_key, f"invoice {number}".encode())
        self.act("bob", "SignBatch", key_id=payments_key,
                 messages=[b"invoice 3", b"invoice 4"])
        self.sign(default_key, b"release 1.0", refused=True)  # outside bob's domain
        self.act("alice", "RotateKey", key_id=default_key)
        self.act("alice", "SuspendKey", key_id=default_key, reason="audit hold")
        self.act("alice", "ReactivateKey", key_id=default_key, reason="audit closed")
        self.act("carol", "RequestCheckpoint", chain_id=PAYMENTS_DOMAIN)
        self.sign(payments_key, b"invoice 5")
        self.act("admin", "RevokeActor", actor_id=self.actor_ids["bob"],
                 reason="left the company")
        self.sign(payments_key, b"invoice 6", refused=True)  # bob is revoked
        for chain_id in self.store.chains():
            self.clock.advance(STEP_SECONDS)
            self.ledger.checkpoint(chain_id)
        identities = {name: Identity(name, self.actor_ids[name], self.public[name])
                      for name in ("admin", "alice", "bob", "carol")}
        return SampleLedger(self.store, self.ledger_id, self.origin, self.public["ledger"],
                            identities, {"release-signing": default_key,
                                         "invoices": payments_key},
                            foreign_key=self.public["foreign"], seeds=self.seeds)

    def close(self) -> None:
        self.kek.close()
        zeroize(self.ledger_key)


def build_sample_ledger() -> SampleLedger:
    """Build the sample ledger with every hidden source fixed (see :mod:`vectorgen.sources`)."""
    builder = _Builder()
    try:
        with deterministic(SEED):
            return builder.build()
    finally:
        builder.close()
