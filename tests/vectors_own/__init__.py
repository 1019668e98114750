"""Tests of SKMS against its own vectors (tests/vectors/, written by tools/gen_vectors.py)."""
