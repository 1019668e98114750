"""What every ``skms`` subcommand shares: the global options and the session they open.

Why the existence checks here: a mistyped ``--home`` or ``SKMS_HOME`` must not quietly
create an empty ledger somewhere (a later ``skms init`` in the right place would then be
confused with it); only ``skms init`` creates a home, every other command names the
folder it did not find.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from commands.session import Session
from ledger.crypto.memory import zeroize
from ledger.errors import ConfigurationError
from ledger.home import Home
from ledger.stores.url import sqlite_path


class CliState:
    """The options of the ``skms`` group and the session they open (once)."""

    def __init__(self, home: Path, store: str | None, passphrase_file: Path | None,
                 as_actor: str, verbose: bool, json_output: bool,
                 print_field: str | None = None) -> None:
        self.home = Home(home, store)
        self.store_override = store
        self.passphrase_file = passphrase_file
        self.as_actor = as_actor
        self.verbose = verbose
        self.json = json_output
        self.print_field = print_field
        self._session: Session | None = None
        self.entered_passphrase: bytearray | None = None
        """Typed at the shell's hidden prompt (``skms shell``), when neither source has one."""
        self.tables = False
        """Lists as aligned tables (``skms shell`` sets it; see :mod:`commands.cli.views`)."""
        self.captured: list[Any] | None = None
        """While a flow (:mod:`commands.cli.flows`) runs a step it needs the answer of, the
        results the step would print land here instead, for the flow to read."""

    def passphrase(self) -> bytearray | None:
        """From ``--passphrase-file`` or ``$SKMS_PASSPHRASE`` (never a command-line value), or
        as typed into ``skms shell``."""
        if self.entered_passphrase is not None:
            return bytearray(self.entered_passphrase)
        if self.passphrase_file is not None:
            try:
                raw = self.passphrase_file.read_bytes()
            except OSError as exc:
                raise ConfigurationError(f"cannot read the passphrase file: {exc.strerror}",
                                         field="passphrase-file") from None
            return bytearray(raw.rstrip(b"\r\n"))
        value = os.environ.get("SKMS_PASSPHRASE")
        return bytearray(value.encode()) if value else None

    def check_ledger_exists(self) -> None:
        """Refuse to work on a home or store that is not there (see the module doc)."""
        if self.store_override is None and not self.home.exists():
            raise ConfigurationError(f"no ledger at {self.home.path}",
                                     hint="run 'skms init' to create one there, or pass "
                                          "--home (or set SKMS_HOME) to the right folder")
        url = self.home.store_url()
        if urlsplit(url).scheme == "sqlite":
            path = sqlite_path(url, self.home.path)
            if not path.is_file():
                raise ConfigurationError(f"no ledger store at {path}", field="store",
                                         hint="check --store, or run 'skms init'")

    def session(self) -> Session:
        """The session over an existing ledger."""
        if self._session is None:
            self.check_ledger_exists()
            self._session = Session(self.home, passphrase=self.passphrase())
        return self._session

    def new_session(self) -> Session:
        """A session for ``skms init`` (the home need not exist yet)."""
        if self._session is None:
            self._session = Session(self.home, passphrase=self.passphrase())
        return self._session

    def catch_up(self) -> None:
        """Fold in what other processes appended since the last command: the shell keeps one
        session open across commands, where the plain CLI opens one per process."""
        if self._session is not None:
            self._session.catch_up()

    def close(self) -> None:
        if self.entered_passphrase is not None:
            zeroize(self.entered_passphrase)
        if self._session is not None:
            self._session.close()
            self._session = None
