"""``skms demo``: a realistic key lifecycle recorded as a verifiable ledger, then audited."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import click

from commands.cli.printer import emit, guarded, json_option
from commands.cli.state import CliState
from ledger.application import Outcome
from ledger.audit import Auditor
from ledger.crypto.schemes import get_scheme
from ledger.errors import CommandRejected
from ledger.stores.base import EventStore
from projections.query import open_sandbox
from projections.runner import ProjectionRunner, database_path


@click.command()
@click.option("--signatures", default=12, show_default=True, type=click.IntRange(1, 100_000),
              help="How many documents each signing key signs.")
@json_option
@click.pass_obj
@guarded
def demo(state: CliState, signatures: int) -> None:
    """Initialize a ledger (if needed) and run a realistic key lifecycle through it."""
    session = state.new_session()
    started = time.perf_counter()
    steps: list[str] = []

    def step(text: str) -> None:
        steps.append(text)
        if not state.json:
            click.echo(f"  - {text}")

    if not session.home.exists():
        info = session.initialize(name="demo", checkpoint_every_events=16)
        step(f"initialized ledger {info['ledger_id']} (admin identity 'admin')")
    admin = state.as_actor
    for name, roles in (("alice", ["key-manager"]), ("bob", ["signer"]),
                        ("carol", ["auditor"]), ("dave", ["analyst"])):
        session.add_actor(admin, name, roles, ["*"])
        step(f"registered {name} as {', '.join(roles)}")
    keys: dict[str, str] = {}
    for algorithm in ("ed25519", "ecdsa-secp256k1", "ecdsa-p256"):
        created = _made(session.run("alice", "CreateKey", domain="payments",
                                    algorithm=algorithm, label=f"payments-{algorithm}"))
        keys[algorithm] = created["key_id"]
        step(f"alice created an {algorithm} key {created['key_id']}")
    ledger = session.ledger()
    signed = 0
    for algorithm, key_id in keys.items():
        scheme = get_scheme(algorithm)
        for number in range(signatures):
            message = f"invoice #{number} paid from {algorithm} account".encode()
            outcome = session.sign("bob", key_id, message)
            scheme.verify(ledger.key(key_id).versions[ledger.key(key_id).current_version]
                          ["public_key"], message,
                          bytes.fromhex(_made(outcome)["signature"]))
            signed += 1
    step(f"bob signed {signed} invoices; every signature verified with the public key")
    session.key_command("alice", "RotateKey", keys["ed25519"])
    step("alice rotated the ed25519 key to version 2")
    session.sign("bob", keys["ed25519"], b"first invoice under version 2")
    session.key_command("alice", "SuspendKey", keys["ecdsa-p256"], {"reason": "audit hold"})
    step("alice suspended the ecdsa-p256 key")
    refusals = 0
    try:
        session.sign("bob", keys["ecdsa-p256"], b"should not be signed")
    except CommandRejected as refusal:
        refusals += 1
        step(f"bob's signature with the suspended key was refused and recorded at seq "
             f"{refusal.seq}: {refusal.message}")
    try:
        session.key_command("bob", "RotateKey", keys["ed25519"])
    except CommandRejected as refusal:
        refusals += 1
        step(f"bob (a signer) tried to rotate a key: refused and recorded at seq {refusal.seq}")
    session.key_command("alice", "ReactivateKey", keys["ecdsa-p256"], {"reason": "hold lifted"})
    step("alice reactivated the ecdsa-p256 key")
    doomed = _made(session.run("alice", "CreateKey", domain="payments",
                               algorithm="ecdsa-secp256k1", label="retired-hot-wallet",
                               destruction_wait_days=0))["key_id"]
    session.sign("bob", doomed, b"last transfer from the retired wallet")
    session.key_command("alice", "RevokeKey", doomed, {"reason": "wallet retired"})
    session.key_command("alice", "DestroyKey", doomed)
    step(f"alice retired key {doomed}: revoked, then destroyed (data key shredded)")
    checkpoint = _made(session.run("carol", "RequestCheckpoint", chain_id="payments"))
    step(f"carol requested a checkpoint of 'payments' at size {checkpoint['size']}")
    store, _ = session.store()
    report = Auditor(store).verify()
    inventory = _project_and_report(session.home.path, store)
    step(f"projected the log into DuckDB: {inventory['signatures']} signatures, "
         f"{inventory['refusals']} refusals, keys by state {inventory['keys_by_state']}")
    elapsed = time.perf_counter() - started
    summary: dict[str, Any] = {
        "ledger_id": report.ledger_id, "events": report.events, "signatures": signed + 2,
        "refused_commands": refusals, "keys": len(ledger.keys), "actors": len(ledger.actors),
        "chains": [vars(c) for c in report.chains], "verified": True,
        "seconds": round(elapsed, 2), "steps": steps,
        "checkpoint_note_sha256": hashlib.sha256(checkpoint["note"].encode()).hexdigest(),
        "projection": inventory,
    }
    emit(summary, lambda s: "\n".join(
        ["", f"ledger {s['ledger_id']}: {s['events']} events, {s['keys']} keys, "
             f"{s['actors']} actors, {s['signatures']} signatures, "
             f"{s['refused_commands']} refused commands (recorded)"]
        + [f"  chain {c['chain_id']:<10} size {c['size']:<5} root {c['root'][:16]}… "
           f"checkpoints verified {c['checkpoints_verified']}" for c in s["chains"]]
        + [f"audit: every chain verified (hashes, links, signatures, authorization, "
           f"checkpoints) in {s['seconds']} s total",
           f"try: skms --home {session.home.path} audit verify",
           f"     skms --home {session.home.path} report inventory"]))


def _made(outcome: Outcome[Any]) -> dict[str, Any]:
    """The result of a command this demo just ran (never a replay: fresh command ids)."""
    assert isinstance(outcome.result, dict)
    return outcome.result


def _project_and_report(home: Path, store: EventStore) -> dict[str, Any]:
    """The read side: project the verified log into DuckDB and ask it two questions."""
    with ProjectionRunner(store, database_path(home)) as runner:
        runner.update()
    con = open_sandbox(database_path(home))
    try:
        states = dict(con.execute("SELECT state, count(*) FROM keys GROUP BY state "
                                  "ORDER BY state").fetchall())
        (signatures,) = con.execute("SELECT count(*) FROM signatures").fetchone() or (0,)
        (refusals,) = con.execute("SELECT count(*) FROM command_rejections").fetchone() or (0,)
    finally:
        con.close()
    return {"keys_by_state": states, "signatures": signatures, "refusals": refusals}
