"""``skms actor``: register, list, change roles of and revoke actors."""

from __future__ import annotations

import click

from commands.cli.output import State, emit, guarded, json_option
from ledger.domain.actor import ROLES


def actor_row(actor: object) -> dict[str, object]:
    return {"actor_id": actor.actor_id, "name": actor.name,  # type: ignore[attr-defined]
            "roles": actor.roles, "domains": actor.domains,  # type: ignore[attr-defined]
            "revoked": actor.revoked,  # type: ignore[attr-defined]
            "public_key": actor.public_key.hex()}  # type: ignore[attr-defined]


@click.group()
def actor() -> None:
    """Manage actors (identities with roles)."""


@actor.command("add")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@click.option("--domain", "domains", multiple=True, help="Key domain(s); default all ('*').")
@json_option
@click.pass_obj
@guarded
def add(state: State, name: str, roles: tuple[str, ...], domains: tuple[str, ...]) -> None:
    """Create an identity NAME in this home and register it in the ledger."""
    outcome = state.session().add_actor(state.as_actor, name, list(roles),
                                        list(domains) or ["*"])
    emit({"actor_id": outcome.result, "name": name, "roles": sorted(roles), "seq": outcome.seqs[-1],
          "chain": outcome.chain_id},
         lambda r: f"registered {name} as {r['actor_id']} (seq {r['seq']})")


@actor.command("list")
@json_option
@click.pass_obj
@guarded
def list_actors(state: State) -> None:
    """List registered actors."""
    ledger = state.session().read_only_ledger()
    rows = [actor_row(a) for a in sorted(ledger.actors.values(), key=lambda a: a.name)]
    emit(rows, lambda r: "\n".join(
        f"{x['name']:<16} {x['actor_id']}  {','.join(x['roles']):<24} "  # type: ignore[arg-type]
        f"{'REVOKED' if x['revoked'] else ''}" for x in r) or "no actors")


@actor.command("roles")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@json_option
@click.pass_obj
@guarded
def roles(state: State, name: str, roles: tuple[str, ...]) -> None:
    """Replace the roles of actor NAME."""
    session = state.session()
    target = session.ledger().actor(name)
    outcome = session.act(state.as_actor, "ChangeActorRoles", "system",
                          {"actor_id": target.actor_id, "roles": list(roles)})
    emit({"actor_id": target.actor_id, "roles": outcome.result, "seq": outcome.seqs[-1]},
         lambda r: f"{name} now has roles {', '.join(r['roles'])} (seq {r['seq']})")


@actor.command("revoke")
@click.argument("name")
@click.option("--reason", default="revoked", show_default=True)
@json_option
@click.pass_obj
@guarded
def revoke(state: State, name: str, reason: str) -> None:
    """Revoke actor NAME: its later commands are refused."""
    session = state.session()
    target = session.ledger().actor(name)
    outcome = session.act(state.as_actor, "RevokeActor", "system",
                          {"actor_id": target.actor_id, "reason": reason})
    emit({"actor_id": target.actor_id, "revoked": True, "seq": outcome.seqs[-1]},
         lambda r: f"revoked {name} (seq {r['seq']})")
