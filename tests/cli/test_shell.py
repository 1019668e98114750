"""``skms shell`` under a real pseudo-terminal (pexpect): completion from the ledger, the
same commands and errors as the command line, lists as tables, history, controls and
prompts. The multi-step flows are in ``test_shell_flows.py``."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from click.testing import CliRunner
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from commands.cli.main import cli
from commands.cli.shell import CommandCompleter
from commands.cli.state import CliState

PASS = "shell test passphrase"
PROMPT = "skms> "
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


def invoke(home: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--home", str(home), *args],
                                env={"SKMS_PASSPHRASE": PASS}, catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("shell") / "home"
    invoke(folder, "init")
    invoke(folder, "actor", "add", "km", "--role", "key-manager")
    invoke(folder, "actor", "add", "app", "--role", "signer")
    return folder


def spawn(home: Path, *, passphrase_in_env: bool = True, actor: str = "km") -> pexpect.spawn:
    env = {**os.environ, "TERM": "dumb", "PROMPT_TOOLKIT_NO_CPR": "1", "COLUMNS": "200"}
    env.pop("SKMS_PASSPHRASE", None)
    if passphrase_in_env:
        env["SKMS_PASSPHRASE"] = PASS
    child = pexpect.spawn(sys.executable, ["-m", "commands.cli.main", "--home", str(home),
                                           "--as", actor, "shell"], env=env,
                          encoding="utf-8", timeout=180, dimensions=(40, 200))
    return child


@pytest.fixture
def shell(home: Path) -> Iterator[pexpect.spawn]:
    child = spawn(home)
    child.expect_exact(PROMPT)
    yield child
    # Leave with ':quit', typed like any line: a Ctrl-C sent in the instant between the
    # prompt's text and prompt_toolkit's raw mode is the terminal's SIGINT instead, which
    # on a loaded machine left the shell waiting. A test that ends inside a value prompt
    # takes the first ':quit' as that value and gets the shell's prompt back.
    for _ in range(3):
        child.sendline(":quit")
        if child.expect([pexpect.EOF, PROMPT], timeout=60) == 0:
            break
    child.close()
    assert child.exitstatus == 0, child.exitstatus


def run(child: pexpect.spawn, line: str) -> str:
    """Type ``line``, press Enter, return what it printed before the next prompt."""
    child.sendline(line)
    child.expect_exact(PROMPT)
    out = ANSI.sub("", child.before or "")
    echoed, _, printed = out.partition("\n")  # the terminal echoes the typed line first
    if line not in echoed:
        return out
    # Typed in the instant between the prompt's text and prompt_toolkit's raw mode (with
    # TERM=dumb it writes the prompt first), the line is echoed twice: by the terminal's
    # line discipline, then by prompt_toolkit.
    again, _, rest = printed.partition("\n")
    return rest if line and again.strip() == line.strip() else printed


def test_commands_run_in_one_session_and_errors_do_not_end_it(shell: pexpect.spawn) -> None:
    created = run(shell, "key create --algorithm ed25519 --label shell-key --json")
    key_id = json.loads(created[created.index("{"):created.rindex("}") + 1])["key_id"]
    shown = run(shell, f"key show {key_id}")
    assert "shell-key" in shown and "ed25519" in shown
    refused = run(shell, "key show no-such-key")
    assert "no-such-key" in refused and "Traceback" not in refused
    assert "One key's state" in run(shell, "help key")  # help as on the command line
    assert shell.isalive()


def test_tab_completes_a_key_id_the_shell_never_saw(shell: pexpect.spawn, home: Path) -> None:
    """Created by another process after the shell started: completed from the ledger."""
    created = invoke(home, "--as", "km", "key", "create", "--algorithm", "ecdsa-p256",
                     "--label", "only-p256", "--json")
    key_id = json.loads(created)["key_id"]
    shell.send(f"key show {key_id[:8]}\t")
    out = run(shell, "")
    assert "only-p256" in out, out


@pytest.fixture(scope="module")
def completer(home: Path) -> CommandCompleter:
    invoke(home, "--as", "km", "key", "create", "--algorithm", "ed25519", "--label", "c1")
    invoke(home, "--as", "km", "wallet", "create")
    state = CliState(home, None, None, "km", False, False)
    state.entered_passphrase = bytearray(PASS.encode())
    return CommandCompleter(cli, lambda: state.session().read_only_ledger(),
                            lambda: [i.name for i in state.home.identities()])


def completions(completer: CommandCompleter, text: str) -> dict[str, str]:
    found = completer.get_completions(Document(text), CompleteEvent())
    return {c.text: c.display_meta_text for c in found}


def test_completion_knows_commands_options_choices_and_the_ledgers_names(
        completer: CommandCompleter, home: Path) -> None:
    assert {"create", "list", "show", "rotate"} <= set(completions(completer, "key "))
    assert set(completions(completer, "key cr")) == {"create"}
    assert "--algorithm" in completions(completer, "key create --")
    assert "ecdsa-secp256k1" in completions(completer, "key create --algorithm ecdsa-")
    keys = completions(completer, "key show ")
    assert any(meta == "ed25519 c1" for meta in keys.values()), keys
    assert {"km", "app", "admin"} <= set(completions(completer, "actor show "))
    wallets = completions(completer, "wallet show ")
    assert wallets
    wallet_id = next(iter(wallets))
    assert "m/84'/0'/0'/0/0" in completions(completer, f"wallet mark-used {wallet_id} ")
    assert set(completions(completer, ":j")) == {":json"}
    assert completions(completer, "key show x y ") == {}


def test_lists_are_aligned_tables_unless_json_is_on(shell: pexpect.spawn) -> None:
    """The shell lays lists out as tables (the CLI keeps its one-line rows for scripts)."""
    listed = run(shell, "key list").strip().splitlines()
    heading = listed[0].split()
    assert heading[:4] == ["key_id", "label", "algorithm", "state"], listed
    assert "lives" in heading and set(listed[1]) == {"-", " "}, listed
    rows = listed[2:-1]
    assert rows and all("software" in row for row in rows), listed
    assert re.fullmatch(r"\(\d+ rows?\)", listed[-1]) and int(
        listed[-1].strip("()").split()[0]) == len(rows)
    columns = [listed[0].index(name) for name in ("label", "algorithm", "state")]
    for row in rows:  # aligned: every cell starts under its heading
        assert all(row[c - 2:c] == "  " and row[c] != " " for c in columns), (row, listed[0])
    actors = run(shell, "actor list").strip().splitlines()
    assert actors[0].split()[:3] == ["name", "actor_id", "roles"]
    assert any(line.split()[0] == "app" and "signer" in line for line in actors[2:-1])
    assert run(shell, "approval list").strip().splitlines()[-1] == "(0 rows)"
    assert "JSON output on" in run(shell, ":json")
    as_json = run(shell, "key list")
    assert isinstance(json.loads(as_json[as_json.index("["):as_json.rindex("]") + 1]), list)
    run(shell, ":json")


def test_controls_toggle_json_and_identity(shell: pexpect.spawn) -> None:
    assert "JSON output on" in run(shell, ":json")
    listed = run(shell, "key list")
    assert listed.strip().startswith(("[", "{")), listed
    assert "JSON output off" in run(shell, ":json")
    assert "no identity 'mallory'" in run(shell, ":as mallory")
    assert "signing as app" in run(shell, ":as app")
    refused = run(shell, "key create --algorithm ed25519")
    assert "lacks the role for CreateKey" in refused and "recorded in the ledger" in refused


def test_a_missing_value_is_asked_for(shell: pexpect.spawn) -> None:
    shell.sendline("key show")
    shell.expect_exact("key id: ")
    shell.sendline("no-such-key")
    shell.expect_exact(PROMPT)
    assert "no-such-key" in ANSI.sub("", shell.before or "")


def test_history_is_kept_owner_only_and_recalled(home: Path) -> None:
    child = spawn(home)
    child.expect_exact(PROMPT)
    run(child, "key list --state active")
    child.sendline(":quit")
    child.expect(pexpect.EOF)
    history = home / "shell_history"
    assert "key list --state active" in history.read_text()
    assert history.stat().st_mode & 0o777 == 0o600
    again = spawn(home)
    again.expect_exact(PROMPT)
    again.send("\x1b[A\x1b[A")  # Up twice: the line before its :quit, run again
    recalled = run(again, "")  # the recalled line ran: the active keys are listed
    assert "shell-key" in recalled and "active" in recalled
    assert history.read_text().count("key list --state active") == 2
    leave_with_ctrl_d(again)


def leave_with_ctrl_d(child: pexpect.spawn) -> None:
    """Ctrl-D on an empty line leaves. Typed before the prompt has put the terminal in raw
    mode, the line discipline swallows it, so it is pressed until the shell ends."""
    for _ in range(30):
        child.sendcontrol("d")
        if child.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=2) == 0:
            return
    raise AssertionError("Ctrl-D did not end the shell")


def test_the_passphrase_is_asked_once_hidden(home: Path) -> None:
    child = spawn(home, passphrase_in_env=False)
    child.expect_exact("passphrase:")
    child.sendline(PASS)
    child.expect_exact(PROMPT)
    assert PASS not in (child.before or "")
    listed = run(child, "actor list")
    assert "km" in listed and "app" in listed
    child.sendline(":quit")
    child.expect(pexpect.EOF)
