"""Handlers: approval policies, approvers' decisions, and closing expired requests.

The gate itself (holding a command as a request, running an approved resubmission) is the
ledger's (:mod:`ledger.approvals.gate`); these handlers are the approvers' side. The
approval completing an ``on-quorum`` request executes the held command here, through the
held command's own handler, so a command runs the same way whether it was held or not.
"""

from __future__ import annotations

from typing import Any

from commands.handlers.registry import HANDLERS, handles
from commands.wire import shape_to_json
from ledger.application import Decision
from ledger.approvals import gate
from ledger.approvals.policy import parse_limit
from ledger.authorization import SYSTEM_CHAIN
from ledger.catalogue import APPROVAL_HOOKS, CATALOGUE
from ledger.catalogue.validation import check_values
from ledger.command import SignedCommand
from ledger.domain.approval import ON_QUORUM, Approval
from ledger.domain.approval_policy import Rule
from ledger.errors import IllegalTransition, InvalidInput, NotFound


def approval_in_chain(decision: Decision) -> Approval:
    """The request the command names, which must live in the chain the command acts on."""
    approval = decision.ledger.state.approval(str(decision.args["approval_id"]))
    if approval.chain_id != decision.command.chain_id:
        raise InvalidInput(f"approval {approval.approval_id} is in chain {approval.chain_id!r}, "
                           f"not {decision.command.chain_id!r}", field="approval_id")
    return approval


def digest_of(decision: Decision) -> bytes:
    return bytes.fromhex(str(decision.args["request_digest"]))


def decision_result(approval: Approval, now: int, result: Any = None) -> dict[str, Any]:
    return {"approval_id": approval.approval_id, "status": approval.status_at(now),
            "approvals": len(approval.approvers), "required": approval.required,
            "command_type": approval.command_type, "result": result}


def rule_result(rule: Rule, previous: int) -> dict[str, Any]:
    return {"scope": rule.scope, "target": rule.target, "command": rule.command_type,
            "approvals": rule.approvals, "ttl_seconds": rule.ttl_seconds,
            "when_above": rule.when_above, "value_field": rule.value_field,
            "previous_approvals": previous}


def rule_scope(decision: Decision) -> tuple[str, str]:
    """The rule's scope and target, checked against the chain the command acts on."""
    args, chain = decision.args, decision.command.chain_id
    domain, key_id = args.get("domain"), args.get("key_id")
    if domain and key_id:
        raise InvalidInput("name a domain or a key, not both", field="domain")
    if key_id:
        state = decision.ledger.state
        subject = state.keys.get(str(key_id)) or state.wallets.get(str(key_id))
        if subject is None:
            raise NotFound(f"no key or wallet {key_id!r}", field="key_id")
        if subject.domain != chain:
            raise InvalidInput(f"{key_id} lives in domain {subject.domain!r}", field="key_id")
        return "key", str(key_id)
    if domain:
        if domain != chain:
            raise InvalidInput(f"a rule for domain {domain!r} is set on its own chain",
                               field="domain")
        return "domain", str(domain)
    if chain != SYSTEM_CHAIN:
        raise InvalidInput("a ledger-wide rule is set on the system chain", field="domain")
    return "ledger", ""


@handles("SetApprovalPolicy")
def set_approval_policy(decision: Decision) -> dict[str, Any]:
    args = decision.args
    command_type = str(args["command"])
    hooks = APPROVAL_HOOKS.get(command_type)
    if hooks is None:
        raise InvalidInput(f"{command_type} is not a command an approval policy may gate "
                           f"(those are: {', '.join(sorted(APPROVAL_HOOKS))})", field="command")
    scope, target = rule_scope(decision)
    when_above = None
    if args.get("when_above"):
        if hooks.value_field is None:
            raise InvalidInput(f"{command_type} has no value argument to compare",
                               field="when_above")
        when_above = parse_limit(str(args["when_above"]), hooks.value_field)
    rule = Rule(scope, target, command_type, int(args["approvals"]), int(args["ttl_seconds"]),
                when_above, hooks.value_field if when_above is not None else None)
    book = gate.book_for(decision.ledger.state, decision.command.chain_id)
    previous = book.rules.get(rule.key)
    if rule.approvals == 0 and previous is None:
        raise IllegalTransition("there is no such rule to remove", reason_code="no-rule")
    book.set_rule(decision.command.chain_id, rule, at=decision.now)
    decision.touch(book)
    return rule_result(rule, previous.approvals if previous else 0)


@handles("ApproveRequest")
def approve_request(decision: Decision) -> dict[str, Any]:
    approval = approval_in_chain(decision)
    command = decision.command
    approval.grant(command.actor_id, command.command_id, digest_of(decision), at=decision.now)
    decision.touch(approval)
    result = None
    if approval.complete and approval.execution == ON_QUORUM:
        held = SignedCommand.parse(approval.command, approval.command_signature)
        gate.execute_under(decision.ledger.state, approval, held.command.command_id,
                           at=decision.now, deciding=command.command_id)
        spec = CATALOGUE.command(held.command.command_type)
        inner = decision.execute_held(held, check_values(spec.args, held.command.args))
        executed = HANDLERS[spec.name](inner)
        result = shape_to_json(spec.result.name, executed) if spec.result else None
    return decision_result(approval, decision.now, result)


@handles("RejectRequest")
def reject_request(decision: Decision) -> dict[str, Any]:
    approval = approval_in_chain(decision)
    command = decision.command
    approval.reject(command.actor_id, command.command_id, digest_of(decision),
                    str(decision.args["reason"]), at=decision.now)
    decision.touch(approval)
    return decision_result(approval, decision.now)


@handles("ExpireApproval")
def expire_approval(decision: Decision) -> dict[str, Any]:
    approval = approval_in_chain(decision)
    approval.expire(at=decision.now)
    decision.touch(approval)
    return decision_result(approval, decision.now)
