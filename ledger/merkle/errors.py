"""Errors raised when a Merkle proof or a signed checkpoint does not check out.

Why a class per failure: an auditor (and the CLI's exit-code table) must tell "this proof
is malformed or lies" apart from "the signature on the tree head is bad" without parsing
messages. All of them are :class:`~ledger.errors.VerificationError`, so front ends that
only care about "verification failed" need no changes. Verifiers raise these; they never
return ``False``, so a forgotten ``if`` cannot turn a failure into a success.
"""

from __future__ import annotations

from ledger.errors import VerificationError


class ProofError(VerificationError):
    """An inclusion or consistency proof is malformed, has the wrong shape, or fails."""


class RootMismatchError(ProofError):
    """A well-formed proof led to a root other than the one the caller trusts.

    ``expected`` is the root the caller supplied (from a checkpoint), ``computed`` the root
    the proof leads to. Both are kept as bytes for programs and shown in hex in the message
    for people; tree roots are public, so printing them leaks nothing.
    """

    def __init__(self, message: str, *, expected: bytes, computed: bytes,
                 check: str = "", seq: int | None = None, chain: str | None = None,
                 hint: str = "") -> None:
        super().__init__(
            f"{message}: expected root {expected.hex()}, computed {computed.hex()}",
            seq=seq, chain=chain, check=check, hint=hint,
        )
        self.expected = expected
        self.computed = computed


class NoteError(VerificationError):
    """A signed note is malformed, or no trusted key produced a valid signature on it."""


class CheckpointError(VerificationError):
    """A checkpoint body does not follow the C2SP tlog-checkpoint text format."""
