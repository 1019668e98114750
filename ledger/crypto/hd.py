"""HD wallet primitives: BIP-39 mnemonics, BIP-32/SLIP-10 derivation, BIP-44/49/84/86 addresses.

Hazardous-materials layer: these functions take and return seeds and (for the vector tests)
private keys. The ledger reaches them only through :mod:`ledger.recipes.wallet_material`, which
decides where a seed lives (sealed) and how long it exists in clear.

Why a wrapper around ``bip_utils`` rather than calling it from handlers:

* **Library objects never leak.** Callers get ``bytes``/``str`` dataclasses; swapping the
  library later changes this file only.
* **Errors never echo secrets.** ``bip_utils`` puts offending words, prefixes and checksums
  in its messages; every failure here becomes :class:`~ledger.errors.InvalidInput` naming
  only the field, raised *outside* the ``except`` block so no secret-bearing exception is
  even chained as context.
* **Randomness is ours.** New mnemonics come from :func:`ledger.crypto.entropy.random_bytes`
  (health-tested), not from the library's own generator.

Limits, stated honestly: the mnemonic is a Python ``str`` and ``bip_utils`` returns seeds
and keys as ``bytes``; neither can be wiped. We copy seeds into ``bytearray`` buffers the
caller zeroes, which removes the long-lived copies but not the library's transient ones.

Supported: the nine official BIP-39 wordlists ``bip_utils`` ships (English, Chinese
simplified/traditional, Czech, French, Italian, Korean, Portuguese, Spanish; it has no
Japanese list), 12/15/18/21/24 words; curves secp256k1 (BIP-32), ed25519 and nist256p1
(SLIP-10). SLIP-10 curve25519 is not offered because ``bip_utils`` does not implement it.
nist256p1 is derived here on ``cryptography`` rather than by ``bip_utils``, whose nist256p1
keys are python-ecdsa's (not constant time: :func:`_nist256p1_node` says why).
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bip_utils import (
    Bip32PathParser,
    Bip32Slip10Ed25519,
    Bip32Slip10Secp256k1,
    Bip39Languages,
    Bip39MnemonicDecoder,
    Bip39MnemonicGenerator,
    Bip39SeedGenerator,
    Bip44,
    Bip44Changes,
    Bip44Coins,
    Bip49,
    Bip49Coins,
    Bip84,
    Bip84Coins,
    Bip86,
    Bip86Coins,
    Hash160,
)
from bip_utils.bip.bip39.bip39_mnemonic_utils import Bip39WordsListGetter
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.errors import InvalidInput

__all__ = [
    "COINS",
    "CURVES",
    "HARDENED",
    "LANGUAGES",
    "MAX_INDEX",
    "PURPOSES",
    "WORD_COUNTS",
    "DerivedAddress",
    "Mnemonic",
    "Node",
    "account_xpub",
    "check_extended_key",
    "check_route",
    "derive_address",
    "derive_node",
    "master_fingerprint",
    "mnemonic_entropy",
    "new_mnemonic",
    "parse_mnemonic",
    "seed_from_mnemonic",
    "slip10_path",
    "watch_only_address",
    "wiped",
]

LANGUAGES: dict[str, Any] = {
    "english": Bip39Languages.ENGLISH,
    "chinese_simplified": Bip39Languages.CHINESE_SIMPLIFIED,
    "chinese_traditional": Bip39Languages.CHINESE_TRADITIONAL,
    "czech": Bip39Languages.CZECH,
    "french": Bip39Languages.FRENCH,
    "italian": Bip39Languages.ITALIAN,
    "korean": Bip39Languages.KOREAN,
    "portuguese": Bip39Languages.PORTUGUESE,
    "spanish": Bip39Languages.SPANISH,
}
"""BIP-39 wordlists we accept, by the names the BIP's wordlist files use."""

WORD_COUNTS = (12, 15, 18, 21, 24)
"""BIP-39 lengths: 128 to 256 bits of entropy in steps of 32 (11 bits a word, with checksum)."""

CURVES = ("secp256k1", "ed25519", "nist256p1")
"""The curves a wallet may derive keys on (SLIP-10 curve names)."""

