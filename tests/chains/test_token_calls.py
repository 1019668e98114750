"""ERC-20 token calls inside EVM transactions: decoded with eth-abi so that a key's
recipient allow-list sees who gets (or may spend) the tokens, not only the contract.

The rule (docs/chains.md, "Chain policy"): with a recipient list, both the contract (the
transaction's ``to``) and the token recipient (``transfer``/``transferFrom``'s ``to``,
``approve``'s spender) must be listed; ``approve(spender, 0)`` revokes and is let through.
Calldata naming one of the three selectors that does not decode exactly is refused, naming
``tx.data``. eth-account recovers the sender of every transaction that is signed.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account

from commands.session import Session
from ledger.chains import ethereum
from ledger.chains.facts import ChainFacts, TokenCall
from ledger.chains.policy import ChainPolicy, check_policy
from ledger.envelope import open_envelope
from ledger.errors import CommandRejected, InvalidInput
from tests.chains import inputs
from tests.chains.test_chain_commands import chain_events
from tests.commands.conftest import create

KEY = bytearray.fromhex("4646464646464646464646464646464646464646464646464646464646464646")
PAYEE = "0x7070707070707070707070707070707070707070"
OWNER = "0x1212121212121212121212121212121212121212"
STRANGER = "0x9999999999999999999999999999999999999999"
AMOUNT = 2_500 * 10**6


def _signed(tx: dict[str, Any]) -> ethereum.SignedEvmTransaction:
    signed = ethereum.sign_transaction(bytearray(KEY), tx)
    assert Account.recover_transaction(signed.raw) == signed.sender
    return signed


# --- decoding --------------------------------------------------------------------------------

def test_the_three_selectors_are_the_erc20_ones() -> None:
    assert inputs.erc20_data("transfer", PAYEE, 1)[:10] == "0xa9059cbb"
    assert inputs.erc20_data("transferFrom", OWNER, PAYEE, 1)[:10] == "0x23b872dd"
    assert inputs.erc20_data("approve", PAYEE, 1)[:10] == "0x095ea7b3"


@pytest.mark.parametrize(("function", "args", "expected"), [
    ("transfer", (PAYEE, AMOUNT), TokenCall("transfer", inputs.TOKEN, PAYEE, AMOUNT)),
    ("transferFrom", (OWNER, PAYEE, AMOUNT),
     TokenCall("transferFrom", inputs.TOKEN, PAYEE, AMOUNT, OWNER)),
    ("approve", (PAYEE, 2**256 - 1), TokenCall("approve", inputs.TOKEN, PAYEE, 2**256 - 1)),
], ids=["transfer", "transferFrom", "approve"])
def test_token_calls_are_decoded_into_the_facts(function: str, args: tuple[Any, ...],
                                                expected: TokenCall) -> None:
    signed = _signed(inputs.erc20_call(function, *args))
    assert signed.facts.token_calls == (expected,)
    # the native transfer is still the contract with no ether: the value is native only
    assert [(t.recipient, t.value) for t in signed.facts.transfers] == [(inputs.TOKEN, 0)]
    assert signed.facts.total_value == 0
    assert ChainFacts.from_dict(signed.facts.to_dict()) == signed.facts
    assert signed.to_dict()["facts"]["token_calls"][0]["amount"] == str(expected.amount)


def test_a_literal_transfer_calldata_decodes_to_its_checksummed_recipient() -> None:
    """Calldata as a wallet shows it (not made by eth-abi): selector, the address padded to
    32 bytes, the amount as 32 big-endian bytes."""
    data = ("a9059cbb" + "00" * 12 + "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
            + AMOUNT.to_bytes(32, "big").hex())
    (call,) = ethereum.token_calls(inputs.TOKEN, bytes.fromhex(data))
    # EIP-55's own example address, in its checksummed form
    assert call == TokenCall("transfer", inputs.TOKEN,
                             "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", AMOUNT)


def test_other_calls_and_deployments_are_not_token_calls() -> None:
    other = "0x70a08231" + "00" * 12 + PAYEE[2:]  # balanceOf(address)
    assert _signed(inputs.erc20_call("transfer", PAYEE, 1, data=other)).facts.token_calls == ()
    assert _signed(inputs.eip1559(data="0x")).facts.token_calls == ()
    assert _signed(inputs.eip1559(data="0xa905")).facts.token_calls == ()  # under 4 bytes
    # init code that happens to start with a token selector deploys a contract, calls none
    deploy = {**inputs.eip1559(), "to": None, "data": inputs.erc20_data("transfer", PAYEE, 1)}
    assert _signed(deploy).facts.token_calls == ()


def _malformed() -> list[tuple[str, str, str]]:
    transfer = inputs.erc20_data("transfer", PAYEE, AMOUNT)
    approve = inputs.erc20_data("approve", PAYEE, AMOUNT)
    transfer_from = inputs.erc20_data("transferFrom", OWNER, PAYEE, AMOUNT)
    dirty = transfer[:10] + "ff" + transfer[12:]  # a high byte of the address set
    return [
        ("truncated-transfer", transfer[:-2], "transfer(address,uint256) but its arguments "
         "do not decode as (address to, uint256 amount)"),
        ("selector-only-approve", approve[:10], "approve(address,uint256) but its arguments "
         "do not decode as (address spender, uint256 amount)"),
        ("truncated-transferFrom", transfer_from[:10 + 2 * 64],
         "transferFrom(address,address,uint256) but its arguments do not decode as "
         "(address from, address to, uint256 amount)"),
        ("dirty-address-padding", dirty, "Padding bytes were not empty"),
        ("trailing-bytes", transfer + "00" * 20, "with 20 byte(s) after its arguments"),
    ]


@pytest.mark.parametrize(("data", "message"), [(d, m) for _, d, m in _malformed()],
                         ids=[name for name, _, _ in _malformed()])
def test_malformed_token_calldata_is_refused_naming_the_field(data: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        ethereum.sign_transaction(bytearray(KEY), inputs.erc20_call("transfer", PAYEE, 1,
                                                                    data=data))
    assert refused.value.field == "tx.data"
    assert message in str(refused.value)


# --- the policy rule ---------------------------------------------------------------------

def _policy(*recipients: str) -> ChainPolicy:
    return ChainPolicy(allowed_recipients=frozenset(r.lower() for r in recipients))


@pytest.mark.parametrize("function", ["transfer", "transferFrom", "approve"])
def test_contract_and_token_recipient_must_both_be_allowed(function: str) -> None:
    args = (OWNER, PAYEE, AMOUNT) if function == "transferFrom" else (PAYEE, AMOUNT)
    facts = _signed(inputs.erc20_call(function, *args)).facts
    assert check_policy(_policy(inputs.TOKEN, PAYEE), facts).allowed
    recipient_missing = check_policy(_policy(inputs.TOKEN), facts)
    role = "spender" if function == "approve" else "token recipient"
    assert recipient_missing.reasons == (
        f"{role} {PAYEE} of {function} on token {inputs.TOKEN} is not allowed for this key",)
    contract_missing = check_policy(_policy(PAYEE), facts)
    assert contract_missing.reasons == (f"recipient {inputs.TOKEN} is not allowed for this key",)
    assert check_policy(ChainPolicy(), facts).allowed  # no list: anyone


def test_revoking_an_approval_needs_only_the_contract() -> None:
    revoke = _signed(inputs.erc20_call("approve", STRANGER, 0)).facts
    assert check_policy(_policy(inputs.TOKEN), revoke).allowed
    assert not check_policy(_policy(STRANGER), revoke).allowed  # the contract still counts


# --- through the ledger ------------------------------------------------------------------------

def test_a_keys_recipient_list_polices_token_calls_end_to_end(session: Session) -> None:
    key_id = create(session, "ecdsa-secp256k1")
    session.run("alice", "SetChainPolicy", key_id=key_id,
                allowed_recipients=[inputs.TOKEN.lower(), PAYEE])
    paid = session.run("bob", "SignEvmTransaction", key_id=key_id, tx=inputs.as_json(
        inputs.erc20_call("transfer", PAYEE, AMOUNT))).result
    assert Account.recover_transaction(paid["raw"]) == paid["from"]
    assert paid["value"] == "0"
    approved = session.run("bob", "SignEvmTransaction", key_id=key_id, tx=inputs.as_json(
        inputs.erc20_call("approve", PAYEE, AMOUNT, nonce=4))).result
    assert Account.recover_transaction(approved["raw"]) == approved["from"]
    refusals = []
    for function, args in (("transfer", (STRANGER, AMOUNT)),
                           ("transferFrom", (OWNER, STRANGER, AMOUNT)),
                           ("approve", (STRANGER, AMOUNT))):
        with pytest.raises(CommandRejected, match=f"{STRANGER} of {function} on token") as no:
            session.run("bob", "SignEvmTransaction", key_id=key_id,
                        tx=inputs.as_json(inputs.erc20_call(function, *args)))
        assert no.value.field == "key_id"
        refusals.append(no.value)
    other_token = "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"  # EIP-55, as refusals name it
    with pytest.raises(CommandRejected, match=f"recipient {other_token} is not allowed"):
        session.run("bob", "SignEvmTransaction", key_id=key_id, tx=inputs.as_json(
            inputs.erc20_call("transfer", PAYEE, AMOUNT, token=other_token)))
    with pytest.raises(InvalidInput) as malformed:
        session.run("bob", "SignEvmTransaction", key_id=key_id, tx=inputs.as_json(
            inputs.erc20_call("transfer", PAYEE, 1,
                              data=inputs.erc20_data("transfer", PAYEE, 1)[:-2])))
    assert malformed.value.field == "tx.data"
    store, _ = session.store()
    for refusal in refusals:
        assert refusal.seq is not None
        stored = next(iter(store.read("default", refusal.seq, refusal.seq + 1)))
        assert open_envelope(stored).event()["reason_code"] == "chain-policy"
    # the event's transfers stay native (the contract, 0 wei); the token call is in the
    # signed transaction its hash names
    assert [(e["recipients"], e["amounts"], e["value"]) for e in chain_events(session)] == [
        ([inputs.TOKEN], ["0"], "0"), ([inputs.TOKEN], ["0"], "0")]
