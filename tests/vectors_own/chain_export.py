"""A store serving a chain export exactly as written, and the edits the forgeries make.

Why a store of its own: a forged log is exactly what a real adapter's ``append`` refuses
to store (gaps, repeats, foreign chains), yet the auditor must read it through the same
:class:`~ledger.stores.base.EventStore` interface as any other. This store answers reads
from fixed lists and refuses to be written to.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from typing import Any

from ledger.errors import StoreError
from ledger.stores.base import ChainHead, EventStore, StoredCheckpoint, StoredEnvelope
from tests.own_vectors import stored_checkpoint, stored_envelope

Export = dict[str, dict[str, list[dict[str, Any]]]]


class SnapshotStore(EventStore):
    """Read-only chains and checkpoints, served in the order given (no checks at all)."""

    def __init__(self, chains: dict[str, list[StoredEnvelope]],
                 checkpoints: dict[str, list[StoredCheckpoint]]) -> None:
        self.url = "snapshot://"
        self._chains = chains
        self._checkpoints = checkpoints

    def chains(self) -> list[str]:
        return sorted(chain for chain, envelopes in self._chains.items() if envelopes)

    def head(self, chain_id: str) -> ChainHead | None:
        envelopes = self._chains.get(chain_id)
        if not envelopes:
            return None
        return ChainHead(chain_id, envelopes[-1].seq, envelopes[-1].event_hash)

    def append(self, chain_id: str, envelopes: Sequence[StoredEnvelope], *,
               expected_seq: int, prev_hash: bytes | None = None) -> None:
        raise StoreError("a snapshot store is read-only")

    def read(self, chain_id: str, from_seq: int = 0,
             to_seq: int | None = None) -> Iterator[StoredEnvelope]:
        envelopes = self._chains.get(chain_id, [])
        end = len(envelopes) if to_seq is None else min(to_seq, len(envelopes))
        yield from envelopes[max(from_seq, 0):end]

    def seqs_for_command(self, chain_id: str, command_id: str) -> list[int]:
        return [e.seq for e in self._chains.get(chain_id, []) if e.command_id == command_id]

    def put_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        raise StoreError("a snapshot store is read-only")

    def checkpoints(self, chain_id: str) -> list[StoredCheckpoint]:
        return list(self._checkpoints.get(chain_id, []))


def apply_edits(export: Export, edits: Sequence[dict[str, Any]]) -> Export:
    """A copy of the export's ``chains`` with the edits applied in order (docs/vectors.md)."""
    chains = copy.deepcopy(export)
    for edit in edits:
        op, chain = edit["op"], chain_of(chains, edit["chain"])
        envelopes, checkpoints = chain["envelopes"], chain["checkpoints"]
        if op == "replace":
            envelopes[edit["position"]] = edit["envelope"]
        elif op == "insert":
            envelopes.insert(edit["position"], edit["envelope"])
        elif op == "delete":
            del envelopes[edit["position"]]
        elif op == "swap":
            first, second = edit["positions"]
            envelopes[first], envelopes[second] = envelopes[second], envelopes[first]
        elif op == "truncate":
            del envelopes[edit["size"]:]
        elif op == "drop_chain":
            del chains[edit["chain"]]
        elif op == "replace_checkpoint":
            checkpoints[edit["index"]] = edit["checkpoint"]
        elif op == "drop_checkpoints":
            chain["checkpoints"] = [c for c in checkpoints if c["size"] <= edit["above_size"]]
        else:
            raise AssertionError(f"unknown edit {op!r}")
    return chains


def chain_of(chains: Export, chain_id: str) -> dict[str, list[dict[str, Any]]]:
    assert chain_id in chains, f"the export has no chain {chain_id!r}"
    return chains[chain_id]


def snapshot(chains: Export) -> SnapshotStore:
    """A store holding the (possibly edited) export's chains."""
    return SnapshotStore(
        {c: [stored_envelope(e) for e in v["envelopes"]] for c, v in chains.items()},
        {c: [stored_checkpoint(k) for k in v["checkpoints"]] for c, v in chains.items()})
