"""HD derivation (:mod:`ledger.crypto.hd`): every parameter refusal names its field.

The vector tests prove the derivations right; these prove the bad inputs a wallet command
can pass (word counts, wordlists, seeds, curves, paths, indexes, purposes, change levels,
extended keys) are refused with :class:`InvalidInput` before any key is derived.
"""

from __future__ import annotations

import pytest

from ledger.crypto import hd
from ledger.errors import InvalidInput

SEED = bytes(range(32))
# BIP-39's first english vector: entropy 00...00 gives "abandon" x 11 + "about".
ABANDON = " ".join(["abandon"] * 11 + ["about"])


@pytest.mark.parametrize("count", [0, 11, 13, 25, "12"])
def test_new_mnemonic_word_count_must_be_a_bip39_length(count: object) -> None:
    with pytest.raises(InvalidInput, match="must be one of 12, 15, 18, 21, 24") as caught:
        hd.new_mnemonic(count)  # type: ignore[arg-type]
    assert caught.value.field == "word_count"


def test_new_mnemonic_from_zero_entropy_is_the_bip39_vector() -> None:
    mnemonic = hd.new_mnemonic(12, rng=lambda size: bytearray(size))
    assert mnemonic.text == ABANDON and mnemonic.language == "english"
    with pytest.raises(InvalidInput, match="unsupported wordlist") as caught:
        hd.new_mnemonic(12, "klingon", rng=lambda size: bytearray(size))
    assert caught.value.field == "language"
    assert "english" in str(caught.value)


def test_entropy_of_a_mnemonic_that_no_longer_decodes() -> None:
    assert hd.mnemonic_entropy(hd.parse_mnemonic(ABANDON)) == bytearray(16)
    broken = hd.Mnemonic(" ".join(["abandon"] * 12), 12, "english")  # checksum wrong
    with pytest.raises(InvalidInput, match="no longer decodes") as caught:
        hd.mnemonic_entropy(broken)
    assert caught.value.field == "mnemonic"
    assert "abandon" not in str(caught.value)


@pytest.mark.parametrize("seed", [bytes(15), bytes(65), b"", "00" * 32, None])
def test_seed_must_be_16_to_64_bytes(seed: object) -> None:
    for call in (lambda: hd.derive_node(seed, "secp256k1", "m"),  # type: ignore[arg-type]
                 lambda: hd.master_fingerprint(seed)):  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="16 to 64 bytes") as caught:
            call()
        assert caught.value.field == "seed"


def test_unknown_curve_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unsupported curve") as caught:
        hd.derive_node(SEED, "secp256r1", "m/0'")
    assert caught.value.field == "curve"
    with pytest.raises(InvalidInput, match="unsupported curve") as caught:
        hd.derive_address(SEED, purpose="slip10", coin="none", curve="curve25519",
                          account=0, change=0, index=0)
    assert caught.value.field == "curve"


@pytest.mark.parametrize("curve", ["curve25519", "nist256p1"])
@pytest.mark.parametrize("path", ["x/0'", "m/0'/abc", "m/-1", "m/4294967296'"])
def test_unparsable_paths_on_our_own_derivations(curve: str, path: str) -> None:
    with pytest.raises(InvalidInput, match="cannot parse path") as caught:
        hd.derive_node(SEED, curve, path)
    assert caught.value.field == "path"
    assert hd.derive_node(SEED, curve, "m/0'").depth == 1


@pytest.mark.parametrize(("account", "index", "field"), [
    (-1, 0, "account"), (hd.MAX_INDEX + 1, 0, "account"), (True, 0, "account"),
    ("0", 0, "account"), (0, -1, "index"), (0, hd.HARDENED, "index"), (0, 1.0, "index"),
])
def test_account_and_index_must_be_unhardened_whole_numbers(account: object, index: object,
                                                            field: str) -> None:
    with pytest.raises(InvalidInput, match=f"whole number from 0 to {hd.MAX_INDEX}") as caught:
        hd.derive_address(SEED, purpose="84", coin="bitcoin", curve="secp256k1",
                          account=account, change=0, index=index)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_edge_indexes_are_accepted() -> None:
    top = hd.derive_address(SEED, purpose="slip10", coin="none", curve="ed25519",
                            account=hd.MAX_INDEX, change=1, index=hd.MAX_INDEX)
    assert top.path == f"m/{hd.MAX_INDEX}'/1'/{hd.MAX_INDEX}'" and len(top.public_key) == 32


@pytest.mark.parametrize("purpose", ["45", "", "bip84", 84])
def test_unknown_purpose_is_refused(purpose: object) -> None:
    with pytest.raises(InvalidInput, match="must be one of 44, 49, 84, 86, slip10") as caught:
        hd.check_route(purpose, "bitcoin", "secp256k1")  # type: ignore[arg-type]
    assert caught.value.field == "purpose"


@pytest.mark.parametrize("purpose", ["44", "slip10"])
@pytest.mark.parametrize("change", [2, -1, "0"])
def test_change_level_is_receiving_or_change(purpose: str, change: object) -> None:
    coin, curve = ("bitcoin", "secp256k1") if purpose == "44" else ("none", "nist256p1")
    with pytest.raises(InvalidInput, match=r"must be 0 \(receiving\) or 1 \(change\)") as caught:
        hd.derive_address(SEED, purpose=purpose, coin=coin, curve=curve, account=0,
                          change=change, index=0)  # type: ignore[arg-type]
    assert caught.value.field == "change"


def test_watch_only_refusals() -> None:
    path, xpub = hd.account_xpub(SEED, purpose="84", coin="bitcoin", account=3)
    assert path == "m/84'/0'/3'"
    watched = hd.watch_only_address(xpub, purpose="84", coin="bitcoin", change=1, index=5)
    assert watched == hd.derive_address(SEED, purpose="84", coin="bitcoin", curve="secp256k1",
                                        account=3, change=1, index=5)
    with pytest.raises(InvalidInput, match="no watch-only derivation for SLIP-10") as caught:
        hd.watch_only_address(xpub, purpose="slip10", coin="none", change=0, index=0)
    assert caught.value.field == "purpose"
    for bad in ("not an xpub", xpub[:-1], xpub[:-4] + "aaaa"):
        with pytest.raises(InvalidInput, match="not an account-level extended public key "
                           "for BIP-84 bitcoin") as caught:
            hd.watch_only_address(bad, purpose="84", coin="bitcoin", change=0, index=0)
        assert caught.value.field == "xpub"
    with pytest.raises(InvalidInput, match=r"must be 0 \(receiving\) or 1") as caught:
        hd.watch_only_address(xpub, purpose="84", coin="bitcoin", change=2, index=0)
    assert caught.value.field == "change"
