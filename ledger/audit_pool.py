"""Examining a key domain's chain in worker processes, results in chain order.

Envelopes of a key domain can be examined independently once the system chain is verified
(:mod:`ledger.audit_examine`), so the auditor hands chunks of them to worker processes
(:func:`ledger.parallel.map_in_order`) while its own loop runs the chain-level checks on
the chunks already examined.

Reads ahead: envelopes are read (and handed to workers) before the auditor has accepted the
ones before them; what the auditor accepted is what it reports (``on_accepted``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Executor
from functools import partial
from itertools import islice

from ledger.audit_examine import Examined, Identities, examine_chunk
from ledger.parallel import map_in_order
from ledger.stores.base import StoredEnvelope


def examined_in_order(envelopes: Iterable[StoredEnvelope], chain_id: str,
                      identities: Identities, executor: Executor, *, chunk_events: int,
                      window: int) -> Iterator[tuple[StoredEnvelope, Examined]]:
    """Each envelope with its examination by ``executor``, in the order read.

    A chunk's examination stops at its first finding (the auditor stops there at the
    latest), so fewer pairs than envelopes come out of such a chunk.
    """
    source = iter(envelopes)
    chunks = iter(lambda: list(islice(source, chunk_events)), [])
    examine = partial(examine_chunk, chain_id, identities)
    for chunk, examined in map_in_order(executor, examine, chunks, window=window):
        yield from zip(chunk, examined, strict=False)
