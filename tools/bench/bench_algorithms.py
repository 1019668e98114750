"""Per-algorithm benchmark (never run by the tests): each operation through the ledger and as
a raw library call, measured in the same run.

Why both: the ledger's price is mostly not the cryptography. A ledger keygen also runs the
entropy health tests, seals the key (AES-256-GCM under a fresh data key wrapped by the
KEK), writes the key-ring and commits a signed, hash-chained event with ``fsync``; a
ledger sign also unseals and records ``SignatureIssued``. Measuring the raw call beside it,
on the same noisy machine and in the same minute, shows which algorithms are bounded by the
ledger and which by their own arithmetic (RSA keygen, SLH-DSA signing). Compare ratios
more than absolute numbers.

"Through the ledger" means what the CLI does (``tools/bench/bench_ledger.py`` style):
commands are built and signed by the acting identity beforehand (untimed), then only
``commands.handlers.execute`` is timed. Verification has no ledger command (anyone can
verify with a public key); its ledger column is the ``skms verify`` path: the key read from
the loaded ledger plus our scheme module's ``verify``.

    .venv/bin/python tools/bench/bench_algorithms.py                 # print the tables
    .venv/bin/python tools/bench/bench_algorithms.py --write-doc docs/algorithms.md
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import blspy
import coincurve
import cryptography
import nacl.signing
from cryptography.hazmat.primitives import hashes, hmac, hpke, serialization
from cryptography.hazmat.primitives.asymmetric import ec, mldsa, mlkem, padding, rsa, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pqcrypto.sign import slh_dsa_sha2_128f, slh_dsa_sha2_128s, slh_dsa_sha2_256s

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pypqc's patent notice (see ledger/crypto/falcon.py)
    from pqc.sign import falcon_512, falcon_1024

from commands.handlers import execute
from commands.session import Session, now_micros
from ledger.command import Command
from ledger.crypto.memory import zeroize
from ledger.crypto.schemes import all_schemes, get_scheme
from ledger.home import Home

DOMAIN = "bench"
MESSAGE = bytes(range(256)) * 4  # 1 KiB, for every sign, MAC and encrypt
DOC_START = "<!-- bench_algorithms:start -->"
DOC_END = "<!-- bench_algorithms:end -->"

Op = Callable[[], object]


def measure(prepare: Callable[[], Op], budget: float, min_count: int, max_count: int,
            rounds: int = 5) -> float:
    """Operations per second, the best of ``rounds`` rounds.

    ``prepare`` (untimed) returns one operation to time. Best-of rather than the mean,
    as ``timeit`` recommends: on a shared machine interference only ever slows a round
    down, so the fastest round is the closest to the algorithm's own cost.
    """
    best = 0.0
    per_round_min = max(1, min_count // rounds)
    per_round_max = max(per_round_min, max_count // rounds)
    for _ in range(rounds):
        count, elapsed = 0, 0.0
        while (elapsed < budget / rounds or count < per_round_min) and count < per_round_max:
            operation = prepare()
            start = time.perf_counter()
            operation()
            elapsed += time.perf_counter() - start
            count += 1
        best = max(best, count / elapsed if elapsed else float("inf"))
    return best


def same(op: Op) -> Callable[[], Op]:
    return lambda: op


# --- raw library baselines -----------------------------------------------------------------
# One (keygen, sign, verify) triple per scheme, written against the library the scheme
# module wraps, with the same message handling (hash, salt length) where it matters.

RawTriple = tuple[Op, Callable[[Any], bytes], Callable[[Any, bytes], object]]


def _ecdsa(curve: ec.EllipticCurve, digest: hashes.HashAlgorithm) -> Callable[[], RawTriple]:
    def build() -> RawTriple:
        key = ec.generate_private_key(curve)
        algorithm = ec.ECDSA(digest)
        return (lambda: ec.generate_private_key(curve),
                lambda _: key.sign(MESSAGE, algorithm),
                lambda _, sig: key.public_key().verify(sig, MESSAGE, algorithm))
    return build


def _rsa(bits: int, pss: bool) -> Callable[[], RawTriple]:
    def build() -> RawTriple:
        key = rsa.generate_private_key(65537, bits)
        pad: padding.AsymmetricPadding = (
            padding.PSS(padding.MGF1(hashes.SHA256()), 32) if pss else padding.PKCS1v15())
        return (lambda: rsa.generate_private_key(65537, bits),
                lambda _: key.sign(MESSAGE, pad, hashes.SHA256()),
                lambda _, sig: key.public_key().verify(sig, MESSAGE, pad, hashes.SHA256()))
    return build


def _mldsa(cls: Any) -> Callable[[], RawTriple]:
    def build() -> RawTriple:
        key = cls.generate()
        return (cls.generate, lambda _: key.sign(MESSAGE),
                lambda _, sig: key.public_key().verify(sig, MESSAGE))
    return build


def _slh(module: Any) -> Callable[[], RawTriple]:
    def build() -> RawTriple:
        public, secret = module.keygen()
        return (module.keygen, lambda _: module.sign(secret, MESSAGE),
                lambda _, sig: module.verify(public, MESSAGE, sig))
    return build


def _falcon(module: Any) -> Callable[[], RawTriple]:
    def build() -> RawTriple:
        public, secret = module.keypair()
        return (module.keypair, lambda _: module.sign(MESSAGE, secret),
                lambda _, sig: module.verify(sig, MESSAGE, public))
    return build


def _ed25519() -> RawTriple:
    key = nacl.signing.SigningKey.generate()
    return (nacl.signing.SigningKey.generate, lambda _: key.sign(MESSAGE).signature,
            lambda _, sig: key.verify_key.verify(MESSAGE, sig))


def _secp256k1() -> RawTriple:
    key = coincurve.PrivateKey()
    return (coincurve.PrivateKey, lambda _: key.sign(MESSAGE),
            lambda _, sig: key.public_key.verify(sig, MESSAGE))


def _schnorr() -> RawTriple:
    key = coincurve.PrivateKey()
    digest = hashlib.sha256(MESSAGE).digest()  # coincurve's API takes 32-byte messages
    xonly = coincurve.PublicKeyXOnly.from_secret(key.secret)
    return (coincurve.PrivateKey, lambda _: key.sign_schnorr(digest),
            lambda _, sig: xonly.verify(sig, digest))


def _bls() -> RawTriple:
    scheme = blspy.PopSchemeMPL
    key = scheme.key_gen(bytes(range(32)))
    return (lambda: scheme.key_gen(bytes(range(32))), lambda _: bytes(scheme.sign(key, MESSAGE)),
            lambda _, sig: scheme.verify(key.get_g1(), MESSAGE,
                                         blspy.G2Element.from_bytes(sig)))


def _hybrid() -> RawTriple:
    pq = mldsa.MLDSA65PrivateKey.generate()
    classic = nacl.signing.SigningKey.generate()

    def keygen() -> object:
        return mldsa.MLDSA65PrivateKey.generate(), nacl.signing.SigningKey.generate()

    def sign(_: object) -> bytes:
        return pq.sign(MESSAGE) + classic.sign(MESSAGE).signature

    def verify(_: object, sig: bytes) -> None:
        pq.public_key().verify(sig[:-64], MESSAGE)
        classic.verify_key.verify(MESSAGE, sig[-64:])

    return keygen, sign, verify


RAW: dict[str, Callable[[], RawTriple]] = {
    "ed25519": _ed25519,
    "ecdsa-secp256k1": _secp256k1,
    "ecdsa-p256": _ecdsa(ec.SECP256R1(), hashes.SHA256()),
    "ecdsa-p384": _ecdsa(ec.SECP384R1(), hashes.SHA384()),
    "ecdsa-p521": _ecdsa(ec.SECP521R1(), hashes.SHA512()),
    "schnorr-bip340": _schnorr,
    "bls12381-pop": _bls,
    "ml-dsa-44": _mldsa(mldsa.MLDSA44PrivateKey),
    "ml-dsa-65": _mldsa(mldsa.MLDSA65PrivateKey),
    "ml-dsa-87": _mldsa(mldsa.MLDSA87PrivateKey),
    "slh-dsa-sha2-128f": _slh(slh_dsa_sha2_128f),
    "slh-dsa-sha2-128s": _slh(slh_dsa_sha2_128s),
    "slh-dsa-sha2-256s": _slh(slh_dsa_sha2_256s),
    "falcon-512": _falcon(falcon_512),
    "falcon-1024": _falcon(falcon_1024),
    "hybrid-mldsa65-ed25519": _hybrid,
    "rsa-pss-2048": _rsa(2048, True),
    "rsa-pss-3072": _rsa(3072, True),
    "rsa-pss-4096": _rsa(4096, True),
    "rsa-pkcs1v15-2048": _rsa(2048, False),
    "rsa-pkcs1v15-3072": _rsa(3072, False),
    "rsa-pkcs1v15-4096": _rsa(4096, False),
}


# --- the ledger side -----------------------------------------------------------------------

class Actors:
    """Signs commands as alice (key-manager) and bob (key user), untimed."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.ledger = session.ledger()
        self._ids = {name: session.home.identity(name).actor_id for name in ("alice", "bob")}
        self._keys = {name: session.home.identity_key(name, session.kek())
                      for name in ("alice", "bob")}

    def signed(self, actor: str, command_type: str, args: dict[str, Any]) -> Any:
        command = Command(command_type, self._ids[actor], DOMAIN, args, now_micros())
        return command.sign(self._keys[actor])

    def close(self) -> None:
        for key in self._keys.values():
            zeroize(key)


