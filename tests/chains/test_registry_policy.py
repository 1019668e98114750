"""The EVM chain table against evmchains, the policy decisions, and the facts' JSON form."""

from __future__ import annotations

import pytest
from evmchains import get_chain_meta

from ledger.chains.facts import ChainFacts, Transfer
from ledger.chains.policy import (
    ALLOW,
    NEEDS_APPROVAL,
    REFUSE,
    ChainPolicy,
    check_policy,
)
from ledger.chains.registry import EVM_CHAINS, evm_chain
from ledger.errors import InvalidInput

EVMCHAINS_NAMES = {
    "ethereum": ("ethereum", "mainnet"), "sepolia": ("ethereum", "sepolia"),
    "optimism": ("optimism", "mainnet"), "optimism-sepolia": ("optimism", "sepolia"),
    "arbitrum": ("arbitrum", "mainnet"), "arbitrum-sepolia": ("arbitrum", "sepolia"),
    "polygon": ("polygon", "mainnet"), "polygon-amoy": ("polygon", "amoy"),
    "base": ("base", "mainnet"), "base-sepolia": ("base", "sepolia"),
}


@pytest.mark.parametrize("chain", EVM_CHAINS, ids=lambda c: c.name)
def test_table_matches_evmchains(chain) -> None:  # type: ignore[no-untyped-def]
    meta = get_chain_meta(*EVMCHAINS_NAMES[chain.name])
    assert meta.chainId == chain.chain_id
    assert meta.nativeCurrency["symbol"] == chain.currency_symbol
    assert meta.nativeCurrency["decimals"] == chain.decimals
    assert meta.nativeCurrency["name"] == chain.currency_name


def test_lookups() -> None:
    assert evm_chain(8453).name == "base"
    assert evm_chain("8453").name == "base"
    assert evm_chain(" Base ").chain_id == 8453
    assert len({c.chain_id for c in EVM_CHAINS}) == len(EVM_CHAINS) == 10
    for bad in ("basechain", 5, True, None):
        with pytest.raises(InvalidInput) as caught:
            evm_chain(bad)  # type: ignore[arg-type]
        assert caught.value.field == "chain"


def _facts(network: str = "sepolia", value: int = 10,
           to: str = "0xAbC0000000000000000000000000000000000001",
           family: str = "evm") -> ChainFacts:
    return ChainFacts(family=family, network=network, chain_id=11155111, kind="transaction",
                      signer="0x01", tx_hash="0x02", digests=("ab",),
                      transfers=(Transfer(to, value, "ETH"),))


def test_policy_decisions() -> None:
    policy = ChainPolicy(frozenset({"sepolia"}),
                         frozenset({"0xabc0000000000000000000000000000000000001"}), 100)
    assert check_policy(policy, _facts()).outcome == ALLOW
    assert check_policy(policy, _facts(value=100)).allowed
    over = check_policy(policy, _facts(value=101))
    assert over.outcome == NEEDS_APPROVAL and "exceeds" in over.reasons[0]
    wrong_chain = check_policy(policy, _facts(network="ethereum"))
    assert wrong_chain.outcome == REFUSE and "network 'ethereum'" in wrong_chain.reasons[0]
    stranger = check_policy(policy, _facts(to="0x" + "9" * 40, value=10**30))
    assert stranger.outcome == REFUSE  # a refusal wins over "needs approval"
    assert check_policy(ChainPolicy(), _facts(value=10**30)).outcome == ALLOW


def test_solana_recipients_compare_exactly() -> None:
    policy = ChainPolicy(allowed_recipients=frozenset({"AbCd"}))
    assert check_policy(policy, _facts(to="AbCd", family="solana")).allowed
    assert not check_policy(policy, _facts(to="abcd", family="solana")).allowed
    assert check_policy(ChainPolicy(allowed_recipients=frozenset({"BC1QXYZ"})),
                        _facts(to="bc1qxyz", family="bitcoin")).allowed


def test_policy_and_facts_round_trip_and_refuse_bad_json() -> None:
    policy = ChainPolicy(frozenset({"base"}), None, 2**70)
    assert ChainPolicy.from_dict(policy.to_dict()) == policy
    with pytest.raises(InvalidInput):
        ChainPolicy(approval_threshold=-1)
    with pytest.raises(InvalidInput):
        ChainPolicy.from_dict({"approval_threshold": 5})
    with pytest.raises(InvalidInput):
        ChainPolicy.from_dict({"max": "5"})
    facts = _facts(value=2**100)
    data = facts.to_dict()
    assert data["transfers"][0]["value"] == str(2**100)
    assert ChainFacts.from_dict(data) == facts
    for broken in ({**data, "extra": 1}, {**data, "fee": 5}, {**data, "chain_id": "1"},
                   {**data, "family": "dogecoin"},
                   {**data, "transfers": [{"recipient": "x", "value": "-1", "asset": "E"}]}):
        with pytest.raises(InvalidInput):
            ChainFacts.from_dict(broken)
