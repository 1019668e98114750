"""Official HD-wallet vectors through the raw derivation module (:mod:`ledger.crypto.hd`).

Sources (read from the shared vectors folder, never copied): BIP-32 test vectors 1-4 and
every invalid extended key of the BIP; BIP-39 vectors for every language in the file
(passphrase "TREZOR"); SLIP-10 vectors for secp256k1, nist256p1 and ed25519; BIP-84 and
BIP-86 test vectors. The ledger path is covered in ``test_ledger_wallets.py``.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from ledger.crypto import hd
from ledger.errors import InvalidInput
from tests.vectors import load_json

TREZOR = "TREZOR"


# --- BIP-32 ---------------------------------------------------------------------------------

def _bip32_chains() -> list[tuple[str, str, dict[str, str]]]:
    data = load_json("bip32/bip32_test_vectors.json")
    return [(f"v{v['vector']}:{c['path']}", v["seed_hex"], c)
            for v in data["valid"] for c in v["chains"]]


def _bip32_invalid() -> list[dict[str, str]]:
    return list(load_json("bip32/bip32_test_vectors.json")["invalid"])


@pytest.mark.parametrize(("name", "seed_hex", "chain"), _bip32_chains(),
                         ids=[c[0] for c in _bip32_chains()])
def test_bip32_valid_chains(name: str, seed_hex: str, chain: dict[str, str]) -> None:
    node = hd.derive_node(bytes.fromhex(seed_hex), "secp256k1", chain["path"])
    assert node.xpub == chain["ext_pub"]
    assert node.xprv == chain["ext_prv"]
    for text in (chain["ext_pub"], chain["ext_prv"]):
        facts = hd.check_extended_key(text)
        assert facts["depth"] == node.depth and facts["public_key"] == node.public_key
    assert hd.check_extended_key(chain["ext_prv"])["private"] is True


@pytest.mark.parametrize("case", _bip32_invalid(), ids=lambda c: c["reason"])
def test_bip32_every_invalid_key_is_rejected_without_echo(case: dict[str, str]) -> None:
    with pytest.raises(InvalidInput) as info:
        hd.check_extended_key(case["key"])
    assert info.value.field == "extended_key"
    assert case["key"] not in info.value.diagnostics()
    assert case["key"][:20] not in str(info.value.args)


def test_bip32_vector_counts() -> None:
    assert len(_bip32_chains()) == 17
    assert len(_bip32_invalid()) == 16


# --- BIP-39 ---------------------------------------------------------------------------------

def _bip39(supported: bool) -> list[tuple[str, list[str]]]:
    data = load_json("bip39/vectors.json")
    return [(language, row) for language, rows in data.items() for row in rows
            if (language in hd.LANGUAGES) == supported]


def _bip39_id(case: tuple[str, list[str]]) -> str:
    return f"{case[0]}-{len(case[1][0]) * 4}bit-{case[1][0][:8]}"


@pytest.mark.parametrize("case", _bip39(True), ids=_bip39_id)
def test_bip39_vectors(case: tuple[str, list[str]]) -> None:
    language, (entropy_hex, mnemonic_text, seed_hex, xprv) = case
    entropy = bytes.fromhex(entropy_hex)
    words = len(mnemonic_text.split())
    made = hd.new_mnemonic(words, language, rng=lambda n: bytearray(entropy[:n]))
    assert made.text == " ".join(unicodedata.normalize("NFKD", mnemonic_text).split())
    parsed = hd.parse_mnemonic(mnemonic_text, language)
    assert parsed.word_count == words
    detected = hd.parse_mnemonic(mnemonic_text)  # the two Chinese lists share characters
    assert detected.language == language or {detected.language, language} == {
        "chinese_simplified", "chinese_traditional"}
    assert bytes(hd.mnemonic_entropy(parsed)) == entropy
    seed = hd.seed_from_mnemonic(parsed, TREZOR)
    assert seed.hex() == seed_hex
    assert hd.derive_node(seed, "secp256k1", "m").xprv == xprv


@pytest.mark.parametrize("case", _bip39(False), ids=_bip39_id)
def test_bip39_languages_without_a_wordlist_are_refused_not_misread(
        case: tuple[str, list[str]]) -> None:
    """bip_utils has no Japanese list, and Russian/Turkish are not official BIP-39 lists."""
    _, (_, mnemonic_text, _, _) = case
    with pytest.raises(InvalidInput) as info:
        hd.parse_mnemonic(mnemonic_text)
    assert info.value.field == "mnemonic"
    for word in mnemonic_text.split():
        assert word not in info.value.diagnostics()


def test_bip39_every_language_of_the_file_is_covered() -> None:
    languages = {language for language, _ in _bip39(True) + _bip39(False)}
    assert languages == set(load_json("bip39/vectors.json"))
    assert len(_bip39(True)) == 9 * 24


@pytest.mark.parametrize(("text", "reason"), [
    (" ".join(["abandon"] * 12), "checksum"),
    (" ".join(["abandon"] * 11 + ["zzzzzz"]), "wordlist"),
    (" ".join(["abandon"] * 11), "12, 15, 18, 21 or 24 words"),
    ("", "not 0"),
])
def test_bip39_invalid_mnemonics_name_the_field_not_the_words(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason) as info:
        hd.parse_mnemonic(text)
    assert info.value.field == "mnemonic"
    assert "abandon" not in info.value.diagnostics()
    assert info.value.__context__ is None and info.value.__cause__ is None


def test_bip39_wrong_word_position_is_named() -> None:
    words = ["abandon"] * 11 + ["about"]
    words[6] = "notaword"
    with pytest.raises(InvalidInput, match="position 7") as info:
        hd.parse_mnemonic(" ".join(words), "english")
    assert "notaword" not in info.value.diagnostics()


@pytest.mark.parametrize("words", hd.WORD_COUNTS)
@pytest.mark.parametrize("language", sorted(hd.LANGUAGES))
def test_new_mnemonics_round_trip_in_every_wordlist(words: int, language: str) -> None:
    mnemonic = hd.new_mnemonic(words, language)
    assert mnemonic.word_count == words and mnemonic.text not in repr(mnemonic)
    assert hd.parse_mnemonic(mnemonic.text, language).text == mnemonic.text


# --- SLIP-10 --------------------------------------------------------------------------------

def _slip10() -> list[tuple[str, str, str, dict[str, str]]]:
    data = load_json("slip10/slip10_test_vectors.json")
    return [(f"{v['name']}:{c['path']}", v["curve"], v["seed_hex"], c)
            for v in data["vectors"] for c in v["chains"]]


@pytest.mark.parametrize(("name", "curve", "seed_hex", "chain"), _slip10(),
                         ids=[c[0] for c in _slip10()])
def test_slip10_vectors(name: str, curve: str, seed_hex: str, chain: dict[str, str]) -> None:
    node = hd.derive_node(bytes.fromhex(seed_hex), curve, chain["path"])
    assert node.parent_fingerprint.hex() == chain["fingerprint"]
    assert node.chain_code.hex() == chain["chain_code"]
    assert node.private_key.hex() == chain["private"]
    assert node.public_key.hex() == chain["public"]


def test_slip10_covers_the_three_supported_curves() -> None:
    curves = [curve for _, curve, _, _ in _slip10()]
    assert {c: curves.count(c) for c in set(curves)} == {
        "secp256k1": 12, "nist256p1": 16, "ed25519": 12, "curve25519": 12}


def test_curve25519_refuses_non_hardened_paths() -> None:
    with pytest.raises(InvalidInput, match="hardened"):
        hd.derive_node(bytes(16), "curve25519", "m/0")


def test_ed25519_refuses_non_hardened_paths() -> None:
    with pytest.raises(InvalidInput, match="hardened"):
        hd.derive_node(bytes(16), "ed25519", "m/0")


# --- BIP-84 / BIP-86 ------------------------------------------------------------------------

def _address_vectors(name: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
    data = load_json(f"bip{name}/bip{name}_test_vectors.json")
    return data, [d for d in data["derivations"] if "address" in d]


def _path_parts(path: str) -> tuple[int, int, int]:
    parts = path.split("/")
    return int(parts[3].rstrip("'")), int(parts[4]), int(parts[5])


@pytest.mark.parametrize("purpose", ["84", "86"])
def test_bip84_bip86_addresses_and_account_keys(purpose: str) -> None:
    data, addresses = _address_vectors(purpose)
    seed = hd.seed_from_mnemonic(hd.parse_mnemonic(data["mnemonic"]), data["passphrase"])
    if purpose == "86":  # BIP-84 writes its root as a zprv: same key, other version bytes
        assert hd.derive_node(seed, "secp256k1", "m").xprv == data["rootpriv"]
    for row in addresses:
        account, change, index = _path_parts(row["path"])
        derived = hd.derive_address(seed, purpose=purpose, coin="bitcoin", curve="secp256k1",
                                    account=account, change=change, index=index)
        assert derived.path == row["path"]
        assert derived.address == row["address"]
        if purpose == "84":
            assert derived.public_key.hex() == row["pubkey"]
        else:
            assert derived.public_key[1:].hex() == row["internal_key"]
    account_row = data["derivations"][0]
    path, xpub = hd.account_xpub(seed, purpose=purpose, coin="bitcoin", account=0)
    assert path == account_row["path"]
    assert xpub == account_row["xpub"]
    for row in addresses:  # a watch-only wallet derives the same addresses from the xpub
        _, change, index = _path_parts(row["path"])
        assert hd.watch_only_address(xpub, purpose=purpose, coin="bitcoin", change=change,
                                     index=index).address == row["address"]


def test_bip_routes_refuse_what_no_standard_defines() -> None:
    seed = bytes(32)
    with pytest.raises(InvalidInput, match="coin"):
        hd.derive_address(seed, purpose="84", coin="ethereum", curve="secp256k1", account=0,
                          change=0, index=0)
    with pytest.raises(InvalidInput) as info:
        hd.derive_address(seed, purpose="44", coin="bitcoin", curve="ed25519", account=0,
                          change=0, index=0)
    assert info.value.field == "curve"
    with pytest.raises(InvalidInput, match="hardened throughout"):
        hd.account_xpub(seed, purpose="slip10", coin="none", account=0)
    ethereum = hd.derive_address(seed, purpose="44", coin="ethereum", curve="secp256k1",
                                 account=0, change=0, index=0)
    assert ethereum.path == "m/44'/60'/0'/0/0" and ethereum.address is not None
    assert ethereum.address.startswith("0x")
    testnet = hd.derive_address(seed, purpose="84", coin="bitcoin-testnet", curve="secp256k1",
                                account=0, change=0, index=0)
    assert testnet.path == "m/84'/1'/0'/0/0" and testnet.address is not None
    assert testnet.address.startswith("tb1q")