def ledger_keygen(actors: Actors, algorithm: str) -> Callable[[], Op]:
    def prepare() -> Op:
        signed = actors.signed("alice", "CreateKey", {"algorithm": algorithm})
        return lambda: execute(actors.ledger, signed)
    return prepare


def ledger_sign(actors: Actors, key_id: str) -> Callable[[], Op]:
    digest = hashlib.sha256(MESSAGE).hexdigest()

    def prepare() -> Op:
        signed = actors.signed("bob", "Sign", {"key_id": key_id, "message_digest": digest})
        return lambda: execute(actors.ledger, signed, {"message": MESSAGE})
    return prepare


def ledger_data(actors: Actors, command_type: str, args: dict[str, Any],
                inputs: dict[str, bytes]) -> Callable[[], Op]:
    def prepare() -> Op:
        signed = actors.signed("bob", command_type, args)
        return lambda: execute(actors.ledger, signed, inputs)
    return prepare


def bench_signatures(actors: Actors, budget: float, only: set[str] | None
                     ) -> list[dict[str, Any]]:
    rows = []
    for scheme in all_schemes():
        algorithm = scheme.scheme_id
        if only and algorithm not in only:
            continue
        slow = algorithm.startswith(("rsa-", "slh-dsa-sha2-256s", "slh-dsa-sha2-128s"))
        low, high = (2, 20) if slow else (5, 3000)
        raw_keygen, raw_sign, raw_verify = RAW[algorithm]()
        signature = raw_sign(None)
        key_id = str(execute(actors.ledger, actors.signed(
            "alice", "CreateKey", {"algorithm": algorithm})).result)
        ours = get_scheme(algorithm)
        ledger_signature = execute(actors.ledger, actors.signed("bob", "Sign", {
            "key_id": key_id, "message_digest": hashlib.sha256(MESSAGE).hexdigest()}),
            message=MESSAGE).result

        def verify_through_ledger(key_id: str = key_id, sig: bytes = ledger_signature,
                                  ours: Any = ours) -> None:
            key = actors.ledger.key(key_id)
            ours.verify(key.versions[key.current_version]["public_key"], MESSAGE, sig)

        rows.append({
            "algorithm": algorithm,
            "keygen_raw": measure(same(raw_keygen), budget, low, high),
            "keygen_ledger": measure(ledger_keygen(actors, algorithm), budget, low, high),
            "sign_raw": measure(same(lambda f=raw_sign: f(None)), budget, low, high),
            "sign_ledger": measure(ledger_sign(actors, key_id), budget, low, high),
            "verify_raw": measure(same(lambda s=signature, f=raw_verify: f(None, s)), budget,
                                  low, high),
            "verify_ledger": measure(same(verify_through_ledger), budget, low, high),
            "signature_size": len(ledger_signature),
        })
        print(f"  measured {algorithm}", file=sys.stderr)
    return rows


