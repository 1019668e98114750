"""Poseidon (BN254, t = 3): the published value, an independent implementation, the constants."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.crypto.zk import poseidon
from ledger.errors import InvalidInput
from tests.vectors import REPO_ROOT

# Poseidon([1, 2]) as published with circomlib's Poseidon(2) and reproduced by every port.
POSEIDON_1_2 = 7853200120776062878684798364095072458815029376092732009249414926327459813530


def test_published_value() -> None:
    assert poseidon.hash2(1, 2) == POSEIDON_1_2


def test_constants_files_are_what_the_generator_writes() -> None:
    done = subprocess.run([sys.executable, "tools/zk/gen_poseidon_constants.py", "--check"],
                          cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_poseidon_lite_agrees(node_modules: Path) -> None:
    """poseidon-lite (MIT, npm) is an independent JavaScript implementation."""
    generator = random.Random(5)
    pairs = [(0, 0), (1, 2), (poseidon.FIELD_MODULUS - 1, 3)] + [
        (generator.randrange(poseidon.FIELD_MODULUS), generator.randrange(poseidon.FIELD_MODULUS))
        for _ in range(5)]
    script = ("const { poseidon2 } = require('poseidon-lite');"
              "for (const line of process.argv.slice(1)) {"
              " const [a, b] = line.split(',').map(BigInt);"
              " console.log(poseidon2([a, b]).toString()); }")
    done = subprocess.run(["node", "-e", script, *(f"{a},{b}" for a, b in pairs)],
                          cwd=node_modules.parent, capture_output=True, text=True, check=True)
    assert [int(line) for line in done.stdout.split()] == [poseidon.hash2(a, b) for a, b in pairs]


@pytest.mark.parametrize("bad", [-1, poseidon.FIELD_MODULUS, True, 1.0])
def test_inputs_must_be_field_elements(bad: object) -> None:
    with pytest.raises(InvalidInput):
        poseidon.hash2(bad, 1)  # type: ignore[arg-type]
