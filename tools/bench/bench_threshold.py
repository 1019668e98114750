"""Threshold signature benchmark (never run by the tests): FROST, threshold BLS, MuSig2.

Each figure is the median of ``--rounds`` runs in one process, beside a raw single-key
signature of the same family measured in the same run, so the ratio says what the
threshold protocol costs over the plain scheme on this machine:

* FROST(Ed25519, SHA-512), 2-of-3: a whole signing session (both signers' round 1, the
  signing package, both signature shares, aggregation with verification of every share and
  of the final signature) against one raw pynacl Ed25519 sign;
* the FROST Pedersen DKG, 2-of-3, all three participants' three steps;
* threshold BLS 3-of-5 combine (verify three partials with blspy, Lagrange in G2 with
  arkworks, verify the result) against one raw blspy sign, and the interpolation alone with
  arkworks and with py_ecc (the slow reference);
* MuSig2 2-of-2 (nonce gen, nonce agg, two partial signatures, two partial verifications,
  aggregation) against one raw BIP-340 sign (coincurve).

Across processes and through the ledger (the issue's other figures) need the commands of
the next round; they are not measured here.

    .venv/bin/python tools/bench/bench_threshold.py [--rounds 30] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import coincurve
import nacl.signing
from blspy import PopSchemeMPL, PrivateKey
from py_arkworks_bls12381 import G2Point, Scalar
from py_ecc.bls.g2_primitives import G2_to_signature, signature_to_G2
from py_ecc.optimized_bls12_381 import add, multiply

from ledger.crypto.threshold import bls, musig2
from ledger.crypto.threshold.dealer import trusted_dealer_keygen
from ledger.crypto.threshold.dkg import dkg_part1, dkg_part2, dkg_part3
from ledger.crypto.threshold.frost import aggregate, commit, sign
from ledger.crypto.threshold.messages import SigningPackage
from ledger.crypto.threshold.polynomial import lagrange_coefficient
from ledger.crypto.threshold.suites import BLS12381_KEYGEN, FROST_ED25519

MESSAGE = b"benchmark message" * 4


def median_ms(action: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def frost_session(split) -> Callable[[], bytes]:  # type: ignore[no-untyped-def]
    shares = {s.identifier: s for s in split.shares}

    def run() -> bytes:
        nonces = {i: commit(shares[i]) for i in (1, 3)}
        package = SigningPackage(FROST_ED25519, MESSAGE,
                                 tuple(nonces[i].commitments for i in (1, 3)))
        sig_shares = [sign(shares[i], nonces[i], package) for i in (1, 3)]
        return aggregate(split.public_key_package, package, sig_shares)

    return run


def frost_dkg() -> object:
    r1 = {i: dkg_part1(FROST_ED25519, i, 2, 3, session_id=b"bench") for i in (1, 2, 3)}
    r2 = {i: dkg_part2(r1[i][0], [r1[j][1] for j in r1 if j != i]) for i in r1}
    return [dkg_part3(r2[i][0], [s for j in r2 if j != i for s in r2[j][1] if s.recipient == i])
            for i in r2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rounds = args.rounds
    results: dict[str, float] = {}

    signing_key = nacl.signing.SigningKey(bytes(range(32)))
    results["ed25519_raw_sign_ms"] = median_ms(lambda: signing_key.sign(MESSAGE), rounds * 10)
    split = trusted_dealer_keygen(FROST_ED25519, 2, 3)
    results["frost_ed25519_2of3_session_ms"] = median_ms(frost_session(split), rounds)
    results["frost_ed25519_2of3_dkg_ms"] = median_ms(frost_dkg, max(5, rounds // 3))

    bls_split = bls.trusted_dealer_keygen(3, 5)
    bls_shares = {s.identifier: s for s in bls_split.shares}
    partials = [bls.partial_sign(bls_shares[i], MESSAGE) for i in (1, 3, 5)]
    results["bls_3of5_combine_ms"] = median_ms(
        lambda: bls.combine(bls_split.public_key_package, MESSAGE, partials), rounds)
    bls_key = PrivateKey.from_bytes((12345).to_bytes(32, "big"))
    results["bls_raw_sign_ms"] = median_ms(lambda: PopSchemeMPL.sign(bls_key, MESSAGE), rounds)
    scalars = BLS12381_KEYGEN.group.scalars
    lagrange = [scalars.to_int(lagrange_coefficient(scalars, [1, 3, 5], i)) for i in (1, 3, 5)]

    def py_ecc_interpolate() -> bytes:
        total = None
        for coefficient, partial in zip(lagrange, partials, strict=True):
            term = multiply(signature_to_G2(partial.signature), coefficient)
            total = term if total is None else add(total, term)
        return bytes(G2_to_signature(total))

    ark_lagrange = [Scalar(c) for c in lagrange]

    def arkworks_interpolate() -> bytes:
        points = [G2Point.from_compressed_bytes(p.signature) for p in partials]
        combined: bytes = G2Point.multiexp_unchecked(points, ark_lagrange).to_compressed_bytes()
        return combined

    combined = bls.combine(bls_split.public_key_package, MESSAGE, partials)
    assert py_ecc_interpolate() == combined == arkworks_interpolate()
    results["bls_3of5_interpolate_arkworks_ms"] = median_ms(arkworks_interpolate, rounds)
    results["bls_3of5_interpolate_py_ecc_ms"] = median_ms(py_ecc_interpolate, max(3, rounds // 10))

    secrets = [hashlib.sha256(bytes([i])).digest() for i in (1, 2)]
    pubkeys = musig2.key_sort([musig2.individual_pubkey(sk) for sk in secrets])
    by_key = {musig2.individual_pubkey(sk): sk for sk in secrets}
    digest = hashlib.sha256(MESSAGE).digest()

    def musig_session() -> bytes:
        nonces = [musig2.nonce_gen(by_key[pk], pk, None, digest) for pk in pubkeys]
        session = musig2.SessionContext(musig2.nonce_agg([n for _, n in nonces]),
                                        tuple(pubkeys), (), (), digest)
        psigs = [musig2.sign(nonces[i][0], by_key[pk], session) for i, pk in enumerate(pubkeys)]
        for i, psig in enumerate(psigs):
            musig2.partial_sig_verify(psig, [n for _, n in nonces], pubkeys, [], [], digest, i)
        return musig2.partial_sig_agg(psigs, session)

    results["musig2_2of2_session_ms"] = median_ms(musig_session, rounds)
    schnorr_key = coincurve.PrivateKey(secrets[0])
    results["bip340_raw_sign_ms"] = median_ms(lambda: schnorr_key.sign_schnorr(digest),
                                              rounds * 10)

    ratios = {
        "frost_session_over_raw_ed25519": results["frost_ed25519_2of3_session_ms"]
        / results["ed25519_raw_sign_ms"],
        "bls_combine_over_raw_bls_sign": results["bls_3of5_combine_ms"]
        / results["bls_raw_sign_ms"],
        "musig2_session_over_raw_bip340": results["musig2_2of2_session_ms"]
        / results["bip340_raw_sign_ms"],
    }
    report = {"machine": platform.platform(), "python": platform.python_version(),
              "rounds": rounds, "median_ms": results, "ratios": ratios}
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
        return
    for name, value in results.items():
        print(f"{name:40s} {value:10.3f} ms")
    for name, value in ratios.items():
        print(f"{name:40s} {value:10.1f} x")


if __name__ == "__main__":
    main()
