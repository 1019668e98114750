"""MuSig2 through the ledger (never run by the tests): a 3-of-3 MuSig2 (BIP-327) session
end to end among three homes in one process, beside the single-key audited ``Sign`` of the
same kind of key (ecdsa-secp256k1) measured in the same run.

A session is seven audited commands: three ``CommitThresholdSigning`` (NonceGen with the
ledger key unsealed, the secnonce sealed), three ``SignThresholdShare`` (nonce and key
unsealed, Sign, the nonce's data key shredded) and one ``AggregateThresholdSignature``
(every partial signature verified, then BIP-340 verification), each signed by its actor,
admitted, decided and committed with fsync.

    .venv/bin/python tools/bench/bench_musig_ledger.py [--rounds 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import coincurve

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from commands.session import Session  # noqa: E402
from ledger.home import Home  # noqa: E402

PASSPHRASE = "bench musig passphrase"
MESSAGE = b"benchmark payout"


def median_ms(action: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def make_home(folder: Path) -> Session:
    current = Session(Home(folder), passphrase=bytearray(PASSPHRASE.encode()))
    current.initialize(name=folder.name, checkpoint_every_events=1000)
    current.add_actor("admin", "km", ["key-manager"], ["*"])
    current.add_actor("admin", "signer", ["signer"], ["*"])
    return current


def run(seat: Session, actor: str, name: str, **params: Any) -> dict[str, Any]:
    result = seat.run(actor, name, **params).result
    assert isinstance(result, dict)
    return result


def session(seats: dict[int, Session], group_id: str) -> None:
    session_id = str(uuid.uuid4())
    nonces = [run(s, "signer", "CommitThresholdSigning", group_id=group_id,
                  session_id=session_id)["message"] for s in seats.values()]
    partials = [run(s, "signer", "SignThresholdShare", group_id=group_id,
                    session_id=session_id, commitments=nonces, message=MESSAGE)["message"]
                for s in seats.values()]
    run(seats[1], "signer", "AggregateThresholdSignature", group_id=group_id,
        session_id=session_id, commitments=nonces, shares=partials, message=MESSAGE)


def measure(root: Path, rounds: int) -> dict[str, float]:
    seats = {i: make_home(root / f"seat{i}") for i in (1, 2, 3)}
    try:
        keys = {i: run(s, "km", "CreateKey", algorithm="ecdsa-secp256k1")["key_id"]
                for i, s in seats.items()}
        publics = [coincurve.PublicKey(bytes(
            seats[i].ledger().key(k).versions[1]["public_key"])).format().hex()
            for i, k in keys.items()]
        group_id = ""
        for i, s in seats.items():
            group_id = run(s, "km", "AggregateMusigKey", key_id=keys[i],
                           public_keys=publics)["group_id"]
        single = median_ms(lambda: seats[1].sign("signer", keys[1], MESSAGE), rounds)
        musig = median_ms(lambda: session(seats, group_id), rounds)
    finally:
        for seat in seats.values():
            seat.close()
    return {"single_sign_ms": single, "session_ms": musig, "ratio": musig / single}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        figures = {"machine": f"{platform.machine()} {os.cpu_count()} cpu(s), Python "
                              f"{platform.python_version()}",
                   "rounds": options.rounds, "one_process": measure(Path(folder),
                                                                    options.rounds)}
    if options.json:
        print(json.dumps(figures, indent=2))
        return
    f = figures["one_process"]
    assert isinstance(f, dict)
    print(figures["machine"], f"median of {options.rounds}")
    print(f"single-key audited sign (ecdsa-secp256k1) {f['single_sign_ms']:8.1f} ms   "
          f"3-of-3 MuSig2 session {f['session_ms']:8.1f} ms   ({f['ratio']:.1f}x)")


if __name__ == "__main__":
    main()