_LIBRARY_CURVES: dict[str, Any] = {
    "secp256k1": Bip32Slip10Secp256k1,
    "ed25519": Bip32Slip10Ed25519,
}
"""Curves derived with ``bip_utils`` (secp256k1 on coincurve, ed25519 on PyNaCl);
nist256p1 is derived here on ``cryptography`` (:func:`_nist256p1_node`)."""

PURPOSES = ("44", "49", "84", "86", "slip10")
"""BIP-44 (P2PKH / Ethereum), BIP-49 (P2SH-P2WPKH), BIP-84 (P2WPKH), BIP-86 (P2TR), and
plain SLIP-10 key paths for curves that have no address standard here."""

_BIP_CLASSES: dict[str, tuple[Any, Any]] = {
    "44": (Bip44, Bip44Coins), "49": (Bip49, Bip49Coins),
    "84": (Bip84, Bip84Coins), "86": (Bip86, Bip86Coins),
}

COINS: dict[str, frozenset[str]] = {
    "44": frozenset({"bitcoin", "bitcoin-testnet", "ethereum"}),
    "49": frozenset({"bitcoin", "bitcoin-testnet"}),
    "84": frozenset({"bitcoin", "bitcoin-testnet"}),
    "86": frozenset({"bitcoin", "bitcoin-testnet"}),
    "slip10": frozenset({"none"}),
}
"""Coins each purpose supports; SLIP-10 paths name no coin."""

_COIN_ENUM_NAMES = {"bitcoin": "BITCOIN", "bitcoin-testnet": "BITCOIN_TESTNET",
                    "ethereum": "ETHEREUM"}

HARDENED = 0x8000_0000
MAX_INDEX = HARDENED - 1


# --- mnemonics ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True, repr=False)
class Mnemonic:
    """A checked BIP-39 mnemonic. ``text`` is secret; ``repr`` shows only its shape."""

    text: str
    word_count: int
    language: str

    def __repr__(self) -> str:
        return f"Mnemonic(<{self.word_count} {self.language} words>)"


def _normalize(text: str) -> str:
    """NFKD (what BIP-39 hashes) and single ASCII spaces (ideographic spaces included)."""
    return " ".join(unicodedata.normalize("NFKD", text).split())


