"""``skms``: the command-line front end."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from commands.cli import actors, audit, crypto_ops, demo, keys, projections, signing, wallets
from commands.cli.output import State, emit, guarded, json_option
from commands.cli.serve import serve
from ledger.crypto.algorithms import all_profiles
from ledger.home import default_home


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(path_type=Path), default=None,
              help="Ledger home (default $SKMS_HOME or ~/.skms).")
@click.option("--store", default=None, help="Store URL (sqlite:///PATH, kafka://HOST:PORT, …).")
@click.option("--passphrase-file", type=click.Path(path_type=Path), default=None,
              help="File holding the passphrase (else $SKMS_PASSPHRASE).")
@click.option("--as", "as_actor", default="admin", show_default=True,
              help="Identity (in this home) that signs the command.")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of internal errors.")
@click.option("--json", "json_output", is_flag=True, help="Print results as JSON.")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, store: str | None, passphrase_file: Path | None,
        as_actor: str, verbose: bool, json_output: bool) -> None:
    """SKMS: an audit-first key ledger. Every action is a signed, chained event."""
    state = State(home or default_home(), store, passphrase_file, as_actor, verbose, json_output)
    ctx.obj = state
    ctx.call_on_close(state.close)


@cli.command()
@click.option("--name", default="skms", show_default=True, help="A name for this ledger.")
@click.option("--fips", is_flag=True, help="Refuse algorithms that are not FIPS-approved.")
@click.option("--checkpoint-every", default=64, show_default=True, type=click.IntRange(1, 10**6),
              help="Publish a checkpoint every N events.")
@click.option("--checkpoint-seconds", default=60, show_default=True,
              type=click.IntRange(1, 86400), help="…and at least every T seconds.")
@json_option
@click.pass_obj
@guarded
def init(state: State, name: str, fips: bool, checkpoint_every: int,
         checkpoint_seconds: int) -> None:
    """Create a ledger home, its genesis event and the first admin identity."""
    result = state.session().initialize(name=name, fips_mode=fips,
                                        checkpoint_every_events=checkpoint_every,
                                        checkpoint_every_seconds=checkpoint_seconds)
    emit(result, lambda r: f"initialized ledger {r['ledger_id']} in {r['home']}\n"
                           f"store: {r['store']}\nadmin identity: {r['admin']}")


@cli.command()
@json_option
def algorithms() -> None:
    """List every key algorithm (signature, encryption, MAC, key agreement) with metadata."""
    rows = [{"algorithm": p.algorithm, "family": p.family, "purpose": p.purpose,
             "security_bits": p.security_bits, "public_key_size": p.public_key_size,
             "signature_size": p.output_size if p.purpose == "signature" else None,
             "output_size": p.output_size, "fips_approved": p.fips_approved,
             "usages": sorted(p.usages), "message_handling": p.description}
            for p in all_profiles()]
    emit(rows, lambda r: "\n".join(
        f"{x['algorithm']:<24} {x['purpose']:<21} {x['security_bits']:>4}-bit  "
        f"{'FIPS' if x['fips_approved'] else 'non-FIPS':<9} {x['message_handling']}" for x in r))


cli.add_command(actors.actor)
cli.add_command(keys.key)
cli.add_command(signing.sign)
cli.add_command(signing.verify)
for _command in crypto_ops.COMMANDS:
    cli.add_command(_command)
cli.add_command(audit.audit)
cli.add_command(audit.replay)
cli.add_command(demo.demo)
cli.add_command(projections.projections)
cli.add_command(projections.report)
cli.add_command(projections.query)
cli.add_command(wallets.wallet)
cli.add_command(serve)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
