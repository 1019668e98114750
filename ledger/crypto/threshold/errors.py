"""Errors of the threshold protocols that name who misbehaved.

Why separate classes: a threshold protocol's failure is only useful if it says *which*
participant sent the bad value (identifiable abort), so the others can exclude that party
and retry without it. Each class is a :mod:`ledger.errors` class (callers keep catching
``InvalidSignature`` / ``InvalidInput``) that also carries the participant's identifier.

1. :class:`InvalidSignatureShare`: a FROST signature share or BLS partial signature does
   not verify against the sender's verifying share (raised by aggregation).
2. :class:`CheatingParticipant`: a DKG participant's proof of knowledge or secret share
   does not match its public commitment.
3. :class:`InvalidContribution`: MuSig2 (BIP-327) names the signer (or ``None`` for the
   nonce aggregator) and the kind of contribution (``pubkey``, ``pubnonce``, ``aggnonce``,
   ``aggothernonce``, ``psig``) that was invalid, as the BIP's reference does.
4. :class:`NonceReused`: a single-use nonce object was presented a second time.

Messages never contain secret values; identifiers are public.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.errors import CryptoError, InvalidInput, InvalidSignature

__all__ = [
    "CheatingParticipant",
    "InvalidContribution",
    "InvalidSignatureShare",
    "NonceReused",
]


class InvalidSignatureShare(InvalidSignature):
    """The signature share(s) of the named participant(s) do not verify.

    ``identifiers`` lists every participant whose share failed (sorted); ``identifier`` is
    the first of them, for callers that handle one at a time.
    """

    def __init__(self, identifiers: Sequence[int], message: str = "") -> None:
        self.identifiers = sorted(identifiers)
        self.identifier = self.identifiers[0]
        listed = ", ".join(map(str, self.identifiers))
        super().__init__(message or f"signature share of participant(s) {listed} does not verify",
                         hint="exclude the named participant(s) and sign again without them")


class CheatingParticipant(InvalidInput):
    """Participant ``identifier`` sent a DKG value that fails its check (``stage`` says which)."""

    def __init__(self, identifier: int, stage: str, message: str = "") -> None:
        super().__init__(
            message or f"participant {identifier} sent an invalid {stage}",
            field=stage,
            hint="exclude this participant and run the key generation again without it",
        )
        self.identifier = identifier
        self.stage = stage


class InvalidContribution(InvalidInput):
    """A MuSig2 party's contribution is invalid; ``signer`` is its index (None: aggregator)."""

    def __init__(self, signer: int | None, contrib: str) -> None:
        who = "the nonce aggregator" if signer is None else f"signer {signer}"
        super().__init__(f"{who} sent an invalid {contrib}", field=contrib)
        self.signer = signer
        self.contrib = contrib


class NonceReused(CryptoError):
    """A single-use nonce was already consumed (or wiped); signing with it again is refused.

    Reusing a Schnorr nonce with two different challenges reveals the secret share, so the
    second use must fail before any arithmetic happens.
    """

    http_status = 409

    def __init__(self, what: str = "signing nonces") -> None:
        super().__init__(f"these {what} were already used; generate fresh ones",
                         hint="run round 1 again to obtain new nonces and commitments")
