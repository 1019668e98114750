"""Handlers: actors (registration, roles, revocation)."""

from __future__ import annotations

import hmac
from typing import Any

from commands.handlers.registry import handles
from ledger.admission import check_chain_id
from ledger.application import Decision
from ledger.command import SYSTEM_ACTOR
from ledger.domain.actor import Actor, check_actor_name, check_roles
from ledger.errors import CommandRejected


@handles("RegisterActor")
def register_actor(decision: Decision) -> dict[str, Any]:
    ledger, command, args = decision.ledger, decision.command, decision.args
    bootstrap = command.actor_id == SYSTEM_ACTOR
    if bootstrap and ledger.actors:
        raise CommandRejected("the ledger identity registers only the first admin",
                              reason_code="bootstrap-only")
    name = args["name"]
    if any(a.name.casefold() == name.casefold() for a in ledger.actors.values()):
        raise CommandRejected(f"an actor named {name!r} already exists (names are compared "
                              "without regard to case)", field="name", reason_code="duplicate")
    check_actor_name(name)
    roles = check_roles(args["roles"])
    if bootstrap and "admin" not in roles:
        raise CommandRejected("the bootstrap actor must be an admin", reason_code="bootstrap-only")
    public_key = bytes.fromhex(args["public_key"])
    if any(hmac.compare_digest(a.public_key, public_key) for a in ledger.actors.values()) or (
            ledger.meta is not None
            and hmac.compare_digest(ledger.meta.ledger_public_key, public_key)):
        raise CommandRejected("this public key already identifies another actor (or the "
                              "ledger); every actor needs a key of its own", field="public_key",
                              reason_code="duplicate-key")
    domains = args["domains"]
    for domain in domains:
        if domain != "*":
            check_chain_id(domain)
    actor_id = ledger.new_id()
    actor = Actor.create(Actor.Registered, aggregate_id=actor_id, at=decision.now,
                         actor_id=str(actor_id), name=name, public_key=public_key,
                         roles=roles, domains=list(domains))
    decision.touch(actor)
    return {"actor_id": actor.actor_id, "name": name}


@handles("ChangeActorRoles")
def change_actor_roles(decision: Decision) -> dict[str, Any]:
    actor = decision.ledger.actor(decision.args["actor_id"])
    actor.change_roles(decision.args["roles"], at=decision.now)
    decision.touch(actor)
    return {"actor_id": actor.actor_id, "roles": list(actor.roles)}


@handles("RevokeActor")
def revoke_actor(decision: Decision) -> dict[str, Any]:
    actor = decision.ledger.actor(decision.args["actor_id"])
    if actor.actor_id == decision.command.actor_id:
        raise CommandRejected("an actor cannot revoke itself", reason_code="self-revoke")
    actor.revoke(decision.args["reason"], at=decision.now)
    decision.touch(actor)
    return {"actor_id": actor.actor_id, "revoked": True}
