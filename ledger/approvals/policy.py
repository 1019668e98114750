"""Which quorum a command needs: the strictest rule in force that applies to it.

Requirements:

1. The rules in force for a command on a chain are the ledger-wide rules and, on a key
   domain's chain, that domain's rules and the rules of the key (or wallet) the command
   names. A rule applies when it names the command, its scope matches, and, if it has a
   limit, the command's value argument is above it (a value that is absent or not a
   number applies the rule: fail closed).
2. The strictest applies: the largest number of approvers among the applying rules; the
   request's lifetime is the shortest among the rules giving that number.
3. Changing a policy needs the quorum in force before it: the rules for
   ``SetApprovalPolicy`` itself, and the rules in force for the command whose policy
   changes at the scope that changes (limits ignored: every conditional rule counts), so
   nobody lowers a quorum without that quorum.

Pure functions of the rules and the command: the live ledger and the auditor call them
with the rules each holds for that moment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ledger.decimal_text import is_decimal
from ledger.domain.approval_policy import DEFAULT_TTL_SECONDS, Rule
from ledger.errors import InvalidInput

POLICY_COMMAND = "SetApprovalPolicy"
MAX_LIMIT = 2**512
_POWER = re.compile(r"^\s*(\d{1,6})\s*\*\*\s*(\d{1,3})\s*$")


@dataclass(frozen=True, slots=True)
class Requirement:
    """How many distinct approvers a command needs, how long a request waits, and why."""

    approvals: int
    ttl_seconds: int
    rules: tuple[Rule, ...]

    def labels(self) -> list[str]:
        return [rule.label() for rule in self.rules]


NOTHING = Requirement(0, DEFAULT_TTL_SECONDS, ())

DEFAULT_RULES: tuple[tuple[str, int], ...] = (("ExportKey", 1), ("ReleaseEscrow", 1))
"""Ledger-wide rules a new ledger starts with: the two commands that hand key material out
of the ledger wait for one approver besides their requester, as a custody desk expects.
They are recorded by the first admin at ``init`` like any policy, so the auditor needs no
special case, and lowering them later needs the quorum they set."""


def value_of(raw: Any) -> int | None:
    """A command's value argument as an integer (decimal or 0x-hex text, or a number)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        try:
            if text.lower().startswith("0x"):
                return int(text, 16)
            if is_decimal(text):
                return int(text)
        except ValueError:
            return None
    return None


def parse_limit(text: str, value_field: str | None) -> str:
    """``--when-above``: ``LIMIT`` or ``FIELD=LIMIT``; LIMIT decimal, 0x-hex or ``B**E``.
    Returns the limit as canonical decimal text."""
    limit = text.strip()
    if "=" in limit:
        named, limit = (part.strip() for part in limit.split("=", 1))
        if named != value_field:
            raise InvalidInput(f"this command's value argument is {value_field!r}, not "
                               f"{named!r}", field="when_above")
    power = _POWER.match(limit)
    number = int(power.group(1)) ** int(power.group(2)) if power else value_of(limit)
    if number is None or number < 0 or number > MAX_LIMIT:
        raise InvalidInput("give a non-negative integer (decimal, 0x-hex or B**E)",
                           field="when_above")
    return str(number)


def subjects(args: Mapping[str, Any]) -> set[str]:
    """The key or wallet a command names (what ``key`` rules match)."""
    return {str(args[name]) for name in ("key_id", "wallet_id") if args.get(name)}


def applies(rule: Rule, command_type: str, chain_id: str, args: Mapping[str, Any],
            value_field: str | None, *, every_limit: bool = False) -> bool:
    """Whether ``rule`` gates this command (see the module doc, 1)."""
    if rule.command_type != command_type:
        return False
    if rule.scope == "domain" and rule.target != chain_id:
        return False
    if rule.scope == "key" and rule.target not in subjects(args):
        return False
    if rule.when_above is None or every_limit:
        return True
    field = value_field or rule.value_field
    value = value_of(args.get(field)) if field else None
    return value is None or value > int(rule.when_above)


def requirement(rules: Iterable[Rule], command_type: str, chain_id: str,
                args: Mapping[str, Any], value_field: str | None, *,
                every_limit: bool = False) -> Requirement:
    """The strictest applying rule's quorum (see the module doc, 2)."""
    found = [r for r in rules if applies(r, command_type, chain_id, args, value_field,
                                         every_limit=every_limit)]
    if not found:
        return NOTHING
    approvals = max(r.approvals for r in found)
    ttl = min(r.ttl_seconds for r in found if r.approvals == approvals)
    ordered = sorted(found, key=lambda r: (-r.approvals, r.key))
    return Requirement(approvals, ttl, tuple(ordered))


def stronger(first: Requirement, second: Requirement) -> Requirement:
    if second.approvals > first.approvals:
        return Requirement(second.approvals, second.ttl_seconds, second.rules + first.rules)
    if first.approvals == 0:
        return first
    ttl = first.ttl_seconds if second.approvals < first.approvals else min(
        first.ttl_seconds, second.ttl_seconds)
    return Requirement(first.approvals, ttl, first.rules + second.rules)


def policy_change_requirement(rules: Iterable[Rule], chain_id: str,
                              args: Mapping[str, Any]) -> Requirement:
    """The quorum a ``SetApprovalPolicy`` needs (see the module doc, 3)."""
    every = list(rules)
    own = requirement(every, POLICY_COMMAND, chain_id, args, None)
    target = str(args.get("command") or "")
    scoped = {"key_id": args["key_id"]} if args.get("key_id") else {}
    in_force = requirement(every, target, chain_id, scoped, None, every_limit=True)
    return stronger(own, in_force)
