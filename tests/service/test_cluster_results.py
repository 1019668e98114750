"""Which results a cluster keeps for retries after a failover (commands/service/cluster.py,
requirement 5): a result as the response shows it, never one that holds a secret."""

from __future__ import annotations

import json
import time

from commands.service.cluster import kept_result
from ledger.command import Command, SignedCommand


def _signed(command_type: str) -> SignedCommand:
    return Command(command_type, "actor", "payments", {}, time.time_ns() // 1000).sign(
        bytes(32))


def test_a_signature_is_kept_as_the_response_shows_it() -> None:
    kept = kept_result(_signed("Sign"), {"key_id": "k1", "signature": b"\x01\x02",
                                         "key_version": 3, "algorithm": "ed25519"})
    assert kept is not None
    assert json.loads(kept) == {"key_id": "k1", "signature": "0102", "key_version": 3,
                                "algorithm": "ed25519"}


def test_a_result_that_holds_a_secret_is_never_kept() -> None:
    assert kept_result(_signed("Decrypt"), {"plaintext": b"secret"}) is None
    assert kept_result(_signed("GenerateDataKey"), {"plaintext": b"k" * 32,
                                                    "ciphertext": b"c"}) is None


def test_commands_without_a_result_keep_nothing() -> None:
    assert kept_result(_signed("NoSuchCommand"), {"x": 1}) is None
    assert kept_result(_signed("Sign"), None) is None