def bench_kinds(actors: Actors, budget: float) -> list[dict[str, Any]]:
    """Encrypt/decrypt (AES, hybrid), data keys, MACs and key agreement."""
    session, ledger = actors.session, actors.ledger
    empty_digest = hashlib.sha256(b"").hexdigest()
    rows: list[dict[str, Any]] = []

    def create(algorithm: str) -> str:
        return str(execute(ledger, actors.signed("alice", "CreateKey",
                                                 {"algorithm": algorithm})).result)

    def row(algorithm: str, operation: str, raw: Op, ledger_prepare: Callable[[], Op]) -> None:
        rows.append({"algorithm": algorithm, "operation": operation,
                     "raw": measure(same(raw), budget, 5, 5000),
                     "ledger": measure(ledger_prepare, budget, 5, 5000)})
        print(f"  measured {algorithm} {operation}", file=sys.stderr)

    aes_id = create("aes-256-gcm")
    aes = AESGCM(AESGCM.generate_key(256))
    nonce = bytes(12)
    sealed = aes.encrypt(nonce, MESSAGE, None)
    ciphertext = session.encrypt("bob", aes_id, MESSAGE).result["ciphertext"]
    row("aes-256-gcm", "encrypt 1 KiB", lambda: aes.encrypt(nonce, MESSAGE, None),
        ledger_data(actors, "Encrypt", {"key_id": aes_id, "plaintext_size": len(MESSAGE),
                                        "aad_digest": empty_digest}, {"plaintext": MESSAGE}))
    row("aes-256-gcm", "decrypt 1 KiB", lambda: aes.decrypt(nonce, sealed, None),
        ledger_data(actors, "Decrypt", {
            "key_id": aes_id, "ciphertext_digest": hashlib.sha256(ciphertext).hexdigest(),
            "aad_digest": empty_digest}, {"ciphertext": ciphertext}))
    row("aes-256-gcm", "generate data key",
        lambda: aes.encrypt(nonce, AESGCM.generate_key(256), None),
        ledger_data(actors, "GenerateDataKey", {"key_id": aes_id, "aad_digest": empty_digest},
                    {}))

    hmac_id = create("hmac-sha256")
    hmac_key = bytes(32)

    def raw_mac() -> bytes:
        context = hmac.HMAC(hmac_key, hashes.SHA256())
        context.update(MESSAGE)
        return context.finalize()

    row("hmac-sha256", "MAC 1 KiB", raw_mac, ledger_data(
        actors, "GenerateMac", {"key_id": hmac_id,
                                "message_digest": hashlib.sha256(MESSAGE).hexdigest()},
        {"message": MESSAGE}))

    peer_x = x25519.X25519PrivateKey.generate()
    ours_x = x25519.X25519PrivateKey.generate()
    x_id = create("x25519")
    row("x25519", "derive (ECDH + HKDF)", lambda: HKDF(hashes.SHA256(), 32, None, b"i").derive(
        ours_x.exchange(peer_x.public_key())), ledger_data(actors, "DeriveSharedSecret", {
            "key_id": x_id, "peer_public_key": peer_x.public_key().public_bytes_raw().hex(),
            "info": b"i".hex()}, {}))
    peer_p = ec.generate_private_key(ec.SECP256R1())
    ours_p = ec.generate_private_key(ec.SECP256R1())
    p_id = create("ecdh-p256")
    encoded = peer_p.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.CompressedPoint)
    row("ecdh-p256", "derive (ECDH + HKDF)", lambda: HKDF(hashes.SHA256(), 32, None, b"i").derive(
        ours_p.exchange(ec.ECDH(), peer_p.public_key())), ledger_data(
            actors, "DeriveSharedSecret", {"key_id": p_id, "peer_public_key": encoded.hex(),
                                           "info": b"i".hex()}, {}))

    suite = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
    private = hpke.MLKEM768X25519PrivateKey(mlkem.MLKEM768PrivateKey.generate(),
                                            x25519.X25519PrivateKey.generate())
    public = private.public_key()
    transported = suite.encrypt(bytes(32), public, info=b"i")
    kem_id = create("mlkem768-x25519")
    kem_blob = session.encrypt("bob", kem_id, bytes(32)).result["ciphertext"]
    row("mlkem768-x25519", "encrypt 32 B (HPKE seal)",
        lambda: suite.encrypt(bytes(32), public, info=b"i"),
        ledger_data(actors, "Encrypt", {"key_id": kem_id, "plaintext_size": 32,
                                        "aad_digest": empty_digest}, {"plaintext": bytes(32)}))
    row("mlkem768-x25519", "decrypt 32 B (HPKE open)",
        lambda: suite.decrypt(transported, private, info=b"i"),
        ledger_data(actors, "Decrypt", {
            "key_id": kem_id, "ciphertext_digest": hashlib.sha256(kem_blob).hexdigest(),
            "aad_digest": empty_digest}, {"ciphertext": kem_blob}))
    return rows


