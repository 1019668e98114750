"""Tests of ledger.merkle: RFC 9162 trees, proofs, and C2SP signed checkpoints."""
