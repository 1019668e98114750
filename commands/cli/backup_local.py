"""The backup subcommands that are no request an actor signs: the custodians' own, run
offline with no home, no ledger and no network (``skms backup custodian-keygen``,
``open-share``, ``verify``: a custodian's private key never reaches the ledger), and
``skms backup restore-home``, which rebuilds a lost home before there is one to sign in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from commands.cli.printer import emit, guarded, json_option
from commands.cli.readers import read_bytes
from commands.cli.state import CliState
from commands.cli.views import write_private
from commands.cli.workers import parallel_options, worker_count
from commands.home_restore import restore_home
from ledger.crypto.memory import zeroize
from ledger.errors import ConfigurationError, InvalidInput
from ledger.recipes import backup_bundle, custody_keys


def _document(path: str, where: str) -> Any:
    try:
        return json.loads(Path(path).read_bytes())
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", field=where) from None
    except ValueError:
        raise InvalidInput(f"{path} is not a JSON document", field=where) from None


def _pinned(ledger_key: str | None) -> bytes | None:
    if ledger_key is None:
        return None
    try:
        return bytes.fromhex(ledger_key)
    except ValueError:
        raise InvalidInput("must be hex", field="ledger_key") from None


@click.command("custodian-keygen")
@click.option("--name", required=True, help="The custodian's name.")
@click.option("--kem", type=click.Choice(custody_keys.KEMS), default=custody_keys.HYBRID,
              show_default=True, help="HPKE KEM of the key pair.")
@click.option("--out-dir", type=click.Path(file_okay=False), required=True,
              help="Folder for NAME.public.json and NAME.private.json (0600; keep offline).")
@json_option
@guarded
def custodian_keygen(name: str, kem: str, out_dir: str) -> None:
    """Make a backup custodian's key pair (offline)."""
    public, private = custody_keys.generate(name, kem)
    folder = Path(out_dir)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    public_path, private_path = folder / f"{name}.public.json", folder / f"{name}.private.json"
    text = bytearray(json.dumps(private, indent=2, sort_keys=True).encode())
    try:
        write_private(str(private_path), text, where="out_dir")
    finally:
        zeroize(text)
        private.pop("private_key", None)
    write_private(str(public_path), (json.dumps(public, indent=2, sort_keys=True)
                                     + "\n").encode(), where="out_dir")
    emit({"name": name, "kem": kem, "public_key_file": str(public_path),
          "private_key_file": str(private_path)},
         lambda d: f"custodian key pair for {name} ({kem}): give {d['public_key_file']} to "
                   f"the backup's operator; keep {d['private_key_file']} offline")


@click.command("open-share")
@click.argument("bundle_file")
@click.option("--private-key", "key_file", required=True,
              help="The custodian's private key document (skms backup custodian-keygen).")
@click.option("--output", type=click.Path(dir_okay=False), required=True,
              help="Where to write the opened share document (created 0600).")
@json_option
@guarded
def open_share(bundle_file: str, key_file: str, output: str) -> None:
    """Open this custodian's share of a bundle (offline), for a restore."""
    bundle = _document(bundle_file, "bundle")
    private = bytearray(Path(key_file).read_bytes())
    try:
        share = backup_bundle.open_share(bundle, bytes(private))
    finally:
        zeroize(private)
    text = bytearray(json.dumps(share, sort_keys=True).encode())
    try:
        write_private(output, text)
    finally:
        zeroize(text)
    emit({"backup_id": bundle["bundle_id"], "index": share.get("index"), "output": output},
         lambda d: f"share {d['index']} of backup {d['backup_id']}: {output} (hand it to the "
                   "restore, then delete it)")


@click.command("verify")
@click.argument("bundle_file")
@click.option("--ledger-key", default=None,
              help="The ledger's Ed25519 public key (hex) to pin, from a trusted copy.")
@json_option
@guarded
def verify(bundle_file: str, ledger_key: str | None) -> None:
    """Check a bundle without opening it (signature, sizes, custodians, split)."""
    checked = backup_bundle.verify(_document(bundle_file, "bundle"),
                                   ledger_public_key=_pinned(ledger_key))
    bundle = checked.bundle
    emit({"backup_id": bundle["bundle_id"], "ledger_id": bundle["ledger_id"],
          "valid": True, "scheme": bundle["scheme"], "threshold": bundle["threshold"],
          "custodians": [c.name for c in checked.custodians],
          "entries": len(checked.manifest), "bundle_digest": checked.digest.hex()},
         lambda d: f"valid backup {d['backup_id']} of ledger {d['ledger_id']}: "
                   f"{d['entries']} entries, {d['threshold']}-of-{len(d['custodians'])} "
                   f"({', '.join(d['custodians'])})")


@click.command("restore-home")
@click.argument("bundle_file")
@click.argument("share_files", nargs=-1, required=True)
@click.option("--from", "source_url", required=True,
              help="A copy of the log (store URL: sqlite:///PATH or kafka://...).")
@click.option("--ledger-key", default=None,
              help="The ledger's Ed25519 public key (hex) to pin, from a trusted copy.")
@parallel_options
@json_option
@click.pass_obj
@guarded
def restore_home_command(state: CliState, bundle_file: str, share_files: tuple[str, ...],
                         source_url: str, ledger_key: str | None, jobs: int,
                         parallel_from: int) -> None:
    """Rebuild a lost home (--home, new and empty) from a whole-ledger backup, threshold
    custodians' opened shares and a copy of the log: the ledger key and identities under a
    new KEK ($SKMS_PASSPHRASE), the log replayed and verified, then the data keys restored
    as --as (recorded as BackupRestored)."""
    passphrase = state.passphrase()
    if passphrase is None:
        raise ConfigurationError("the new home needs a passphrase for its KEK",
                                 hint="set SKMS_PASSPHRASE or use --passphrase-file")
    try:
        done = restore_home(state.home, passphrase, bundle=read_bytes(bundle_file, "bundle"),
                            shares=[read_bytes(f, "shares") for f in share_files],
                            source_url=source_url, actor=state.as_actor,
                            ledger_public_key=_pinned(ledger_key), jobs=worker_count(jobs),
                            parallel_from_events=parallel_from)
    finally:
        zeroize(passphrase)
    emit(done, lambda d: f"restored ledger {d['ledger_id']} into {d['home']}: "
                         f"{d['events_replayed']} events replayed and verified, identities "
                         f"{', '.join(d['identities'])}; restore {d['status']}"
                         + (f" (approval {d['approval_id']})" if d["approval_id"] else
                            f", {len(d['restore']['restored_refs'])} data keys back"))


def add_backup_commands(root: click.Group) -> None:
    group = root.commands.get("backup")
    assert isinstance(group, click.Group), "the catalogue names skms backup create"
    for command in (custodian_keygen, open_share, verify, restore_home_command):
        group.add_command(command)
