"""``skms flow …``: multi-step work, one prompt at a time, over the same commands.

Some work is several commands with a decision or an exchange between them: deciding the
pending approval requests one by one, or one participant's part in a threshold DKG or
signing session, whose round messages travel to the other ledgers as files. A flow walks
a user through it in ``skms shell`` (or a terminal).

Requirements:
1. A flow only composes ``skms`` subcommands: every step is the words a user would type,
   run by the shell's :func:`~commands.cli.shell.invoke` (the same click command, builder,
   handler and renderer), so the ledger records exactly the commands the CLI would send.
   Nothing here decides, signs or checks what a command does.
2. A step whose answer the flow needs (the pending requests, a new group id) has its result
   captured (``CliState.captured``) instead of printed; every other step prints what the
   command prints, as text or ``--json``.
3. Prompts offer defaults where the answer is predictable: a round's files are named after
   the participant (``r1-2.json``, ``c-SESSION-3.json``) in one exchange folder, so a
   participant presses Enter once the others' files are there; a file that is not there
   yet is asked for again.
4. A failed step ends the flow with the command's own error (exit 1); in ``flow approve`` a
   refused decision goes back to the list instead, the refusal being what the approver
   needs to see. Ctrl-C abandons the flow; what already ran stays recorded.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from commands.cli.printer import guarded
from commands.cli.shell import invoke
from commands.cli.state import CliState
from commands.cli.views import APPROVAL_COLUMNS, THRESHOLD_GROUP_COLUMNS, table

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class FlowStopped(Exception):
    """A step did not complete; its command has already shown why."""


class Steps:
    """Runs a flow's steps as subcommands of the root ``skms`` group (see the module doc)."""

    def __init__(self, ctx: click.Context) -> None:
        self.root = ctx.find_root()
        group = self.root.command
        state = self.root.find_object(CliState)
        assert isinstance(group, click.Group) and state is not None
        self.group = group
        self.state = state

    def run(self, *words: str) -> bool:
        """Run a step and show its result as the CLI would; False when it failed."""
        self.state.catch_up()  # what the other participants' processes appended meanwhile
        ran = invoke(self.group, self.root, list(words))
        if ran.missing is not None:
            click.echo(f"error: {' '.join(words[:3])} needs {ran.missing}", err=True)
        return ran.ok

    def answer(self, *words: str) -> Any:
        """Run a step whose result the flow needs; :class:`FlowStopped` when it failed."""
        self.state.catch_up()
        saved, self.state.captured = self.state.captured, []
        try:
            ran = invoke(self.group, self.root, list(words))
            captured = self.state.captured
        finally:
            self.state.captured = saved
        if not ran.ok or not captured:
            raise FlowStopped(" ".join(words[:3]))
        return captured[-1]

    def need(self, *words: str) -> None:
        """Run a step that must complete for the flow to go on."""
        if not self.run(*words):
            raise FlowStopped(" ".join(words[:3]))

    def choices(self, path: Sequence[str], option: str) -> list[str]:
        """The choices a subcommand's option offers (the catalogue's, through click)."""
        command: click.Command = self.group
        for name in path:
            assert isinstance(command, click.Group)
            command = command.commands[name]
        parameter = next(p for p in command.params if p.name == option)
        assert isinstance(parameter.type, click.Choice)
        return [str(c) for c in parameter.type.choices]


def flow_command(name: str, help_text: str) -> Callable[[Callable[[Steps], None]],
                                                         click.Command]:
    """Add a flow as a subcommand of :func:`flow`: a stopped step ends it with exit 1."""

    def make(body: Callable[[Steps], None]) -> click.Command:
        @click.pass_context
        def run(ctx: click.Context) -> None:
            try:
                body(Steps(ctx))
            except FlowStopped as stopped:
                click.echo(f"flow {name} stopped: {stopped} did not complete", err=True)
                ctx.exit(1)

        run.__doc__ = help_text
        command = click.command(name, help=help_text)(guarded(run))
        flow.add_command(command)
        return command

    return make


@click.group("flow")
def flow() -> None:
    """Multi-step work with prompts: approvals, threshold DKG and signing rounds."""


# --- approvals ------------------------------------------------------------------------------

