"""Aggregates (keys, actors, the ledger itself) built on the ``eventsourcing`` library.

Domain code decides; it never touches stores, envelopes or bytes on disk.
"""
