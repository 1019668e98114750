"""Random sequences of requests, approvals, rejections, expiries and role changes never let a
gated command through without its quorum: checked live (every destroyed key names two
distinct approvers, neither its requester, who held the role when they approved) and by
the offline auditor over the whole log."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.scheduler import run_due
from commands.session import Session
from ledger.audit import Auditor
from ledger.errors import CommandRejected
from tests.ledger.conftest import new_session

APPROVERS = ("ann", "ben", "cy")
ACTIONS = st.lists(st.one_of(
    st.tuples(st.just("request"), st.integers(0, 2)),
    st.tuples(st.just("approve"), st.sampled_from((*APPROVERS, "zed")), st.integers(0, 5)),
    st.tuples(st.just("reject"), st.sampled_from(APPROVERS), st.integers(0, 5)),
    st.tuples(st.just("demote"), st.sampled_from(APPROVERS)),
    st.tuples(st.just("promote"), st.sampled_from(APPROVERS)),
    st.tuples(st.just("wait"), st.integers(0, 1))), min_size=4, max_size=18)


def build() -> tuple[Session, list[str]]:
    session = new_session(Path(tempfile.mkdtemp()) / "home")
    session.initialize(name="property", checkpoint_every_events=1000)
    session.add_actor("admin", "zed", ["key-manager", "approver"], ["*"])
    for name in APPROVERS:
        session.add_actor("admin", name, ["approver"], ["*"])
    session.run("admin", "SetApprovalPolicy", command="DestroyKey", approvals=2,
                domain="default", ttl_seconds=60)
    keys = []
    for _ in range(3):
        key_id = str(session.act("zed", "CreateKey", "default", {
            "algorithm": "ed25519", "destruction_wait_days": 0}).result["key_id"])
        session.run("zed", "RevokeKey", key_id=key_id)
        keys.append(key_id)
    return session, keys


class Shadow:
    """The test's own account of who held ``approver`` and which approvals the ledger
    accepted, kept apart from the ledger's state so that the check is independent of it."""

    def __init__(self) -> None:
        self.approver = dict.fromkeys(APPROVERS, True)
        self.accepted: dict[str, list[tuple[str, bool]]] = {}  # request -> (name, had role)


def step(session: Session, keys: list[str], requests: list[str], action: Any,
         shift: list[int], shadow: Shadow) -> None:
    kind = action[0]
    ledger = session.ledger()
    if kind == "request":
        outcome = session.run("zed", "DestroyKey", key_id=keys[action[1]])
        if outcome.approval_id:
            requests.append(str(outcome.approval_id))
    elif kind in ("approve", "reject") and requests:
        approval_id = requests[action[2] % len(requests)]
        if kind == "approve":
            session.run(action[1], "ApproveRequest", approval_id=approval_id)
            shadow.accepted.setdefault(approval_id, []).append(
                (action[1], shadow.approver.get(action[1], True)))
        else:
            session.run(action[1], "RejectRequest", approval_id=approval_id, reason="no")
    elif kind in ("demote", "promote"):
        actor = ledger.actor(action[1])
        roles = [] if kind == "demote" else ["approver"]
        if sorted(actor.roles) != roles:
            session.run("admin", "ChangeActorRoles", actor_id=actor.actor_id, roles=roles)
            shadow.approver[action[1]] = kind == "promote"
    elif kind == "wait" and action[1]:
        shift[0] += 61_000_000
        run_due(ledger)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ACTIONS)
def test_no_gated_command_runs_without_its_quorum(actions: list[Any]) -> None:
    session, keys = build()
    ledger = session.ledger()
    real, shift = ledger.clock, [0]
    ledger.clock = lambda: real() + shift[0]
    requests: list[str] = []
    shadow = Shadow()
    try:
        for action in actions:
            # a refusal is recorded; the property is about what got through
            with contextlib.suppress(CommandRejected):
                step(session, keys, requests, action, shift, shadow)
        zed = ledger.actor("zed").actor_id
        names = {ledger.actor(n).actor_id: n for n in (*APPROVERS, "zed")}
        for accepted in shadow.accepted.values():  # nobody approved without the role
            assert all(had_role for _, had_role in accepted), accepted
            assert len({n for n, _ in accepted}) == len(accepted)  # each approver once
        for key_id in keys:
            if ledger.key(key_id).state.value != "destroyed":
                continue
            (used,) = [a for a in ledger.state.approvals.values()
                       if a.subject == key_id and a.status.value == "executed"]
            assert len(set(used.approvers)) >= 2 and zed not in used.approvers
            # exactly the approvals the test saw accepted, each by a holder of the role
            assert [names[a] for a in used.approvers] == [
                n for n, _ in shadow.accepted[used.approval_id]]
        Auditor(session.store()[0]).verify()
    finally:
        ledger.clock = real
        session.close()
