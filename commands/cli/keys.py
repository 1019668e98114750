"""``skms key``: create keys and move them through their lifecycle."""

from __future__ import annotations

from typing import Any

import click

from commands.cli.output import State, emit, guarded, json_option
from commands.session import DEFAULT_DOMAIN
from ledger.crypto.algorithms import all_profiles, profile, public_key_pem
from ledger.domain.key import USAGES, Key
from ledger.errors import InvalidInput

ALGORITHMS = tuple(p.algorithm for p in all_profiles())


def key_row(key: Key) -> dict[str, Any]:
    current = key.versions[key.current_version]
    return {"key_id": key.key_id, "label": key.label, "domain": key.domain,
            "algorithm": key.algorithm, "state": key.state.value, "usage": key.usage,
            "current_version": key.current_version, "versions": sorted(key.versions),
            "public_key": current["public_key"].hex(), "policy": key.policy,
            "created_at": key.created_at, "rotated_at": key.rotated_at,
            "destroy_after": key.destroy_after, "destroyed_at": key.destroyed_at,
            "signatures": key.signature_count}


@click.group()
def key() -> None:
    """Create keys and manage their lifecycle (NIST SP 800-57 states)."""


@key.command("create")
@click.option("--algorithm", required=True, type=click.Choice(ALGORITHMS))
@click.option("--label", default=None)
@click.option("--domain", default=DEFAULT_DOMAIN, show_default=True, help="Key domain (chain).")
@click.option("--usage", multiple=True, type=click.Choice(sorted(USAGES)),
              help="Repeat for several; default: the algorithm's usual usages.")
@click.option("--rotation-days", type=click.IntRange(0, 3650), default=None)
@click.option("--destruction-wait-days", type=click.IntRange(0, 3650), default=None)
@click.option("--no-activate", is_flag=True, help="Leave the key in pre-activation.")
@json_option
@click.pass_obj
@guarded
def create(state: State, algorithm: str, label: str | None, domain: str, usage: tuple[str, ...],
           rotation_days: int | None, destruction_wait_days: int | None,
           no_activate: bool) -> None:
    """Generate a key; its private material is sealed and never leaves the ledger."""
    args: dict[str, Any] = {"algorithm": algorithm, "activate": not no_activate}
    if usage:
        args["usage"] = list(usage)
    if label is not None:
        args["label"] = label
    if rotation_days is not None:
        args["rotation_period_days"] = rotation_days
    if destruction_wait_days is not None:
        args["destruction_wait_days"] = destruction_wait_days
    outcome = state.session().act(state.as_actor, "CreateKey", domain, args)
    emit({"key_id": outcome.result, "algorithm": algorithm, "domain": domain,
          "seq": outcome.seqs[-1]},
         lambda r: f"created {algorithm} key {r['key_id']} in domain {domain} (seq {r['seq']})")


@key.command("list")
@click.option("--domain", default=None)
@click.option("--state", "key_state", default=None)
@json_option
@click.pass_obj
@guarded
def list_keys(state: State, domain: str | None, key_state: str | None) -> None:
    """List keys."""
    ledger = state.session().read_only_ledger()
    rows = [key_row(k) for k in sorted(ledger.keys.values(), key=lambda k: k.created_at)
            if (domain is None or k.domain == domain)
            and (key_state is None or k.state.value == key_state)]
    emit(rows, lambda r: "\n".join(
        f"{x['key_id']}  {x['algorithm']:<16} {x['state']:<15} v{x['current_version']} "
        f"{x['domain']:<10} {x['label'] or ''}" for x in r) or "no keys")


@key.command("show")
@click.argument("key_id")
@json_option
@click.pass_obj
@guarded
def show(state: State, key_id: str) -> None:
    """Show one key's state, versions and policy."""
    row = key_row(state.session().read_only_ledger().key(key_id))
    emit(row, lambda r: "\n".join(f"{k}: {v}" for k, v in r.items()))


@key.command("public")
@click.argument("key_id")
@click.option("--format", "fmt", type=click.Choice(["pem", "hex"]), default="pem",
              show_default=True)