def new_mnemonic(word_count: int, language: str = "english", *,
                 rng: Callable[[int], bytearray] = random_bytes) -> Mnemonic:
    """A fresh mnemonic from health-tested entropy (``rng`` is injectable for tests)."""
    if word_count not in WORD_COUNTS:
        raise InvalidInput(f"must be one of {', '.join(map(str, WORD_COUNTS))}",
                           field="word_count")
    lang = _language(language)
    entropy = rng(word_count * 11 * 32 // 33 // 8)
    try:
        text = str(Bip39MnemonicGenerator(lang).FromEntropy(bytes(entropy)))
    finally:
        zeroize(entropy)
    return Mnemonic(_normalize(text), word_count, language)


def _language(language: str) -> Any:
    found = LANGUAGES.get(language)
    if found is None:
        raise InvalidInput(f"unsupported wordlist; choose one of {', '.join(LANGUAGES)}",
                           field="language")
    return found


def _decode(text: str, language: str) -> tuple[bytes | None, str]:
    """Entropy, or ``None`` and a reason that names no word (only positions and causes)."""
    words = text.split(" ")
    wordlist = Bip39WordsListGetter().GetByLanguage(LANGUAGES[language])
    unknown = []
    for position, word in enumerate(words, start=1):
        try:
            wordlist.GetWordIdx(word)
        except Exception:  # the library names the word in its error: drop it
            unknown.append(position)
    if unknown:
        places = ", ".join(map(str, unknown[:5])) + (" …" if len(unknown) > 5 else "")
        return None, f"word(s) at position {places} are not in the {language} wordlist"
    entropy: bytes | None = None
    try:
        entropy = bytes(Bip39MnemonicDecoder(LANGUAGES[language]).Decode(text))
    except Exception:  # checksum failure: the exception text is discarded with it
        entropy = None
    if entropy is None:
        return None, "the checksum does not match: a word is wrong or out of order"
    return entropy, ""


def parse_mnemonic(text: str, language: str | None = None) -> Mnemonic:
    """Check a mnemonic's length, words and checksum; detect its wordlist if not given.

    Raises :class:`InvalidInput` on field ``mnemonic`` whose message never contains the
    mnemonic or any of its words.
    """
    normalized = _normalize(text)
    count = len(normalized.split(" ")) if normalized else 0
    if count not in WORD_COUNTS:
        raise InvalidInput(f"a BIP-39 mnemonic has 12, 15, 18, 21 or 24 words, not {count}",
                           field="mnemonic",
                           hint="fewer than 12 words is under 128 bits of entropy")
    candidates = [language] if language is not None else list(LANGUAGES)
    if language is not None:
        _language(language)
    reasons = []
    for name in candidates:
        entropy, reason = _decode(normalized, name)
        if entropy is not None:
            return Mnemonic(normalized, count, name)
        reasons.append((name, reason))
    if language is None:
        checksum = [name for name, reason in reasons if reason.startswith("the checksum")]
        message = (f"the checksum does not match in the {checksum[0]} wordlist: a word is "
                   "wrong or out of order" if checksum
                   else "its words are not all in any supported BIP-39 wordlist")
    else:
        message = reasons[0][1]
    raise InvalidInput(message, field="mnemonic")


def mnemonic_entropy(mnemonic: Mnemonic) -> bytearray:
    """The entropy a mnemonic encodes (a buffer to wipe): for strength checks."""
    entropy, _ = _decode(mnemonic.text, mnemonic.language)
    if entropy is None:
        raise InvalidInput("the mnemonic no longer decodes", field="mnemonic")
    return bytearray(entropy)


def seed_from_mnemonic(mnemonic: Mnemonic,  # nosec B107 - "" is BIP-39's no-passphrase
                       passphrase: str = "") -> bytearray:
    """The 64-byte BIP-39 seed (PBKDF2-HMAC-SHA512, 2048 rounds) as a buffer to wipe."""
    seed = Bip39SeedGenerator(mnemonic.text, LANGUAGES[mnemonic.language]).Generate(
        unicodedata.normalize("NFKD", passphrase))
    return bytearray(seed)


# --- BIP-32 / SLIP-10 nodes -----------------------------------------------------------------

@dataclass(frozen=True, slots=True, repr=False)
class Node:
    """One derived node, for vector tests and internal use. ``private_key`` must be wiped."""

    curve: str
    path: str
    depth: int
    index: int
    parent_fingerprint: bytes
    chain_code: bytes
    private_key: bytearray
    public_key: bytes
    """SLIP-10 encoding: 33 bytes, compressed SEC1, or 0x00 || key for ed25519."""
    xprv: str | None
    xpub: str | None

    def __repr__(self) -> str:
        return f"Node({self.curve}, {self.path})"


def _check_curve(curve: str) -> None:
    if curve not in CURVES:
        raise InvalidInput(f"unsupported curve; choose one of {', '.join(CURVES)}",
                           field="curve")


def _check_seed(seed: bytes | bytearray) -> None:
    if not isinstance(seed, bytes | bytearray) or not 16 <= len(seed) <= 64:
        raise InvalidInput("a BIP-32 seed has 16 to 64 bytes", field="seed")


def derive_node(seed: bytes | bytearray, curve: str, path: str) -> Node:
    """Derive ``path`` (``m/0'/1``…) from ``seed`` with BIP-32 (secp256k1) or SLIP-10."""
    _check_seed(seed)
    if curve == "curve25519":
        return _curve25519_node(seed, path)
    _check_curve(curve)
    if curve == "nist256p1":
        return _nist256p1_node(seed, path)
    node: Any = None
    try:
        node = _LIBRARY_CURVES[curve].FromSeed(bytes(seed))
        for index in Bip32PathParser.Parse(path):
            node = node.ChildKey(index)
    except Exception:
        node = None
    if node is None:
        raise InvalidInput(f"cannot derive {path!r} on {curve} (ed25519 paths must be "
                           "hardened)", field="path")
    extended = curve == "secp256k1"
    return Node(curve=curve, path=path, depth=int(node.Depth().ToInt()),
                index=int(node.Index().ToInt()),
                parent_fingerprint=bytes(node.ParentFingerPrint().ToBytes()),
                chain_code=bytes(node.ChainCode().ToBytes()),
                private_key=bytearray(node.PrivateKey().Raw().ToBytes()),
                public_key=bytes(node.PublicKey().RawCompressed().ToBytes()),
                xprv=str(node.PrivateKey().ToExtended()) if extended else None,
                xpub=str(node.PublicKey().ToExtended()) if extended else None)


def _curve25519_node(seed: bytes | bytearray, path: str) -> Node:
    """SLIP-10 derivation for curve25519 (X25519 keys), which ``bip_utils`` lacks.

    Why our own few lines: SLIP-10 defines it with primitives only (HMAC-SHA512, X25519),
    hardened steps only, no point arithmetic: ``I = HMAC-SHA512(c, 0x00 || k || ser32(i))``,
    child key ``IL`` and chain code ``IR``; the public key is ``0x00 || X25519(k)``. The
    fingerprint is the first 4 bytes of HASH160 of the parent's public key.
    """
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    def public_of(private: bytes) -> bytes:
        return b"\x00" + X25519PrivateKey.from_private_bytes(private).public_key(
        ).public_bytes_raw()

    digest = hmac.new(b"curve25519 seed", bytes(seed), hashlib.sha512).digest()
    key, chain = digest[:32], digest[32:]
    fingerprint, depth, index = bytes(4), 0, 0
    try:
        elements = list(Bip32PathParser.Parse(path))
    except Exception:
        raise InvalidInput(f"cannot parse path {path!r}", field="path") from None
    for element in elements:
        if not element.IsHardened():
            raise InvalidInput("curve25519 paths must be hardened", field="path")
        index = int(element.ToInt())
        fingerprint = bytes(Hash160.QuickDigest(public_of(key)))[:4]
        digest = hmac.new(chain, b"\x00" + key + index.to_bytes(4, "big"),
                          hashlib.sha512).digest()
        key, chain = digest[:32], digest[32:]
        depth += 1
    return Node(curve="curve25519", path=path, depth=depth, index=index,
                parent_fingerprint=fingerprint, chain_code=chain, private_key=bytearray(key),
                public_key=public_of(key), xprv=None, xpub=None)


NIST256P1_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
NIST256P1_SEED_KEY = b"Nist256p1 seed"
"""SLIP-10's HMAC key for the nist256p1 master node."""


def _nist256p1_public(private: bytes) -> bytes:
    """``serP(k·G)``: the compressed SEC1 public key, by OpenSSL's P-256 arithmetic."""
    key = ec.derive_private_key(int.from_bytes(private, "big"), ec.SECP256R1())
    return key.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint)


