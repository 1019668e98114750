"""The subcommands that exist only beside the home: ``init``, ``replay``,
``projections update/rebuild`` (maintenance of the read models) and ``zk ring-sign`` (a
member's anonymous approval, made with its identity key kept here), none of which is a
request an actor signs."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from commands.cli.printer import emit, guarded, json_option
from commands.cli.state import CliState
from commands.cli.views import progress_printer
from commands.cli.workers import parallel_options, worker_count
from commands.scheduler import DueWork, record_threats, run_due
from commands.threats import home_scan
from ledger.crypto.memory import zeroize
from ledger.crypto.privacy import ring
from ledger.domain.approval_group import approval_scope, approval_statement
from ledger.errors import ConfigurationError, InvalidInput
from ledger.hsm.config import Pkcs11Config
from ledger.replay import replay as replay_stores
from ledger.stores.url import open_store
from projections.runner import DEFAULT_BATCH_SIZE, ProjectionRunner, database_path


@click.command()
@click.option("--name", default="skms", show_default=True, help="A name for this ledger.")
@click.option("--fips", is_flag=True, help="Refuse algorithms that are not FIPS-approved.")
@click.option("--checkpoint-every", default=64, show_default=True, type=click.IntRange(1, 10**6),
              help="Publish a checkpoint every N events.")
@click.option("--checkpoint-seconds", default=60, show_default=True,
              type=click.IntRange(1, 86400), help="...and at least every T seconds.")
@click.option("--kek", "kek_provider", type=click.Choice(["passphrase", "pkcs11"]),
              default="passphrase", show_default=True,
              help="Where the key-encryption key lives: derived from the passphrase, or a "
                   "non-extractable AES key generated on a PKCS#11 token (HSM).")
@click.option("--pkcs11-module", default=None,
              help="Absolute path of the PKCS#11 library (e.g. libsofthsm2.so); with "
                   "--token-label and --pin-file it names the HSM for --kek pkcs11 and for "
                   "keys created with --backend pkcs11.")
@click.option("--token-label", default=None, help="Label of the token on that module.")
@click.option("--pin-file", default=None,
              help="File holding the token's user PIN (mode 0600); its path is recorded, the "
                   "PIN never is ($SKMS_PKCS11_PIN_FILE overrides it later).")
@click.option("--no-default-approvals", is_flag=True,
              help="Start without the default approval rules (ExportKey and ReleaseEscrow "
                   "each wait for one approver besides the requester).")
@json_option
@click.pass_obj
@guarded
def init(state: CliState, name: str, fips: bool, checkpoint_every: int,
         checkpoint_seconds: int, kek_provider: str, pkcs11_module: str | None,
         token_label: str | None, pin_file: str | None, no_default_approvals: bool) -> None:
    """Create a ledger home, its genesis event and the first admin identity."""
    if urlsplit(state.home.store_url()).scheme == "memory":
        raise ConfigurationError("a memory:// store lives only as long as this process: the "
                                 "ledger would be gone when init returns", field="store",
                                 hint="use the default SQLite store, or kafka://HOST:PORT")
    result = state.new_session().initialize(
        name=name, fips_mode=fips, checkpoint_every_events=checkpoint_every,
        checkpoint_every_seconds=checkpoint_seconds, kek_provider=kek_provider,
        pkcs11=pkcs11_options(pkcs11_module, token_label, pin_file),
        default_approvals=not no_default_approvals)
    emit(result, lambda r: f"initialized ledger {r['ledger_id']} in {r['home']}\n"
                           f"store: {r['store']}\nadmin identity: {r['admin']} "
                           f"({r['admin_actor_id']})"
                           + "".join(f"\napproval rule: {rule['command']} needs "
                                     f"{rule['approvals']} approver(s), ledger-wide"
                                     for rule in r["approval_rules"]))


@click.command("rotate-due")
@json_option
@click.pass_obj
@guarded
def rotate_due(state: CliState) -> None:
    """Do the scheduler's due work once (for cron): rotate every key whose rotation period
    has passed, close expired approval requests and record threat findings (suspending
    keys under a suspend policy), as the ledger's scheduler, recorded."""
    session = state.session()
    store, _ = session.store()
    done = run_due(session.ledger(), home_scan(store, state.home.path)).as_dict()
    emit(done, lambda d: f"rotated {len(d['rotated_keys'])} key(s), closed "
                         f"{len(d['expired_approvals'])} expired approval request(s), "
                         f"recorded {len(d['threat_findings'])} threat finding(s), "
                         f"suspended {len(d['suspended_keys'])} key(s)")


