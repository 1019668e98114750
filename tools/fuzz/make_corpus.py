"""Write the seed corpus of every fuzz harness (``tests/fuzz/corpus/<harness>/seed-*``).

Seeds are real SKMS output (envelopes, commands, checkpoints, proofs from a sample ledger
built through the product's own session) plus a few hand-made edge cases, so the fuzzer
starts deep inside each parser instead of at its first byte. Run it again after a format
change; it leaves ``regression-*`` inputs (crashes found once) alone.

    .venv/bin/python tools/fuzz/make_corpus.py [harness ...]    # all when none is named
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import nacl.signing
from cryptography.hazmat.primitives import keywrap

from commands.sdk import httpsig
from ledger.chains.bitcoin.addresses import NETWORKS
from ledger.chains.bitcoin.finalize import finalize_inputs
from ledger.chains.bitcoin.signer import SigningKey, sign_psbt
from ledger.chains.solana import CLUSTERS
from ledger.command import parse_command
from ledger.crypto import hd
from ledger.crypto.algorithms import material_maker
from ledger.crypto.privacy import blind_rsa, pok, ring
from ledger.crypto.privacy.fuzz_targets import paillier_fuzz_key
from ledger.crypto.zk import range_proof, stark
from ledger.envelope import open_envelope
from ledger.events.codec import event_types
from ledger.merkle.checkpoint import Checkpoint, sign_checkpoint
from ledger.proofs import build_consistency, build_inclusion
from ledger.recipes.byok import to_export
from tests.chains.inputs import (
    RECIPIENT,
    as_json,
    eip1559,
    legacy,
    multisig_psbt,
    single_key_psbt,
    solana_transfer,
)
from tests.fuzz.targets import (
    BODY_ENTRIES,
    CHAIN_PARSERS,
    FUZZ_CHAIN_SEED,
    FUZZ_FINGERPRINT,
    FUZZ_IMPORT_AES_KEY,
    FUZZ_KEY_NAME,
    FUZZ_KEY_SEED,
    FUZZ_WALLET_SEED,
    HARNESSES,
    IMPORT_ALGORITHMS,
    KEY_IMPORT_MODES,
    PRIVACY_PARSERS,
    ZK_PARSERS,
    backup_documents,
    fuzz_chain_public_key,
    fuzz_issuer_key,
    fuzz_verifier_key,
)
from tests.sample_ledger import KEY_CHAIN, build_sample

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "fuzz" / "corpus"
BIP32_TV1_XPUB = ("xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1"
                  "Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8")
"""BIP-32 test vector 1, chain m (public)."""


def fuzz_signed(checkpoint: Checkpoint) -> str:
    return sign_checkpoint(checkpoint, FUZZ_KEY_NAME, bytearray(FUZZ_KEY_SEED))


def seeds() -> dict[str, list[bytes]]:
    sample = build_sample()
    out: dict[str, list[bytes]] = {name: [] for name in HARNESSES}

    by_type: dict[str, bytes] = {}
    commands: list[bytes] = []
    all_commands: list[bytes] = []
    for stored in sample.envelopes():
        envelope = open_envelope(stored)
        all_commands.append(envelope.command)
        if envelope.command not in commands and len(commands) < 8:
            commands.append(envelope.command)
        if envelope.event_type not in by_type:
            index = event_types().index(envelope.event_type)
            payload = b"P" + bytes([index, envelope.schema_version - 1]) + envelope.payload
            out["envelope"].append(payload)
            by_type[envelope.event_type] = stored.body
    out["envelope"] += [*list(by_type.values()), b"", b"\x02", b"\x02" + b"\x00" * 40]
    out["command"] += [*commands, b"{}", b'{"type":1}', b"[" * 40, b'{"args":{"a":1.5}}']

    body = json.dumps({"algorithm": "ed25519"}).encode()
    headers = httpsig.sign_http(bytearray(FUZZ_KEY_SEED), "actor-1", "POST",
                                "https://skms.test/v1/keys", body, created=1_700_000_000,
                                nonce="n" * 24)
    out["httpsig"] += [
        "\n".join([headers["signature-input"], headers["signature"],
                   headers["content-digest"]]).encode() + b"\n" + body,
        b'sig1=("@method" "@path" "content-digest");created=1;nonce="abcdefghijklmnop";'
        b'keyid="a";alg="ed25519"\nsig1=::\nsha-256=:AA==:\n',
        b"sig2=();created=-1\n\n\n",
    ]

    checkpoints = [Checkpoint(FUZZ_KEY_NAME, size, hashlib.sha256(str(size).encode()).digest())
                   for size in (0, 1, 18_446_744_073_709_551_615)]
    checkpoints.append(Checkpoint(FUZZ_KEY_NAME, 7, bytes(32), ("ext one", "ext two")))
    real = sample.checkpoints[KEY_CHAIN][-1].note
    out["checkpoint"] += [fuzz_signed(c).encode() for c in checkpoints] + [
        checkpoints[1].body().encode(), real.encode(), fuzz_verifier_key().encode(),
        b"origin\n01\nAAAA\n\n\xe2\x80\x94 x AAAAAAA=\n"]

    store = sample.memory_store()
    size = sample.checkpoints[KEY_CHAIN][-1].size
    inclusion = build_inclusion(store, KEY_CHAIN, 3, size)
    consistency = build_consistency(store, KEY_CHAIN, sample.checkpoints[KEY_CHAIN][0].size,
                                    size)
    for document in (inclusion, consistency):
        out["proofs"].append(json.dumps(document, sort_keys=True).encode())
        pinned = dict(document)  # the same proof, its root signed with the fuzz key
        pinned["checkpoint"] = fuzz_signed(Checkpoint(
            f"{sample.origin}/{KEY_CHAIN}", document["tree_size"],
            base64.b64decode(document["root"])))
        pinned["ledger_key_name"] = FUZZ_KEY_NAME
        out["proofs"].append(json.dumps(pinned, sort_keys=True).encode())
        bare = {k: v for k, v in document.items() if k != "checkpoint"}
        out["proofs"].append(json.dumps(bare, sort_keys=True).encode())
    out["proofs"].append(b'{"format":"skms-proof-v1","type":"inclusion","tree_size":1}')

    out["feed"] += [b"0", b"42", b"4611686018427387904", b"4611686018427387905", b"",
                    b"0042", "\u00b2".encode()]

    for scheme_byte, scheme in ((b"\x00", "feldman"), (b"\x01", "slip39")):
        documents = backup_documents(scheme)
        out["wallet_backup"] += [scheme_byte + json.dumps(documents[:2]).encode(),
                                 scheme_byte + json.dumps(documents).encode(),
                                 scheme_byte + json.dumps(documents[:1]).encode()]
    out["wallet_backup"].append(b"\x00[{}]")

    mnemonic = hd.new_mnemonic(12, rng=lambda n: bytearray(range(n))).text
    spanish = hd.new_mnemonic(24, "spanish", rng=lambda n: bytearray(n)).text
    _, xpub = hd.account_xpub(FUZZ_WALLET_SEED, purpose="84", coin="bitcoin", account=0)
    out["mnemonic"] += [mnemonic.encode(), spanish.encode(), b"english\t" + mnemonic.encode(),
                        BIP32_TV1_XPUB.encode(), xpub.encode(), b"abandon " * 11 + b"zoo"]

    zero_signature = base64.b64encode(bytes(64)).decode()
    by_type = {parse_command(c).command_type: c.decode() for c in all_commands}

    def signed(command_type: str, **inputs: Any) -> str:
        return json.dumps({"command": by_type[command_type], "signature": zero_signature,
                           **inputs})

    bodies = {
        "CreateKey": signed("CreateKey"),
        "RotateKey": signed("RotateKey"),
        "RequestCheckpoint": signed("RequestCheckpoint"),
        "Sign": signed("Sign", message="bWVzc2FnZSAw"),  # "message 0", what was signed
        "SignBatch": json.dumps({"command": by_type["Sign"], "signature": zero_signature,
                                 "messages": ["aGVsbG8=", "!!"]}),
        "Verify": '{"message": "aGVsbG8=", "signature": "00ff", "version": 1}',
        "VerifyBatch": '{"items": [{"message": "", "signature": ""}]}',
        "VerifyProof": json.dumps({"document": inclusion, "trusted_checkpoints": [real],
                                   "ledger_key": sample.ledger_public_key.hex()}),
        "AuditVerify": json.dumps({"trusted_checkpoints": [real], "ledger_key": "zz"}),
        "Query": '{"sql": "SELECT 1", "timeout": 2}',
    }
    names = [spec.name for spec in BODY_ENTRIES]
    out["http_bodies"] += [bytes([names.index(n)]) + text.encode() for n, text in bodies.items()]
    out["zk_proofs"] += zk_seeds()
    out["privacy"] += privacy_seeds()
    out["chains"] += chain_seeds()
    out["key_import"] += key_import_seeds()
    return out


def zk_seeds() -> list[bytes]:
    """A real proof of each kind (deterministic), the snarkjs fixture, a transcript, inputs."""
    def replayable(size: int) -> bytearray:
        return bytearray(hashlib.shake_256(b"skms fuzz range proof").digest(size))

    made, _ = range_proof.prove([200], bits=8, context=b"", rng=replayable)
    chain = stark.prove(stark.start_from_bytes(b"fuzz"), 2)
    fixture = Path(__file__).resolve().parents[2] / "tests" / "zk" / "data"
    snark = {name: json.loads((fixture / f"snarkjs_{name}.json").read_text())
             for name in ("vkey", "proof", "public")}
    transcript = {"format": "skms-groth16-ceremony-v1", "curve": "bn128", "power": 10,
                  "tools": {"snarkjs": "0.7.6"}, "circuits": ["commitment_opening"],
                  "files": {"commitment_opening.zkey": "00" * 32}, "commands": [["snarkjs"]]}
    kinds = {kind: index for index, kind in enumerate(ZK_PARSERS)}
    tampered = bytearray(made.to_bytes())
    tampered[-1] ^= 1
    return [bytes([kinds["range"]]) + made.to_bytes(),
            bytes([kinds["range"]]) + bytes(tampered),
            bytes([kinds["stark"]]) + chain.to_bytes(),
            bytes([kinds["snark"]]) + json.dumps(snark).encode(),
            bytes([kinds["transcript"]]) + json.dumps(transcript).encode(),
            bytes([kinds["input"]]) + b'{"secret": "1", "blinding": ["2", "3"]}']


def privacy_seeds() -> list[bytes]:
    """A real ring signature, proof, ciphertext body, issuer key and blind signature, each
    behind the byte that picks its parser, plus edge cases."""
    pick = {name: bytes([i]) for i, name in enumerate(PRIVACY_PARSERS)}
    members = [hashlib.sha256(bytes([i])).digest() for i in range(3)]
    keys = [bytes(nacl.signing.SigningKey(m).verify_key) for m in members]
    signature = ring.sign(keys, 1, bytearray(members[1]), b"fuzz", scope=b"fuzz")
    proof = pok.prove("ed25519", bytearray(members[0]), user_id="fuzz",
                      challenge=pok.PoKChallenge("skms-fuzz", "fuzz", bytes(32)))
    key = paillier_fuzz_key()
    ciphertext = key.encrypt(5).to_bytes()[1 + 16:]  # the target adds a valid header
    issuer = fuzz_issuer_key()
    blinded = blind_rsa.blind(blind_rsa.VARIANTS[next(iter(blind_rsa.VARIANTS))], issuer,
                              b"fuzz")
    return [pick["ring"] + signature.to_bytes(), pick["pok"] + proof.to_bytes(),
            pick["paillier"] + ciphertext, pick["blind-key"] + issuer,
            pick["blind-signature"] + bytes(256), pick["ring"] + b"\x01\x00\x02", b"",
            pick["paillier-key"] + key.to_bytes(), pick["ring-members"] + b"".join(keys),
            pick["blind-finalize"] + bytes(blinded.blinded_message) + bytes(blinded.inverse)]


def chain_seeds() -> list[bytes]:
    """Real inputs of each chain parser, paying the public fuzz keys so the signer signs:
    PSBTs of every input kind the signer knows (binary and base64, unsigned, partly signed,
    finalized), the three EVM transaction types, typed data, legacy and v0 Solana
    transfers; each behind the parser byte and the network/cluster byte."""
    pick = {name: i for i, name in enumerate(CHAIN_PARSERS)}
    public = fuzz_chain_public_key()
    other = bytes.fromhex("02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5")
    testnet = bytes([sorted(NETWORKS).index("testnet")])
    psbts = [single_key_psbt(public, (kind,), origin="m/84'/1'/0'/0/0",
                             fingerprint=FUZZ_FINGERPRINT)
             for kind in ("p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr")]
    psbts.append(single_key_psbt(public))  # two inputs: P2WPKH and P2TR
    psbts.append(multisig_psbt([public, other]))
    key = SigningKey.from_private(bytearray(FUZZ_CHAIN_SEED))
    signed = sign_psbt(psbts[2], key, network_name="testnet", rng=bytearray).psbt
    final = finalize_inputs(signed)[0]
    out = [bytes([pick["psbt"]]) + testnet + p.serialize() for p in (*psbts, signed, final)]
    out.append(bytes([pick["psbt"]]) + testnet + psbts[3].to_base64().encode())

    access = [{"address": RECIPIENT, "storageKeys": ["0x" + "00" * 31 + "01"]}]
    transactions = [legacy(), eip1559(), {**legacy(chain_id=11155111), "accessList": access},
                    eip1559(value=0, data="0xa9059cbb" + "00" * 64, accessList=access)]
    out += [bytes([pick["evm-tx"], 0]) + b"\n" + as_json(tx) for tx in transactions]
    out.append(bytes([pick["evm-tx"], 0]) + b"sepolia\n" + as_json(eip1559()))
    typed = {"types": {"EIP712Domain": [{"name": "name", "type": "string"},
                                        {"name": "chainId", "type": "uint256"}],
                       "Order": [{"name": "owner", "type": "address"},
                                 {"name": "amounts", "type": "uint256[]"},
                                 {"name": "memo", "type": "bytes"}]},
             "primaryType": "Order", "domain": {"name": "skms fuzz", "chainId": 1},
             "message": {"owner": RECIPIENT, "amounts": [1, 2], "memo": "0x00ff"}}
    out.append(bytes([pick["evm-typed"], 0]) + as_json(typed))

    ed25519_public = bytes(nacl.signing.SigningKey(FUZZ_KEY_SEED).verify_key)
    devnet = bytes([list(CLUSTERS).index("devnet")])
    out += [bytes([pick["solana"]]) + devnet + solana_transfer(ed25519_public, v0=v0)
            for v0 in (False, True)]
    return out


def key_import_seeds() -> list[bytes]:
    """Key material of several algorithms in its import encoding (PKCS#8 DER, raw, the
    scheme's own) as real wrapped AES-KWP parts behind the fuzz token's RSA-OAEP head
    (mode ``kwp``; the head is made per run, the RSA key cannot be fixed across runs) and
    as bare material (mode ``material``), plus blob-shaped edge cases."""
    modes = {name: bytes([i]) for i, name in enumerate(KEY_IMPORT_MODES)}
    out = []
    for number, algorithm in enumerate(("ed25519", "ecdsa-p256", "ecdsa-secp256k1",
                                        "x25519", "aes-256-gcm", "rsa-pss-2048",
                                        "ml-dsa-44", "bls12381-pop")):
        maker = material_maker(algorithm)
        seed = hashlib.sha256(f"skms fuzz import {algorithm}".encode()).digest()
        native = maker.generate(seed[:maker.seed_size].ljust(maker.seed_size, b"\x00"))
        material = bytes(to_export(algorithm, native))
        pick = bytes([IMPORT_ALGORITHMS.index(algorithm)])
        if len(material) < 2048:
            wrapped = keywrap.aes_key_wrap_with_padding(FUZZ_IMPORT_AES_KEY, material)
            out.append(pick + modes["kwp"] + wrapped)
        if number % 2 == 0 or len(material) > 2048:
            out.append(pick + modes["material"] + material)
    ed25519 = bytes([IMPORT_ALGORITHMS.index("ed25519")])
    out += [ed25519 + modes["blob"] + bytes(384 + 24), ed25519 + modes["blob"] + b"\x01",
            ed25519 + modes["material"] + bytes(32)]
    return out


def main(only: set[str]) -> None:
    for name, inputs in seeds().items():
        if only and name not in only:
            continue
        folder = CORPUS / name
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("seed-*"):
            old.unlink()
        for number, data in enumerate(inputs):
            (folder / f"seed-{number:02d}").write_bytes(data)
        print(f"{name:<14} {len(inputs):>3} seeds, {sum(map(len, inputs)):>6} bytes")


if __name__ == "__main__":
    main(set(sys.argv[1:]))