def _nist256p1_step(chain: bytes, data: bytes, serialized: bytes,
                    parent: int) -> tuple[int, bytes]:
    """One SLIP-10 derivation: ``I = HMAC-SHA512(chain, data)``, key ``(IL + parent) mod
    n`` (``parent`` 0 for the master node); if ``IL >= n`` or the key is 0, retry with
    ``0x01 || IR || ser32(i)`` (a child) or ``I`` itself (the master)."""
    while True:
        digest = hmac.new(chain, data, hashlib.sha512).digest()
        left, right = int.from_bytes(digest[:32], "big"), digest[32:]
        key = (left + parent) % NIST256P1_ORDER
        if left < NIST256P1_ORDER and key != 0:
            return key, right
        data = b"\x01" + right + serialized if serialized else digest


def _nist256p1_node(seed: bytes | bytearray, path: str) -> Node:
    """SLIP-10 derivation for nist256p1 on ``cryptography``'s P-256 group arithmetic.

    Why not ``bip_utils``: its nist256p1 keys are python-ecdsa's, whose scalar
    multiplication is not constant time (CVE-2024-23342, Minerva; no fix planned), and every
    derivation multiplies the generator by secret scalars (the parent's key, for its
    public key and fingerprint). Here those products are OpenSSL's; the rest is SLIP-10's
    HMAC-SHA512 and modular addition as the spec writes them, retry rules included (its
    vectors, in ``tests/wallets/test_hd_vectors.py``, cover both retries). The fingerprint
    is the first 4 bytes of HASH160 of the parent's compressed public key.
    """
    try:
        elements = list(Bip32PathParser.Parse(path))
    except Exception:
        raise InvalidInput(f"cannot parse path {path!r}", field="path") from None
    key, chain = _nist256p1_step(NIST256P1_SEED_KEY, bytes(seed), b"", 0)
    fingerprint, depth, index = bytes(4), 0, 0
    for element in elements:
        index = int(element.ToInt())
        private = key.to_bytes(32, "big")
        public = _nist256p1_public(private)
        fingerprint = bytes(Hash160.QuickDigest(public))[:4]
        serialized = index.to_bytes(4, "big")
        data = (b"\x00" + private if element.IsHardened() else public) + serialized
        key, chain = _nist256p1_step(chain, data, serialized, key)
        depth += 1
    private = key.to_bytes(32, "big")
    return Node(curve="nist256p1", path=path, depth=depth, index=index,
                parent_fingerprint=fingerprint, chain_code=chain,
                private_key=bytearray(private), public_key=_nist256p1_public(private),
                xprv=None, xpub=None)


