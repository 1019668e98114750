"""One place that prints results and errors, as text or ``--json``.

Commands return plain data; :func:`emit` prints it. Only ``SkmsError`` reaches users as a
message with an exit code; anything else is a bug and shows a traceback only under
``--verbose``.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from commands.session import Session
from ledger.errors import (
    CommandRejected,
    ConfigurationError,
    InvalidInput,
    SkmsError,
    VerificationError,
)
from ledger.home import Home, default_home

F = TypeVar("F", bound=Callable[..., Any])


class State:
    """Options of the ``skms`` group, shared by every subcommand."""

    def __init__(self, home: Path, store: str | None, passphrase_file: Path | None,
                 as_actor: str, verbose: bool, json_output: bool) -> None:
        self.home = Home(home, store)
        self.store_override = store
        self.passphrase_file = passphrase_file
        self.as_actor = as_actor
        self.verbose = verbose
        self.json = json_output
        self._session: Session | None = None

    def passphrase(self) -> bytearray | None:
        if self.passphrase_file is not None:
            try:
                raw = self.passphrase_file.read_bytes()
            except OSError as exc:
                raise ConfigurationError(f"cannot read passphrase file: {exc.strerror}",
                                         field="passphrase-file") from None
            return bytearray(raw.rstrip(b"\r\n"))
        value = os.environ.get("SKMS_PASSPHRASE")
        return bytearray(value.encode()) if value else None

    def session(self) -> Session:
        if self._session is None:
            self._session = Session(self.home, passphrase=self.passphrase())
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


def json_option(function: F) -> F:
    """Every command takes ``--json`` (also accepted before the subcommand)."""

    def set_json(ctx: click.Context, _: click.Parameter, value: bool) -> bool:
        if value:
            ctx.find_object(State).json = True  # type: ignore[union-attr]
        return value

    return click.option("--json", "json_flag", is_flag=True, expose_value=False,
                        callback=set_json, help="Print the result as JSON.")(function)


def emit(data: Any, text: str | Callable[[Any], str] | None = None) -> None:
    state = click.get_current_context().find_object(State)
    if (state is not None and state.json) or text is None:
        click.echo(json.dumps(data, indent=2, sort_keys=True, default=_default))
    else:
        click.echo(text(data) if callable(text) else text)


def _default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return str(value)


def guarded(function: F) -> F:
    """Turn ``SkmsError`` into a clear message and exit code; bugs crash (traceback if -v)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        state = click.get_current_context().find_object(State)
        try:
            return function(*args, **kwargs)
        except SkmsError as error:
            report_error(error, state)
            sys.exit(error.exit_code)

    return wrapper  # type: ignore[return-value]


def report_error(error: SkmsError, state: State | None) -> None:
    payload: dict[str, Any] = {"ok": False, "error": type(error).__name__,
                               "message": error.message}
    if error.field:
        payload["field"] = error.field
    if error.hint:
        payload["hint"] = error.hint
    if isinstance(error, VerificationError):
        payload.update(chain=error.chain, seq=error.seq, check=error.check)
    if isinstance(error, CommandRejected):
        payload.update(reason_code=error.reason_code, recorded_seq=error.seq)
    if state is not None and state.json:
        click.echo(json.dumps(payload, indent=2, sort_keys=True))
    else:
        prefix = "rejected" if isinstance(error, CommandRejected) else "error"
        text = error.diagnostics()
        if isinstance(error, VerificationError) and error.seq is not None:
            text = f"chain {error.chain!r} seq {error.seq} ({error.check}): {text}"
        if isinstance(error, CommandRejected) and error.seq is not None:
            text += f"\n(the refusal is recorded in the ledger at seq {error.seq})"
        click.echo(f"{prefix}: {text}", err=True)


def read_input(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", field="input") from None


def home_option_default() -> Path:
    return default_home()
