"""Fixtures of the key-policy tests: the approvals tests' ledger."""

from tests.approvals.conftest import session

__all__ = ["session"]