def master_fingerprint(seed: bytes | bytearray) -> bytes:
    """BIP-32 fingerprint of the secp256k1 master key: the public name of a seed.

    Four bytes of HASH160(master public key), as wallets show it in PSBTs and descriptors;
    it identifies a seed without revealing anything usable about it.
    """
    _check_seed(seed)
    return bytes(Bip32Slip10Secp256k1.FromSeed(bytes(seed)).FingerPrint().ToBytes())


def check_extended_key(text: str) -> dict[str, Any]:
    """Parse a BIP-32 ``xpub``/``xprv`` (mainnet versions), refusing every invalid form.

    Returns public facts only (depth, index, parent fingerprint, whether it was private).
    Rejections name the field, never the key.
    """
    node: Any = None
    try:
        node = Bip32Slip10Secp256k1.FromExtendedKey(text.strip())
    except Exception:
        node = None
    if node is None:
        raise InvalidInput("not a valid BIP-32 extended key (version, prefix, depth, index, "
                           "key or checksum is wrong)", field="extended_key")
    return {"depth": int(node.Depth().ToInt()), "index": int(node.Index().ToInt()),
            "parent_fingerprint": bytes(node.ParentFingerPrint().ToBytes()),
            "private": not bool(node.IsPublicOnly()),
            "public_key": bytes(node.PublicKey().RawCompressed().ToBytes())}


# --- addresses ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DerivedAddress:
    """Everything public about one derived address; never a private key."""

    path: str
    purpose: str
    coin: str
    curve: str
    account: int
    change: int
    index: int
    public_key: bytes
    address: str | None


