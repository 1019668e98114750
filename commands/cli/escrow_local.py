"""The escrow agent's own subcommands, run offline on the agent's machine: no home, no
ledger, no network (``skms escrow keygen``, ``skms escrow open``). The agent's private key
never reaches the ledger, so these are not catalogue commands or reads (a read is also
served over REST, where a private key must not travel)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from commands.cli.printer import emit, guarded, json_option
from commands.cli.views import write_private
from ledger.crypto.memory import zeroize
from ledger.errors import InvalidInput
from ledger.recipes import custody_keys, escrow
from ledger.recipes.byok import export_format, to_export


def _read(path: str, where: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", field=where) from None


@click.command("keygen")
@click.option("--name", required=True, help="The agent's name (as the ledger will show it).")
@click.option("--out-dir", type=click.Path(file_okay=False), required=True,
              help="Folder for NAME.public.json and NAME.private.json (0600; keep offline).")
@json_option
@guarded
def keygen(name: str, out_dir: str) -> None:
    """Make an escrow agent's ML-KEM-768+X25519 key pair (offline)."""
    public, private = custody_keys.generate(name)
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
    emit({"name": name, "public_key_file": str(public_path),
          "private_key_file": str(private_path)},
         lambda d: f"escrow agent key pair for {name}: register {d['public_key_file']} "
                   f"(skms escrow register --public-key ...); keep {d['private_key_file']} "
                   "offline")


@click.command("open")
@click.argument("package_file")
@click.option("--private-key", "key_file", required=True,
              help="The agent's private key document (skms escrow keygen).")
@click.option("--ledger-key", default=None,
              help="The ledger's Ed25519 public key (hex) to pin, from a trusted copy.")
@click.option("--out-dir", type=click.Path(file_okay=False), required=True,
              help="Folder for one 0600 file of material per released version.")
@json_option
@guarded
def open_package(package_file: str, key_file: str, ledger_key: str | None,
                 out_dir: str) -> None:
    """Open a release package with the agent's private key (offline); each version's
    material is written to its own 0600 file (PKCS#8 DER or raw, as skms key export)."""
    try:
        package = json.loads(_read(package_file, "package"))
    except ValueError:
        raise InvalidInput(f"{package_file} is not a JSON document", field="package") from None
    pinned = None
    if ledger_key is not None:
        try:
            pinned = bytes.fromhex(ledger_key)
        except ValueError:
            raise InvalidInput("must be hex", field="ledger_key") from None
    private = bytearray(_read(key_file, "private_key"))
    try:
        opened = escrow.open_package(package, bytes(private), ledger_public_key=pinned)
    finally:
        zeroize(private)
    folder = Path(out_dir)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    algorithm, files = package["algorithm"], []
    try:
        for item in opened:
            encoded = to_export(algorithm, item.material)
            target = folder / f"{package['key_id']}.v{item.version}.key"
            try:
                write_private(str(target), encoded, where="out_dir")
            finally:
                zeroize(encoded)
            files.append({"version": item.version, "file": str(target),
                          "public_key": item.public_key.hex()})
    finally:
        for item in opened:
            zeroize(item.material)
    emit({"key_id": package["key_id"], "algorithm": algorithm,
          "material_format": export_format(algorithm), "files": files},
         lambda d: "\n".join([f"opened key {d['key_id']} ({algorithm}, "
                              f"{d['material_format']}):"]
                             + [f"  v{f['version']}: {f['file']}" for f in files]))


def add_escrow_commands(root: click.Group) -> None:
    group = root.commands.get("escrow")
    assert isinstance(group, click.Group), "the catalogue names skms escrow register"
    group.add_command(keygen)
    group.add_command(open_package)
