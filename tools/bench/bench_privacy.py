"""Privacy primitives benchmark (never run by the tests): each operation beside the library
primitive it is built from, measured in the same run.

What is compared, and why:

* Schnorr PoK (RFC 8235) prove / verify against one scalar multiplication of the same
  library and against a plain signature (Ed25519 sign/verify with PyNaCl; coincurve's
  BIP-340): a proof costs one base multiplication to make and about two to check, so the
  ratios, not the absolute numbers, say whether the protocol code adds anything.
* LSAG with a ring of 11 (Monero's ring size) sign / verify, against one scalar multiplication
  (an n-member ring costs about 4n of them) and the signature size.
* RFC 9474 blind signing: the issuer's ``blind_sign`` and the client's whole round trip
  (prepare, blind, blind_sign, finalize with its verification) against cryptography's plain
  RSA-PSS-SHA384 sign with the same key.
* Paillier (3072-bit): encrypt, decrypt, add, add a constant, multiply by a constant.
* ``--ledger``: the commands through a real ledger (signed command, admission, handler,
  unsealing, event, SQLite commit) beside the bare primitive of the same run: BlindSign,
  HomomorphicCombine of two ciphertexts, HomomorphicDecrypt, ProveKeyPossession and
  RingApprove (ring of 3).

Best of a few rounds (on a shared machine interference only slows a round down). Keep the
run short: about a minute on 2 cores.

    .venv/bin/python tools/bench/bench_privacy.py            # markdown table
    .venv/bin/python tools/bench/bench_privacy.py --json     # machine-readable
    .venv/bin/python tools/bench/bench_privacy.py --ledger --rsa-bits 3072
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import nacl.bindings
import nacl.signing
from coincurve import PrivateKey, PublicKeyXOnly
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from commands.privacy_reads import blind_message, homomorphic_encrypt
from commands.session import Session
from ledger.crypto.privacy import blind_rsa, paillier, pok, ring
from ledger.crypto.privacy import ed25519_group as ed
from ledger.domain.approval_group import approval_scope, approval_statement
from ledger.home import Home

Row = dict[str, object]


def best_ms(operation: Callable[[], object], *, rounds: int = 5, budget: float = 0.4,
            max_count: int = 2000) -> float:
    """Milliseconds per call, the fastest of ``rounds`` rounds of about ``budget`` seconds."""
    best = float("inf")
    for _ in range(rounds):
        count, start = 0, time.perf_counter()
        while True:
            operation()
            count += 1
            elapsed = time.perf_counter() - start
            if elapsed >= budget / rounds or count >= max_count:
                break
        best = min(best, elapsed / count)
    return best * 1e3


def seed(label: str) -> bytearray:
    return bytearray(hashlib.sha256(label.encode()).digest())


def bench_pok() -> list[Row]:
    rows: list[Row] = []
    challenge = pok.issue_challenge("skms://bench", "login")
    ed_seed = seed("pok")
    ed_public = bytes(nacl.signing.SigningKey(bytes(ed_seed)).verify_key)
    ed_proof = pok.prove("ed25519", ed_seed, user_id="alice", challenge=challenge)
    scalar = ed.hash_to_scalar(b"bench")
    signer = nacl.signing.SigningKey(bytes(ed_seed))
    signed = signer.sign(challenge.nonce)
    rows += [
        {"group": "pok", "operation": "Ed25519 PoK prove", "ms": best_ms(
            lambda: pok.prove("ed25519", ed_seed, user_id="alice", challenge=challenge)),
         "size": len(ed_proof.to_bytes())},
        {"group": "pok", "operation": "Ed25519 PoK verify", "ms": best_ms(
            lambda: pok.verify("ed25519", ed_public, ed_proof, user_id="alice",
                               challenge=challenge)), "size": ""},
        {"group": "pok", "operation": "  one scalar mult (libsodium noclamp)", "ms": best_ms(
            lambda: nacl.bindings.crypto_scalarmult_ed25519_noclamp(scalar, ed_public)),
         "size": ""},
        {"group": "pok", "operation": "  Ed25519 sign (PyNaCl)", "ms": best_ms(
            lambda: signer.sign(challenge.nonce)), "size": 64},
        {"group": "pok", "operation": "  Ed25519 verify (PyNaCl)", "ms": best_ms(
            lambda: signer.verify_key.verify(signed)), "size": ""},
    ]
    k1 = PrivateKey(bytes(seed("pok-k1")))
    k1_secret = bytearray(k1.secret)
    k1_public = k1.public_key.format(compressed=True)
    k1_proof = pok.prove("secp256k1", k1_secret, user_id="alice", challenge=challenge)
    digest = hashlib.sha256(b"bench").digest()
    bip340 = k1.sign_schnorr(digest)
    xonly = PublicKeyXOnly(k1_public[1:])
    rows += [
        {"group": "pok", "operation": "secp256k1 PoK prove", "ms": best_ms(
            lambda: pok.prove("secp256k1", k1_secret, user_id="alice", challenge=challenge)),
         "size": len(k1_proof.to_bytes())},
        {"group": "pok", "operation": "secp256k1 PoK verify", "ms": best_ms(
            lambda: pok.verify("secp256k1", k1_public, k1_proof, user_id="alice",
                               challenge=challenge)), "size": ""},
        {"group": "pok", "operation": "  one scalar mult (coincurve)", "ms": best_ms(
            lambda: k1.public_key.multiply(digest)), "size": ""},
        {"group": "pok", "operation": "  BIP-340 sign (coincurve)", "ms": best_ms(
            lambda: k1.sign_schnorr(digest)), "size": 64},
        {"group": "pok", "operation": "  BIP-340 verify (coincurve)", "ms": best_ms(
            lambda: xonly.verify(bip340, digest)), "size": ""},
    ]
    return rows


def bench_ring(size: int = 11) -> list[Row]:
    seeds = [seed(f"ring-{i}") for i in range(size)]
    keys = [bytes(nacl.signing.SigningKey(bytes(s)).verify_key) for s in seeds]
    message, scope = b"approve CR-1042", b"proposal:CR-1042"
    signature = ring.sign(keys, 5, seeds[5], message, scope=scope)
    scalar = ed.hash_to_scalar(b"bench")
    return [
        {"group": "ring", "operation": f"LSAG sign, ring of {size}", "ms": best_ms(
            lambda: ring.sign(keys, 5, seeds[5], message, scope=scope), budget=1.0),
         "size": len(signature.to_bytes())},
        {"group": "ring", "operation": f"LSAG verify, ring of {size}", "ms": best_ms(
            lambda: ring.verify(keys, message, signature, scope=scope), budget=1.0),
         "size": ""},
        {"group": "ring", "operation": "  one scalar mult (libsodium noclamp)", "ms": best_ms(
            lambda: nacl.bindings.crypto_scalarmult_ed25519_noclamp(scalar, keys[0])),
         "size": ""},
        {"group": "ring", "operation": "  hash to point (SHA-512 + from_uniform)", "ms": best_ms(
            lambda: ed.hash_to_point(b"bench", keys[0])), "size": ""},
    ]


def bench_blind(bits: int) -> list[Row]:
    private = blind_rsa.generate_issuer_key(bits)
    public = blind_rsa.issuer_public_key(private)
    variant = blind_rsa.VARIANTS["RSABSSA-SHA384-PSS-Randomized"]
    message = b"token"
    prepared = blind_rsa.prepare(variant, message)
    blinding = blind_rsa.blind(variant, public, prepared)
    key = serialization.load_der_private_key(bytes(private), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("issuer key is not RSA")
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48)

    def round_trip() -> None:
        prep = blind_rsa.prepare(variant, message)
        b = blind_rsa.blind(variant, public, prep)
        s = blind_rsa.blind_sign(private, b.blinded_message)
        blind_rsa.finalize(variant, public, prep, s, b.inverse)

    return [
        {"group": "blind", "operation": f"RSA-{bits} blind (client)", "ms": best_ms(
            lambda: blind_rsa.blind(variant, public, prepared), budget=1.0), "size": bits // 8},
        {"group": "blind", "operation": f"RSA-{bits} blind_sign (issuer)", "ms": best_ms(
            lambda: blind_rsa.blind_sign(private, blinding.blinded_message), budget=1.5),
         "size": bits // 8},
        {"group": "blind", "operation": f"RSA-{bits} full round trip", "ms": best_ms(
            round_trip, budget=2.0), "size": ""},
        {"group": "blind", "operation": f"  RSA-{bits} PSS-SHA384 sign (cryptography)",
         "ms": best_ms(lambda: key.sign(prepared, pss, hashes.SHA384()), budget=1.0),
         "size": bits // 8},
    ]


def bench_paillier(bits: int = 3072) -> list[Row]:
    key = paillier.generate_keypair(bits)
    pk = key.public_key
    a, b = pk.encrypt(1200), pk.encrypt(34)
    return [
        {"group": "paillier", "operation": f"Paillier-{bits} encrypt", "ms": best_ms(
            lambda: pk.encrypt(1200), budget=2.0), "size": len(a.to_bytes())},
        {"group": "paillier", "operation": f"Paillier-{bits} decrypt", "ms": best_ms(
            lambda: key.decrypt(a), budget=1.5), "size": ""},
        {"group": "paillier", "operation": "add two ciphertexts", "ms": best_ms(
            lambda: paillier.add(a, b)), "size": ""},
        {"group": "paillier", "operation": "add a constant", "ms": best_ms(
            lambda: paillier.add_constant(a, 66)), "size": ""},
        {"group": "paillier", "operation": "multiply by a 32-bit constant", "ms": best_ms(
            lambda: paillier.multiply_constant(a, 0xDEADBEEF)), "size": ""},
        {"group": "paillier", "operation": "re-randomise", "ms": best_ms(
            lambda: paillier.rerandomize(a), budget=2.0), "size": ""},
    ]


def bench_ledger() -> list[Row]:
    """The privacy commands through a ledger on SQLite in a scratch home."""
    with tempfile.TemporaryDirectory() as folder:
        session = Session(Home(Path(folder) / "home"), passphrase=bytearray(b"bench"))
        try:
            session.initialize(name="bench", checkpoint_every_events=1000)
            for name, role in (("alice", "key-manager"), ("bob", "signer"),
                               ("carol", "auditor"), ("dave", "approver")):
                session.add_actor("admin", name, [role], ["*"])
            return _ledger_rows(session)
        finally:
            session.close()


def _ledger_rows(session: Session) -> list[Row]:
    def create(algorithm: str) -> str:
        return str(session.run("alice", "CreateKey", algorithm=algorithm).result["key_id"])

    def public(key_id: str) -> str:
        return bytes(session.ledger().key(key_id).versions[1]["public_key"]).hex()

    issuer, counter, ed_key = (create("rsabssa-sha384-pss-randomized-3072"),
                               create("paillier-3072"), create("ed25519"))
    variant = "RSABSSA-SHA384-PSS-Randomized"
    blinded = blind_message(None, public(issuer), variant, b"token")["blinded_message"]
    blobs = [homomorphic_encrypt(None, public(counter), str(v))["ciphertext"] for v in (5, 7)]
    members = [str(session.home.identity(n).actor_id) for n in ("bob", "carol", "dave")]
    group = session.run("alice", "CreateApprovalGroup", members=members,
                        quorum=3).result["group_id"]
    ring_keys = [bytes(session.ledger().actor(m).public_key) for m in members]
    member_key = session.home.identity_key("dave", session.kek())
    proposals = iter(range(10**6))

    def approve() -> None:
        proposal = f"p-{next(proposals)}"
        signature = ring.sign(ring_keys, 2, member_key, approval_statement(
            group, proposal, hashlib.sha256(b"m").digest()), scope=approval_scope(
            group, proposal))
        session.run("admin", "RingApprove", group_id=group, proposal=proposal, message=b"m",
                    signature=signature.to_bytes().hex())

    nonce = "11" * 32
    return [
        {"group": "ledger", "operation": "BlindSign (RSA-3072) through the ledger", "ms":
         best_ms(lambda: session.run("bob", "BlindSign", key_id=issuer,
                                     blinded_message=blinded), rounds=3, budget=3.0),
         "size": len(blinded)},
        {"group": "ledger", "operation": "HomomorphicCombine of 2 (Paillier-3072)", "ms":
         best_ms(lambda: session.run("bob", "HomomorphicCombine", key_id=counter,
                                     ciphertexts=blobs), rounds=3, budget=3.0), "size": ""},
        {"group": "ledger", "operation": "HomomorphicDecrypt (Paillier-3072)", "ms":
         best_ms(lambda: session.run("bob", "HomomorphicDecrypt", key_id=counter,
                                     ciphertext=blobs[0]), rounds=3, budget=3.0), "size": ""},
        {"group": "ledger", "operation": "ProveKeyPossession (Ed25519)", "ms":
         best_ms(lambda: session.run("bob", "ProveKeyPossession", key_id=ed_key,
                                     service="s", purpose="p", nonce=nonce),
                 rounds=3, budget=2.0), "size": 66},
        {"group": "ledger", "operation": "ring-sign + RingApprove (ring of 3)", "ms":
         best_ms(approve, rounds=3, budget=2.0), "size": 3 + 32 * 5},
        {"group": "ledger", "operation": "  Sign (Ed25519) through the ledger", "ms":
         best_ms(lambda: session.run("bob", "Sign", key_id=ed_key, message=b"m"),
                 rounds=3, budget=2.0), "size": 64},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rsa-bits", type=int, nargs="+", default=[2048, 3072, 4096])
    parser.add_argument("--ledger", action="store_true",
                        help="Also time the commands through a ledger.")
    args = parser.parse_args()
    rows = bench_pok() + bench_ring()
    for bits in args.rsa_bits:
        rows += bench_blind(bits)
    rows += bench_paillier()
    if args.ledger:
        rows += bench_ledger()
    if args.json:
        print(json.dumps({"machine": platform.platform(), "rows": rows}, indent=2))
        return
    print(f"machine: {platform.platform()}, Python {platform.python_version()}\n")
    print("| operation | ms | bytes |\n|---|---:|---:|")
    for row in rows:
        print(f"| {row['operation']} | {float(str(row['ms'])):.3f} | {row['size']} |")


if __name__ == "__main__":
    main()
