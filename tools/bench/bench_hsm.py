"""HSM (SoftHSM2 over PKCS#11) against software, same run: sign and data-key wrap/unwrap.

Never run by the tests. Makes a throw-away token with ``tools/softhsm/softhsm.sh`` in a
temporary directory, then times, in alternating batches so machine noise hits both sides:

* sign, P-256 and Ed25519 (and P-384): the raw token call (``CKM_ECDSA`` on a digest,
  ``CKM_EDDSA``), the full :class:`HsmSigningKey.sign` (hash, token, DER + low-s, software
  verification of the result), and the project's software scheme (``ecdsa-p256``,
  ``ed25519``);
* wrap and unwrap of a 32-byte data key: the raw ``C_WrapKey``/``C_UnwrapKey`` (KWP), the
  :class:`Pkcs11KEK` with ``aes-kwp`` and with ``aes-gcm``, against RFC 5649 AES-KW from
  pyca/cryptography and the passphrase KEK (AES-256-GCM in software).

Figures are medians of per-batch means, in microseconds; compare the ratios more than the
absolute numbers (this machine is shared).

    .venv/bin/python tools/bench/bench_hsm.py [--batch 300] [--batches 5] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pkcs11
from cryptography.hazmat.primitives.keywrap import (
    aes_key_unwrap_with_padding,
    aes_key_wrap_with_padding,
)
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass

from ledger.crypto.kek import PassphraseKEK
from ledger.crypto.schemes import get_scheme
from ledger.hsm.pkcs11_kek import WRAP_AES_GCM, WRAP_AES_KWP, Pkcs11KEK
from ledger.hsm.signing import HsmSigningKey, generate_signing_key
from ledger.hsm.token import TokenSession, open_token, read_pin_file

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "softhsm" / "softhsm.sh"
MESSAGE = bytes(range(256)) * 4  # 1 KiB, as in bench_algorithms
AAD = b"skms/wrapped-data-key/v1\x00key-1:v1"


def make_token(directory: Path) -> dict[str, str]:
    subprocess.run(["bash", str(SCRIPT), "install"], check=True)
    made = subprocess.run(["bash", str(SCRIPT), "token", str(directory), "bench"],
                          check=True, capture_output=True, text=True)
    env = {}
    for line in made.stdout.splitlines():
        name, _, value = shlex.split(line)[1].partition("=")
        env[name] = value
    os.environ["SOFTHSM2_CONF"] = env["SOFTHSM2_CONF"]  # before the module is loaded
    return env


def measure(operations: dict[str, Callable[[], object]], batch: int, batches: int
            ) -> dict[str, float]:
    """Median over ``batches`` of the mean µs per call; operations alternate batch by batch."""
    samples: dict[str, list[float]] = {name: [] for name in operations}
    for operation in operations.values():
        operation()  # warm up
    for _ in range(batches):
        for name, operation in operations.items():
            start = time.perf_counter()
            for _ in range(batch):
                operation()
            samples[name].append((time.perf_counter() - start) / batch * 1e6)
    return {name: statistics.median(values) for name, values in samples.items()}


def sign_operations(token: TokenSession) -> dict[str, dict[str, Callable[[], object]]]:
    groups: dict[str, dict[str, Callable[[], object]]] = {}
    for algorithm in ("ecdsa-p256", "ed25519", "ecdsa-p384"):
        record = generate_signing_key(token, algorithm)
        key = HsmSigningKey.open(token, record)
        scheme = get_scheme(algorithm)
        seed = bytearray(os.urandom(scheme.seed_size))
        software_key = scheme.generate(seed)

        def find_private(session: Any, record: Any = record) -> Any:
            return session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=record.object_id)

        private = token.call("finding the key", find_private)
        if algorithm == "ed25519":
            mechanism, payload = Mechanism.EDDSA, MESSAGE
        else:
            digest = hashlib.sha384 if algorithm == "ecdsa-p384" else hashlib.sha256
            mechanism, payload = Mechanism.ECDSA, digest(MESSAGE).digest()

        def raw(private: Any = private, mechanism: Any = mechanism,
                payload: bytes = payload) -> object:
            return token.call("signing", lambda session: private.sign(payload,
                                                                      mechanism=mechanism))

        groups[algorithm] = {
            "token call (raw)": raw,
            "HsmSigningKey.sign": lambda key=key: key.sign(MESSAGE),
            "software scheme": lambda scheme=scheme, software_key=software_key:
                scheme.sign(software_key, MESSAGE),
        }
    return groups


def wrap_operations(env: dict[str, str], token: TokenSession
                    ) -> tuple[dict[str, Callable[[], object]], dict[str, Callable[[], object]],
                               list[Any]]:
    pin = read_pin_file(env["SKMS_PKCS11_PIN_FILE"])
    module, label = env["SKMS_PKCS11_MODULE"], env["SKMS_PKCS11_TOKEN_LABEL"]
    kwp, _ = Pkcs11KEK.create(module, label, pin, key_label="bench-kwp", method=WRAP_AES_KWP)
    gcm, _ = Pkcs11KEK.create(module, label, pin, key_label="bench-gcm", method=WRAP_AES_GCM)
    passphrase, _ = PassphraseKEK.create(b"bench passphrase")
    data_key = bytearray(os.urandom(32))
    software_kek = os.urandom(32)

    def token_objects(session: Any) -> tuple[Any, Any]:
        kek = session.get_key(object_class=ObjectClass.SECRET_KEY, label="bench-kwp")
        secret = session.create_object({
            Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.KEY_TYPE: KeyType.GENERIC_SECRET,
            Attribute.VALUE: bytes(data_key), Attribute.TOKEN: False,
            Attribute.SENSITIVE: False, Attribute.EXTRACTABLE: True})
        return kek, secret

    raw_kek, raw_secret = token.call("bench objects", token_objects)
    raw_wrapped = token.call("wrap", lambda s: raw_kek.wrap_key(
        raw_secret, mechanism=Mechanism.AES_KEY_WRAP_PAD))

    def raw_unwrap() -> object:
        def run(session: Any) -> object:
            obj = raw_kek.unwrap_key(ObjectClass.SECRET_KEY, KeyType.GENERIC_SECRET,
                                     raw_wrapped, mechanism=Mechanism.AES_KEY_WRAP_PAD,
                                     capabilities=0, template={
                                         Attribute.TOKEN: False, Attribute.SENSITIVE: False,
                                         Attribute.EXTRACTABLE: True})
            value = obj[Attribute.VALUE]
            obj.destroy()
            return value
        return token.call("unwrap", run)

    wrapped = {"kwp": kwp.wrap(data_key, AAD), "gcm": gcm.wrap(data_key, AAD),
               "passphrase": passphrase.wrap(data_key, AAD),
               "aes-kw": aes_key_wrap_with_padding(software_kek, bytes(data_key))}
    wrap = {
        "token C_WrapKey (raw KWP)": lambda: token.call("wrap", lambda s: raw_kek.wrap_key(
            raw_secret, mechanism=Mechanism.AES_KEY_WRAP_PAD)),
        "Pkcs11KEK aes-kwp": lambda: kwp.wrap(data_key, AAD),
        "Pkcs11KEK aes-gcm": lambda: gcm.wrap(data_key, AAD),
        "software AES-KW (RFC 5649)": lambda: aes_key_wrap_with_padding(software_kek,
                                                                        bytes(data_key)),
        "PassphraseKEK (AES-GCM)": lambda: passphrase.wrap(data_key, AAD),
    }
    unwrap = {
        "token C_UnwrapKey + read (raw KWP)": raw_unwrap,
        "Pkcs11KEK aes-kwp": lambda: kwp.unwrap(wrapped["kwp"], AAD),
        "Pkcs11KEK aes-gcm": lambda: gcm.unwrap(wrapped["gcm"], AAD),
        "software AES-KW (RFC 5649)": lambda: aes_key_unwrap_with_padding(software_kek,
                                                                          wrapped["aes-kw"]),
        "PassphraseKEK (AES-GCM)": lambda: passphrase.unwrap(wrapped["passphrase"], AAD),
    }
    return wrap, unwrap, [kwp, gcm, passphrase]


def table(title: str, figures: dict[str, float], software: str) -> list[str]:
    lines = [f"{title}", f"  {'operation':<38}{'µs/op':>10}{'× software':>12}"]
    for name, value in figures.items():
        lines.append(f"  {name:<38}{value:>10.1f}{value / figures[software]:>12.2f}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=300)
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="skms-bench-hsm-") as directory:
        env = make_token(Path(directory) / "softhsm")
        pin = read_pin_file(env["SKMS_PKCS11_PIN_FILE"])
        results: dict[str, dict[str, float]] = {}
        with open_token(env["SKMS_PKCS11_MODULE"], env["SKMS_PKCS11_TOKEN_LABEL"],
                        pin) as token:
            for algorithm, operations in sign_operations(token).items():
                results[f"sign {algorithm}"] = measure(operations, args.batch, args.batches)
            wrap, unwrap, providers = wrap_operations(env, token)
            results["wrap 32-byte data key"] = measure(wrap, args.batch, args.batches)
            results["unwrap 32-byte data key"] = measure(unwrap, args.batch, args.batches)
            for provider in providers:
                provider.close()
        lib = pkcs11.lib(os.path.realpath(env["SKMS_PKCS11_MODULE"]))  # as token.py loads it
        meta = {"python": platform.python_version(), "machine": platform.machine(),
                "cpus": os.cpu_count(), "module": lib.library_description,
                "module_version": ".".join(map(str, lib.library_version)),
                "python_pkcs11": getattr(pkcs11, "__version__", "0.10"),
                "batch": args.batch, "batches": args.batches}
    if args.json:
        print(json.dumps({"meta": meta, "results": results}, indent=2))
        return
    print(f"SoftHSM {meta['module_version']} via python-pkcs11, Python {meta['python']}, "
          f"{meta['cpus']} CPUs; median of {args.batches} batches of {args.batch}")
    for title, figures in results.items():
        software = next(name for name in figures if name.startswith("software"))
        print("\n".join(table(title, figures, software)))


if __name__ == "__main__":
    main()
