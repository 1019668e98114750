"""1,000 seeded random mutations of a stored chain: every one detected, at the right seq.

Kinds (each drawn at random, positions and bits too, from one seed so a failure replays):

* ``flip:<column>`` – one bit of one stored column of one envelope (``body`` and
  ``event_hash`` bytes; ``chain_id``, ``event_type``, ``aggregate_id``, ``command_id``
  characters; ``seq`` and ``aggregate_version`` integers): found at that envelope's seq;
* ``delete``, ``duplicate``, ``reorder`` – an envelope removed (not the last: that is a
  truncation), copied after itself, or swapped with a later one: found where the order
  first breaks;
* ``truncate`` – the chain cut below the latest checkpoint, which the auditor holds as
  trusted: found at the first missing seq;
* ``checkpoint:note`` / ``checkpoint:size`` – one bit of a stored checkpoint's signed text,
  or its size column: found as a bad checkpoint of that chain. (A flip inside a signature
  line's key name or key ID is left out on purpose: it turns that line into a signature by
  an unknown key, which the signed-note spec says to ignore; the text it vouches for is
  unchanged.)

The table of kinds, counts and detections is printed with every run.
``SKMS_MUTATION_SEED`` and ``SKMS_MUTATIONS`` replay another seed or count.
"""

from __future__ import annotations

import dataclasses
import os
import random
from collections import Counter
from dataclasses import dataclass

import pytest

from ledger.audit import Auditor
from ledger.errors import VerificationError
from ledger.stores.base import StoredCheckpoint, StoredEnvelope
from tests.adversarial.lying_stores import ForgedStore
from tests.sample_ledger import SampleLedger, build_sample

SEED = int(os.environ.get("SKMS_MUTATION_SEED", "20261201"))
COUNT = int(os.environ.get("SKMS_MUTATIONS", "1000"))
BYTE_COLUMNS = ("body", "event_hash")
TEXT_COLUMNS = ("chain_id", "event_type", "aggregate_id", "command_id")
INT_COLUMNS = ("seq", "aggregate_version")
KINDS = ([f"flip:{c}" for c in BYTE_COLUMNS + TEXT_COLUMNS + INT_COLUMNS]
         + ["delete", "duplicate", "reorder", "truncate", "checkpoint:note", "checkpoint:size"])


@dataclass
class Mutation:
    number: int
    kind: str
    chain: str
    seq: int | None
    checks: frozenset[str]
    chains: dict[str, list[StoredEnvelope]]
    checkpoints: dict[str, list[StoredCheckpoint]]
    trusted: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"mutation {self.number} (seed {SEED}): {self.kind} of {self.chain} at {self.seq}"


def flip_bytes(rng: random.Random, value: bytes) -> bytes:
    index = rng.randrange(len(value))
    return value[:index] + bytes([value[index] ^ (1 << rng.randrange(8))]) + value[index + 1:]


def flip_text(rng: random.Random, value: str) -> str:
    index = rng.randrange(len(value))
    return value[:index] + chr(ord(value[index]) ^ (1 << rng.randrange(7))) + value[index + 1:]


def mutate(rng: random.Random, number: int, sample: SampleLedger) -> Mutation:
    kind = rng.choice(KINDS)
    chain = rng.choice(sorted(sample.chains))
    envelopes = list(sample.chains[chain])
    checkpoints = {c: list(v) for c, v in sample.checkpoints.items()}
    n = len(envelopes)
    seq: int | None
    if kind.startswith("flip:"):
        column = kind.split(":", 1)[1]
        seq = rng.randrange(n)
        old = getattr(envelopes[seq], column)
        new = (flip_bytes(rng, old) if column in BYTE_COLUMNS else
               flip_text(rng, old) if column in TEXT_COLUMNS else old ^ (1 << rng.randrange(8)))
        envelopes[seq] = dataclasses.replace(envelopes[seq], **{column: new})
        checks = {"body": "event-hash", "event_hash": "event-hash", "seq": "seq"}
        expected = frozenset({checks.get(column, "index")})
    elif kind == "delete":
        seq = rng.randrange(n - 1)
        del envelopes[seq]
        expected = frozenset({"seq"})
    elif kind == "duplicate":
        at = rng.randrange(n)
        envelopes.insert(at + 1, envelopes[at])
        seq, expected = at + 1, frozenset({"seq"})
    elif kind == "reorder":
        first = rng.randrange(n - 1)
        second = rng.randrange(first + 1, n)
        envelopes[first], envelopes[second] = envelopes[second], envelopes[first]
        seq, expected = first, frozenset({"seq"})
    elif kind == "truncate":
        latest = sample.checkpoints[chain][-1]
        seq = rng.randrange(1 if chain == "system" else 0, latest.size)
        del envelopes[seq:]
        return Mutation(number, kind, chain, seq, frozenset({"checkpoint", "trusted-checkpoint"}),
                        {**sample.chains, chain: envelopes}, checkpoints, (latest.note,))
    else:
        index = rng.randrange(len(checkpoints[chain]))
        stored = checkpoints[chain][index]
        if kind == "checkpoint:size":
            stored = dataclasses.replace(stored, size=stored.size ^ (1 << rng.randrange(8)))
        else:
            body_end = stored.note.index("\n\n") + 1
            note = flip_text(rng, stored.note[:body_end]) + stored.note[body_end:]
            stored = dataclasses.replace(stored, note=note)
        checkpoints[chain][index] = stored
        seq, expected = None, frozenset({"checkpoint"})
    return Mutation(number, kind, chain, seq, expected, {**sample.chains, chain: envelopes},
                    checkpoints)


@pytest.fixture(scope="module")
def sample() -> SampleLedger:
    return build_sample()


def test_every_mutation_is_detected_at_the_right_seq(sample: SampleLedger,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(SEED)
    drawn: Counter[str] = Counter()
    detected: Counter[str] = Counter()
    misplaced: list[str] = []
    for number in range(COUNT):
        mutation = mutate(rng, number, sample)
        drawn[mutation.kind] += 1
        store = ForgedStore(mutation.chains, mutation.checkpoints)
        try:
            Auditor(store, trusted_checkpoints=mutation.trusted).verify()
        except VerificationError as error:
            detected[mutation.kind] += 1
            if (error.chain, error.seq) != (mutation.chain, mutation.seq) or \
                    error.check not in mutation.checks:
                misplaced.append(f"{mutation.describe()}: found {error.chain} {error.seq} "
                                 f"{error.check}: {error.message}")
            continue
        misplaced.append(f"{mutation.describe()}: NOT DETECTED")
    rows = [f"{kind:<22} {drawn[kind]:>5} {detected[kind]:>9}" for kind in KINDS]
    with capsys.disabled():
        print(f"\nmutation detection (seed {SEED}, {COUNT} mutations of "
              f"{sum(len(v) for v in sample.chains.values())} envelopes in "
              f"{len(sample.chains)} chains)")
        print(f"{'kind':<22} {'drawn':>5} {'detected':>9}")
        print("\n".join(rows))
        print(f"{'total':<22} {sum(drawn.values()):>5} {sum(detected.values()):>9}  "
              f"({len(misplaced)} missed or at the wrong seq)")
    assert sum(drawn.values()) == COUNT
    assert not misplaced, "\n".join(misplaced[:20])


def test_the_unmutated_sample_verifies(sample: SampleLedger) -> None:
    report = Auditor(ForgedStore(sample.chains, sample.checkpoints)).verify()
    assert report.events == sum(len(v) for v in sample.chains.values())
