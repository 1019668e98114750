"""The public facts of one chain signature: what a ledger event records about it.

Why one shape for every chain: a "chain activity" report (per chain, per key, per day,
values) and the policy check (:mod:`ledger.chains.policy`) read the same fields whatever
the chain, so Ethereum, Bitcoin and Solana signers all return a :class:`ChainFacts`.

Values are integers in the chain's smallest unit (wei, satoshi, lamport). ``to_dict`` writes
them as decimal strings: wei amounts exceed 2**63, which Avro ``long`` and many JSON readers
cannot hold.

Token movements a contract call asks for (ERC-20 ``transfer``, ``transferFrom``,
``approve``) are :class:`TokenCall` records, kept apart from :class:`Transfer`: their amounts are
in the token's own unit, so adding them to the native value (what an approval limit
compares) would mix assets; the policy still sees who receives or may spend the tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.decimal_text import is_decimal
from ledger.errors import InvalidInput

__all__ = ["FAMILIES", "KINDS", "TOKEN_FUNCTIONS", "ChainFacts", "TokenCall", "Transfer"]

FAMILIES = ("evm", "bitcoin", "solana")
KINDS = ("transaction", "personal_message", "typed_data", "psbt", "offchain_message")
TOKEN_FUNCTIONS = ("transfer", "transferFrom", "approve")


@dataclass(frozen=True, slots=True)
class Transfer:
    """One value moved to one recipient, in the chain's smallest unit of its native asset."""

    recipient: str
    value: int
    asset: str

    def to_dict(self) -> dict[str, str]:
        return {"recipient": self.recipient, "value": str(self.value), "asset": self.asset}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transfer:
        _exact_keys(data, {"recipient", "value", "asset"}, "transfer")
        value = data["value"]
        if not isinstance(value, str) or not is_decimal(value):
            raise InvalidInput("must be a decimal string", field="transfer.value")
        return cls(str(data["recipient"]), int(value), str(data["asset"]))


@dataclass(frozen=True, slots=True)
class TokenCall:
    """One token movement a contract call asks for: ``function`` of the token contract
    ``token`` moves (or, for ``approve``, lets ``recipient`` spend) ``amount`` in the
    token's smallest unit; ``owner`` is ``transferFrom``'s source, else ``None``."""

    function: str
    token: str
    recipient: str
    """Who receives the tokens (``transfer``, ``transferFrom``) or may spend them
    (``approve``'s spender)."""
    amount: int
    owner: str | None = None

    def __post_init__(self) -> None:
        if self.function not in TOKEN_FUNCTIONS:
            raise InvalidInput(f"must be one of {', '.join(TOKEN_FUNCTIONS)}",
                               field="token_call.function")

    @property
    def grants_nothing(self) -> bool:
        """``approve(spender, 0)`` revokes an allowance: it gives the spender nothing."""
        return self.function == "approve" and self.amount == 0

    def to_dict(self) -> dict[str, str | None]:
        return {"function": self.function, "token": self.token, "recipient": self.recipient,
                "amount": str(self.amount), "owner": self.owner}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenCall:
        _exact_keys(data, {"function", "token", "recipient", "amount", "owner"}, "token_call")
        amount, owner = data["amount"], data["owner"]
        if not isinstance(amount, str) or not is_decimal(amount):
            raise InvalidInput("must be a decimal string", field="token_call.amount")
        return cls(str(data["function"]), str(data["token"]), str(data["recipient"]),
                   int(amount), None if owner is None else str(owner))


@dataclass(frozen=True, slots=True)
class ChainFacts:
    """Public facts of one signature (never a key, never a nonce)."""

    family: str
    """``evm``, ``bitcoin`` or ``solana``."""
    network: str
    """Registry name (``sepolia``), Bitcoin network (``testnet``) or Solana cluster."""
    chain_id: int | None
    """EIP-155 chain id on EVM chains; ``None`` elsewhere."""
    kind: str
    signer: str
    """The signer's address (EVM, Solana) or public key hex (Bitcoin: one a key signs for)."""
    tx_hash: str | None
    """Transaction hash / txid when the signature fixes it; ``None`` for messages."""
    digests: tuple[str, ...]
    """Hex of every digest (or, for Ed25519, the message hash) this call signed."""
    transfers: tuple[Transfer, ...] = ()
    fee: int | None = None
    token_calls: tuple[TokenCall, ...] = ()
    """Token movements inside a contract call (EVM: ERC-20), beside the native transfers."""

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise InvalidInput(f"must be one of {', '.join(FAMILIES)}", field="facts.family")
        if self.kind not in KINDS:
            raise InvalidInput(f"must be one of {', '.join(KINDS)}", field="facts.kind")

    @property
    def total_value(self) -> int:
        return sum(t.value for t in self.transfers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "network": self.network,
            "chain_id": self.chain_id,
            "kind": self.kind,
            "signer": self.signer,
            "tx_hash": self.tx_hash,
            "digests": list(self.digests),
            "transfers": [t.to_dict() for t in self.transfers],
            "fee": None if self.fee is None else str(self.fee),
            "token_calls": [c.to_dict() for c in self.token_calls],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChainFacts:
        _exact_keys(data, {"family", "network", "chain_id", "kind", "signer", "tx_hash",
                           "digests", "transfers", "fee", "token_calls"}, "facts")
        fee = data["fee"]
        if fee is not None and (not isinstance(fee, str) or not is_decimal(fee)):
            raise InvalidInput("must be a decimal string or null", field="facts.fee")
        chain_id = data["chain_id"]
        if chain_id is not None and (not isinstance(chain_id, int) or isinstance(chain_id, bool)):
            raise InvalidInput("must be an integer or null", field="facts.chain_id")
        return cls(family=str(data["family"]), network=str(data["network"]), chain_id=chain_id,
                   kind=str(data["kind"]), signer=str(data["signer"]),
                   tx_hash=None if data["tx_hash"] is None else str(data["tx_hash"]),
                   digests=tuple(str(d) for d in data["digests"]),
                   transfers=tuple(Transfer.from_dict(t) for t in data["transfers"]),
                   fee=None if fee is None else int(fee),
                   token_calls=tuple(TokenCall.from_dict(c) for c in data["token_calls"]))


def _exact_keys(data: dict[str, Any], keys: set[str], field: str) -> None:
    if not isinstance(data, dict):
        raise InvalidInput("must be an object", field=field)
    if set(data) != keys:
        missing, extra = sorted(keys - set(data)), sorted(set(data) - keys)
        raise InvalidInput(f"missing {missing} / unexpected {extra}", field=field)