# --- output --------------------------------------------------------------------------------

def _rate(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.1f}"
    return f"{value:.2f}"


def tables(signatures: list[dict[str, Any]], kinds: list[dict[str, Any]],
           meta: dict[str, str]) -> str:
    lines = [f"Measured {meta['date']} on {meta['machine']} (Python {meta['python']}, "
             f"cryptography {meta['cryptography']}); operations per second, 1 KiB messages, "
             "SQLite store with `synchronous=FULL`, best of 5 rounds per cell. The machine (2 "
             "CPUs) was shared with other work, so single cells can still be off by 2x: "
             "compare the columns of one row, not rows measured minutes apart.", "",
             "| algorithm | sig bytes | keygen raw | keygen ledger | sign raw | sign ledger | "
             "verify raw | verify (ledger path) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in signatures:
        lines.append(f"| `{row['algorithm']}` | {row['signature_size']} | "
                     f"{_rate(row['keygen_raw'])} | {_rate(row['keygen_ledger'])} | "
                     f"{_rate(row['sign_raw'])} | {_rate(row['sign_ledger'])} | "
                     f"{_rate(row['verify_raw'])} | {_rate(row['verify_ledger'])} |")
    lines += ["", "| algorithm | operation | raw | ledger |", "|---|---|---:|---:|"]
    for row in kinds:
        lines.append(f"| `{row['algorithm']}` | {row['operation']} | {_rate(row['raw'])} | "
                     f"{_rate(row['ledger'])} |")
    return "\n".join(lines)


def write_doc(path: Path, text: str) -> None:
    current = path.read_text(encoding="utf-8")
    if DOC_START not in current or DOC_END not in current:
        raise SystemExit(f"{path} lacks the {DOC_START} / {DOC_END} markers")
    head, rest = current.split(DOC_START, 1)
    _, tail = rest.split(DOC_END, 1)
    path.write_text(f"{head}{DOC_START}\n{text}\n{DOC_END}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=0.3,
                        help="seconds of timed work per cell (at least a few operations)")
    parser.add_argument("--only", nargs="*", default=None, help="signature algorithm ids")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--write-doc", type=Path, default=None,
                        help="replace the measured section of this markdown file")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="skms-bench-algorithms-"))
    session = Session(Home(folder / "home"), passphrase=bytearray(b"benchmark passphrase"))
    session.initialize(name="bench", checkpoint_every_events=1024)
    session.add_actor("admin", "alice", ["key-manager"], ["*"])
    session.add_actor("admin", "bob", ["signer"], ["*"])
    actors = Actors(session)
    try:
        signatures = bench_signatures(actors, args.budget, set(args.only) if args.only else None)
        kinds = bench_kinds(actors, args.budget)
    finally:
        actors.close()
        session.close()
    meta = {"date": time.strftime("%Y-%m-%d"), "python": platform.python_version(),
            "machine": f"{platform.machine()} {platform.system()}",
            "cryptography": cryptography.__version__}
    if args.json:
        print(json.dumps({"meta": meta, "signatures": signatures, "kinds": kinds}, indent=2))
        return
    text = tables(signatures, kinds, meta)
    print(text)
    if args.write_doc is not None:
        write_doc(args.write_doc, text)
        print(f"wrote the measured section of {args.write_doc}", file=sys.stderr)


if __name__ == "__main__":
    main()
