"""Primitives (schemes, entropy, AEAD sealing, KEK providers) kept apart from ledger recipes."""