def _check_index(value: int, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_INDEX:
        raise InvalidInput(f"must be a whole number from 0 to {MAX_INDEX}", field=field)
    return value


def check_route(purpose: str, coin: str, curve: str) -> None:
    """Refuse combinations no standard defines (e.g. BIP-84 on ed25519, BIP-49 for ether)."""
    if purpose not in PURPOSES:
        raise InvalidInput(f"must be one of {', '.join(PURPOSES)}", field="purpose")
    _check_curve(curve)
    if coin not in COINS[purpose]:
        raise InvalidInput(f"purpose {purpose} supports coins "
                           f"{', '.join(sorted(COINS[purpose]))}", field="coin")
    if purpose != "slip10" and curve != "secp256k1":
        raise InvalidInput(f"BIP-{purpose} addresses are secp256k1 only; use purpose slip10 "
                           f"for {curve}", field="curve")


def _bip_account(seed: bytes | bytearray, purpose: str, coin: str, account: int) -> Any:
    cls, coins = _BIP_CLASSES[purpose]
    return cls.FromSeed(bytes(seed), getattr(coins, _COIN_ENUM_NAMES[coin])).Purpose().Coin() \
        .Account(account)


def _change(change: int) -> Any:
    if change not in (0, 1):
        raise InvalidInput("must be 0 (receiving) or 1 (change)", field="change")
    return Bip44Changes.CHAIN_EXT if change == 0 else Bip44Changes.CHAIN_INT


def slip10_path(account: int, change: int, index: int) -> str:
    """Our SLIP-10 layout: ``m/account'/change'/index'``, hardened throughout.

    Why hardened: SLIP-10 ed25519 has no public (non-hardened) derivation, and using one
    layout for every curve keeps next-address tracking identical across curves.
    """
    return f"m/{account}'/{change}'/{index}'"


def derive_address(seed: bytes | bytearray, *, purpose: str, coin: str, curve: str,
                   account: int, change: int, index: int) -> DerivedAddress:
    """Derive one address (BIP-44/49/84/86) or SLIP-10 public key; only public data returned."""
    _check_seed(seed)
    check_route(purpose, coin, curve)
    _check_index(account, "account")
    _check_index(index, "index")
    if purpose == "slip10":
        if change not in (0, 1):
            raise InvalidInput("must be 0 (receiving) or 1 (change)", field="change")
        path = slip10_path(account, change, index)
        node = derive_node(seed, curve, path)
        zeroize(node.private_key)
        public = node.public_key[1:] if curve == "ed25519" else node.public_key
        return DerivedAddress(path, purpose, coin, curve, account, change, index, public, None)
    context = _bip_account(seed, purpose, coin, account).Change(_change(change)) \
        .AddressIndex(index)
    coin_type = int(context.CoinConf().CoinIndex())
    public_key = context.PublicKey()
    return DerivedAddress(f"m/{purpose}'/{coin_type}'/{account}'/{change}/{index}", purpose,
                          coin, curve, account, change, index,
                          bytes(public_key.RawCompressed().ToBytes()), str(public_key.ToAddress()))


def account_xpub(seed: bytes | bytearray, *, purpose: str, coin: str,
                 account: int) -> tuple[str, str]:
    """``(account path, extended public key)`` for watch-only use (xpub/ypub/zpub/tpub…)."""
    _check_seed(seed)
    if purpose == "slip10":
        raise InvalidInput("SLIP-10 paths are hardened throughout: an extended public key "
                           "could derive nothing", field="purpose")
    check_route(purpose, coin, "secp256k1")
    _check_index(account, "account")
    context = _bip_account(seed, purpose, coin, account)
    coin_type = int(context.CoinConf().CoinIndex())
    return (f"m/{purpose}'/{coin_type}'/{account}'", str(context.PublicKey().ToExtended()))


def watch_only_address(xpub: str, *, purpose: str, coin: str, change: int,
                       index: int) -> DerivedAddress:
    """Derive an address from an account xpub alone: what a watch-only wallet does."""
    check_route(purpose, coin, "secp256k1")
    if purpose == "slip10":
        raise InvalidInput("no watch-only derivation for SLIP-10 paths", field="purpose")
    cls, coins = _BIP_CLASSES[purpose]
    context: Any = None
    try:
        context = cls.FromExtendedKey(xpub.strip(), getattr(coins, _COIN_ENUM_NAMES[coin]))
    except Exception:
        context = None
    if context is None:
        raise InvalidInput(f"not an account-level extended public key for BIP-{purpose} "
                           f"{coin}", field="xpub")
    account = int(context.Bip32Object().Index().ToInt()) - HARDENED
    derived = context.Change(_change(change)).AddressIndex(_check_index(index, "index"))
    coin_type = int(derived.CoinConf().CoinIndex())
    public_key = derived.PublicKey()
    return DerivedAddress(f"m/{purpose}'/{coin_type}'/{account}'/{change}/{index}", purpose,
                          coin, "secp256k1", account, change, index,
                          bytes(public_key.RawCompressed().ToBytes()), str(public_key.ToAddress()))


@contextmanager
def wiped(buffer: bytearray) -> Iterator[bytearray]:
    """``with wiped(seed) as s:`` zeroes the buffer however the block ends."""
    try:
        yield buffer
    finally:
        zeroize(buffer)
