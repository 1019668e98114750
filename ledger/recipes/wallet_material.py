"""Recipe: wallet seeds are born, sealed and used like key material.

Why a recipe apart from :mod:`ledger.crypto.hd`: the primitives only compute; this module
decides that

* a new mnemonic comes from health-tested entropy and is handed back once, never stored;
* an imported mnemonic must pass checksum and strength checks first;
* the only lasting form of a wallet is its 64-byte BIP-39 seed, sealed with AES-256-GCM
  under a fresh data key whose KEK-wrapped copy goes into the key-ring
  (:meth:`ledger.recipes.key_material.KeyMaterial.seal_secret`, exactly as key versions
  are), bound by
  its associated data to the wallet id and seed version;
* the seed exists in clear only inside :func:`open_seed`, in a buffer zeroed afterwards.

Seed AAD uses its own label (``skms-wallet-seed``) so a sealed seed can never be presented
as a key version's material, or the other way round.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ledger.crypto import hd
from ledger.crypto.memory import zeroize
from ledger.domain.wallet import Wallet
from ledger.errors import CommandRejected
from ledger.recipes.key_material import KeyMaterial, data_key_ref

__all__ = [
    "MIN_DISTINCT_ENTROPY_BYTES",
    "SealedSeed",
    "check_strength",
    "create_seed",
    "open_seed",
    "seal_seed",
    "seed_aad",
]

MIN_DISTINCT_ENTROPY_BYTES = 4
"""Imported entropy with fewer distinct byte values is refused as degenerate.

Why: mnemonics like "abandon … about" (all-zero entropy) are printed in every standard and
tutorial, so funds sent to them are swept by bots. Random 128-bit entropy has fewer than 4
distinct bytes with probability below 2^-90, so honest mnemonics never trip this.
"""


def seed_aad(wallet_id: str, version: int) -> bytes:
    """Binds a sealed seed to its wallet and seed version: blobs cannot be swapped."""
    return f"skms-wallet-seed:v1:{wallet_id}:{version}".encode()


@dataclass(frozen=True, slots=True)
class SealedSeed:
    """What a wallet event keeps of a seed: ciphertext, key-ring reference, public name."""

    sealed_seed: bytes
    data_key_ref: str
    master_fingerprint: bytes


def seal_seed(material: KeyMaterial, seed: bytearray, wallet_id: str,
              version: int) -> SealedSeed:
    """Seal ``seed`` (left to the caller to wipe) under a fresh data key in the key-ring."""
    ref = data_key_ref(wallet_id, version)
    sealed = material.seal_secret(seed, ref, seed_aad(wallet_id, version))
    return SealedSeed(sealed, ref, hd.master_fingerprint(seed))


def create_seed(material: KeyMaterial, wallet_id: str, word_count: int, language: str,
                passphrase: str) -> tuple[hd.Mnemonic, SealedSeed]:
    """A new wallet: its mnemonic (to show once) and its sealed seed (to record)."""
    mnemonic = hd.new_mnemonic(word_count, language)
    with hd.wiped(hd.seed_from_mnemonic(mnemonic, passphrase)) as seed:
        return mnemonic, seal_seed(material, seed, wallet_id, 1)


def check_strength(mnemonic: hd.Mnemonic, *, allow_weak: bool = False) -> None:
    """Refuse imported mnemonics below 128 bits or with publicly known, degenerate entropy."""
    if mnemonic.word_count < 12:  # parse_mnemonic already refuses; kept as the rule's home
        raise CommandRejected("mnemonics under 12 words are too weak", field="mnemonic",
                              reason_code="weak-mnemonic")
    if allow_weak:
        return
    with hd.wiped(hd.mnemonic_entropy(mnemonic)) as entropy:
        distinct = len(set(entropy))
    if distinct < MIN_DISTINCT_ENTROPY_BYTES:
        raise CommandRejected(
            "the mnemonic's entropy is degenerate (a publicly known test wallet)",
            field="mnemonic", reason_code="weak-mnemonic",
            hint="import it anyway only for tests, with allow_weak (--allow-weak)")


@contextmanager
def open_seed(material: KeyMaterial, wallet: Wallet,
              version: int | None = None) -> Iterator[bytearray]:
    """``with open_seed(material, wallet) as seed:`` the clear seed, wiped on exit.

    Raises ``MaterialDestroyed`` if the seed's data key was shredded (or lost: recover
    the wallet from a backup, which seals it again).
    """
    chosen = wallet.seed_version if version is None else version
    entry = wallet.seeds[chosen]
    seed = material.open_secret(entry["sealed_seed"], entry["data_key_ref"],
                                seed_aad(wallet.wallet_id, chosen))
    try:
        yield seed
    finally:
        zeroize(seed)