@click.command("scan")
@click.option("--dry-run", is_flag=True, help="Only score: record nothing, suspend nothing.")
@json_option
@click.pass_obj
@guarded
def threats_scan(state: CliState, dry_run: bool) -> None:
    """Score the last and the current clock hour of every key's and actor's activity against
    its own history (docs/threat-detection.md) and, unless --dry-run, record the key
    findings reaching the policy's threshold as the ledger's scheduler (which suspends the
    key under a suspend policy)."""
    session = state.session()
    ledger = session.ledger()
    store, _ = session.store()
    findings = home_scan(store, state.home.path)(ledger.clock())
    done = DueWork()
    if not dry_run:
        record_threats(ledger, findings, done)
    emit({"findings": [f.as_dict() for f in findings], "recorded": done.threat_findings,
          "suspended_keys": done.suspended_keys},
         lambda d: "\n".join([f"{f['kind']} {f['subject_id']}: score {f['score']}"
                              for f in d["findings"]] + [
             f"recorded {len(d['recorded'])} finding(s), suspended "
             f"{len(d['suspended_keys'])} key(s)"]))


def pkcs11_options(module: str | None, token_label: str | None, pin_file: str | None
                   ) -> Pkcs11Config | None:
    """The HSM ``init`` names: all three options or none."""
    given = {"pkcs11-module": module, "token-label": token_label, "pin-file": pin_file}
    if all(value is None for value in given.values()):
        return None
    missing = [name for name, value in given.items() if value is None]
    if missing:
        raise InvalidInput("an HSM needs --pkcs11-module, --token-label and --pin-file",
                           field=missing[0])
    assert module is not None and token_label is not None and pin_file is not None
    return Pkcs11Config(module=module, token_label=token_label, pin_file=pin_file)


@click.command()
@click.option("--from", "source_url", required=True, help="Source store URL.")
@click.option("--to", "target_url", required=True, help="Target store URL.")
@click.option("--with-keyring", is_flag=True,
              help="Also copy the wrapped data keys (still sealed by the KEK).")
@parallel_options
@json_option
@guarded
def replay(source_url: str, target_url: str, with_keyring: bool, jobs: int,
           parallel_from: int) -> None:
    """Copy every chain to another store, verifying each event before it is written."""
    source, source_keyring = open_store(source_url)
    target, target_keyring = open_store(target_url)
    try:
        report = replay_stores(source, target,
                               source_keyring=source_keyring if with_keyring else None,
                               target_keyring=target_keyring if with_keyring else None,
                               progress=progress_printer(), jobs=worker_count(jobs),
                               parallel_from_events=parallel_from)
    finally:
        for closable in (source, target, source_keyring, target_keyring):
            closable.close()
    emit(report.as_dict(), lambda r: f"replayed {sum(r['copied'].values())} events "
         f"({r['checkpoints']} checkpoints, {r['keyring_entries']} key-ring entries) "
         f"from {source_url} to {target_url}; verified")


BATCH_SIZE = click.option("--batch-size", type=click.IntRange(1, 10_000_000),
                          default=DEFAULT_BATCH_SIZE, show_default=True,
                          help="Events per DuckDB transaction.")


def _maintain(state: CliState, batch_size: int, jobs: int, parallel_from: int, *,
              rebuild: bool) -> None:
    store, _ = state.session().store()
    with ProjectionRunner(store, database_path(state.home.path), batch_size=batch_size,
                          jobs=worker_count(jobs), parallel_from_events=parallel_from) as runner:
        applied = runner.rebuild() if rebuild else runner.update()
        chains = [s.as_dict() for s in runner.status()]
    emit({"applied": applied, "chains": chains,
          "database": str(database_path(state.home.path))}, _maintained)


def _maintained(result: dict[str, Any]) -> str:
    lines = [f"{'chain':<16} {'position':>9} {'head':>9} {'lag':>9}"]
    lines += [f"{c['chain_id']:<16} {c['position']:>9} {c['head']:>9} {c['lag']:>9}"
              for c in result["chains"]]
    lines.append(f"applied {result['applied']} events to {result['database']}")
    return "\n".join(lines)


