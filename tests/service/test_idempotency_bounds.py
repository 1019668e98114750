"""The idempotency cache is bounded in entries and in bytes; a retry of an evicted command
still gets the ledger's answer (``replayed``), which tests/service/test_rest.py covers.

Why bytes: a batch's answer is hundreds of times a single sign's, so an entry bound alone
let the cache of a server under batch load hold hundreds of MiB (docs/assurance.md, Soak).
"""

from __future__ import annotations

import json

import nacl.signing

from commands.service.idempotency import Idempotency
from ledger.command import Command, SignedCommand

KEY = nacl.signing.SigningKey(bytes(range(32)))


def signed(number: int) -> SignedCommand:
    return Command("Sign", "actor-1", "default", {"key_id": "k", "message_digest": "00" * 32},
                   1_700_000_000_000_000 + number).sign(bytes(KEY))


def answer(command: SignedCommand, signatures: int) -> dict[str, object]:
    return {"command_id": command.command.command_id, "seqs": [1],
            "result": {"signatures": ["ab" * 64] * signatures}}


def settle(cache: Idempotency, command: SignedCommand, signatures: int) -> None:
    cached, running = cache.begin(command)
    assert cached is None and running is None
    cache.finish(command, answer(command, signatures), None)


def test_the_byte_bound_evicts_the_oldest_answers() -> None:
    cache = Idempotency(10_000, max_bytes=1024 * 1024)
    commands = [signed(n) for n in range(100)]
    for command in commands:
        settle(cache, command, 256)  # ~33 KiB of JSON each
    assert cache.bytes <= cache.max_bytes
    assert 20 <= len(cache) < 40  # ~30 fit in 1 MiB; an entry bound alone kept all 100
    assert cache.begin(commands[0]) == (None, None)  # evicted: the ledger answers it
    cached, _ = cache.begin(commands[-1])
    assert cached == answer(commands[-1], 256)  # kept, and equal to the first answer


def test_the_entry_bound_still_holds_for_small_answers() -> None:
    cache = Idempotency(50, max_bytes=32 * 1024 * 1024)
    commands = [signed(number) for number in range(120)]
    for command in commands:
        settle(cache, command, 1)
    assert len(cache) == 50
    kept = commands[-50:]
    assert cache.bytes == sum(
        len(c.canonical_bytes) + len(c.signature) + Idempotency.ENTRY_OVERHEAD
        + len(json.dumps(answer(c, 1), separators=(",", ":"))) for c in kept)


def test_an_answer_larger_than_the_bound_is_not_kept() -> None:
    cache = Idempotency(10, max_bytes=1024 * 1024)
    command = signed(1)
    settle(cache, command, 10_000)  # ~1.3 MiB
    assert len(cache) == 0 and cache.bytes == 0
    assert cache.begin(command) == (None, None)
