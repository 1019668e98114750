"""Tests of the full algorithm suite: every registered scheme, official vectors per scheme."""