@click.command("update")
@BATCH_SIZE
@parallel_options
@json_option
@click.pass_obj
@guarded
def update(state: CliState, batch_size: int, jobs: int, parallel_from: int) -> None:
    """Catch the read models up with the store, one transaction per batch."""
    _maintain(state, batch_size, jobs, parallel_from, rebuild=False)


@click.command("rebuild")
@BATCH_SIZE
@parallel_options
@json_option
@click.pass_obj
@guarded
def rebuild(state: CliState, batch_size: int, jobs: int, parallel_from: int) -> None:
    """Drop every read model and replay the whole log into them."""
    _maintain(state, batch_size, jobs, parallel_from, rebuild=True)


AD_HOC_RING = ""
"""The group id an ad-hoc ring's statement and linking scope name: none (group ids are
UUIDs, so an ad-hoc signature never verifies as a group's approval, nor the reverse)."""


def _ring_key(ledger: Any, text: str) -> bytes:
    """A ``--ring`` value: a 32-byte Ed25519 public key in hex, or an actor (name or id)
    whose identity key is taken."""
    cleaned = text.strip().lower()
    if len(cleaned) == 64 and all(c in "0123456789abcdef" for c in cleaned):
        return bytes.fromhex(cleaned)
    return bytes(ledger.actor(text).public_key)


@click.command("ring-sign")
@click.argument("group_id", required=False)
@click.option("--ring", "ring_keys", multiple=True,
              help="A ring member: an actor (name or id) or an Ed25519 public key in hex "
                   "(repeatable, in ring order). Without GROUP: an ad-hoc ring; with GROUP: "
                   "must be that group's ring.")
@click.option("--proposal", required=True, help="The proposal approved.")
@click.option("--input", "message_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="What is approved (the file RingApprove will be given).")
@json_option
@click.pass_obj
@guarded
def ring_sign(state: CliState, group_id: str | None, ring_keys: tuple[str, ...],
              proposal: str, message_file: Path) -> None:
    """Sign as the --as actor, one of a ring of public keys, with its identity key from this
    home: for an approval group (GROUP; an actor outside the ring submits it with skms --as
    RELAY zk ring-approve) or for an ad-hoc ring (--ring KEY ...; checked by ring-verify)."""
    session = state.session()
    ledger = session.read_only_ledger()
    identity = session.identity(state.as_actor)
    given = [_ring_key(ledger, k) for k in ring_keys]
    if group_id is None and len(given) < 2:
        raise InvalidInput("name an approval group (GROUP) or at least two ring members",
                           field="--ring")
    if group_id is not None:
        group = ledger.group(group_id)
        keys = list(group.ring)
        if given and sorted(given) != sorted(keys):
            raise InvalidInput(f"is not the ring of approval group {group_id}", field="--ring")
    else:
        keys = given
    mine = bytes(ledger.actor(identity.actor_id).public_key)
    if mine not in keys:
        raise InvalidInput(f"{state.as_actor} is not in the ring" + (
            f" of approval group {group_id}" if group_id else ""), field="as")
    scope_id = AD_HOC_RING if group_id is None else group_id
    digest = hashlib.sha256(message_file.read_bytes()).digest()
    key = session.home.identity_key(state.as_actor, session.kek())
    try:
        signature = ring.sign(keys, keys.index(mine), key,
                              approval_statement(scope_id, proposal, digest),
                              scope=approval_scope(scope_id, proposal))
    finally:
        zeroize(key)
    emit({"group_id": group_id, "proposal": proposal, "ring": [k.hex() for k in keys],
          "signature": signature.to_bytes().hex(), "key_image": signature.key_image.hex()},
         lambda d: str(d["signature"]))


def add_local_commands(root: click.Group) -> None:
    root.add_command(init)
    root.add_command(replay)
    root.add_command(rotate_due)
    group = root.commands.get("projections")
    assert isinstance(group, click.Group), "the catalogue names projections status"
    group.add_command(update)
    group.add_command(rebuild)
    privacy = root.commands.get("zk")
    assert isinstance(privacy, click.Group), "the catalogue names zk commands"
    privacy.add_command(ring_sign)
    threats = root.commands.get("threats")
    assert isinstance(threats, click.Group), "the catalogue names threats policy set"
    threats.add_command(threats_scan)
