"""``skms audit`` (offline verification, checkpoints, proofs) and ``skms replay``."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import click

from commands.cli.output import State, emit, guarded, json_option
from commands.cli.workers import parallel_options, worker_count
from ledger.audit import Auditor
from ledger.errors import InvalidInput, NotFound
from ledger.proofs import build_consistency, build_inclusion, verify_proof_document
from ledger.replay import replay as replay_stores
from ledger.stores.url import open_store

DEFAULT_CHAIN = "default"


def _progress_printer() -> Any:
    last: dict[str, int] = {}

    def show(chain: str, done: int, total: int) -> None:
        if not sys.stderr.isatty() and done != total and done - last.get(chain, 0) < 50_000:
            return
        last[chain] = done
        width = 30
        filled = width if total == 0 else int(width * done / total)
        sys.stderr.write(f"\r{chain:<12} [{'#' * filled}{'.' * (width - filled)}] "
                         f"{done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


@click.group()
def audit() -> None:
    """Verify the ledger offline; print checkpoints and proofs."""


@audit.command("verify")
@click.option("--trusted-checkpoint", "trusted", multiple=True, type=click.Path(path_type=Path),
              help="A signed checkpoint you trusted earlier (detects truncation and rewrites).")
@click.option("--ledger-key", default=None, help="Pin the ledger's Ed25519 public key (hex).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@parallel_options
@json_option
@click.pass_obj
@guarded
def verify(state: State, trusted: tuple[Path, ...], ledger_key: str | None, quiet: bool,
           jobs: int, parallel_from: int) -> None:
    """Verify every chain: schema, seq, links, hashes, signatures, authorization, checkpoints."""
    store, _ = state.session().store()
    notes = [p.read_text() for p in trusted]
    pinned = None
    if ledger_key:
        try:
            pinned = bytes.fromhex(ledger_key)
        except ValueError:
            raise InvalidInput("not hexadecimal", field="ledger-key") from None
    auditor = Auditor(store, ledger_public_key=pinned, trusted_checkpoints=notes,
                      progress=None if quiet else _progress_printer(),
                      jobs=worker_count(jobs),
                      parallel_from_events=parallel_from)
    report = auditor.verify()
    emit(report.as_dict(), lambda r: "\n".join(
        [f"OK: {r['events']} events in {len(r['chains'])} chains verified "
         f"(ledger {r['ledger_id']})"]
        + [f"  {c['chain_id']:<12} size {c['size']:<7} root {c['root'][:16]}…  "
           f"checkpoints {c['checkpoints_verified']}" for c in r["chains"]]
        + [f"  consistent with trusted checkpoint of {t['chain']} at size {t['size']}"
           for t in r["trusted_checkpoints"]]))


@audit.command("checkpoint")
@click.option("--chain", default=DEFAULT_CHAIN, show_default=True)
@click.option("--new", "publish", is_flag=True, help="Publish a fresh checkpoint first "
              "(needs the passphrase and an auditor or admin identity).")
@json_option
@click.pass_obj
@guarded
def checkpoint(state: State, chain: str, publish: bool) -> None:
    """Print the latest signed checkpoint (C2SP signed note)."""
    session = state.session()
    if publish:
        session.act(state.as_actor, "RequestCheckpoint", chain, {})
    store, _ = session.store()
    latest = store.latest_checkpoint(chain)
    if latest is None:
        raise NotFound(f"chain {chain!r} has no checkpoint yet", field="chain",
                       hint="publish one with 'skms audit checkpoint --new'")
    emit({"chain": chain, "size": latest.size, "note": latest.note},
         lambda r: r["note"].rstrip("\n"))


@audit.command("proof")
@click.argument("seq", type=int)
@click.option("--chain", default=DEFAULT_CHAIN, show_default=True)
@click.option("--size", type=int, default=None,
              help="Tree size (default: the latest checkpoint's).")
@json_option
@click.pass_obj
@guarded
def proof(state: State, seq: int, chain: str, size: int | None) -> None:
    """Print an inclusion proof of event SEQ (JSON, hashes in base64)."""
    store, _ = state.session().store()
    document = build_inclusion(store, chain, seq, size)
    click.echo(json.dumps(document, indent=2, sort_keys=True))


@audit.command("consistency")
@click.argument("old_size", type=int)
@click.option("--chain", default=DEFAULT_CHAIN, show_default=True)
@click.option("--size", type=int, default=None, help="New size (default: latest checkpoint).")
@json_option
@click.pass_obj
@guarded
def consistency(state: State, old_size: int, chain: str, size: int | None) -> None:
    """Print a consistency proof between tree sizes OLD_SIZE and the latest checkpoint."""
    store, _ = state.session().store()
    document = build_consistency(store, chain, old_size, size)
    click.echo(json.dumps(document, indent=2, sort_keys=True))


@audit.command("verify-proof")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--ledger-key", default=None, help="Pin the ledger's Ed25519 public key (hex).")
@json_option
@click.pass_obj
@guarded
def verify_proof(state: State, file: Path, ledger_key: str | None) -> None:
    """Check an inclusion or consistency proof offline (exit 0 valid, 1 invalid)."""
    try:
        document = json.loads(file.read_text())
    except ValueError:
        raise InvalidInput("not a JSON proof document", field="file") from None
    pinned = bytes.fromhex(ledger_key) if ledger_key else None
    result = verify_proof_document(document, pinned)
    emit(result, lambda r: f"valid {r['type']} proof ({r['detail']})")


@click.command()
@click.option("--from", "source_url", required=True, help="Source store URL.")
@click.option("--to", "target_url", required=True, help="Target store URL.")
@click.option("--with-keyring", is_flag=True,
              help="Also copy the wrapped data keys (still sealed by the KEK).")
@parallel_options
@json_option
@click.pass_obj
@guarded
def replay(state: State, source_url: str, target_url: str, with_keyring: bool, jobs: int,
           parallel_from: int) -> None:
    """Copy every chain to another store, verifying each event before it is written."""
    source, source_keyring = open_store(source_url)
    target, target_keyring = open_store(target_url)
    try:
        report = replay_stores(source, target, source_keyring=source_keyring if with_keyring
                               else None, target_keyring=target_keyring if with_keyring
                               else None, progress=_progress_printer(),
                               jobs=worker_count(jobs), parallel_from_events=parallel_from)
    finally:
        for closable in (source, target, source_keyring, target_keyring):
            closable.close()
    emit(report.as_dict(), lambda r: f"replayed {sum(r['copied'].values())} events "
         f"({r['checkpoints']} checkpoints, {r['keyring_entries']} key-ring entries) "
         f"from {source_url} to {target_url}; verified")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
