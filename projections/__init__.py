"""Read models of the ledger in DuckDB: projected exactly once, rebuilt by replay.

``projections`` only ever reads the log (through :class:`~ledger.stores.base.EventStore`);
it never writes to the ledger. See ``docs/projections.md``.
"""
