"""``skms wallet``: HD wallets (BIP-39/32/44/49/84/86, SLIP-10) and their threshold backups.

Secrets never travel as command-line arguments (they would sit in shell history and in
``ps`` output): a mnemonic to import and a BIP-39 passphrase are read from files or stdin,
share documents are written to and read from files created with mode 0600. A new mnemonic
is printed once, on stdout, and nowhere else; the warning about it goes to stderr.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import click

from commands.cli.output import State, emit, guarded, json_option
from commands.session import DEFAULT_DOMAIN
from commands.wallet_handlers import DEFAULT_GAP_LIMIT
from ledger.crypto import hd
from ledger.domain.wallet import Wallet
from ledger.errors import InvalidInput
from ledger.recipes.wallet_backup import SCHEMES

MNEMONIC_WARNING = ("This mnemonic is shown once and is not stored anywhere: write it down "
                    "offline now. Anyone who reads it controls the wallet.")


def wallet_row(wallet: Wallet) -> dict[str, Any]:
    """Everything public about a wallet (never the sealed seed or its key-ring reference)."""
    return {"wallet_id": wallet.wallet_id, "label": wallet.label, "domain": wallet.domain,
            "source": wallet.source, "word_count": wallet.word_count,
            "language": wallet.language, "has_passphrase": wallet.has_passphrase,
            "master_fingerprint": wallet.master_fingerprint.hex(),
            "purposes": wallet.purposes, "curves": wallet.curves,
            "gap_limit": wallet.gap_limit, "seed_version": wallet.seed_version,
            "addresses": len(wallet.addresses),
            "used_addresses": sum(1 for a in wallet.addresses.values() if a["used"]),
            "xpub_exports": len(wallet.xpub_exports),
            "backups": [{"split_id": s["split_id"], "scheme": s["scheme"],
                         "threshold": s["threshold"], "share_count": s["share_count"],
                         "custodians": s["custodians"], "recovered": s["recovered"]}
                        for s in wallet.splits.values()],
            "created_at": wallet.created_at}


def _read_secret(path: Path | None, option: str) -> str:
    """Text from a file or stdin ('-'); errors name the option, never the content."""
    if path is None:
        return ""
    if str(path) == "-":
        raw = sys.stdin.buffer.read()
    else:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(f"cannot read the file: {exc.strerror}", field=option) from None
    text: str | None = None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None:
        raise InvalidInput("the file is not UTF-8 text", field=option)
    return text.rstrip("\r\n")


def _settings(purposes: tuple[str, ...], curves: tuple[str, ...],
              gap_limit: int | None) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    if purposes:
        settings["purposes"] = list(purposes)
    if curves:
        settings["curves"] = list(curves)
    if gap_limit is not None:
        settings["gap_limit"] = gap_limit
    return settings


def _wallet_options(function: Any) -> Any:
    for option in reversed([
        click.option("--domain", default=DEFAULT_DOMAIN, show_default=True,
                     help="Key domain (chain)."),
        click.option("--label", default=None),
        click.option("--purpose", "purposes", multiple=True, type=click.Choice(hd.PURPOSES),
                     help="Allowed derivation scheme (repeat; default 44, 49, 84, 86)."),
        click.option("--curve", "curves", multiple=True, type=click.Choice(list(hd.CURVES)),
                     help="Allowed curve (repeat; default secp256k1)."),
        click.option("--gap-limit", type=click.IntRange(1, 1000), default=None,
                     help=f"Unused addresses allowed per chain (default {DEFAULT_GAP_LIMIT})."),
        click.option("--bip39-passphrase-file", type=click.Path(path_type=Path),
                     default=None, help="File ('-' = stdin) holding a BIP-39 passphrase."),
    ]):
        function = option(function)
    return function


@click.group()
def wallet() -> None:
    """HD wallets: seeds sealed in the ledger, every derivation recorded."""


@wallet.command("create")
@_wallet_options
@click.option("--words", type=click.Choice([str(n) for n in hd.WORD_COUNTS]), default="24",
              show_default=True, help="Mnemonic length.")
@click.option("--language", type=click.Choice(list(hd.LANGUAGES)), default="english",
              show_default=True, help="BIP-39 wordlist.")
@json_option
@click.pass_obj
@guarded
def create(state: State, domain: str, label: str | None, purposes: tuple[str, ...],
           curves: tuple[str, ...], gap_limit: int | None, bip39_passphrase_file: Path | None,
           words: str, language: str) -> None:
    """Create a wallet from fresh entropy and print its mnemonic, once."""
    passphrase = _read_secret(bip39_passphrase_file, "bip39-passphrase-file")
    outcome = state.session().create_wallet(
        state.as_actor, domain=domain, word_count=int(words), language=language,
        passphrase=passphrase, label=label, **_settings(purposes, curves, gap_limit))
    result = dict(outcome.result or {})
    row = {**result, "domain": domain, "seq": outcome.seqs[-1], "warning": MNEMONIC_WARNING}
    if not state.json:
        click.echo(f"warning: {MNEMONIC_WARNING}", err=True)
    emit(row, lambda r: f"created wallet {r['wallet_id']} in domain {domain} (seq {r['seq']}, "
                        f"fingerprint {r['master_fingerprint']})\nmnemonic: {r['mnemonic']}")


@wallet.command("import")
@_wallet_options
@click.option("--mnemonic-file", type=click.Path(path_type=Path), required=True,
              help="File holding the mnemonic ('-' = stdin). Never pass it as an argument.")
@click.option("--language", type=click.Choice(list(hd.LANGUAGES)), default=None,
              help="BIP-39 wordlist (default: detected).")
@click.option("--allow-weak", is_flag=True,
              help="Accept degenerate (publicly known) entropy: for test wallets only.")
@json_option
@click.pass_obj
@guarded
def import_(state: State, domain: str, label: str | None, purposes: tuple[str, ...],
            curves: tuple[str, ...], gap_limit: int | None,
            bip39_passphrase_file: Path | None, mnemonic_file: Path, language: str | None,
            allow_weak: bool) -> None:
    """Import a BIP-39 mnemonic (checksum and strength checked); only its seed is kept, sealed."""
    mnemonic = _read_secret(mnemonic_file, "mnemonic-file")
    passphrase = _read_secret(bip39_passphrase_file, "bip39-passphrase-file")
    outcome = state.session().import_wallet(
        state.as_actor, mnemonic, passphrase=passphrase, domain=domain, language=language,
        label=label, allow_weak=allow_weak, **_settings(purposes, curves, gap_limit))
    result = {**dict(outcome.result or {}), "domain": domain, "seq": outcome.seqs[-1]}
    emit(result, lambda r: f"imported wallet {r['wallet_id']} ({r['word_count']} "
                           f"{r['language']} words, fingerprint {r['master_fingerprint']}) "
                           f"into domain {domain} (seq {r['seq']})")


def _route_options(function: Any) -> Any:
    for option in reversed([
        click.option("--purpose", type=click.Choice(hd.PURPOSES), default="84",
                     show_default=True),
        click.option("--coin", type=click.Choice(sorted({c for cs in hd.COINS.values()
                                                         for c in cs})), default=None,
                     help="Default: bitcoin (none for slip10)."),
        click.option("--account", type=click.IntRange(0, hd.MAX_INDEX), default=0,
                     show_default=True),
    ]):
        function = option(function)
    return function


@wallet.command("derive")
@click.argument("wallet_id")
@_route_options
@click.option("--curve", type=click.Choice(list(hd.CURVES)), default="secp256k1",
              show_default=True)
@click.option("--change", is_flag=True, help="Derive on the change (internal) chain.")
@json_option
@click.pass_obj
@guarded
def derive(state: State, wallet_id: str, purpose: str, coin: str | None, account: int,
           curve: str, change: bool) -> None:
    """Derive the next address of a chain (refused past the wallet's gap limit)."""
    route: dict[str, Any] = {"purpose": purpose, "account": account, "curve": curve,
                             "change": 1 if change else 0}
    if coin is not None:
        route["coin"] = coin
    outcome = state.session().derive_address(state.as_actor, wallet_id, **route)
    result = {**dict(outcome.result or {}), "seq": outcome.seqs[-1]}
    emit(result, lambda r: f"{r['address'] or r['public_key']}  {r['path']}")


@wallet.command("address")
@click.argument("wallet_id")
@click.option("--unused", is_flag=True, help="Only addresses not marked used.")
@json_option
@click.pass_obj
@guarded
def address(state: State, wallet_id: str, unused: bool) -> None:
    """List the addresses a wallet derived, in derivation order."""
    found = state.session().read_only_ledger().wallet(wallet_id)
    rows = [{k: (v.hex() if isinstance(v, bytes) else v) for k, v in row.items()}
            for row in found.addresses.values() if not (unused and row["used"])]
    emit(rows, lambda r: "\n".join(
        f"{x['path']:<28} {x['address'] or x['public_key']}"
        f"{'  (used)' if x['used'] else ''}" for x in r) or "no addresses")


@wallet.command("mark-used")
@click.argument("wallet_id")
@click.argument("path")
@click.option("--curve", type=click.Choice(list(hd.CURVES)), default="secp256k1",
              show_default=True, help="Curve of a SLIP-10 path.")
@json_option
@click.pass_obj
@guarded
def mark_used(state: State, wallet_id: str, path: str, curve: str) -> None:
    """Mark a derived address used, moving its chain's gap-limit window forward."""
    outcome = state.session().mark_address_used(state.as_actor, wallet_id, path, curve)
    emit({**dict(outcome.result or {}), "seq": outcome.seqs[-1]},
         lambda r: f"{path} marked used (seq {r['seq']})")


@wallet.command("xpub")
@click.argument("wallet_id")
@_route_options
@json_option
@click.pass_obj
@guarded
def xpub(state: State, wallet_id: str, purpose: str, coin: str | None, account: int) -> None:
    """Export an account's extended public key for a watch-only wallet (recorded)."""
    args: dict[str, Any] = {"purpose": purpose, "account": account}
    if coin is not None:
        args["coin"] = coin
    outcome = state.session().export_xpub(state.as_actor, wallet_id, **args)
    emit({**dict(outcome.result or {}), "seq": outcome.seqs[-1]}, lambda r: r["xpub"])


@wallet.command("list")
@click.option("--domain", default=None)
@json_option
@click.pass_obj
@guarded
def list_wallets(state: State, domain: str | None) -> None:
    """List wallets (public facts only)."""
    ledger = state.session().read_only_ledger()
    rows = [wallet_row(w) for w in sorted(ledger.wallets.values(), key=lambda w: w.created_at)
            if domain is None or w.domain == domain]
    emit(rows, lambda r: "\n".join(
        f"{x['wallet_id']}  {x['master_fingerprint']}  {x['source']:<9} "
        f"{x['addresses']:>4} addr  {x['domain']:<10} {x['label'] or ''}" for x in r)
        or "no wallets")


@wallet.command("show")
@click.argument("wallet_id")
@json_option
@click.pass_obj
@guarded
def show(state: State, wallet_id: str) -> None:
    """Show one wallet's public facts, backups included."""
    row = wallet_row(state.session().read_only_ledger().wallet(wallet_id))
    emit(row, lambda r: "\n".join(f"{k}: {v}" for k, v in r.items()))


# --- backups --------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def _share_file(folder: Path, index: int, custodian: str) -> Path:
    safe = _UNSAFE.sub("_", custodian).strip("._") or "custodian"
    return folder / f"share-{index:02d}-{safe[:40]}.json"


def _write_private(path: Path, data: bytes) -> None:
    """Create ``path`` with mode 0600 (never replacing a file) and write ``data``."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


@wallet.command("backup")
@click.argument("wallet_id")
@click.option("--threshold", type=click.IntRange(1, 16), required=True,
              help="Shares needed to recover.")
@click.option("--shares", "share_count", type=click.IntRange(1, 16), required=True,
              help="Shares to make (one per --custodian).")
@click.option("--custodian", "custodians", multiple=True, required=True,
              help="Holder of the next share (repeat, in share order).")
@click.option("--out-dir", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Folder to write the share files into (created 0700 if missing).")
@click.option("--scheme", type=click.Choice(list(SCHEMES)), default="feldman",
              show_default=True,
              help="feldman: verifiable shares + AES-256-GCM; slip39: SLIP-39 mnemonics.")
@json_option
@click.pass_obj
@guarded
def backup(state: State, wallet_id: str, threshold: int, share_count: int,
           custodians: tuple[str, ...], out_dir: Path, scheme: str) -> None:
    """Split the wallet's seed threshold-of-n; each share goes to its own 0600 file.

    The ledger records the backup (custodians, commitment digests), never a share. Hand
    each file to its custodian and delete it here.
    """
    if len(custodians) != share_count:
        raise InvalidInput(f"--shares {share_count} needs exactly {share_count} --custodian "
                           f"options, got {len(custodians)}", field="custodian")
    targets = [_share_file(out_dir, n, name) for n, name in enumerate(custodians, start=1)]
    if len(set(targets)) != len(targets):
        raise InvalidInput("custodian names must differ", field="custodian")
    existing = [str(t) for t in targets if t.exists()]
    if existing:
        raise InvalidInput(f"share files already exist: {', '.join(existing)}",
                           field="out-dir", hint="choose an empty folder")
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    outcome = state.session().backup_wallet(state.as_actor, wallet_id, threshold=threshold,
                                            custodians=list(custodians), scheme=scheme)
    result = dict(outcome.result or {})
    documents: list[dict[str, Any]] = result.pop("documents")
    files = []
    for document, target in zip(documents, targets, strict=True):
        _write_private(target, (json.dumps(document, indent=2, sort_keys=True) + "\n").encode())
        files.append({"index": document["index"], "custodian": document["custodian"],
                      "file": str(target)})
    emit({**result, "files": files, "seq": outcome.seqs[-1]},
         lambda r: "\n".join([f"backup {r['split_id']} of wallet {wallet_id}: "
                              f"{threshold}-of-{share_count} ({r['scheme']}, seq {r['seq']})"]
                             + [f"share {f['index']} for {f['custodian']}: {f['file']}"
                                for f in files]))


@wallet.command("recover")
@click.option("--share-file", "share_files", multiple=True, required=True,
              type=click.Path(path_type=Path, dir_okay=False),
              help="A share file (repeat for each share presented).")
@json_option
@click.pass_obj
@guarded
def recover(state: State, share_files: tuple[Path, ...]) -> None:
    """Rebuild a wallet's seed from threshold shares and seal it again (recorded).

    A corrupted or forged share is named by its index; the recovery is then refused.
    """
    documents = []
    for path in share_files:
        text = _read_secret(path, "share-file")
        document: Any = None
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise InvalidInput(f"{path} is not a share file", field="share-file")
        documents.append(document)
    outcome = state.session().recover_wallet(state.as_actor, documents)
    result = {**dict(outcome.result or {}), "seq": outcome.seqs[-1]}
    emit(result, lambda r: f"recovered wallet {r['wallet_id']} from shares "
                           f"{', '.join(map(str, r['share_indexes']))} "
                           f"({', '.join(r['custodians'])}); seed version "
                           f"{r['seed_version']} (seq {r['seq']})")
