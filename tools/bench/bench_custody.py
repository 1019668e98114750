"""Custody figures, same run: BYOK import and wrapped export against a plain CreateKey, and
the backup bundle recipe for N key versions (create, verify, open with 2 of 3 shares), and
the whole ceremony through the ledger for N keys: CreateBackup --all --whole-ledger, then
a lost home rebuilt with restore-home (replay of the log included), next to a plain replay
of the same log.

Why: an import costs an RSA-3072 key generation (GetImportParameters) and an RSA-OAEP
decryption (ImportKey) on top of a CreateKey; the bundle's cost grows with the number of
data keys (one AEAD pass, one unwrap per key on the way in, one wrap on the way out). The
issue asks for backup and restore time for 1,000 keys.

    python tools/bench/bench_custody.py [--keys 1000] [--rounds 5]

Prints one JSON object (medians in milliseconds).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import hashes, keywrap, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa  # noqa: E402

from commands.home_restore import restore_home  # noqa: E402
from commands.session import Session  # noqa: E402
from ledger.crypto.entropy import random_bytes  # noqa: E402
from ledger.home import Home  # noqa: E402
from ledger.recipes import backup_bundle, custody_keys  # noqa: E402
from ledger.recipes.backup_bundle import Entry  # noqa: E402
from ledger.replay import replay  # noqa: E402
from ledger.stores.sqlite import SQLiteEventStore  # noqa: E402

PASSPHRASE = "bench custody passphrase"
OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
PKCS8 = (serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
         serialization.NoEncryption())


def timed(action: Callable[[], Any], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 2)


def ledger_figures(rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        session = Session(Home(Path(folder) / "home"), passphrase=bytearray(PASSPHRASE.encode()))
        try:
            session.initialize(name="bench", checkpoint_every_events=1000,
                               default_approvals=False)  # measures the operations alone
            session.add_actor("admin", "alice", ["key-manager"], ["*"])

            def create() -> None:
                session.run("alice", "CreateKey", domain="default", algorithm="ed25519")

            tokens: list[dict[str, Any]] = []

            def issue() -> None:
                tokens.append(session.run("alice", "GetImportParameters", domain="default",
                                          algorithm="ed25519").result)

            def import_one() -> None:
                answer = tokens.pop()
                public = serialization.load_pem_public_key(
                    answer["wrapping_public_key"].encode())
                assert isinstance(public, rsa.RSAPublicKey)
                aes_key = os.urandom(32)
                material = ed25519.Ed25519PrivateKey.generate().private_bytes(*PKCS8)
                wrapped = public.encrypt(aes_key, OAEP) + keywrap.aes_key_wrap_with_padding(
                    aes_key, material)
                session.run("alice", "ImportKey", domain="default", token=answer["token"],
                            wrapped=wrapped)

            exportable = session.run("alice", "CreateKey", domain="default",
                                     algorithm="ed25519", exportable=True).result["key_id"]
            recipient = rsa.generate_private_key(public_exponent=65537, key_size=3072)
            pem = recipient.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

            def export() -> None:
                session.run("alice", "ExportKey", key_id=exportable, wrapping_public_key=pem)

            figures = {"create_key_ms": timed(create, rounds),
                       "get_import_parameters_ms": timed(issue, rounds),
                       "import_key_ms": timed(import_one, rounds),
                       "export_key_ms": timed(export, rounds)}
        finally:
            session.close()
    return figures


def bundle_figures(keys: int, rounds: int) -> dict[str, float]:
    pairs = [custody_keys.generate("ann"), custody_keys.generate("ben"),
             custody_keys.generate("cy")]
    custodians = [custody_keys.parse_public(p) for p, _ in pairs]
    ledger_key = ed25519.Ed25519PrivateKey.generate()
    public = ledger_key.public_key().public_bytes_raw()
    made: list[dict[str, Any]] = []

    def create() -> None:
        entries = [Entry({"kind": "key-version", "id": f"k{n}", "version": 1,
                          "ref": f"k{n}/v1"}, random_bytes(32)) for n in range(keys)]
        made.append(backup_bundle.create(
            entries, bundle_id="bench", ledger_id="bench", ledger_public_key=public,
            sign=ledger_key.sign, created_at=1, created_by="bench", custodians=custodians,
            threshold=2, scheme="feldman").bundle)

    create_ms = timed(create, rounds)
    bundle = made[-1]
    verify_ms = timed(lambda: backup_bundle.verify(bundle), rounds)
    shares = [backup_bundle.open_share(bundle, pairs[i][1]) for i in (0, 2)]

    def restore() -> None:
        checked = backup_bundle.verify(bundle)
        backup_bundle.open_payload(checked, shares, backup_bundle.split_record(checked))

    return {"keys": keys, "bundle_bytes": len(json.dumps(bundle)),
            "bundle_create_ms": create_ms, "bundle_verify_ms": verify_ms,
            "bundle_open_2_of_3_ms": timed(restore, rounds)}


def ceremony_figures(keys: int) -> dict[str, float]:
    """One whole-ledger backup of ``keys`` Ed25519 keys and one restore-home, timed once
    each (they are the operations an operator runs), with a plain replay alongside."""
    pairs = [custody_keys.generate("ann"), custody_keys.generate("ben"),
             custody_keys.generate("cy")]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        session = Session(Home(root / "home"), passphrase=bytearray(PASSPHRASE.encode()))
        try:
            session.initialize(name="bench", checkpoint_every_events=1000,
                               default_approvals=False)  # measures the operations alone
            session.add_actor("admin", "alice", ["key-manager"], ["*"])
            for _ in range(keys):
                session.run("alice", "CreateKey", domain="default", algorithm="ed25519")
            start = time.perf_counter()
            made = session.run("admin", "CreateBackup", all_keys=True, whole_ledger=True,
                               custodians=[p for p, _ in pairs], threshold=2).result
            backup_ms = (time.perf_counter() - start) * 1000
        finally:
            session.close()
        bundle = json.dumps(made["bundle"]).encode()
        shares = [json.dumps(backup_bundle.open_share(made["bundle"], pairs[i][1])).encode()
                  for i in (0, 2)]
        log = root / "log-copy.db"
        (root / "home" / "ledger.db").rename(log)
        source, plain = SQLiteEventStore(log), SQLiteEventStore(root / "plain.db")
        start = time.perf_counter()
        try:
            events = sum(replay(source, plain).copied.values())
        finally:
            source.close()
            plain.close()
        replay_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        done = restore_home(Home(root / "restored"), bytearray(b"new bench passphrase"),
                            bundle=bundle, shares=shares, source_url=f"sqlite:///{log}",
                            actor="admin")
        restore_ms = (time.perf_counter() - start) * 1000
    assert done["restore"] is not None and len(done["restore"]["restored_refs"]) == keys
    return {"ceremony_keys": keys, "ceremony_events": events,
            "create_backup_whole_ledger_ms": round(backup_ms, 1),
            "restore_home_ms": round(restore_ms, 1), "plain_replay_ms": round(replay_ms, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    print(json.dumps({**ledger_figures(options.rounds),
                      **bundle_figures(options.keys, options.rounds),
                      **ceremony_figures(options.keys)}, indent=2))


if __name__ == "__main__":
    main()
