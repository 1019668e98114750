"""Symmetric keys and key transport: primitives, vectors, the ledger path and the CLI."""
