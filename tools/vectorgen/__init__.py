"""The generator of SKMS's own test vectors (``tests/vectors/``); run ``tools/gen_vectors.py``.

One module per vector family (:mod:`.envelopes`, :mod:`.chains`, :mod:`.checkpoints`,
:mod:`.merkle`), all cut from one deterministic sample ledger (:mod:`.sample`, with the
fixed sources of :mod:`.sources`); :mod:`.product` is the one place that imports SKMS.
"""

from __future__ import annotations

from vectorgen.chains import chain_vectors
from vectorgen.checkpoints import checkpoint_vectors
from vectorgen.envelopes import envelope_vectors
from vectorgen.jsonio import render
from vectorgen.merkle import merkle_vectors
from vectorgen.sample import build_sample_ledger


def generate() -> dict[str, str]:
    """Every vector file, as relative path -> exact text, built afresh in memory."""
    sample = build_sample_ledger()
    try:
        files = {**envelope_vectors(sample), **chain_vectors(sample),
                 **checkpoint_vectors(sample), **merkle_vectors(sample)}
    finally:
        sample.close()
    return {path: render(files[path]) for path in sorted(files)}


__all__ = ["generate"]
