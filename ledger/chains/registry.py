"""EVM chains the ledger signs for: chain id, name, native currency.

Why a small table of our own rather than depending on ``evmchains`` (0.1.10): that package
is a generated snapshot of every chain list entry (hundreds of chains, RPC URLs we must not
call, a pydantic dependency) and changes whenever the upstream list does. A custody ledger
wants the opposite: a short, reviewed list in which adding a chain is a visible code change.
The test suite cross-checks every entry here against ``evmchains`` (a dev dependency), so the
table cannot silently drift from the public metadata.

Names are stable slugs used in policies and events (``base-sepolia``); lookups accept the
slug, the decimal chain id, or an ``int``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.decimal_text import is_decimal
from ledger.errors import InvalidInput

__all__ = ["EVM_CHAINS", "EvmChain", "evm_chain"]


@dataclass(frozen=True, slots=True)
class EvmChain:
    """One EVM network."""

    chain_id: int
    name: str
    title: str
    currency_name: str
    currency_symbol: str
    testnet: bool
    decimals: int = 18


EVM_CHAINS: tuple[EvmChain, ...] = (
    EvmChain(1, "ethereum", "Ethereum Mainnet", "Ether", "ETH", False),
    EvmChain(11155111, "sepolia", "Ethereum Sepolia", "Sepolia Ether", "ETH", True),
    EvmChain(10, "optimism", "OP Mainnet", "Ether", "ETH", False),
    EvmChain(11155420, "optimism-sepolia", "OP Sepolia", "Sepolia Ether", "ETH", True),
    EvmChain(42161, "arbitrum", "Arbitrum One", "Ether", "ETH", False),
    EvmChain(421614, "arbitrum-sepolia", "Arbitrum Sepolia", "Sepolia Ether", "ETH", True),
    EvmChain(137, "polygon", "Polygon PoS", "POL", "POL", False),
    EvmChain(80002, "polygon-amoy", "Polygon Amoy", "POL", "POL", True),
    EvmChain(8453, "base", "Base", "Ether", "ETH", False),
    EvmChain(84532, "base-sepolia", "Base Sepolia", "Sepolia Ether", "ETH", True),
)

_BY_NAME = {chain.name: chain for chain in EVM_CHAINS}
_BY_ID = {chain.chain_id: chain for chain in EVM_CHAINS}


def evm_chain(name_or_id: str | int) -> EvmChain:
    """Look a chain up by slug, decimal id or id; unknown chains are refused by name."""
    if isinstance(name_or_id, int) and not isinstance(name_or_id, bool):
        found = _BY_ID.get(name_or_id)
    elif isinstance(name_or_id, str):
        text = name_or_id.strip().lower()
        found = _BY_ID.get(int(text)) if is_decimal(text) else _BY_NAME.get(text)
    else:
        found = None
    if found is None:
        raise InvalidInput(f"unknown EVM chain {name_or_id!r}; known: "
                           f"{', '.join(_BY_NAME)}", field="chain")
    return found
