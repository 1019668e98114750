"""Fixtures: the command tests' ledger (alice key-manager, bob signer, carol auditor)."""

from tests.commands.conftest import session

__all__ = ["session"]
