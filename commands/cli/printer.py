"""One place that prints results and errors, as text or ``--json``.

Errors: an :class:`~ledger.errors.SkmsError` is a message naming the option and the
reason, and the exit code of :mod:`commands.errors` (the table REST and gRPC answer
from too). Anything else is a bug: one line naming a report file that holds the
traceback (the whole traceback on stderr under ``--verbose``), exit 70.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

from commands.cli.state import CliState
from commands.errors import BUG_EXIT, answer_for
from ledger.errors import CommandRejected, InvalidInput, SkmsError, VerificationError

F = TypeVar("F", bound=Callable[..., Any])


def current_state() -> CliState | None:
    context = click.get_current_context(silent=True)
    return None if context is None else context.find_object(CliState)


def emit(data: Any, text: str | Callable[[Any], str] | None = None) -> None:
    """``data`` as JSON under ``--json`` (or when there is no text form), one field of it
    under ``--print FIELD`` (for scripts: ``KEY=$(skms ... --print key_id)``), else
    ``text``; nothing while a flow captures the result (``CliState.captured``)."""
    state = current_state()
    if state is not None and state.captured is not None:
        state.captured.append(data)
        return
    if state is not None and state.print_field:
        click.echo(field_text(data, state.print_field))
        return
    if (state is not None and state.json) or text is None:
        click.echo(json.dumps(data, indent=2, sort_keys=True, default=_json_default))
    else:
        shown = text(data) if callable(text) else text
        if shown:
            click.echo(shown)


def field_text(data: Any, name: str) -> str:
    """One field of a result as a line of text (a list: one line per item)."""
    if not isinstance(data, Mapping) or name not in data:
        known = ", ".join(sorted(data)) if isinstance(data, Mapping) else "none (a list)"
        raise InvalidInput(f"the result has no field {name!r}; it has {known}",
                           field="print")
    value = data[name]
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return "" if value is None else str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    return str(value)


def guarded(function: F, options: Mapping[str, str] | None = None) -> F:
    """Run a subcommand; errors become messages and exit codes (see the module doc).
    ``options`` maps catalogue field names to the options that spell them."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        state = current_state()
        try:
            return function(*args, **kwargs)
        except SkmsError as error:
            report_error(error, state, options or {})
            sys.exit(answer_for(error).exit)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as bug:
            report_bug(bug, state)
            sys.exit(BUG_EXIT)

    return wrapper  # type: ignore[return-value]


def report_error(error: SkmsError, state: CliState | None,
                 options: Mapping[str, str]) -> None:
    option = _option_of(error.field, options)
    payload: dict[str, Any] = {"ok": False, "error": type(error).__name__,
                               "message": error.message, "exit_code": answer_for(error).exit}
    if error.field:
        payload["field"] = error.field
        payload["option"] = option
    if error.hint:
        payload["hint"] = error.hint
    if isinstance(error, VerificationError):
        payload.update(chain=error.chain, seq=error.seq, check=error.check)
    if isinstance(error, CommandRejected):
        payload.update(reason_code=error.reason_code, recorded_seq=error.seq)
    if state is not None and state.json:
        click.echo(json.dumps(payload, indent=2, sort_keys=True))
        return
    prefix = "rejected" if isinstance(error, CommandRejected) else "error"
    where = f"{option}: " if option else ""
    text = f"{where}{error.message}"
    if error.hint:
        text += f"\n  hint: {error.hint}"
    if isinstance(error, VerificationError) and error.seq is not None:
        text = f"chain {error.chain!r} seq {error.seq} ({error.check}): {text}"
    if isinstance(error, CommandRejected) and error.seq is not None:
        text += f"\n  (the refusal is recorded in the ledger at seq {error.seq})"
    click.echo(f"{prefix}: {text}", err=True)


def _option_of(field: str | None, options: Mapping[str, str]) -> str | None:
    if not field:
        return None
    head = field.split("[")[0].split(".")[0]
    option = options.get(head)
    if option is None:
        return field if field.startswith("-") else f"--{field.replace('_', '-')}"
    return option + field[len(head):]


def report_bug(bug: BaseException, state: CliState | None) -> None:
    """One line naming a 0600 report file with the traceback; the traceback itself only
    under ``--verbose`` (it may show paths and values a user did not mean to share)."""
    details = "".join(traceback.format_exception(bug))
    descriptor, path = tempfile.mkstemp(prefix="skms-bug-", suffix=".txt")
    with os.fdopen(descriptor, "w") as handle:
        handle.write(f"skms {' '.join(sys.argv[1:2])}: {type(bug).__name__}\n\n{details}")
    if state is not None and state.verbose:
        click.echo(details, err=True)
    click.echo(f"internal error ({type(bug).__name__}): this is a bug in skms; the details "
               f"are in {path}", err=True)


def json_option(function: F) -> F:
    """Every subcommand takes ``--json`` (also accepted before the subcommand)."""

    def set_json(ctx: click.Context, _: click.Parameter, value: bool) -> bool:
        state = ctx.find_object(CliState)
        if value and state is not None:
            state.json = True
        return value

    return click.option("--json", "json_flag", is_flag=True, expose_value=False,
                        callback=set_json, is_eager=True,
                        help="Print the result as JSON.")(function)


def print_option(function: F) -> F:
    """Every subcommand takes ``--print FIELD`` (also accepted before the subcommand)."""

    def set_field(ctx: click.Context, _: click.Parameter, value: str | None) -> str | None:
        state = ctx.find_object(CliState)
        if value and state is not None:
            state.print_field = value
        return value

    return click.option("--print", "print_flag", default=None, metavar="FIELD",
                        expose_value=False, callback=set_field, is_eager=True,
                        help="Print only this field of the result.")(function)
