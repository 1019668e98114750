"""A key's chain policy: where it may sign, to whom, and up to what value without approval.

Requirements:

1. A key may be restricted to some networks (``allowed_networks``: registry names such as
   ``sepolia``, Bitcoin networks, Solana clusters), and to some recipients.
2. Above ``approval_threshold`` (per transaction, in the smallest unit) the decision is
   ``needs_approval``: the hook where the custody issue's approval quorum plugs in. The value
   limit lives here; the quorum does not.
3. The check is a pure function of the policy and the :class:`ChainFacts` the signer
   computed *before* anything is released, so the handler can refuse, hold for approval or
   go on, and record why.

Recipients compare case-insensitively (EIP-55 and bech32 differ only in case); Solana
base58 addresses are case-sensitive, so they compare exactly.

A token call (ERC-20 ``transfer``, ``transferFrom``, ``approve``) has two recipients, and a
recipient list must name both: the contract (the transaction's ``to``, already a transfer
of native value) and who receives the tokens or may spend them. Listing a token contract
alone would otherwise let the key pay that token to anyone. ``approve(spender, 0)`` is let
through: it revokes an allowance and gives the spender nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.chains.facts import ChainFacts
from ledger.decimal_text import is_decimal
from ledger.errors import InvalidInput

__all__ = ["ALLOW", "NEEDS_APPROVAL", "OUTCOMES", "REFUSE", "ChainPolicy", "PolicyDecision",
           "check_policy"]

ALLOW = "allow"
NEEDS_APPROVAL = "needs_approval"
REFUSE = "refuse"
OUTCOMES = (ALLOW, NEEDS_APPROVAL, REFUSE)


@dataclass(frozen=True, slots=True)
class ChainPolicy:
    """``None`` means "no restriction" for each rule."""

    allowed_networks: frozenset[str] | None = None
    allowed_recipients: frozenset[str] | None = None
    approval_threshold: int | None = None

    def __post_init__(self) -> None:
        limit = self.approval_threshold
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)
                                  or limit < 0):
            raise InvalidInput("must be a non-negative integer (smallest unit)",
                               field="policy.approval_threshold")

    def to_dict(self) -> dict[str, Any]:
        return {
            "allowed_networks": None if self.allowed_networks is None
            else sorted(self.allowed_networks),
            "allowed_recipients": None if self.allowed_recipients is None
            else sorted(self.allowed_recipients),
            "approval_threshold": None if self.approval_threshold is None
            else str(self.approval_threshold),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChainPolicy:
        keys = {"allowed_networks", "allowed_recipients", "approval_threshold"}
        if not isinstance(data, dict) or not set(data) <= keys:
            raise InvalidInput(f"a chain policy has only the keys {sorted(keys)}", field="policy")
        threshold = data.get("approval_threshold")
        if threshold is not None and (not isinstance(threshold, str) or not is_decimal(threshold)):
            raise InvalidInput("must be a decimal string", field="policy.approval_threshold")
        networks, recipients = data.get("allowed_networks"), data.get("allowed_recipients")
        return cls(None if networks is None else frozenset(map(str, networks)),
                   None if recipients is None else frozenset(map(str, recipients)),
                   None if threshold is None else int(threshold))


@dataclass(frozen=True, slots=True)
class PolicyDecision:
    outcome: str
    reasons: tuple[str, ...] = field(default=())

    @property
    def allowed(self) -> bool:
        return self.outcome == ALLOW


def _normal(address: str, family: str) -> str:
    return address if family == "solana" else address.lower()


def check_policy(policy: ChainPolicy, facts: ChainFacts) -> PolicyDecision:
    """``refuse`` (a rule is broken), ``needs_approval`` (over the threshold) or ``allow``."""
    refusals: list[str] = []
    if policy.allowed_networks is not None and facts.network not in policy.allowed_networks:
        refusals.append(f"network {facts.network!r} is not allowed for this key")
    if policy.allowed_recipients is not None:
        allowed = {_normal(a, facts.family) for a in policy.allowed_recipients}
        for transfer in facts.transfers:
            if _normal(transfer.recipient, facts.family) not in allowed:
                refusals.append(f"recipient {transfer.recipient} is not allowed for this key")
        for call in facts.token_calls:
            if not call.grants_nothing and _normal(call.recipient, facts.family) not in allowed:
                role = "spender" if call.function == "approve" else "token recipient"
                refusals.append(f"{role} {call.recipient} of {call.function} on token "
                                f"{call.token} is not allowed for this key")
    if refusals:
        return PolicyDecision(REFUSE, tuple(refusals))
    if policy.approval_threshold is not None and facts.total_value > policy.approval_threshold:
        return PolicyDecision(NEEDS_APPROVAL, (
            f"value {facts.total_value} exceeds the per-transaction limit "
            f"{policy.approval_threshold} without approval",))
    return PolicyDecision(ALLOW)
