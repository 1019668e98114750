"""Which quorum a command needs (pure functions of the rules): scopes, the strictest rule,
limits on a value argument (the hook chain transactions will use), policy changes."""

from __future__ import annotations

import pytest

from ledger.approvals.policy import parse_limit, policy_change_requirement, requirement, value_of
from ledger.domain.approval_policy import Rule
from ledger.errors import InvalidInput

LEDGER = Rule("ledger", "", "Transfer", 1, 3600)
DOMAIN = Rule("domain", "hot", "Transfer", 2, 600)
KEY = Rule("key", "k1", "Transfer", 3, 7200)
LARGE = Rule("domain", "hot", "Transfer", 4, 300, when_above=str(10**18), value_field="value")


def need(rules: list[Rule], chain: str = "hot", **args: object) -> tuple[int, int]:
    found = requirement(rules, "Transfer", chain, args, "value")
    return found.approvals, found.ttl_seconds


def test_scopes_match_their_chain_and_subject() -> None:
    assert need([LEDGER], chain="cold") == (1, 3600)
    assert need([DOMAIN], chain="cold") == (0, 86_400)
    assert need([KEY], key_id="k2") == (0, 86_400)
    assert need([KEY], key_id="k1") == (3, 7200)
    assert need([KEY], wallet_id="k1") == (3, 7200)
    assert need([Rule("ledger", "", "Other", 5)]) == (0, 86_400)


def test_the_strictest_rule_wins_and_sets_the_lifetime() -> None:
    assert need([LEDGER, DOMAIN, KEY], key_id="k1") == (3, 7200)
    assert need([LEDGER, DOMAIN], key_id="k1") == (2, 600)
    same = Rule("ledger", "", "Transfer", 2, 60)
    assert need([DOMAIN, same]) == (2, 60)  # equal quorums: the shortest wait
    labels = requirement([LEDGER, DOMAIN, KEY], "Transfer", "hot", {"key_id": "k1"},
                         "value").labels()
    assert labels[0] == "key k1: Transfer needs 3"


@pytest.mark.parametrize(("value", "approvals"), [
    (10**18, 2), (10**18 + 1, 4), (str(10**19), 4), (hex(10**19), 4), ("5", 2),
    (None, 4), ("not a number", 4), (True, 4)])  # absent or unreadable: fail closed
def test_a_limit_on_the_value_argument(value: object, approvals: int) -> None:
    args = {} if value is None else {"value": value}
    assert need([DOMAIN, LARGE], **args)[0] == approvals


def test_limits_are_parsed_strictly() -> None:
    assert parse_limit("10**18", "value") == str(10**18)
    assert parse_limit("value=0x10", "value") == "16"
    assert parse_limit(" 42 ", "value") == "42"
    for bad in ("-1", "1e18", "amount=5", "2**600", ""):
        with pytest.raises(InvalidInput) as refused:
            parse_limit(bad, "value")
        assert refused.value.field == "when_above"


def test_a_policy_change_needs_the_quorum_in_force_for_its_command_and_itself() -> None:
    own = Rule("ledger", "", "SetApprovalPolicy", 2)
    change = {"command": "Transfer", "approvals": 0, "domain": "hot"}
    assert policy_change_requirement([DOMAIN], "hot", change).approvals == 2
    assert policy_change_requirement([LARGE], "hot", change).approvals == 4  # limits too
    assert policy_change_requirement([own, LEDGER], "hot", change).approvals == 2
    assert policy_change_requirement([LEDGER], "hot", {"command": "Other"}).approvals == 0
    keyed = {"command": "Transfer", "approvals": 1, "key_id": "k1"}
    assert policy_change_requirement([KEY], "hot", keyed).approvals == 3


def test_a_declared_value_is_ascii_decimal_or_hex_only() -> None:
    assert value_of("1200") == 1200 and value_of("0x10") == 16 and value_of(7) == 7
    # str.isdigit is true for these; "٣" would have been read as 3 and "²" raised.
    assert value_of("٣") is None and value_of("²") is None and value_of(True) is None
