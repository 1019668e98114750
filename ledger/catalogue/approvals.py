"""Catalogue entries: approval quorums (policies, approvals, rejections, and the ledger
scheduler closing expired requests).

Any command whose entry has an approval hook (``Hooks(approval=...)``) may be gated by a
policy naming it; the gate is generic (:mod:`ledger.approvals.gate`), so a command of any
area is covered by declaring the hook, and a policy may compare the argument its hook names
as ``value_field`` with a limit.
"""

from __future__ import annotations

from ledger.catalogue.fields import (
    KEY_ID,
    boolean,
    hexa,
    in_path,
    in_query,
    integer,
    listing,
    shaped,
    text,
)
from ledger.catalogue.model import (
    ChainRule,
    Cli,
    CliRoute,
    CommandSpec,
    Derived,
    Hooks,
    ReadSpec,
    Route,
)
from ledger.catalogue.shapes import SHAPES
from ledger.domain.approval_policy import DEFAULT_TTL_SECONDS

NOBODY: frozenset[str] = frozenset()
APPROVERS = frozenset({"approver"})
READERS = frozenset({"admin", "auditor", "approver", "key-manager", "signer", "analyst"})
MAX_APPROVERS = 64
MAX_TTL_SECONDS = 30 * 86_400

APPROVAL_ID = text("approval_id", "The approval request's id (a UUID).", max_length=100,
                   cli=Cli(positional=True))
REQUEST_DIGEST = hexa("request_digest", "The digest of the request the approver reviewed "
                      "(the CLI and SDK read it from the ledger; see approval show).",
                      size=32, derived=Derived("request-digest", ("approval_id",)),
                      cli=Cli(hidden=True))

COMMANDS = (
    CommandSpec(
        name="SetApprovalPolicy", doc="Require M distinct approvers for a catalogue "
        "command: ledger-wide, in one key domain or for one key (the strictest rule "
        "applies; 0 removes the rule). The change itself needs the quorum in force "
        "before it.",
        group="approvals", roles=frozenset({"admin"}), chain=ChainRule.SCOPE,
        events=frozenset({"ApprovalPolicySet"}),
        args=(text("command", "The catalogue command it gates (e.g. DestroyKey).",
                   max_length=64),
              integer("approvals", "Distinct approvers needed (0: remove the rule).",
                      minimum=0, maximum=MAX_APPROVERS),
              text("domain", "Only in this key domain.", required=False, nullable=True,
                   max_length=64),
              text("key_id", "Only for this key (or wallet).", required=False,
                   nullable=True, max_length=100, cli=Cli(option="--key")),
              text("when_above", "Only when the command's value argument is above this "
                   "limit: LIMIT or FIELD=LIMIT, decimal, 0x-hex or B**E (10**18).",
                   required=False, nullable=True, max_length=200),
              integer("ttl_seconds", "How long a request may wait for its quorum.",
                      required=False, default=DEFAULT_TTL_SECONDS, minimum=60,
                      maximum=MAX_TTL_SECONDS, cli=Cli(option="--ttl"))),
        result=SHAPES["ApprovalRule"], rest=Route("POST", "/v1/approval-policies"),
        cli=CliRoute(("approval", "policy", "set"), renderer="approval-rule"),
        hooks=Hooks(approval="policy")),
    CommandSpec(
        name="ApproveRequest", doc="Approve a pending request by its digest; the approval "
        "completing the quorum executes the command (or, for one that needs its data or "
        "returns a secret, lets its requester send it again).",
        group="approvals", roles=APPROVERS, chain=ChainRule.APPROVAL,
        events=frozenset({"ApprovalGranted", "ApprovalExecuted"}),
        args=(APPROVAL_ID, REQUEST_DIGEST),
        result=SHAPES["ApprovalDecision"],
        rest=Route("POST", "/v1/approvals/{approval_id}/approve"),
        cli=CliRoute(("approval", "approve"), renderer="approval-decision")),
    CommandSpec(
        name="RejectRequest", doc="Reject a pending request by its digest: it is closed.",
        group="approvals", roles=APPROVERS, chain=ChainRule.APPROVAL,
        events=frozenset({"ApprovalRejected"}),
        args=(APPROVAL_ID, REQUEST_DIGEST,
              text("reason", "Why (recorded in the event).", max_length=500)),
        result=SHAPES["ApprovalDecision"],
        rest=Route("POST", "/v1/approvals/{approval_id}/reject"),
        cli=CliRoute(("approval", "reject"), renderer="approval-decision")),
    CommandSpec(
        name="ExpireApproval", doc="The scheduler closes a request past its expiry.",
        group="approvals", roles=NOBODY, chain=ChainRule.APPROVAL,
        events=frozenset({"ApprovalExpired"}),
        args=(text("approval_id", "The approval request's id.", max_length=100),),
        system=True, scheduled=True),
    CommandSpec(
        name="RotateDueKey", doc="The scheduler rotates a key whose rotation period has "
        "passed (the auditor accepts it only for a key that was due then).",
        group="keys", roles=NOBODY, chain=ChainRule.KEY, events=frozenset({"KeyRotated"}),
        args=(KEY_ID,), system=True, scheduled=True),
)

READS = (
    ReadSpec("ListApprovals", "Approval requests in the caller's domains, oldest first.",
             "approvals", "approvals.read", READERS,
             (in_query(boolean("pending", "Only those still waiting for approvers.",
                               required=False, default=False)),
              in_query(text("domain", "Only this chain ('system' or a key domain).",
                            required=False, nullable=True, max_length=64))),
             listing("result", "Requests.", shaped("item", "One request.", "Approval")),
             rest=Route("GET", "/v1/approvals"),
             cli=CliRoute(("approval", "list"), renderer="approvals")),
    ReadSpec("GetApproval", "One approval request: the command, its digest, the policy "
             "that gated it, who decided, its expiry.", "approvals", "approvals.read",
             READERS, (in_path(APPROVAL_ID),),
             shaped("result", "The request.", "Approval"),
             rest=Route("GET", "/v1/approvals/{approval_id}"),
             cli=CliRoute(("approval", "show"), renderer="approval")),
    ReadSpec("ListApprovalPolicies", "The approval policy rules in force (ledger-wide and "
             "in the caller's domains).", "approvals", "approvals.read", READERS,
             (in_query(text("domain", "Only rules of this domain (and ledger-wide ones).",
                            required=False, nullable=True, max_length=64)),),
             listing("result", "Rules.", shaped("item", "One rule.", "ApprovalRule")),
             rest=Route("GET", "/v1/approval-policies"), sdk="approval_policies",
             cli=CliRoute(("approval", "policy", "show"), renderer="approval-rules")),
)
