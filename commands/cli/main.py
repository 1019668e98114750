"""``skms``: the command-line front end.

Every catalogue entry with a ``CliRoute`` is a subcommand generated from its fields
(:mod:`commands.cli.generated`); the commands here are the ones that only make sense on
the machine holding the home: creating it, serving it, copying stores, maintaining the
read models, the demo, the shell and its multi-step flows.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from commands.cli import local
from commands.cli.backup_local import add_backup_commands
from commands.cli.demo import demo
from commands.cli.escrow_local import add_escrow_commands
from commands.cli.flows import flow
from commands.cli.generated import add_catalogue_commands
from commands.cli.kek import add_kek_commands
from commands.cli.serve import serve
from commands.cli.shell import shell
from commands.cli.state import CliState
from ledger.home import default_home


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Ledger home (default $SKMS_HOME or ~/.skms).")
@click.option("--store", default=None,
              help="Store URL (sqlite:////abs/path.db, kafka://HOST:PORT, ...) instead of "
                   "the home's.")
@click.option("--passphrase-file", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="File holding the passphrase (else $SKMS_PASSPHRASE).")
@click.option("--as", "as_actor", default="admin", show_default=True,
              help="The identity (kept in this home) that signs the command.")
@click.option("-v", "--verbose", is_flag=True, help="Show the traceback of an internal error.")
@click.option("--json", "json_output", is_flag=True, help="Print results as JSON.")
@click.option("--print", "print_field", default=None, metavar="FIELD",
              help="Print only this field of the result (for scripts).")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, store: str | None, passphrase_file: Path | None,
        as_actor: str, verbose: bool, json_output: bool, print_field: str | None) -> None:
    """SKMS: an audit-first key ledger. Every action is a signed, chained event."""
    state = CliState(home or default_home(), store, passphrase_file, as_actor, verbose,
                     json_output, print_field)
    ctx.obj = state
    ctx.call_on_close(state.close)


add_catalogue_commands(cli)
local.add_local_commands(cli)
cli.add_command(demo)
cli.add_command(serve)
cli.add_command(shell)
cli.add_command(flow)
add_kek_commands(cli)
add_escrow_commands(cli)
add_backup_commands(cli)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