@flow_command("approve", "Decide the pending approval requests, one at a time: approve, "
                         "reject (with a reason) or skip.")
def approve_flow(steps: Steps) -> None:
    while True:
        pending: list[Mapping[str, Any]] = steps.answer("approval", "list", "--pending")
        if not pending:
            click.echo("no approval request is waiting")
            return
        click.echo(table(APPROVAL_COLUMNS, pending, numbered=True))
        chosen = click.prompt("request to decide (number or id; empty to stop)", default="",
                              show_default=False,
                              value_proc=functools.partial(_pick, pending, "approval_id"))
        if chosen is None:
            return
        approval_id = str(chosen["approval_id"])
        steps.need("approval", "show", approval_id)  # what the approver is asked, in full
        decision = click.prompt("approve, reject or skip",
                                type=click.Choice(("approve", "reject", "skip")),
                                default="skip")
        if decision == "approve":
            steps.run("approval", "approve", approval_id)
        elif decision == "reject":
            reason = click.prompt("reason (recorded in the event)")
            steps.run("approval", "reject", approval_id, "--reason", reason)


def _pick(items: Sequence[Mapping[str, Any]], key: str, typed: str
          ) -> Mapping[str, Any] | None:
    """The item a user named by its number in the table or its id (a prefix will do); None
    for an empty answer; anything else is asked again (click's prompt re-asks on
    :class:`click.BadParameter`)."""
    typed = typed.strip()
    if not typed:
        return None
    if typed.isdigit() and 1 <= int(typed) <= len(items):
        return items[int(typed) - 1]
    found = [item for item in items if str(item[key]).startswith(typed)]
    if len(found) == 1:
        return found[0]
    raise click.BadParameter(f"{typed!r} names {'no' if not found else 'more than one'} "
                             "row of the table", param_hint="choice")


# --- threshold ------------------------------------------------------------------------------

def _folder() -> Path:
    folder = Path(click.prompt("exchange folder (where round files are written and read)",
                               default=".")).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _their_file(what: str, default: Path | None) -> Path:
    """A file to read (another participant's): asked for until it is there (requirement
    3)."""
    while True:
        path = Path(click.prompt(what, default=None if default is None else str(default))
                    ).expanduser()
        if path.is_file():
            return path
        click.echo(f"no file {path} yet: copy it there, then press Enter", err=True)


@flow_command("dkg", "One participant's distributed key generation: start or join a "
                     "group, then rounds 2 and 3 with the others' files.")
def dkg_flow(steps: Steps) -> None:
    suite = click.prompt("suite", type=click.Choice(steps.choices(
        ("threshold", "dkg", "start"), "suite")), default="frost-ed25519")
    threshold = click.prompt("threshold t (signers needed)", type=click.IntRange(2, 255))
    participants = click.prompt("participants n", type=click.IntRange(threshold, 255))
    me = click.prompt("this ledger's identifier", type=click.IntRange(1, participants))
    joining = click.prompt("group id to join (empty: start a new group)", default="",
                           show_default=False).strip()
    label = click.prompt("label (optional)", default="", show_default=False).strip()
    domain = click.prompt("key domain", default="default")
    folder = _folder()
    round1 = folder / f"r1-{me}.json"
    started = steps.answer(
        "threshold", "dkg", "start", "--suite", suite, "--threshold", str(threshold),
        "--participants", str(participants), "--identifier", str(me), "--domain", domain,
        *(("--group-id", joining) if joining else ()), *(("--label", label) if label else ()),
        "--out", str(round1))
    group_id = str(started["group_id"])
    click.echo(f"group {group_id}: round 1 written to {round1} (seq {started.get('seq')}); "
               "give it to every other participant"
               + ("" if joining else "; they join with this group id"))
    others = [j for j in range(1, participants + 1) if j != me]
    peers = [_their_file(f"participant {j}'s round 1 file", folder / f"r1-{j}.json")
             for j in others]
    round2 = folder / f"r2-{me}.json"
    steps.answer("threshold", "dkg", "round", group_id, "--domain", domain,
                 *_repeated("--in", peers), "--out", str(round2))
    click.echo(f"round 2 written to {round2}: give it to every other participant")
    shares = [_their_file(f"participant {j}'s round 2 file", folder / f"r2-{j}.json")
              for j in others]
    steps.need("threshold", "dkg", "finish", group_id, "--domain", domain,
               *_repeated("--in", [round2, *shares]))


