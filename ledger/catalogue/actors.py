"""Catalogue entries: actors (registration, roles, revocation)."""

from __future__ import annotations

import dataclasses

from ledger.catalogue.fields import ACTOR_ID, REASON, hexa, listing, text
from ledger.catalogue.model import ChainRule, Cli, CliRoute, CommandSpec, Hooks, Route
from ledger.catalogue.shapes import SHAPES
from ledger.domain.actor import ROLES

ADMINS = frozenset({"admin"})
ROLE = text("item", "A role.", max_length=32, choices=ROLES)
ROLE_LIST = listing("roles", "Roles.", ROLE, required=False, default=[], maximum=len(ROLES),
                    cli=Cli(option="--role"))

COMMANDS = (
    CommandSpec(
        name="RegisterActor", doc="Register an actor with the Ed25519 public key it "
                                  "generated itself (the CLI makes and keeps one in the "
                                  "home).",
        group="actors", roles=ADMINS, chain=ChainRule.SYSTEM,
        events=frozenset({"ActorRegistered"}),
        args=(text("name", "A unique name: 1-64 of A-Z a-z 0-9 . _ -, starting with a "
                           "letter or digit.", max_length=64, cli=Cli(positional=True)),
              ROLE_LIST,
              hexa("public_key", "Its Ed25519 identity key.", size=32,
                   cli=Cli(hidden=True)),
              listing("domains", "Key domains it may act in ('*': all).",
                      text("item", "A domain.", max_length=64), required=False,
                      default=["*"], minimum=1, maximum=1000, cli=Cli(option="--domain"))),
        result=SHAPES["ActorRegistration"], rest=Route("POST", "/v1/actors"),
        cli=CliRoute(("actor", "add"), renderer="actor-added"), bootstrap=True,
        hooks=Hooks(approval="roles")),
    CommandSpec(
        name="ChangeActorRoles", doc="Replace an actor's roles.", group="actors",
        roles=ADMINS, chain=ChainRule.SYSTEM, events=frozenset({"ActorRolesChanged"}),
        args=(ACTOR_ID, dataclasses.replace(ROLE_LIST, required=True, default=None)),
        result=SHAPES["ActorRoles"],
        rest=Route("POST", "/v1/actors/{actor_id}/roles"), sdk="change_roles",
        cli=CliRoute(("actor", "roles"), renderer="actor-roles"),
        hooks=Hooks(approval="roles")),
    CommandSpec(
        name="RevokeActor", doc="Revoke an actor: its later requests are refused.",
        group="actors", roles=ADMINS, chain=ChainRule.SYSTEM,
        events=frozenset({"ActorRevoked"}),
        args=(ACTOR_ID, dataclasses.replace(REASON, default="revoked")),
        result=SHAPES["ActorRevocation"], rest=Route("POST", "/v1/actors/{actor_id}/revoke"),
        cli=CliRoute(("actor", "revoke"), renderer="actor-revoked"),
        hooks=Hooks(approval="roles")),
)
