"""Every committed fuzz input replays through its harness with no unexpected exception.

The corpus holds the seeds each harness starts from and every input a fuzzing run ever
found to crash (named ``regression-*``), so a crash fixed once stays fixed, on every
machine, with or without atheris installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.targets import HARNESSES

CORPUS = Path(__file__).parent / "corpus"


def corpus_files(name: str) -> list[Path]:
    return sorted(p for p in (CORPUS / name).iterdir() if p.is_file())


@pytest.mark.parametrize("name", sorted(HARNESSES))
def test_harness_has_a_seed_corpus(name: str) -> None:
    files = corpus_files(name)
    assert len(files) >= 3, f"{name}: seed corpus too small"
    assert sum(p.stat().st_size for p in files) < 256 * 1024, f"{name}: corpus too large"


@pytest.mark.parametrize("name", sorted(HARNESSES))
def test_corpus_replays_without_a_crash(name: str) -> None:
    harness = HARNESSES[name]
    for path in corpus_files(name):
        harness.run_one(path.read_bytes())


def test_every_corpus_folder_has_a_harness() -> None:
    assert {p.name for p in CORPUS.iterdir() if p.is_dir()} == set(HARNESSES)


@pytest.mark.parametrize("name", sorted(HARNESSES))
def test_some_seed_is_accepted_or_reaches_the_parser(name: str) -> None:
    """A corpus of inputs all refused at the first byte would fuzz nothing: at least one
    seed per harness must get past the outermost check (no exception at all, or a refusal
    other than the first one the parser can give)."""
    harness = HARNESSES[name]
    outcomes = set()
    for path in corpus_files(name):
        try:
            harness.target(path.read_bytes())
            outcomes.add("accepted")
        except harness.expected as refusal:
            outcomes.add(f"{type(refusal).__name__}: {refusal}"[:80])
    assert len(outcomes) >= 2, f"{name}: every seed ends the same way: {outcomes}"
