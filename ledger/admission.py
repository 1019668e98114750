"""Admission: may this signed command be decided at all, and has it been decided already?

Requirements:

1. A command is admitted only if the ledger is initialized (or it is the genesis), its
   chain id is well formed, its time is within ``max_skew_micros`` of the ledger's clock,
   its (actor, nonce) pair is unused, its actor is registered (or is the ledger itself),
   its signature over the canonical bytes verifies with the actor's key as the state holds
   it, and the authorization table allows the actor's roles and domains.
2. Genesis is self-signed: it carries the ledger key that signs it, and is admitted only
   into an empty store.
3. A command whose id was decided before returns that earlier outcome only for the same
   canonical bytes with a signature that verifies again (the same bytes are not proof of
   the same actor); a command refused before is refused again with the recorded reason.

Every check reads the :class:`~ledger.state.LedgerState`; none changes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.authorization import SYSTEM_CHAIN, authorize
from ledger.command import LEDGER_IDENTITIES, SYSTEM_ACTOR, SignedCommand
from ledger.errors import (
    CommandRejected,
    ConfigurationError,
    InvalidInput,
    ReplayedCommand,
    Unauthorized,
)
from ledger.state import CommandRecord, LedgerState

MAX_CLOCK_SKEW_MICROS = 300_000_000
CHAIN_ID_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


def check_chain_id(chain_id: str) -> str:
    """A key domain's chain id: 1-64 of a-z, 0-9, '-', '_'."""
    if not chain_id or len(chain_id) > 64 or not set(chain_id) <= CHAIN_ID_ALPHABET:
        raise InvalidInput("must be 1-64 characters of a-z, 0-9, '-' or '_'", field="domain")
    return chain_id


def valid_chain_id(chain_id: str) -> bool:
    return chain_id == SYSTEM_CHAIN or (
        0 < len(chain_id) <= 64 and set(chain_id) <= CHAIN_ID_ALPHABET)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who an actor is as far as admission is concerned, as the state holds it now."""

    public_key: bytes
    roles: tuple[str, ...]
    domains: tuple[str, ...]
    revoked: bool


def identity(state: LedgerState, actor_id: str) -> Identity:
    """The actor's key, roles and domains (the ledger's own identity for ``ledger``)."""
    if actor_id in LEDGER_IDENTITIES:
        if state.meta is None:
            raise Unauthorized("no ledger identity yet", reason_code="unknown-actor")
        return Identity(state.meta.ledger_public_key, (), ("*",), False)
    actor = state.actors.get(actor_id)
    if actor is None:
        raise Unauthorized(f"unknown actor {actor_id!r}", field="actor_id",
                           reason_code="unknown-actor")
    return Identity(actor.public_key, tuple(actor.roles), tuple(actor.domains), actor.revoked)


def earlier(state: LedgerState, signed: SignedCommand) -> CommandRecord | None:
    """The record of this command if it was decided before (see requirement 3)."""
    command = signed.command
    seen = state.commands.get(command.command_id)
    if seen is not None:
        if not seen.same_command(signed.canonical_bytes):
            raise ReplayedCommand(f"command id {command.command_id} was already used for a "
                                  "different command", field="command_id",
                                  reason_code="replay")
        signed.verify(identity(state, command.actor_id).public_key)
        return seen
    rejected = state.rejections.get(command.command_id)
    if rejected is not None:
        raise CommandRejected(f"command {command.command_id} was refused earlier: "
                              f"{rejected.reason}", reason_code=rejected.reason_code,
                              seq=rejected.seq)
    return None


def admit(state: LedgerState, signed: SignedCommand, *, now: int,
          max_skew_micros: int = MAX_CLOCK_SKEW_MICROS, store_is_empty: bool = False) -> None:
    """Raise unless the command may be decided now (requirements 1 and 2)."""
    command = signed.command
    if state.meta is None and command.command_type != "InitializeLedger":
        raise ConfigurationError("the ledger is not initialized", hint="run 'skms init'")
    if command.chain_id != SYSTEM_CHAIN:
        check_chain_id(command.chain_id)
    skew = abs(now - command.issued_at)
    if skew > max_skew_micros:
        raise ReplayedCommand(
            f"command issued {skew // 1_000_000} s away from the ledger clock (limit "
            f"{max_skew_micros // 1_000_000} s)", field="issued_at",
            reason_code="stale-command")
    if (command.actor_id, command.nonce) in state.nonces:
        raise ReplayedCommand("nonce already used by this actor", field="nonce",
                              reason_code="replay")
    if command.command_type == "InitializeLedger":
        _admit_genesis(state, signed, store_is_empty)
        return
    who = identity(state, command.actor_id)
    signed.verify(who.public_key)
    authorize(actor_id=command.actor_id, roles=who.roles, domains=who.domains,
              revoked=who.revoked, command_type=command.command_type,
              chain_id=command.chain_id)


def _admit_genesis(state: LedgerState, signed: SignedCommand, store_is_empty: bool) -> None:
    if state.meta is not None or not store_is_empty:
        raise CommandRejected("the ledger is already initialized", reason_code="exists")
    if signed.command.actor_id != SYSTEM_ACTOR:
        raise Unauthorized("only the ledger identity may initialize", reason_code="genesis")
    key_hex = signed.command.args.get("ledger_public_key")
    if not isinstance(key_hex, str):
        raise InvalidInput("missing", field="ledger_public_key")
    try:
        key = bytes.fromhex(key_hex)
    except ValueError:
        raise InvalidInput("not hexadecimal", field="ledger_public_key") from None
    signed.verify(key)
