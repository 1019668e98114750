"""Aggregates (keys, actors, wallets, the ledger itself) on SKMS's own base
(:mod:`ledger.domain.aggregate`).

Domain code decides; it never touches stores, envelopes or bytes on disk.
"""
