"""Signed commands: what an actor asks for, in the exact bytes it signed.

Every envelope in a chain carries the canonical bytes of the command that caused it and
the submitting actor's Ed25519 signature over them, so an auditor can check, offline and
with public keys only, who asked for each event. The command carries a fresh nonce and its
issue time so a captured command cannot be replayed.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ledger.canonical import canonical_json
from ledger.crypto.schemes import get_scheme
from ledger.errors import InvalidInput, InvalidSignature, Unauthorized

COMMAND_DOMAIN = b"SKMS-COMMAND-v1\x00"
"""Domain separation: a command signature can never be confused with any other signature."""

SYSTEM_ACTOR = "ledger"
"""The ledger's own identity; it signs system commands (checkpoints, rejections, genesis)."""

SCHEDULER_ACTOR = "scheduler"
"""The ledger's scheduler: signs with the ledger's key, and may issue only the catalogue's
scheduled commands (rotating due keys, closing expired approval requests)."""

LEDGER_IDENTITIES = frozenset({SYSTEM_ACTOR, SCHEDULER_ACTOR})
"""Actor ids that sign with the ledger's own key."""


@dataclass(frozen=True, slots=True)
class Command:
    """An unsigned command. ``args`` hold only canonical-JSON values (hex for bytes)."""

    command_type: str
    actor_id: str
    chain_id: str
    args: Mapping[str, Any]
    issued_at: int
    command_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    nonce: str = field(default_factory=lambda: secrets.token_hex(16))
    correlation_id: str = ""

    def canonical(self) -> bytes:
        """The bytes the actor signs (without the domain-separation prefix)."""
        return canonical_json({
            "type": self.command_type,
            "actor_id": self.actor_id,
            "chain_id": self.chain_id,
            "args": dict(self.args),
            "issued_at": self.issued_at,
            "command_id": self.command_id,
            "nonce": self.nonce,
            "correlation_id": self.correlation_id,
        })

    def sign(self, actor_private_key: bytes | bytearray) -> SignedCommand:
        """Sign with the actor's Ed25519 identity key."""
        body = self.canonical()
        signature = get_scheme("ed25519").sign(actor_private_key, COMMAND_DOMAIN + body)
        return SignedCommand(self, body, signature)


@dataclass(frozen=True, slots=True)
class SignedCommand:
    """A command, its canonical bytes and the actor's signature over them."""

    command: Command
    canonical_bytes: bytes
    signature: bytes

    def verify(self, actor_public_key: bytes) -> None:
        """Raise ``Unauthorized`` unless the actor's key signed exactly these bytes."""
        verify_command_signature(self.canonical_bytes, self.signature, actor_public_key)

    @staticmethod
    def parse(canonical_bytes: bytes, signature: bytes) -> SignedCommand:
        """Rebuild a command from the bytes stored in an envelope (or sent over a wire)."""
        return SignedCommand(parse_command(canonical_bytes), canonical_bytes, signature)


def verify_command_signature(canonical_bytes: bytes, signature: bytes, public_key: bytes) -> None:
    """Check an actor's signature over canonical command bytes."""
    try:
        get_scheme("ed25519").verify(public_key, COMMAND_DOMAIN + canonical_bytes, signature)
    except InvalidSignature:
        raise Unauthorized("the actor's signature over the command does not verify",
                           field="signature", reason_code="bad-signature") from None


MAX_COMMAND_BYTES = 1_048_576
MAX_COMMAND_DEPTH = 32
"""Bounds checked before a command is parsed: no SKMS command nests deeper than a few
levels, and Python's JSON decoder recurses once per level (a deeply nested document would
exhaust the interpreter's stack instead of being refused)."""


def check_nesting(text: bytes, max_depth: int = MAX_COMMAND_DEPTH) -> None:
    """Refuse JSON text nesting arrays/objects deeper than ``max_depth``.

    Counting brackets outside strings is exact; when the text holds fewer brackets than the
    limit in all (every command a client sends), it cannot nest deeper, and the count is
    all the check costs.
    """
    if text.count(b"[") + text.count(b"{") <= max_depth:
        return
    depth = 0
    in_string = escaped = False
    for byte in text:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > max_depth:
                raise InvalidInput(f"nests deeper than {max_depth} levels", field="command")
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1


_COMMAND_FIELDS: dict[str, type] = {
    "type": str, "actor_id": str, "chain_id": str, "args": dict, "issued_at": int,
    "command_id": str, "nonce": str, "correlation_id": str}
"""Every field of a command's canonical form and its JSON type: no more, no fewer."""


def parse_command(canonical_bytes: bytes) -> Command:
    """Decode canonical command bytes, insisting they are canonical (re-encoding matches)."""
    if len(canonical_bytes) > MAX_COMMAND_BYTES:
        raise InvalidInput(f"longer than {MAX_COMMAND_BYTES} bytes", field="command")
    check_nesting(canonical_bytes)
    try:
        raw = json.loads(canonical_bytes)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidInput("command is not valid JSON", field="command") from None
    if not isinstance(raw, dict):
        raise InvalidInput("command must be a JSON object", field="command")
    for name, kind in _COMMAND_FIELDS.items():
        value = raw.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise InvalidInput(f"missing or not a {kind.__name__}", field=f"command.{name}")
    if raw.keys() != _COMMAND_FIELDS.keys():
        raise InvalidInput("unexpected fields", field="command")
    command = Command(command_type=raw["type"], actor_id=raw["actor_id"],
                      chain_id=raw["chain_id"], args=raw["args"], issued_at=raw["issued_at"],
                      command_id=raw["command_id"], nonce=raw["nonce"],
                      correlation_id=raw["correlation_id"])
    if command.canonical() != canonical_bytes:
        raise InvalidInput("command bytes are not in canonical form", field="command")
    return command
