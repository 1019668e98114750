"""Chain signing benchmark (never run by the tests): signs/s per kind beside the raw sign.

Each chain signer does more than one curve operation: it validates and encodes the
transaction (eth-account, solders, our PSBT codec), hashes it (Keccak, BIP-143/341), signs,
and checks its own signature before returning it (recovery for Ethereum, verification for
Bitcoin). Measuring the raw secp256k1 / BIP-340 / Ed25519 sign in the same run shows what
that costs; compare the ratios more than the absolute numbers on a shared machine.

    .venv/bin/python tools/bench/bench_chains.py [--seconds 0.5] [--json] [--ledger]

``--ledger`` also measures whole commands through a throw-away SQLite ledger (signed
command, admission, unseal, chain signer, ChainSignatureIssued committed with fsync) beside
the plain ``Sign`` command of the same key in the same run.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import coincurve
import nacl.signing
from solders.hash import Hash
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction as SolanaTransaction

from commands.session import Session
from ledger.chains import ethereum, solana
from ledger.chains.bitcoin.addresses import output_script
from ledger.chains.bitcoin.encoding import OutPoint, Transaction, TxIn, TxOut
from ledger.chains.bitcoin.psbt import Psbt, PsbtInput, PsbtOutput
from ledger.chains.bitcoin.signer import SigningKey, sign_psbt
from ledger.home import Home
from tests.chains import inputs as chain_inputs  # the PSBT and v0 builders the tests use

SECRET = bytearray(hashlib.sha256(b"bench-chains").digest())
DIGEST = hashlib.sha256(b"digest").digest()
TO = "0x3535353535353535353535353535353535353535"
MAIL = {
    "types": {"EIP712Domain": [{"name": "name", "type": "string"},
                               {"name": "chainId", "type": "uint256"}],
              "Mail": [{"name": "to", "type": "address"}, {"name": "contents", "type": "string"}]},
    "primaryType": "Mail", "domain": {"name": "Bench", "chainId": 1},
    "message": {"to": TO, "contents": "Hello"},
}


def rate(action: Callable[[], Any], seconds: float) -> float:
    """Operations per second over at least ``seconds`` (after one warm-up call)."""
    action()
    count, start = 0, time.perf_counter()
    while True:
        action()
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed


def psbt_for(kind: str, inputs: int) -> Psbt:
    key = SigningKey.from_private(SECRET)
    script = output_script(key.public_key, kind)
    tx_inputs, entries = [], []
    for position in range(inputs):
        tx_inputs.append(TxIn(OutPoint(bytes([position + 1]) * 32, 0), b"", 0xFFFFFFFD))
        entries.append(PsbtInput(witness_utxo=TxOut(100_000, script)))
    outputs = (TxOut(50_000 * inputs, script),)
    return Psbt(Transaction(2, tuple(tx_inputs), outputs, 0), entries, [PsbtOutput()])


def solana_transaction() -> str:
    me = Pubkey.from_bytes(nacl.signing.SigningKey(bytes(SECRET)).verify_key.encode())
    pay = transfer(TransferParams(from_pubkey=me, to_pubkey=Pubkey.new_unique(), lamports=5))
    tx = SolanaTransaction.new_unsigned(Message.new_with_blockhash([pay], me, Hash.default()))
    return base64.b64encode(bytes(tx)).decode()


def solana_v0_transaction() -> str:
    me = nacl.signing.SigningKey(bytes(SECRET)).verify_key.encode()
    return chain_inputs.solana_transfer(me, 5, v0=True).decode()


def run(seconds: float) -> list[dict[str, Any]]:
    coincurve_key = coincurve.PrivateKey(bytes(SECRET))
    nacl_key = nacl.signing.SigningKey(bytes(SECRET))
    legacy = {"nonce": 1, "gasPrice": 10**9, "gas": 21000, "to": TO, "value": 1, "chainId": 1}
    dynamic = {"nonce": 1, "maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 10**9,
               "gas": 21000, "to": TO, "value": 1, "chainId": 8453}
    one_p2wpkh, one_p2tr = psbt_for("p2wpkh", 1), psbt_for("p2tr", 1)
    ten_p2wpkh, ten_p2tr = psbt_for("p2wpkh", 10), psbt_for("p2tr", 10)
    key = SigningKey.from_private(SECRET)
    access_list = {**dynamic, "type": 1, "gasPrice": 10**9, "chainId": 1,
                   "accessList": [{"address": TO, "storageKeys": ["0x" + "00" * 32]}]}
    for name in ("maxFeePerGas", "maxPriorityFeePerGas"):
        access_list.pop(name)
    one = {kind: chain_inputs.single_key_psbt(key.public_key, (kind,))
           for kind in ("p2pkh", "p2sh-p2wpkh")}
    other = coincurve.PrivateKey(bytes(hashlib.sha256(b"bench-chains-2").digest()))
    multisig = chain_inputs.multisig_psbt([key.public_key, other.public_key.format()], 2)
    sol_v0 = solana_v0_transaction()
    sol_tx = solana_transaction()
    message = bytes(range(200))

    raw = {
        "secp256k1-ecdsa": rate(lambda: coincurve_key.sign(DIGEST, hasher=None), seconds),
        "secp256k1-recoverable": rate(
            lambda: coincurve_key.sign_recoverable(DIGEST, hasher=None), seconds),
        "bip340": rate(lambda: coincurve_key.sign_schnorr(DIGEST, bytes(32)), seconds),
        "ed25519": rate(lambda: nacl_key.sign(message), seconds),
    }
    kinds: list[tuple[str, str, float, int]] = [
        ("eth legacy (EIP-155)", "secp256k1-recoverable",
         rate(lambda: ethereum.sign_transaction(SECRET, legacy), seconds), 1),
        ("eth EIP-1559", "secp256k1-recoverable",
         rate(lambda: ethereum.sign_transaction(SECRET, dynamic), seconds), 1),
        ("eth EIP-2930 (access list)", "secp256k1-recoverable",
         rate(lambda: ethereum.sign_transaction(SECRET, access_list), seconds), 1),
        ("eth personal_sign", "secp256k1-recoverable",
         rate(lambda: ethereum.sign_personal_message(SECRET, message), seconds), 1),
        ("eth EIP-712", "secp256k1-recoverable",
         rate(lambda: ethereum.sign_typed_data(SECRET, MAIL), seconds), 1),
        ("btc PSBT p2wpkh, 1 input", "secp256k1-ecdsa",
         rate(lambda: sign_psbt(one_p2wpkh, key), seconds), 1),
        ("btc PSBT p2wpkh, 10 inputs", "secp256k1-ecdsa",
         rate(lambda: sign_psbt(ten_p2wpkh, key), seconds), 10),
        ("btc PSBT p2tr, 1 input", "bip340",
         rate(lambda: sign_psbt(one_p2tr, key), seconds), 1),
        ("btc PSBT p2tr, 10 inputs", "bip340",
         rate(lambda: sign_psbt(ten_p2tr, key), seconds), 10),
        ("btc PSBT p2pkh, 1 input", "secp256k1-ecdsa",
         rate(lambda: sign_psbt(one["p2pkh"], key), seconds), 1),
        ("btc PSBT p2sh-p2wpkh, 1 input", "secp256k1-ecdsa",
         rate(lambda: sign_psbt(one["p2sh-p2wpkh"], key), seconds), 1),
        ("btc PSBT p2wsh 2-of-2, 1 input", "secp256k1-ecdsa",
         rate(lambda: sign_psbt(multisig, key), seconds), 1),
        ("solana transfer (legacy)", "ed25519",
         rate(lambda: solana.sign_transaction(SECRET, sol_tx), seconds), 1),
        ("solana transfer (v0)", "ed25519",
         rate(lambda: solana.sign_transaction(SECRET, sol_v0), seconds), 1),
        ("solana off-chain message", "ed25519",
         rate(lambda: solana.sign_offchain_message(SECRET, b"Sign in"), seconds), 1),
    ]
    rows = [{"kind": f"raw {name}", "signs_per_s": round(value), "raw": name,
             "ratio_to_raw": 1.0} for name, value in raw.items()]
    for name, primitive, calls, per_call in kinds:
        signs = calls * per_call
        rows.append({"kind": name, "signs_per_s": round(signs), "raw": primitive,
                     "ratio_to_raw": round(signs / raw[primitive], 3)})
    return rows


def run_ledger(seconds: float) -> list[dict[str, Any]]:
    """Commands per second through the ledger, chain commands beside ``Sign``."""
    folder = Path(tempfile.mkdtemp(prefix="skms-bench-chains-"))
    session = Session(Home(folder / "home"), passphrase=bytearray(b"benchmark passphrase"))
    session.initialize(name="bench", checkpoint_every_events=1024)
    session.add_actor("admin", "alice", ["key-manager"], ["*"])
    session.add_actor("admin", "bob", ["signer"], ["*"])
    try:
        secp = session.act("alice", "CreateKey", "default",
                           {"algorithm": "ecdsa-secp256k1"}).result["key_id"]
        ed = session.act("alice", "CreateKey", "default",
                         {"algorithm": "ed25519"}).result["key_id"]
        ledger = session.ledger()
        secp_public = bytes(ledger.key(secp).versions[1]["public_key"])
        ed_public = bytes(ledger.key(ed).versions[1]["public_key"])
        tx = json.dumps({"nonce": 1, "maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 10**9,
                         "gas": 21000, "to": TO, "value": 1, "chainId": 8453}).encode()
        script = output_script(secp_public, "p2wpkh")
        psbt = Psbt(Transaction(2, (TxIn(OutPoint(b"\x01" * 32, 0), b"", 0xFFFFFFFD),),
                                (TxOut(90_000, script),), 0),
                    [PsbtInput(witness_utxo=TxOut(100_000, script))], [PsbtOutput()])
        pay = transfer(TransferParams(from_pubkey=Pubkey.from_bytes(ed_public),
                                      to_pubkey=Pubkey.new_unique(), lamports=5))
        sol = base64.b64encode(bytes(SolanaTransaction.new_unsigned(Message.new_with_blockhash(
            [pay], Pubkey.from_bytes(ed_public), Hash.default()))))
        base = {
            "ecdsa-secp256k1": rate(lambda: session.sign("bob", secp, b"message"), seconds),
            "ed25519": rate(lambda: session.sign("bob", ed, b"message"), seconds),
        }
        kinds = [
            ("ledger SignEvmTransaction (1559)", "ecdsa-secp256k1", rate(lambda: session.run(
                "bob", "SignEvmTransaction", key_id=secp, tx=tx), seconds)),
            ("ledger SignEvmMessage", "ecdsa-secp256k1", rate(lambda: session.run(
                "bob", "SignEvmMessage", key_id=secp, message=b"message"), seconds)),
            ("ledger SignPsbt (1 p2wpkh input)", "ecdsa-secp256k1", rate(lambda: session.run(
                "bob", "SignPsbt", key_id=secp, psbt=psbt.serialize()), seconds)),
            ("ledger SignSolanaTransaction", "ed25519", rate(lambda: session.run(
                "bob", "SignSolanaTransaction", key_id=ed, tx=sol), seconds)),
        ]
    finally:
        session.close()
    rows = [{"kind": f"ledger Sign ({name})", "signs_per_s": round(value), "raw": name,
             "ratio_to_raw": 1.0} for name, value in base.items()]
    rows += [{"kind": name, "signs_per_s": round(value), "raw": f"ledger Sign ({primitive})",
              "ratio_to_raw": round(value / base[primitive], 3)}
             for name, primitive, value in kinds]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5, help="per measurement")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--ledger", action="store_true", help="also whole commands")
    args = parser.parse_args()
    rows = run(args.seconds)
    if args.ledger:
        rows += run_ledger(args.seconds)
    if args.json:
        print(json.dumps({"python": platform.python_version(), "rows": rows}, indent=2))
        return
    print(f"{'kind':36} {'signs/s':>10} {'raw':>28} {'ratio':>7}")
    for row in rows:
        print(f"{row['kind']:36} {row['signs_per_s']:>10} {row['raw']:>28} "
              f"{row['ratio_to_raw']:>7}")


if __name__ == "__main__":
    main()
