"""Persistence adapters behind the small interfaces in :mod:`ledger.stores.base`."""
