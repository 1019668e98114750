"""`skms chain eth|btc|sol address WALLET [--index I]`: an HD wallet's chain addresses at the
paths issue 16 names, each derivation recorded (WalletChainAddressDerived), checked against
the BIP-84 / BIP-86 vectors and against independent derivations: eth-account's own HD
wallet (EVM), bip_utils' BIP-44/49 contexts (P2PKH, P2SH-P2WPKH) and solders' SLIP-10
(Solana). The address is the one the wallet's signing commands sign with at that index.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bip_utils import Bip39SeedGenerator, Bip44, Bip44Changes, Bip44Coins, Bip49, Bip49Coins
from click.testing import CliRunner
from eth_account import Account
from eth_account.messages import encode_defunct
from solders.keypair import Keypair

from commands.cli.main import cli
from commands.session import Session
from ledger.audit import Auditor
from ledger.envelope import open_envelope
from ledger.errors import IllegalTransition, Unauthorized
from tests.chains import inputs
from tests.vectors import load_json
from tests.wallets.ledger_fixture import VECTOR_MNEMONIC


def _vector_wallet(session: Session, curves: list[str] | None = None) -> str:
    made = session.import_wallet("alice", VECTOR_MNEMONIC, allow_weak=True,
                                 curves=curves or ["secp256k1", "ed25519"]).result
    return str(made["wallet_id"])


def _recorded(session: Session) -> list[dict[str, Any]]:
    store, _ = session.store()
    return [e.event() for e in (open_envelope(s) for s in store.read("default"))
            if e.event_type == "WalletChainAddressDerived"]


@pytest.mark.parametrize(("vectors", "kind"), [("bip84/bip84_test_vectors.json", "p2wpkh"),
                                               ("bip86/bip86_test_vectors.json", "p2tr")])
def test_bitcoin_addresses_are_the_bip84_and_bip86_vectors(session: Session, vectors: str,
                                                            kind: str) -> None:
    wallet_id = _vector_wallet(session)
    receiving = [d for d in load_json(vectors)["derivations"]
                 if d["path"].count("/") == 5 and d["path"].split("/")[4] == "0"]
    assert len(receiving) == 2
    for index, vector in enumerate(receiving):
        got = session.run("bob", "WalletBitcoinAddress", wallet_id=wallet_id, type=kind,
                          index=index).result
        assert (got["path"], got["address"]) == (vector["path"], vector["address"])
        assert (got["family"], got["network"], got["type"]) == ("bitcoin", "mainnet", kind)
    recorded = _recorded(session)
    assert [(e["path"], e["address"]) for e in recorded] == [
        (v["path"], v["address"]) for v in receiving]
    assert all(e["actor_id"] == session.ledger().actor("bob").actor_id for e in recorded)
    Auditor(session.store()[0]).verify()


@pytest.mark.parametrize(("kind", "bip", "coin"), [
    ("p2pkh", Bip44, Bip44Coins.BITCOIN_TESTNET),
    ("p2sh-p2wpkh", Bip49, Bip49Coins.BITCOIN_TESTNET)])
def test_legacy_types_match_bip_utils_on_testnet(session: Session, kind: str, bip: Any,
                                                 coin: Any) -> None:
    wallet_id = _vector_wallet(session)
    got = session.run("bob", "WalletBitcoinAddress", wallet_id=wallet_id, type=kind,
                      network="testnet", index=3).result
    seed = Bip39SeedGenerator(VECTOR_MNEMONIC).Generate()
    theirs = bip.FromSeed(seed, coin).Purpose().Coin().Account(0).Change(
        Bip44Changes.CHAIN_EXT).AddressIndex(3)
    purpose = "44" if kind == "p2pkh" else "49"
    assert got["path"] == f"m/{purpose}'/1'/0'/0/3"
    assert got["address"] == theirs.PublicKey().ToAddress()
    assert got["public_key"] == theirs.PublicKey().RawCompressed().ToHex()


def test_evm_address_is_eth_accounts_and_the_one_that_signs(session: Session) -> None:
    wallet_id = _vector_wallet(session)
    Account.enable_unaudited_hdwallet_features()
    for index in (0, 7):
        path = f"m/44'/60'/0'/0/{index}"
        got = session.run("bob", "WalletEvmAddress", wallet_id=wallet_id, index=index).result
        assert (got["path"], got["type"]) == (path, "eip55")
        assert got["address"] == Account.from_mnemonic(VECTOR_MNEMONIC,
                                                       account_path=path).address
    signed = session.run("bob", "WalletSignEvmTransaction", wallet_id=wallet_id, index=7,
                         tx=inputs.as_json(inputs.eip1559())).result
    assert signed["from"] == got["address"]


def test_solana_address_is_solders_slip10_and_the_one_that_signs(session: Session) -> None:
    wallet_id = _vector_wallet(session)
    seed = bytes(Bip39SeedGenerator(VECTOR_MNEMONIC).Generate())
    got = session.run("bob", "WalletSolanaAddress", wallet_id=wallet_id, index=2).result
    theirs = Keypair.from_seed_and_derivation_path(seed, "m/44'/501'/2'/0'")
    assert (got["path"], got["address"]) == ("m/44'/501'/2'/0'", str(theirs.pubkey()))
    assert got["public_key"] == bytes(theirs.pubkey()).hex()
    signed = session.run("bob", "WalletSignSolanaMessage", wallet_id=wallet_id, index=2,
                         message=b"gm").result
    assert signed["signer"] == got["address"]


def test_refusals_touch_no_seed_and_record_no_address(session: Session) -> None:
    secp_only = _vector_wallet(session, ["secp256k1"])
    with pytest.raises(IllegalTransition, match="curve"):
        session.run("bob", "WalletSolanaAddress", wallet_id=secp_only)
    with pytest.raises(Unauthorized):
        session.run("carol", "WalletEvmAddress", wallet_id=secp_only)  # an auditor
    assert _recorded(session) == []
    stored = b"".join(bytes(s.body) for s in session.store()[0].read("default"))
    assert b"abandon" not in stored


def test_cli_takes_a_wallet_where_the_issue_says_key_or_wallet(tmp_path: Path) -> None:
    """`skms chain eth address WALLET --index I`: the positional names a key or a wallet;
    `--wallet W` is the same; a key id keeps the key form."""
    home = tmp_path / "home"
    env = {"SKMS_PASSPHRASE": "a long test passphrase"}

    def skms(*args: str, code: int = 0) -> str:
        done = CliRunner().invoke(cli, ["--home", str(home), *args], env=env,
                                  catch_exceptions=False)
        assert done.exit_code == code, (args, done.output)
        return str(done.stdout).strip()

    skms("init", "--name", "chains")
    skms("actor", "add", "km", "--role", "key-manager")
    skms("actor", "add", "bob", "--role", "signer")
    words = tmp_path / "words.txt"
    words.write_text(VECTOR_MNEMONIC)
    wallet = skms("--as", "km", "wallet", "import", "--mnemonic-file", str(words),
                  "--allow-weak", "--curve", "secp256k1", "--curve", "ed25519",
                  "--print", "wallet_id")
    vector = load_json("bip84/bip84_test_vectors.json")["derivations"][2]
    assert skms("--as", "bob", "chain", "btc", "address", wallet, "--index", "1") == \
        vector["address"]
    assert skms("--as", "bob", "chain", "btc", "address", "--wallet", wallet, "--index",
                "1") == vector["address"]
    Account.enable_unaudited_hdwallet_features()
    shown = json.loads(skms("--as", "bob", "chain", "eth", "address", wallet, "--index", "4",
                            "--json"))
    assert shown["address"] == Account.from_mnemonic(
        VECTOR_MNEMONIC, account_path="m/44'/60'/0'/0/4").address
    message = tmp_path / "message.txt"
    message.write_bytes(b"proof of reserves")
    signature = skms("--as", "bob", "chain", "eth", "sign-message", wallet, "--index", "4",
                     "--input", str(message))  # a signing command takes the wallet too
    assert Account.recover_message(encode_defunct(primitive=b"proof of reserves"),
                                   signature=signature) == shown["address"]
    sol = skms("--as", "bob", "chain", "sol", "address", wallet)
    seed = bytes(Bip39SeedGenerator(VECTOR_MNEMONIC).Generate())
    assert sol == str(Keypair.from_seed_and_derivation_path(seed, "m/44'/501'/0'/0'").pubkey())
    key = skms("--as", "km", "key", "create", "--algorithm", "ecdsa-secp256k1", "--print",
               "key_id")
    assert skms("chain", "eth", "address", key).startswith("0x")  # the key form, a read
    skms("chain", "eth", "address", key, "--index", "1", code=2)  # --index: wallets only