@flow_command("sign", "One signer's part in a threshold signing session: commit, sign a "
                      "share, and aggregate the signature where this ledger coordinates.")
def sign_flow(steps: Steps) -> None:
    seats = [s for s in steps.answer("threshold", "key", "list") if s["stage"] == "active"]
    if not seats:
        click.echo("this ledger holds no active threshold seat (flow dkg makes one)")
        return
    click.echo(table(THRESHOLD_GROUP_COLUMNS, seats, numbered=True))
    seat = None
    while seat is None:
        seat = click.prompt("group (number or id)", default="1" if len(seats) == 1 else "",
                            value_proc=functools.partial(_pick, seats, "group_id"))
    group_id, suite, me = str(seat["group_id"]), str(seat["suite"]), int(seat["identifier"])
    domain = str(seat["domain"])
    session = click.prompt("session id (the same for every signer)",
                           default=uuid.uuid4().hex[:12]).strip()
    message = _their_file("file to sign", None)
    if suite.startswith("musig2"):
        signers = list(range(1, int(seat["participants"]) + 1))  # n-of-n: everyone signs
    else:
        signers = click.prompt(
            f"signers' identifiers ({seat['threshold']} or more, this ledger's {me} "
            "included)", value_proc=_signers(me, int(seat["threshold"]),
                                             int(seat["participants"])),
            default=",".join(map(str, _first(me, int(seat["threshold"])))))
    folder = _folder()
    tag = _UNSAFE.sub("_", session)
    others = [j for j in signers if j != me]
    where = ("threshold", "sign")
    commitments: list[Path] = []
    if not suite.startswith("bls"):  # threshold BLS has no commitment round
        mine = folder / f"c-{tag}-{me}.json"
        steps.answer(*where, "commit", group_id, "--session-id", session, "--domain", domain,
                     "--out", str(mine))
        click.echo(f"commitment written to {mine}: give it to the other signers")
        theirs = {j: _their_file(f"signer {j}'s commitment file", folder / f"c-{tag}-{j}.json")
                  for j in others}
        commitments = [mine if j == me else theirs[j] for j in signers]
    share = folder / f"s-{tag}-{me}.json"
    steps.answer(*where, "share", group_id, "--session-id", session, "--domain", domain,
                 *_repeated("--commitment", commitments), "--input", str(message),
                 "--out", str(share))
    click.echo(f"signature share written to {share}: give it to the coordinator")
    if not click.confirm("aggregate the signature here (this ledger coordinates)?",
                         default=me == min(signers)):
        return
    shares = {j: _their_file(f"signer {j}'s share file", folder / f"s-{tag}-{j}.json")
              for j in others}
    steps.need(*where, "aggregate", group_id, "--session-id", session, "--domain", domain,
               *_repeated("--commitment", commitments),
               *_repeated("--share", [share if j == me else shares[j] for j in signers]),
               "--input", str(message))


def _first(me: int, threshold: int) -> list[int]:
    """A default signing set: this ledger and the lowest other identifiers, ``t`` in all."""
    return sorted({me, *[j for j in range(1, threshold + 2) if j != me][:threshold - 1]})


def _signers(me: int, threshold: int, participants: int) -> Callable[[str], list[int]]:
    def parse(text: str) -> list[int]:
        try:
            chosen = sorted({int(part) for part in re.split(r"[,\s]+", text.strip()) if part})
        except ValueError:
            raise click.BadParameter("identifiers are numbers, e.g. 1,3") from None
        if me not in chosen:
            raise click.BadParameter(f"this ledger's identifier {me} must be one of them")
        if len(chosen) < threshold or not all(1 <= j <= participants for j in chosen):
            raise click.BadParameter(f"give {threshold} or more of 1..{participants}")
        return chosen

    return parse


def _repeated(option: str, values: Sequence[Path | str]) -> list[str]:
    return [word for value in values for word in (option, str(value))]
