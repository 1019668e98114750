"""Tests of ledger.crypto: official vectors, properties, and secret-hygiene checks."""
