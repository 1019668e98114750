"""SLIP-39 Shamir mnemonic shares, through Trezor's vetted ``shamir-mnemonic`` library.

Why a library here: SLIP-39 is a full format (wordlist, RS1024 checksum, Feistel
encryption of the master secret, group/member parameters); interoperating with hardware
wallets needs exactly the reference behaviour, which ``shamir-mnemonic`` is.

Why a wrapper: the library's error messages quote words of the offending mnemonic. Every
failure here becomes :class:`~ledger.errors.InvalidInput` on field ``shares`` with one of
a fixed set of messages, raised outside the ``except`` block so nothing is chained.

One group only (``1`` group threshold, ``threshold``-of-``count`` members): multi-group
backups are valid SLIP-39 and are *read* here, but the ledger does not create them.
The master secret may be any even length of at least 16 bytes; the ledger shares the
64-byte BIP-39 seed, which SLIP-39 wallets use directly as the BIP-32 seed.
"""

from __future__ import annotations

from collections.abc import Sequence

from shamir_mnemonic import MnemonicError, combine_mnemonics, generate_mnemonics
from shamir_mnemonic.share import Share

from ledger.errors import InvalidInput

__all__ = ["combine", "member_index", "split"]

_REASONS = (
    ("checksum", "a share's checksum does not match: a word is wrong"),
    ("padding", "a share has invalid padding"),
    ("length", "a share has the wrong number of words"),
    ("begin with the same", "the shares come from different backups"),
    ("word", "a share contains a word that is not in the SLIP-39 wordlist"),
    ("digest", "the shares do not combine to a consistent secret: one is corrupted or "
               "belongs to another backup"),
    ("unique", "the same share was presented twice"),
    ("insufficient", "not enough shares"),
    ("wrong number", "not enough shares (or too many groups)"),
    ("don't match", "the shares come from different backups"),
    ("empty", "no shares were presented"),
    ("group threshold", "a share has inconsistent group parameters"),
)


def _reason(message: str) -> str:
    lowered = message.lower()
    for needle, reason in _REASONS:
        if needle in lowered:
            return reason
    return "the shares are not a valid SLIP-39 set"


def split(master_secret: bytes | bytearray, threshold: int, count: int, *,
          passphrase: bytes = b"", iteration_exponent: int = 1) -> list[str]:
    """``count`` mnemonic shares of ``master_secret``, any ``threshold`` of which rebuild it."""
    if not 1 <= threshold <= count <= 16:
        raise InvalidInput("SLIP-39 needs 1 <= threshold <= shares <= 16", field="threshold")
    if threshold == 1 and count > 1:
        raise InvalidInput("SLIP-39 forbids several shares with threshold 1 (each would be "
                           "the whole secret); use 1-of-1", field="threshold")
    if len(master_secret) < 16 or len(master_secret) % 2:
        raise InvalidInput("SLIP-39 secrets are an even number of bytes, at least 16",
                           field="secret")
    groups = generate_mnemonics(1, [(threshold, count)], bytes(master_secret), passphrase,
                                True, iteration_exponent)
    return [str(mnemonic) for mnemonic in groups[0]]


def combine(mnemonics: Sequence[str], *, passphrase: bytes = b"") -> bytearray:
    """The master secret from enough shares (a buffer to wipe); ``InvalidInput`` otherwise."""
    secret: bytes | None = None
    reason = ""
    try:
        secret = combine_mnemonics([" ".join(m.split()) for m in mnemonics], passphrase)
    except (MnemonicError, ValueError) as error:
        reason = _reason(str(error))
    if secret is None:
        raise InvalidInput(reason, field="shares")
    return bytearray(secret)


def member_index(mnemonic: str) -> int:
    """The share's 1-based member index (SLIP-39 stores it 0-based), checksum verified."""
    index: int | None = None
    reason = ""
    try:
        index = int(Share.from_mnemonic(" ".join(mnemonic.split())).index) + 1
    except (MnemonicError, ValueError) as error:
        reason = _reason(str(error))
    if index is None:
        raise InvalidInput(reason, field="shares")
    return index
