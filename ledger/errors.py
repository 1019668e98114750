"""The one error hierarchy users ever see.

Every failure a user can cause or meet is an :class:`SkmsError` subclass carrying a
message (what happened), a hint (what to try) and, where one value is at fault, the field.
Front ends map these classes to HTTP and gRPC statuses and exit codes in one table
(``commands/errors.py``): how serious a failure is for a caller is theirs to say. Anything
that is not an ``SkmsError`` is a bug and is allowed to crash.

Messages must never contain secret material: they are logged and shown to users.
"""

from __future__ import annotations


class SkmsError(Exception):
    """Base class of every user-facing SKMS error."""

    def __init__(self, message: str, *, hint: str = "", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.field = field

    def diagnostics(self) -> str:
        """Human-readable text: what happened and, when known, what to try."""
        text = self.message
        if self.field:
            text = f"{self.field}: {text}"
        if self.hint:
            text += f"\nhint: {self.hint}"
        return text


class InvalidInput(SkmsError):
    """A value supplied by the user is malformed; ``field`` names it."""


class NotFound(SkmsError):
    """The named key, actor, chain or record does not exist."""


class ConfigurationError(SkmsError):
    """The ledger home, store URL, passphrase or environment is unusable."""


class CommandRejected(SkmsError):
    """A command was refused (unauthorized, illegal transition, replay, bad signature).

    The refusal itself is recorded in the ledger as a ``CommandRejected`` event when the
    ledger could attribute it; ``seq`` then names that event.
    """

    def __init__(self, message: str, *, hint: str = "", field: str | None = None,
                 reason_code: str = "rejected", seq: int | None = None) -> None:
        super().__init__(message, hint=hint, field=field)
        self.reason_code = reason_code
        self.seq = seq


class Unauthorized(CommandRejected):
    """The actor lacks the role, or its identity signature does not verify."""


class IllegalTransition(CommandRejected):
    """The aggregate's state does not allow this command (e.g. sign with a suspended key)."""


class ReplayedCommand(CommandRejected):
    """The command's nonce or id was already used, or its timestamp is outside the window."""


class InvalidSignature(SkmsError):
    """A signature did not verify. Raised, never returned as ``False``."""


class InvalidCiphertext(SkmsError):
    """A ciphertext did not authenticate (wrong key or version, wrong associated data, or
    tampering). Raised, never returned; GCM and HPKE cannot tell these causes apart, so the
    message does not try to."""


class AuthenticationFailed(CommandRejected):
    """A Decrypt or VerifyMac command met data that does not authenticate under the key.

    A ``CommandRejected`` so the failed attempt is itself recorded: repeated failures are
    what probing or tampering looks like in the log.
    """


class UnsupportedAlgorithm(SkmsError):
    """The algorithm id is unknown or refused by the ledger's policy (e.g. FIPS mode)."""


class CryptoError(SkmsError):
    """Sealing, unsealing, KEK or entropy failure. Never carries secret bytes."""


class EntropyHealthError(CryptoError):
    """The OS random bytes failed an SP 800-90B-style health test; nothing was generated."""


class MaterialDestroyed(CryptoError):
    """The key's data key was shredded: its private material is unrecoverable by design."""


class KeyMaterialDestroyed(MaterialDestroyed, CommandRejected):
    """A command asked to use a destroyed key: refused before unsealing, and recorded.

    Both a :class:`MaterialDestroyed` (what the caller must understand: the data that key
    protected is gone for good) and a :class:`CommandRejected` (so the attempt is logged).
    """


class StoreError(SkmsError):
    """Base for persistence failures. Driver errors are translated into these."""


class ConcurrencyError(StoreError):
    """Someone else appended first (seq or aggregate version taken). Reload and retry."""


class StoreUnavailable(StoreError):
    """The store did not answer in time. Nothing was acknowledged; fail closed."""


class WriterFenced(StoreError):
    """Another writer took over this chain; this writer must stop."""


class NotChainOwner(StoreError):
    """This process does not write the chain now (another member of the service owns it, or
    ownership is moving). Nothing was decided or stored; ``owner`` is the owner's URL when
    known, so a caller can go there, and a retry with the same command id is safe."""

    def __init__(self, message: str, *, owner: str | None = None, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.owner = owner


class StoreMisconfigured(StoreError):
    """An existing store (e.g. a Kafka topic) has settings that break the ledger's guarantees."""


class VerificationError(SkmsError):
    """The chain, a proof or a checkpoint failed verification.

    ``seq`` names the first bad event when the failure is tied to one; ``chain`` the chain.
    """

    def __init__(self, message: str, *, seq: int | None = None, chain: str | None = None,
                 check: str = "", hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.seq = seq
        self.chain = chain
        self.check = check
