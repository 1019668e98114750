"""A real ledger for wallet tests: alice (key-manager), bob (signer), carol (auditor).

Shared by ``tests/wallets`` and ``tests/secret_sharing`` so both exercise the same path a
user takes (session → signed command → handler → events → store).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from commands.session import Session
from tests.ledger.conftest import new_session

VECTOR_MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon " \
                  "abandon abandon about"
"""The BIP-84/BIP-86 test-vector mnemonic (empty passphrase); publicly known, so it is
imported with ``allow_weak``."""


def open_ledger(folder: Path) -> Iterator[Session]:
    current = new_session(folder / "home")
    current.initialize(name="wallets", checkpoint_every_events=8)
    current.add_actor("admin", "alice", ["key-manager"], ["*"])
    current.add_actor("admin", "bob", ["signer"], ["*"])
    current.add_actor("admin", "carol", ["auditor"], ["*"])
    current.add_actor("admin", "dave", ["key-manager"], ["treasury"])
    yield current
    current.close()
