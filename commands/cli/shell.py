"""``skms shell``: the same commands, typed at a prompt, over one open session.

Requirements:
1. Every ``skms`` subcommand works at the prompt exactly as on the command line (the same
   click commands run, the same renderers print, the same errors): no second parser.
2. One session for the whole shell: the passphrase is asked once (hidden) when neither
   ``--passphrase-file`` nor ``$SKMS_PASSPHRASE`` gives it, the ledger is loaded once, and
   before each command what other processes appended is folded in.
3. Completion of commands, options, choices, files, and of the ledger's own names: key ids
   (with their labels), actor names, wallet ids and the paths a wallet has derived,
   approval request ids and threshold group ids.
4. History in ``<home>/shell_history`` (owner-only); shell controls start with ``:``
   (``:json`` toggles JSON output, ``:as NAME`` changes the signing identity, ``:help``,
   ``:quit``); a missing required value is asked for instead of failing the line.
5. An error ends the command, never the shell; Ctrl-C abandons the line, Ctrl-D leaves.
6. Lists (keys, actors, approvals, threshold seats, ...) are aligned tables unless JSON is
   on (the columns each list view names, :mod:`commands.cli.views`); multi-step work
   (approvals, DKG and signing rounds) is the ``flow`` commands (:mod:`commands.cli.flows`),
   which prompt for each step and run the same subcommands.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import click
from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory

from commands.cli.printer import guarded
from commands.cli.state import CliState
from ledger.application import Ledger
from ledger.domain.approval import OPEN_STATES

PROMPT = "skms> "
HISTORY_FILE = "shell_history"
WALLET_PATH_TEMPLATES = ("m/44'/0'/0'/0/0", "m/49'/0'/0'/0/0", "m/84'/0'/0'/0/0",
                         "m/86'/0'/0'/0/0", "m/44'/60'/0'/0/0", "m/44'/501'/0'/0'")
CONTROLS = {
    ":json": "toggle JSON output (the answer REST gives)",
    ":as": "sign as another identity of this home (:as NAME)",
    ":help": "this list; 'help' or 'COMMAND --help' for the commands",
    ":quit": "leave the shell (or Ctrl-D)",
}
FLOWS_HINT = ("  flow approve | flow dkg | flow sign: approvals and threshold rounds, step by "
              "step, with prompts")


@click.command()
@click.pass_context
@guarded
def shell(ctx: click.Context) -> None:
    """An interactive prompt over the same commands, with completion and history."""
    state = ctx.find_object(CliState)
    assert state is not None and ctx.parent is not None
    group = ctx.parent.command
    assert isinstance(group, click.Group)
    state.check_ledger_exists()
    state.tables = True
    if state.passphrase() is None:
        typed = click.prompt("passphrase", hide_input=True, default="", show_default=False)
        state.entered_passphrase = bytearray(typed.encode())
    history = state.home.path / HISTORY_FILE
    history.touch(mode=0o600, exist_ok=True)
    os.chmod(history, 0o600)
    session: PromptSession[str] = PromptSession(
        history=FileHistory(str(history)),
        completer=CommandCompleter(group, lambda: state.session().read_only_ledger(),
                                   lambda: [i.name for i in state.home.identities()]),
        complete_while_typing=False)
    click.echo(f"SKMS shell on {state.home.path} as {state.as_actor}; :help for controls, "
               "Ctrl-D to leave")
    while True:
        try:
            line = session.prompt(PROMPT)
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        if not run_line(line, group, ctx.parent, state, session.prompt):
            break


def run_line(line: str, group: click.Group, group_context: click.Context, state: CliState,
             ask: Callable[[str], str]) -> bool:
    """Run one typed line; False when it asks to leave."""
    try:
        words = shlex.split(line)
    except ValueError as bad:
        click.echo(f"error: {bad}", err=True)
        return True
    if not words:
        return True
    if words[0].startswith(":"):
        return control(words, state)
    if words[0] == "help":
        words = [*words[1:], "--help"]
    state.catch_up()
    for _ in range(8):  # each missing value asked for once, then the line runs again
        missing = invoke(group, group_context, words).missing
        if missing is None:
            return True
        try:
            answer = ask(f"{missing.replace('_', ' ')}: ")
        except (KeyboardInterrupt, EOFError):
            return True
        words = [*words, answer] if not missing.startswith("--") else [*words, missing,
                                                                       answer]
    return True


@dataclass(frozen=True)
class Ran:
    """How one line went: ``ok`` when the command completed (exit 0); ``missing`` names a
    required value click refused the line for lack of (``--option`` or an argument)."""

    ok: bool
    missing: str | None = None


def invoke(group: click.Group, group_context: click.Context, words: list[str]) -> Ran:
    """Run ``words`` as a subcommand of ``group`` (errors shown, never raised: the shell and
    the flows go on, see the module doc)."""
    try:
        name, command, rest = group.resolve_command(group_context, list(words))
        assert command is not None and name is not None
        with command.make_context(name, rest, parent=group_context) as context:
            command.invoke(context)
    except click.MissingParameter as missing:
        parameter = missing.param
        if parameter is None or parameter.name is None:
            missing.show()
            return Ran(ok=False)
        if isinstance(parameter, click.Option):
            return Ran(ok=False, missing=max(parameter.opts, key=len))
        return Ran(ok=False, missing=parameter.name)
    except click.ClickException as refused:
        refused.show()
    except click.exceptions.Exit as ended:
        return Ran(ok=ended.exit_code == 0)
    except click.Abort:
        click.echo("aborted", err=True)
    except SystemExit as ended:
        if ended.code not in (0, None):
            click.echo(f"(exit {ended.code})", err=True)
            return Ran(ok=False)
        return Ran(ok=True)
    else:
        return Ran(ok=True)
    return Ran(ok=False)


def control(words: list[str], state: CliState) -> bool:
    name = words[0]
    if name in (":quit", ":exit", ":q"):
        return False
    if name == ":json":
        state.json = not state.json
        click.echo(f"JSON output {'on' if state.json else 'off'}")
    elif name == ":as" and len(words) == 2:
        known = [identity.name for identity in state.home.identities()]
        if words[1] not in known:
            click.echo(f"error: no identity {words[1]!r} in this home; known: "
                       f"{', '.join(known)}", err=True)
        else:
            state.as_actor = words[1]
            click.echo(f"signing as {words[1]}")
    else:
        for control_name, meaning in CONTROLS.items():
            click.echo(f"  {control_name:<7} {meaning}")
        click.echo(FLOWS_HINT)
    return True


class CommandCompleter(Completer):
    """Completes by walking the click tree the typed words name, then by what the word at
    the cursor is: a subcommand, an option, an option's value or an argument."""

    def __init__(self, group: click.Group, ledger: Callable[[], Ledger],
                 identities: Callable[[], list[str]]) -> None:
        self.group = group
        self.ledger = ledger
        self.identities = identities
        self.paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document, complete_event: CompleteEvent
                        ) -> Iterator[Completion]:
        text = document.text_before_cursor
        try:
            words = shlex.split(text)
        except ValueError:
            return
        incomplete = "" if not words or text.endswith(" ") else words.pop()
        if not words and incomplete.startswith(":"):
            yield from _matching(CONTROLS, incomplete)
            return
        command, rest = self._walk(words)
        parameter = self._expecting(command, rest)
        if parameter is not None:
            yield from self._values(parameter, rest, incomplete, document)
        elif incomplete.startswith("-"):
            yield from _matching(_option_names(command), incomplete)
        elif isinstance(command, click.Group):
            yield from _matching(_visible(command), incomplete)
        else:
            argument = _next_argument(command, rest)
            if argument is not None:
                yield from self._values(argument, rest, incomplete, document)

    def _walk(self, words: list[str]) -> tuple[click.Command, list[str]]:
        command: click.Command = self.group
        for index, word in enumerate(words):
            if not isinstance(command, click.Group) or word.startswith("-"):
                return command, words[index:]
            found = command.commands.get(word)
            if found is None:
                return command, words[index:]
            command = found
        return command, []

    @staticmethod
    def _expecting(command: click.Command, rest: list[str]) -> click.Parameter | None:
        """The option whose value the cursor is at (the last word is that option)."""
        if not rest:
            return None
        for parameter in command.params:
            if (isinstance(parameter, click.Option) and not parameter.is_flag
                    and rest[-1] in parameter.opts):
                return parameter
        return None

    def _values(self, parameter: click.Parameter, rest: list[str], incomplete: str,
                document: Document) -> Iterator[Completion]:
        kind = parameter.type
        if isinstance(kind, click.Choice):
            yield from _matching({str(c): "" for c in kind.choices}, incomplete)
        elif isinstance(kind, click.Path) or parameter.name in ("input", "output"):
            yield from self.paths.get_completions(Document(incomplete), CompleteEvent())
        elif parameter.name in ("as_actor",):
            yield from _matching({n: "identity" for n in self.identities()}, incomplete)
        else:
            yield from _matching(self._ledger_names(parameter.name or "", rest), incomplete)

    def _ledger_names(self, name: str, rest: list[str]) -> dict[str, str]:
        state = self.ledger().state
        if name in ("key_id", "key"):
            return {key_id: f"{key.algorithm} {key.label or ''}".strip()
                    for key_id, key in state.keys.items()}
        if name in ("actor_id", "actor", "allowed_signer"):
            return {actor.name: ", ".join(actor.roles) for actor in state.actors.values()}
        if name == "approval_id":
            return {approval_id: f"{approval.command_type} {approval.status.value}"
                    for approval_id, approval in state.approvals.items()
                    if approval.status in OPEN_STATES}
        if name == "group_id":
            return {group_id: f"{seat.suite} {seat.threshold}-of-{seat.participants} "
                              f"{seat.stage}" for group_id, seat in
                    state.threshold_groups.items()}
        if name == "wallet_id":
            return {wallet_id: wallet.label or "" for wallet_id, wallet in
                    state.wallets.items()}
        if name == "path":
            wallet = next((state.wallets[w] for w in rest if w in state.wallets), None)
            derived = ({entry["path"]: entry.get("curve", "") for entry in
                        wallet.addresses.values()} if wallet is not None else {})
            return derived or {template: "template" for template in WALLET_PATH_TEMPLATES}
        return {}


def _matching(candidates: dict[str, str] | Iterable[str], incomplete: str
              ) -> Iterator[Completion]:
    described = candidates if isinstance(candidates, dict) else {c: "" for c in candidates}
    for candidate, meta in sorted(described.items()):
        if candidate.startswith(incomplete):
            yield Completion(candidate, start_position=-len(incomplete), display_meta=meta)


def _visible(group: click.Group) -> dict[str, str]:
    return {name: (command.get_short_help_str(60)) for name, command in group.commands.items()
            if not command.hidden and name != "shell"}


def _option_names(command: click.Command) -> dict[str, str]:
    return {opt: parameter.help or "" for parameter in command.params
            if isinstance(parameter, click.Option) for opt in parameter.opts
            if opt.startswith("--")}


def _next_argument(command: click.Command, rest: list[str]) -> click.Argument | None:
    """The positional argument the cursor is at: those already given are skipped (option
    values are not counted as positionals)."""
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    given, skip = 0, False
    for word in rest:
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            skip = any(isinstance(p, click.Option) and not p.is_flag and word in p.opts
                       for p in command.params)
            continue
        given += 1
    return arguments[given] if given < len(arguments) else None