@click.option("--version", type=int, default=None, help="Key version (default current).")
@json_option
@click.pass_obj
@guarded
def public(state: State, key_id: str, fmt: str, version: int | None) -> None:
    """Print a public key: PEM SubjectPublicKeyInfo or hex (raw / SEC1 compressed)."""
    found = state.session().read_only_ledger().key(key_id)
    chosen = found.current_version if version is None else version
    if chosen not in found.versions:
        raise InvalidInput(f"key has versions {sorted(found.versions)}", field="version")
    if not profile(found.algorithm).has_public_key:
        raise InvalidInput(f"key {key_id} is a symmetric {found.algorithm} key: it has no "
                           "public key", field="key_id",
                           hint="symmetric keys never leave the ledger; use skms encrypt/mac")
    raw = found.versions[chosen]["public_key"]
    text = public_key_pem(found.algorithm, raw) if fmt == "pem" else raw.hex()
    emit({"key_id": key_id, "version": chosen, "format": fmt, "public_key": text},
         lambda r: text.rstrip("\n"))


def _lifecycle(name: str, command_type: str, help_text: str, reason: bool = True) -> None:
    @click.argument("key_id")
    @json_option
    @click.pass_obj
    @guarded
    def run(state: State, key_id: str, reason: str | None = None) -> None:
        extra = {"reason": reason} if reason else {}
        outcome = state.session().key_command(state.as_actor, command_type, key_id, extra)
        found = state.session().ledger().key(key_id)
        emit({"key_id": key_id, "state": found.state.value, "version": found.current_version,
              "seq": outcome.seqs[-1], "result": outcome.result},
             lambda r: f"key {key_id}: {r['state']} v{r['version']} (seq {r['seq']})")

    run.__doc__ = help_text
    if reason:
        run = click.option("--reason", default=None)(run)
    key.command(name)(run)


_lifecycle("activate", "ActivateKey", "Activate a pre-activation key.", reason=False)
_lifecycle("rotate", "RotateKey", "Create a new key version; old versions only verify.",
           reason=False)
_lifecycle("suspend", "SuspendKey", "Suspend an active key (no signing until reactivated).")
_lifecycle("reactivate", "ReactivateKey", "Reactivate a suspended key.")
_lifecycle("compromise", "CompromiseKey", "Mark a key compromised.")
_lifecycle("revoke", "RevokeKey", "Deactivate a key for good (it still verifies).")


@key.command("destroy")
@click.argument("key_id")
@click.option("--cancel", is_flag=True, help="Cancel a scheduled destruction.")
@json_option
@click.pass_obj
@guarded
def destroy(state: State, key_id: str, cancel: bool) -> None:
    """Schedule destruction (after the policy's waiting period) or destroy when due.

    Destruction shreds the key's data keys: its material is then unrecoverable from any
    copy of the log, even with the passphrase.
    """
    session = state.session()
    if cancel:
        outcome = session.key_command(state.as_actor, "CancelDestruction", key_id)
    else:
        outcome = session.key_command(state.as_actor, "DestroyKey", key_id)
    found = session.ledger().key(key_id)
    emit({"key_id": key_id, "state": found.state.value, "destroy_after": found.destroy_after,
          "seq": outcome.seqs[-1]},
         lambda r: f"key {key_id}: {r['state']}"
                   + (f", destruction due at {r['destroy_after']} µs" if r["destroy_after"]
                      else "") + f" (seq {r['seq']})")


@key.command("policy")
@click.argument("key_id")
@click.option("--rotation-days", type=click.IntRange(0, 3650), default=None)
@click.option("--destruction-wait-days", type=click.IntRange(0, 3650), default=None)
@click.option("--max-signatures-per-day", type=click.IntRange(1, 10**9), default=None)
@click.option("--allowed-signer", "allowed", multiple=True, help="Actor name or id.")
@json_option
@click.pass_obj
@guarded
def policy(state: State, key_id: str, rotation_days: int | None,
           destruction_wait_days: int | None, max_signatures_per_day: int | None,
           allowed: tuple[str, ...]) -> None:
    """Change a key's policy."""
    session = state.session()
    extra: dict[str, Any] = {}
    if rotation_days is not None:
        extra["rotation_period_days"] = rotation_days
    if destruction_wait_days is not None:
        extra["destruction_wait_days"] = destruction_wait_days
    if max_signatures_per_day is not None:
        extra["max_signatures_per_day"] = max_signatures_per_day
    if allowed:
        extra["allowed_signers"] = [session.ledger().actor(a).actor_id for a in allowed]
    outcome = session.key_command(state.as_actor, "ChangeKeyPolicy", key_id, extra)
    emit({"key_id": key_id, "policy": outcome.result, "seq": outcome.seqs[-1]},
         lambda r: f"key {key_id} policy: {r['policy']} (seq {r['seq']})")
