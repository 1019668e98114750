"""How the CLI shows each kind of result: the renderers the catalogue's ``CliRoute``
names, with the few options that are about showing, not about the command (where to
write a file, progress bars, output formats).

A view gets a :class:`Shown`: the result as the ledger returned it (``raw``: secrets as
bytearrays this process wipes after use), its JSON form (``data``: what ``--json``
prints, the same as REST answers, with ``seq``/``seqs``/``chain``/``command_id`` of a
command beside it), the view's own options and what the user typed. Text output shows
times as RFC 3339 and policies as ``name=value``.

A list view may also name its table columns: ``skms shell`` (which sets
``CliState.tables``) shows those lists as aligned tables, laid out by the same
:func:`projections.export.text_table` as reports; the command line keeps its one-line rows,
which scripts may already parse.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from commands.cli.printer import emit
from commands.cli.state import CliState
from commands.cli.workers import parallel_options, worker_count
from ledger.crypto.memory import zeroize
from ledger.crypto.privacy import pok
from ledger.errors import InvalidInput
from projections.export import text_table

MNEMONIC_WARNING = ("This mnemonic is shown once and is not stored anywhere: write it down "
                    "offline now. Anyone who reads it controls the wallet.")


@dataclass
class Shown:
    """One result on its way to the user (see the module doc)."""

    raw: Any
    data: Any
    state: CliState
    extras: Mapping[str, Any] = field(default_factory=dict)
    given: Mapping[str, Any] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)
    table: Any = None  # a report's or query's ResultSet, for the formats beyond JSON

    @property
    def json_data(self) -> Any:
        if self.meta and isinstance(self.data, dict):
            return {**self.data, **self.meta}
        return self.data


@dataclass
class Preparing:
    """What a view may set up before the command runs: checks of its own options, the
    auditor's options and the read models' options of the read context."""

    state: CliState
    extras: Mapping[str, Any]
    params: dict[str, Any]
    audit_options: dict[str, Any] = field(default_factory=dict)
    models_options: dict[str, Any] = field(default_factory=dict)
    cleanup: list[Callable[[bool], None]] = field(default_factory=list)


Column = str | tuple[str, Callable[[Mapping[str, Any]], Any]]
"""A table column: a field of each item, or a heading and how to compute its cell."""


@dataclass(frozen=True)
class View:
    """A renderer: ``text`` of a result, or ``show`` for the few that write files or raw
    bytes; ``failed`` results exit 1 (a signature that does not verify); ``columns``, for
    a list, its table in ``skms shell`` (see the module doc)."""

    text: Callable[[Shown], str] | None = None
    show: Callable[[Shown], None] | None = None
    options: tuple[Callable[[Any], Any], ...] = ()
    prepare: Callable[[Preparing], None] | None = None
    failed: Callable[[Any], bool] = field(default=lambda data: False)
    columns: tuple[Column, ...] = ()

    def deliver(self, shown: Shown) -> None:
        if self.show is not None:
            self.show(shown)
            return
        text = self.text
        if self.columns and shown.state.tables and isinstance(shown.data, list):
            columns = self.columns
            emit(shown.json_data, lambda _: table(columns, shown.data))
            return
        emit(shown.json_data, None if text is None else (lambda _: text(shown)))


VIEWS: dict[str, View] = {}


def view(name: str, **options: Any) -> Callable[[Callable[[Shown], str]], Callable[[Shown], str]]:
    """Register ``function`` as the text of the view ``name``."""

    def register(function: Callable[[Shown], str]) -> Callable[[Shown], str]:
        VIEWS[name] = View(text=function, **options)
        return function

    return register


# --- formatting ---------------------------------------------------------------------------

def rfc3339(micros: int | None) -> str:
    """Microseconds since the epoch as ``2026-12-01T10:00:00Z`` ("-" for none)."""
    if micros is None:
        return "-"
    moment = dt.datetime.fromtimestamp(micros / 1_000_000, tz=dt.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def value_text(value: Any, *, time: bool = False) -> str:
    """A value in one line: times as RFC 3339, lists comma-separated, objects as
    ``name=value``, nothing as "-"."""
    if time:
        return rfc3339(value)
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={value_text(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, Mapping) for v in value):
            return "; ".join(value_text(v) for v in value)
        return ", ".join(value_text(v) for v in value) or "-"
    return str(value)


TIME_FIELDS = frozenset({"created_at", "rotated_at", "destroy_after", "destroyed_at",
                         "derived_at", "compromise_time"})


def record(data: Mapping[str, Any]) -> str:
    """``name: value`` lines, names aligned."""
    width = max((len(k) for k in data), default=0)
    return "\n".join(f"{k + ':':<{width + 1}} {value_text(v, time=k in TIME_FIELDS)}"
                     for k, v in data.items())


def rows(items: Sequence[Mapping[str, Any]], line: Callable[[Mapping[str, Any]], str],
         empty: str) -> str:
    return "\n".join(line(item) for item in items) or empty


def table(columns: Sequence[Column], items: Sequence[Mapping[str, Any]], *,
          numbered: bool = False) -> str:
    """``items`` as an aligned table of ``columns`` (cells as :func:`value_text` writes
    them); ``numbered`` adds a first column ``#`` (1, 2, ...) for a flow's "which one?"."""
    headings = [c if isinstance(c, str) else c[0] for c in columns]
    cells = [[value_text(item.get(c), time=c in TIME_FIELDS) if isinstance(c, str)
              else value_text(c[1](item)) for c in columns] for item in items]
    if numbered:
        headings = ["#", *headings]
        cells = [[str(n), *row] for n, row in enumerate(cells, start=1)]
    return text_table(headings, cells).rstrip("\n")


def seq_of(shown: Shown) -> str:
    return f"seq {shown.meta.get('seq')}"


# --- identity, algorithms, keys -----------------------------------------------------------

@view("principal")
def _principal(s: Shown) -> str:
    d = s.data
    return (f"{d['name']} ({d['actor_id']}): roles {value_text(d['roles'])}; domains "
            f"{value_text(d['domains'])}; authenticated by {d['authenticated_by']}")


@view("algorithms", columns=(
    "algorithm", "purpose", ("bits", lambda x: x["security_bits"]),
    ("FIPS", lambda x: x["fips_approved"]), "message_handling"))
def _algorithms(s: Shown) -> str:
    return rows(s.data, lambda x: f"{x['algorithm']:<24} {x['purpose']:<21} "
                                  f"{x['security_bits']:>4}-bit  "
                                  f"{'FIPS' if x['fips_approved'] else 'non-FIPS':<9} "
                                  f"{x['message_handling']}", "no algorithms")


def _lives_in(key: Mapping[str, Any]) -> str:
    """A key row's backend, with the token that holds it for a pkcs11 key."""
    location = key.get("location") or {}
    token = location.get("token_label")
    return f"{key.get('backend') or 'software'}" + (f" ({token})" if token else "")


@view("keys", columns=(
    "key_id", "label", "algorithm", "state", ("version", lambda x: x["current_version"]),
    "domain", ("lives in", _lives_in), "signatures"))
def _keys(s: Shown) -> str:
    return rows(s.data, lambda x: f"{x['key_id']}  {x['algorithm']:<16} {x['state']:<15} "
                                  f"v{x['current_version']:<3} {x['domain']:<10} "
                                  f"{x['label'] or ''}".rstrip(), "no keys")


@view("key")
def _key(s: Shown) -> str:
    return record(s.data)


@view("public-key")
def _public_key(s: Shown) -> str:
    return str(s.data["public_key"]).rstrip("\n")


@view("key-created")
def _key_created(s: Shown) -> str:
    d = s.data
    return (f"created {d['algorithm']} key {d['key_id']} in domain {d['domain']} "
            f"({d['state']}, {seq_of(s)})")


@view("key-status")
def _key_status(s: Shown) -> str:
    d = s.data
    due = f", destruction due at {rfc3339(d['destroy_after'])}" if d.get("destroy_after") \
        and d["state"] != "destroyed" else ""
    return f"key {d['key_id']}: {d['state']} v{d['version']}{due} ({seq_of(s)})"


@view("key-policy")
def _key_policy(s: Shown) -> str:
    d = s.data
    return f"key {d['key_id']} policy: {value_text(d['policy'])} ({seq_of(s)})"


# --- signing and data ---------------------------------------------------------------------

@view("signature")
def _signature(s: Shown) -> str:
    return str(s.data["signature"])


@view("signatures")
def _signatures(s: Shown) -> str:
    names = list(s.given.get("input") or ())
    signatures = s.data["signatures"]
    return "\n".join(f"{signature}  {name}" for signature, name in
                     zip(signatures, names or [""] * len(signatures), strict=True))


def _all_valid(data: Any) -> bool:
    return not all(r["valid"] for r in data["results"])


@view("verification", failed=lambda data: not data["valid"])
def _verification(s: Shown) -> str:
    d = s.data
    if not d["valid"]:
        return "invalid signature"
    return f"valid (key version {d['version']}, key {d['state']})"


@view("verifications", failed=_all_valid)
def _verifications(s: Shown) -> str:
    return "\n".join(f"{n}: valid (key version {r['version']})" if r["valid"]
                     else f"{n}: invalid" for n, r in enumerate(s.data["results"]))


OUTPUT = click.option("--output", type=click.Path(dir_okay=False), default=None,
                      help="Write the bytes to this file (created 0600) instead of stdout.")


def write_private(path: str, data: bytes | bytearray, *, where: str = "output") -> None:
    """Create ``path`` with mode 0600 (never replacing a file) and write ``data``."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InvalidInput(f"{path} already exists", field=where,
                           hint="choose a new file name") from None
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror}", field=where) from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _bytes_result(name: str, *, secret: bool) -> Callable[[Shown], None]:
    """Show a result whose payload is bytes: into ``--output``, else raw to stdout for
    secrets (so that no hex or base64 copy of them is made) or base64 for the rest; under
    ``--json``, the JSON form (base64) unless ``--output`` took the bytes."""

    def show(s: Shown) -> None:
        payload = s.raw[name]
        try:
            output = s.extras.get("output")
            data = dict(s.json_data)
            if output is not None:
                write_private(output, payload)
                data.pop(name)
                data.update(output=output, size=len(payload))
                emit(data, lambda d: f"wrote {d['size']} bytes to {output} (key version "
                                     f"{d['key_version']}, {seq_of(s)})")
            elif secret and not s.state.json:
                sys.stdout.buffer.write(payload)
                sys.stdout.buffer.flush()
            else:
                emit(data, lambda d: str(d[name]))
        finally:
            if isinstance(payload, bytearray):
                zeroize(payload)

    return show


VIEWS["ciphertext"] = View(show=_bytes_result("ciphertext", secret=False), options=(OUTPUT,))
VIEWS["plaintext"] = View(show=_bytes_result("plaintext", secret=True), options=(OUTPUT,))


@view("data-key")
def _data_key(s: Shown) -> str:
    return f"plaintext_key: {s.data['plaintext_key']}\nwrapped_key: {s.data['wrapped_key']}"


@view("mac")
def _mac(s: Shown) -> str:
    return str(s.data["mac"])


@view("mac-check")
def _mac_check(s: Shown) -> str:
    return f"valid (key version {s.data['key_version']}, {seq_of(s)})"


@view("derived-key")
def _derived_key(s: Shown) -> str:
    return str(s.data["derived_key"])


# --- actors -------------------------------------------------------------------------------

@view("actors", columns=("name", "actor_id", "roles", "domains", "revoked"))
def _actors(s: Shown) -> str:
    return rows(s.data, lambda x: f"{x['name']:<16} {x['actor_id']}  "
                                  f"{','.join(x['roles']):<24} "
                                  f"{'REVOKED' if x['revoked'] else ''}".rstrip(), "no actors")


@view("actor")
def _actor(s: Shown) -> str:
    return record(s.data)


def _prepare_identity(p: Preparing) -> None:
    """The CLI acts for actors whose keys it keeps: a new actor's Ed25519 identity is made
    and sealed in the home first, and forgotten again if the ledger refuses it."""
    session = p.state.session()
    name = str(p.params.get("name") or "")
    p.params["public_key"] = session.new_identity(name).hex()

    def settle(ok: bool) -> None:
        if not ok:
            session.home.forget_identity(name)

    p.cleanup.append(settle)


def _show_actor_added(s: Shown) -> None:
    s.state.session().home.bind_identity(s.data["name"], s.data["actor_id"])
    emit(s.json_data, lambda d: f"registered {d['name']} as {d['actor_id']} ({seq_of(s)})")


VIEWS["actor-added"] = View(show=_show_actor_added, prepare=_prepare_identity)


@view("actor-roles")
def _actor_roles(s: Shown) -> str:
    return f"{s.data['actor_id']} now has roles {value_text(s.data['roles'])} ({seq_of(s)})"


@view("actor-revoked")
def _actor_revoked(s: Shown) -> str:
    return f"revoked {s.data['actor_id']} ({seq_of(s)})"


# --- audit --------------------------------------------------------------------------------

@view("chains", columns=("chain_id", "head_seq", "checkpoint_size",
                        ("head hash", lambda c: str(c["head_hash"])[:16])))
def _chains(s: Shown) -> str:
    header = f"{'chain':<16} {'head seq':>9} {'checkpoint':>10}  head hash"
    return "\n".join([header] + [f"{c['chain_id']:<16} {c['head_seq']:>9} "
                                 f"{c['checkpoint_size']:>10}  {c['head_hash'][:16]}"
                                 for c in s.data])


@view("checkpoint")
def _checkpoint(s: Shown) -> str:
    """The note alone on stdout (``skms audit checkpoint > trusted.note`` keeps a note);
    the verifier keys to open it with on stderr."""
    click.echo(f"# C2SP verifier key (origin name): {s.data['verifier_key']}\n"
               f"# ledger verifier key (older notes): {s.data['ledger_verifier_key']}",
               err=True)
    return str(s.data["note"]).rstrip("\n")


def _json_document(s: Shown) -> None:
    click.echo(json.dumps(s.json_data, indent=2, sort_keys=True))


VIEWS["json"] = View(show=_json_document)


@view("proof-verification")
def _proof_verification(s: Shown) -> str:
    return f"valid {s.data['type']} proof ({s.data['detail']})"


def progress_printer() -> Callable[[str, int, int], None]:
    """A progress bar on stderr (sparse when stderr is not a terminal)."""
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


def _prepare_audit(p: Preparing) -> None:
    p.audit_options.update(
        progress=None if p.extras.get("quiet") else progress_printer(),
        jobs=worker_count(int(p.extras.get("jobs") or 0)),
        parallel_from_events=int(p.extras.get("parallel_from") or 20_000))


def _audit_text(s: Shown) -> str:
    r = s.data
    return "\n".join(
        [f"OK: {r['events']} events in {len(r['chains'])} chains verified "
         f"(ledger {r['ledger_id']})"]
        + [f"  {c['chain_id']:<12} size {c['size']:<7} root {c['root'][:16]}…  "
           f"checkpoints {c['checkpoints_verified']}" for c in r["chains"]]
        + [f"  consistent with trusted checkpoint of {t['chain']} at size {t['size']}"
           for t in r["trusted_checkpoints"]])


QUIET = click.option("--quiet", is_flag=True, help="No progress bar.")
VIEWS["audit"] = View(text=_audit_text, prepare=_prepare_audit,
                      options=(QUIET, parallel_options))


# --- read models --------------------------------------------------------------------------

@view("reports", columns=("name", ("--since", lambda r: r["since"]), "description"))
def _reports(s: Shown) -> str:
    return rows(s.data, lambda r: f"{r['name']:<26} {r['description']}", "no reports")


def _prepare_models(p: Preparing) -> None:
    p.models_options.update(no_update=bool(p.extras.get("no_update")),
                            wait_for=p.extras.get("wait_for"),
                            wait_chain=p.extras.get("wait_chain"),
                            wait_timeout=float(p.extras.get("wait_timeout") or 30.0))
    if p.extras.get("format") == "parquet" and not p.extras.get("output"):
        raise InvalidInput("parquet output needs --output FILE", field="output")


def _show_table(s: Shown) -> None:
    """A report or query as a table, CSV, JSON or Parquet, to stdout or ``--output``;
    ``--chart FILE`` also draws a report as a bar chart (PNG)."""
    from projections.export import render, write_parquet

    result = s.table
    chosen = s.extras.get("format") or ("json" if s.state.json else "table")
    chart = s.extras.get("chart")
    if chart is not None:
        _draw_chart(s, result, Path(chart))
    output = s.extras.get("output")
    if output is None:
        if chosen == "json" and s.state.json:
            emit(s.data)
        else:
            click.echo(render(result, chosen), nl=False)
        return
    if chosen == "parquet":
        write_parquet(result, Path(output))
    else:
        try:
            Path(output).write_text(render(result, chosen), encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(f"cannot write {output}: {exc.strerror}",
                               field="output") from None
    emit({"rows": len(result), "format": chosen, "output": output},
         lambda r: f"wrote {r['rows']} rows to {r['output']} ({r['format']})")


def _draw_chart(s: Shown, result: Any, target: Path) -> None:
    from projections.charts import render_chart
    from projections.reports import get_report

    name = s.data.get("name") if isinstance(s.data, Mapping) else None
    if not name:
        raise InvalidInput("only reports are drawn as charts", field="chart")
    if target.suffix.lower() != ".png":
        raise InvalidInput("the chart is a PNG image: name the file *.png", field="chart")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    render_chart(result, get_report(name).chart, target, subtitle=f"skms report {name} · {stamp}")
    click.echo(f"chart written to {target}", err=True)


TABLE_OPTIONS = (
    click.option("--format", type=click.Choice(("table", "csv", "json", "parquet")),
                 default=None, help="Output format (default: table, or json under --json)."),
    click.option("--output", type=click.Path(dir_okay=False), default=None,
                 help="Write to FILE instead of stdout (required for parquet)."),
    click.option("--no-update", is_flag=True,
                 help="Answer from the read models as they are; do not read the store."),
    click.option("--wait-for", type=click.IntRange(0, None), default=None, metavar="SEQ",
                 help="First wait until --wait-chain is projected up to SEQ "
                      "(read-your-writes)."),
    click.option("--wait-chain", default=None, help="The chain of --wait-for."),
    click.option("--wait-timeout", type=click.FloatRange(0.1, 86400), default=30.0,
                 show_default=True, help="Seconds --wait-for may take."),
)
VIEWS["table"] = View(show=_show_table, prepare=_prepare_models, options=(
    *TABLE_OPTIONS,
    click.option("--chart", type=click.Path(dir_okay=False), default=None,
                 help="Reports only: also draw a bar chart into FILE (PNG).")))


def _projection_status(s: Shown) -> str:
    lines = [f"{'chain':<16} {'position':>9} {'head':>9} {'lag':>9}"]
    lines += [f"{c['chain_id']:<16} {c['position']:>9} {c['head']:>9} {c['lag']:>9}"
              for c in s.data["chains"]]
    return "\n".join(lines)


VIEWS["projection-status"] = View(text=_projection_status)


# --- wallets ------------------------------------------------------------------------------

@view("wallets", columns=("wallet_id", "label", "domain", "source",
                         ("fingerprint", lambda x: x["master_fingerprint"]), "addresses"))
def _wallets(s: Shown) -> str:
    return rows(s.data, lambda x: f"{x['wallet_id']}  {x['master_fingerprint']}  "
                                  f"{x['source']:<9} {x['addresses']:>4} addr  "
                                  f"{x['domain']:<10} {x['label'] or ''}".rstrip(),
                "no wallets")


@view("wallet")
def _wallet(s: Shown) -> str:
    return record(s.data)


@view("addresses", columns=("path", "curve",
                           ("address", lambda x: x["address"] or x["public_key"]), "used"))
def _addresses(s: Shown) -> str:
    return rows(s.data, lambda x: f"{x['path']:<28} {x['curve']:<10} "
                                  f"{x['address'] or x['public_key']}"
                                  f"{'  (used)' if x['used'] else ''}", "no addresses")


def _show_wallet_created(s: Shown) -> None:
    """The mnemonic once, on stdout; the warning on stderr (also under ``--json``, whose
    document stays the one REST answers)."""
    click.echo(f"warning: {MNEMONIC_WARNING}", err=True)
    emit(s.json_data, lambda d: f"created wallet {d['wallet_id']} ({seq_of(s)}, fingerprint "
                         f"{d['master_fingerprint']})\nmnemonic: {d['mnemonic']}")


VIEWS["wallet-created"] = View(show=_show_wallet_created)


@view("wallet-imported")
def _wallet_imported(s: Shown) -> str:
    d = s.data
    return (f"imported wallet {d['wallet_id']} ({d['word_count']} {d['language']} words, "
            f"fingerprint {d['master_fingerprint']}, {seq_of(s)})")


@view("address")
def _address(s: Shown) -> str:
    return f"{s.data['address'] or s.data['public_key']}  {s.data['path']}"


@view("address-used")
def _address_used(s: Shown) -> str:
    return f"{s.data['path']} marked used ({seq_of(s)})"


@view("xpub")
def _xpub(s: Shown) -> str:
    return str(s.data["xpub"])


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def share_file(folder: Path, index: int, custodian: str) -> Path:
    safe = _UNSAFE.sub("_", custodian).strip("._") or "custodian"
    return folder / f"share-{index:02d}-{safe[:40]}.json"


def _prepare_backup(p: Preparing) -> None:
    """The share files must not exist yet: nothing is split before that is known."""
    folder = Path(str(p.extras["out_dir"]))
    custodians = list(p.params.get("custodians") or ())
    targets = [share_file(folder, n, name) for n, name in enumerate(custodians, start=1)]
    if len(set(targets)) != len(targets):
        raise InvalidInput("custodian names must differ", field="custodians")
    existing = [str(t) for t in targets if t.exists()]
    if existing:
        raise InvalidInput(f"share files already exist: {', '.join(existing)}",
                           field="out_dir", hint="choose an empty folder")


def _show_backup(s: Shown) -> None:
    """Each share document to its own 0600 file; never to stdout."""
    folder = Path(str(s.extras["out_dir"]))
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    files = []
    for document in s.raw["documents"]:
        target = share_file(folder, int(document["index"]), str(document["custodian"]))
        write_private(str(target), (json.dumps(document, indent=2, sort_keys=True)
                                    + "\n").encode(), where="out_dir")
        files.append({"index": document["index"], "custodian": document["custodian"],
                      "file": str(target)})
    data = {k: v for k, v in s.json_data.items() if k != "documents"}
    data["files"] = files
    emit(data, lambda d: "\n".join(
        [f"backup {d['split_id']} of wallet {d['wallet_id']}: {d['threshold']}-of-"
         f"{d['share_count']} ({d['scheme']}, {seq_of(s)})"]
        + [f"share {f['index']} for {f['custodian']}: {f['file']}" for f in files]
        + ["hand each file to its custodian, then delete it here"]))


VIEWS["backup"] = View(show=_show_backup, prepare=_prepare_backup, options=(
    click.option("--out-dir", type=click.Path(file_okay=False), required=True,
                 help="Folder for the share files (created 0700; one 0600 file each)."),))


@view("recovered")
def _recovered(s: Shown) -> str:
    d = s.data
    return (f"recovered wallet {d['wallet_id']} from shares "
            f"{', '.join(map(str, d['share_indexes']))} ({', '.join(d['custodians'])}); "
            f"seed version {d['seed_version']} ({seq_of(s)})")


# --- privacy services (ledger/catalogue/privacy.py) ---------------------------------------
# What a later step takes goes alone on stdout (a blind signature, a finalized signature, a
# proof) so that scripts can pass it on; verdicts say what was checked.

@view("blind-signature")
def _blind_signature(s: Shown) -> str:
    return str(s.data["blind_signature"])


@view("blinded-message")
def _blinded_message(s: Shown) -> str:
    return (f"blinded_message: {s.data['blinded_message']}\n"
            f"prepared_message: {s.data['prepared_message']}\n"
            f"inverse: {s.data['inverse']}  (secret: keep it until finalize, then delete it)")


@view("blind-rsa-signature")
def _blind_rsa_signature(s: Shown) -> str:
    return str(s.data["signature"])


@view("blind-verification")
def _blind_verification(s: Shown) -> str:
    return (f"valid {s.data['variant']} signature (RSASSA-PSS-SHA384) by issuer key "
            f"sha256 {s.data['key_fingerprint']}")


@view("paillier-encryption")
def _paillier_encryption(s: Shown) -> str:
    return str(s.data["ciphertext"])


@view("homomorphic-plaintext")
def _homomorphic_plaintext(s: Shown) -> str:
    return str(s.data["plaintext"])


@view("possession-challenge")
def _possession_challenge(s: Shown) -> str:
    d = s.data
    return (f"challenge {d['challenge_id']} for actor {d['actor_id']} ({d['purpose']}), "
            f"nonce {d['nonce']}, open until {rfc3339(d['expires_at'])} ({seq_of(s)})")


def _prepare_possession_proof(p: Preparing) -> None:
    """Without ``--proof`` the CLI proves for the ``--as`` actor, from its identity key kept
    in this home (unsealed, used, zeroed); the challenge is read from the local ledger."""
    if p.params.get("proof") is not None:
        return
    session = p.state.session()
    identity = session.identity(p.state.as_actor)
    actor_id = str(p.params.get("actor_id") or "")
    if identity.actor_id != actor_id:
        raise InvalidInput(f"--as {p.state.as_actor} is not actor {actor_id}: only the actor "
                           "itself can prove possession of its key", field="proof",
                           hint="give the actor's own --proof, or run as that actor")
    opened = session.read_only_ledger().actor(actor_id).open_challenge(
        str(p.params.get("challenge_id") or ""), at=dt_micros())
    challenge = pok.PoKChallenge(opened["service"], opened["purpose"], opened["nonce"])
    key = session.home.identity_key(p.state.as_actor, session.kek())
    try:
        proof = pok.prove("ed25519", key, user_id=actor_id, challenge=challenge)
    finally:
        zeroize(key)
    p.params["proof"] = proof.to_bytes().hex()


def dt_micros() -> int:
    """Now, in microseconds since the epoch (the challenge's expiry is checked again by the
    ledger at its own clock)."""
    return int(dt.datetime.now(dt.UTC).timestamp() * 1_000_000)


@view("possession-proof", prepare=_prepare_possession_proof)
def _possession_proof(s: Shown) -> str:
    d = s.data
    return (f"actor {d['actor_id']} proved possession of its {d['suite']} identity key "
            f"(challenge {d['challenge_id']}, proof sha256 {d['proof_digest']}, {seq_of(s)})")


@view("key-possession-proof")
def _key_possession_proof(s: Shown) -> str:
    return str(s.data["proof"])


@view("approval-group")
def _approval_group(s: Shown) -> str:
    d = s.data
    lines = [f"group {d['group_id']} ({d['label'] or 'no label'}, domain {d['domain']}): "
             f"{len(d['members'])} members, quorum {d['quorum']}, ring sha256 "
             f"{d['ring_digest']}"]
    lines += [f"  {p['proposal']}: {p['approvals']} approval(s)"
              f"{', approved' if p['approved'] else ''}" for p in d["proposals"]]
    return "\n".join(lines)


@view("ring-approval")
def _ring_approval(s: Shown) -> str:
    d = s.data
    verdict = "approved" if d["approved"] else "not yet approved"
    return (f"{d['proposal']}: {d['approvals']} of {d['quorum']} approvals, {verdict} "
            f"(key image {d['key_image']}, {seq_of(s)})")


@view("ring-verification")
def _ring_verification(s: Shown) -> str:
    return (f"valid ring signature by one of the ring sha256 {s.data['ring_digest']} "
            f"(key image {s.data['key_image']})")
# --- KEK ----------------------------------------------------------------------------------

@view("kek-authorization")
def _kek_authorization(s: Shown) -> str:
    return (f"KEK rotation to a {s.data['to']} KEK authorized ({s.data['authorization_id']}; "
            f"{s.data['unused']} unused; 'skms kek rotate --to {s.data['to']}' runs it; "
            f"{seq_of(s)})")


# --- approvals ----------------------------------------------------------------------------

def _rule_line(d: Mapping[str, Any]) -> str:
    where = "ledger-wide" if d["scope"] == "ledger" else f"{d['scope']} {d['target']}"
    limit = f" when {d['value_field']} > {d['when_above']}" if d.get("when_above") else ""
    return (f"{d['command']}: {d['approvals']} approver(s){limit} ({where}; requests wait "
            f"{d['ttl_seconds']} s)")


@view("approval-rule")
def _approval_rule(s: Shown) -> str:
    d = s.data
    if d["approvals"] == 0:
        return f"removed the rule for {d['command']} ({seq_of(s)})"
    return f"{_rule_line(d)} (was {d['previous_approvals']}; {seq_of(s)})"


@view("threat-policy")
def _threat_policy(s: Shown) -> str:
    d = s.data
    where = "ledger-wide" if d["scope"] == "ledger" else f"{d['scope']} {d['target']}"
    return (f"threat policy ({where}): findings scoring {d['threshold']} or more are "
            f"recorded; action {d['action']}; lifting a threat suspension needs "
            f"{d['lift_approvals']} approver(s) ({seq_of(s)})")


@view("approval-rules", columns=("command", "approvals", "scope", "target",
                                ("waits (s)", lambda d: d["ttl_seconds"]), "when_above"))
def _approval_rules(s: Shown) -> str:
    return rows(s.data, _rule_line, "no approval policy rules")


def _approval_line(d: Mapping[str, Any]) -> str:
    return (f"{d['approval_id']}  {d['status']:<8} {d['command_type']:<18} "
            f"{d['approvals']}/{d['required']}  {d['subject'] or '-'}  by {d['requester_id']}"
            f"  expires {rfc3339(d['expires_at'])}")


APPROVAL_COLUMNS: tuple[Column, ...] = (
    "approval_id", "status", ("command", lambda d: d["command_type"]),
    ("votes", lambda d: f"{d['approvals']}/{d['required']}"), "subject",
    ("requested by", lambda d: d["requester_id"]),
    ("expires", lambda d: rfc3339(d["expires_at"])))


@view("approvals", columns=APPROVAL_COLUMNS)
def _approvals(s: Shown) -> str:
    return rows(s.data, _approval_line, "no approval requests")


@view("approval")
def _approval(s: Shown) -> str:
    d = dict(s.data)
    for name in ("requested_at", "expires_at", "closed_at"):
        d[name] = rfc3339(d[name])
    return record(d)


def _show_approval_decision(s: Shown) -> None:
    """The approval completing a quorum prints the executed command's result (as JSON; under
    ``--json`` inside the decision, with where its events went); any other decision, where
    the request stands."""
    d = s.json_data
    executed = d.get("result")
    emit(d, lambda x: json.dumps(executed, indent=2, sort_keys=True) if executed is not None
         else f"approval {x['approval_id']}: {x['status']}, {x['approvals']} of "
              f"{x['required']} for {x['command_type']} ({seq_of(s)})")


VIEWS["approval-decision"] = View(show=_show_approval_decision)
# --- chains --------------------------------------------------------------------------------

@view("evm-transaction")
def _evm_transaction(s: Shown) -> str:
    """The raw transaction alone on stdout (``| cast publish``); facts with ``--json``."""
    return str(s.data["raw"])


@view("evm-signature")
def _evm_signature(s: Shown) -> str:
    return str(s.data["signature"])


def _show_psbt(s: Shown) -> None:
    """The PSBT (base64) alone on stdout, ready for the next signer or ``chain btc finalize``;
    with ``--out FILE`` into that file (never replacing one), a summary shown. ``--json``
    keeps the whole answer (REST's, with ``psbt``) and adds ``out``: a PSBT is public, and a
    script checking the file against the answer needs both."""
    out = s.extras.get("out")
    if out is None:
        emit(s.json_data, lambda d: str(d["psbt"]))
        return
    write_private(out, (str(s.data["psbt"]) + "\n").encode(), where="out")
    data = {**s.json_data, "out": out}
    emit(data, lambda d: f"signed inputs {', '.join(str(i['index']) for i in d['signed_inputs'])}"
                         f"; PSBT written to {out} ({seq_of(s)})")


def _prepare_psbt(p: Preparing) -> None:
    """``--out`` must not exist yet: nothing is signed before that is known."""
    out = p.extras.get("out")
    if out is not None and Path(out).exists():
        raise InvalidInput(f"{out} already exists", field="out", hint="choose a new file name")


VIEWS["psbt"] = View(show=_show_psbt, prepare=_prepare_psbt, options=(
    click.option("--out", type=click.Path(dir_okay=False), default=None,
                 help="Write the signed PSBT (base64) to this new file."),))


@view("finalized-psbt")
def _finalized_psbt(s: Shown) -> str:
    return str(s.data["tx"])


@view("solana-transaction")
def _solana_transaction(s: Shown) -> str:
    return str(s.data["transaction"])


@view("solana-message")
def _solana_message(s: Shown) -> str:
    return str(s.data["signature"])


@view("chain-address")
def _chain_address(s: Shown) -> str:
    return str(s.data["address"])
# --- threshold group keys -------------------------------------------------------------------

THRESHOLD_OUT = click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
                             help="Write the round message(s) to this new file (JSON), "
                                  "for the other participants' --in.")


def _show_threshold_message(s: Shown) -> None:
    """A round's outgoing message(s): into ``--out FILE`` (air-gapped exchange), else
    printed as JSON; the rest of the result as text."""
    data = dict(s.json_data)
    name = "messages" if "messages" in data else "message"
    out = s.extras.get("out")
    if out is not None:
        write_private(str(out), (json.dumps(data[name], indent=2, sort_keys=True)
                                 + "\n").encode(), where="out")
        data.pop(name)
        data["out"] = str(out)
    seat = f"group {data['group_id']}, participant {data['identifier']}"
    session = f" session {data['session_id']}" if "session_id" in data else ""
    emit(data, lambda d: (f"{seat}{session} ({seq_of(s)}): "
                          + (f"{name} written to {out}" if out is not None else
                             json.dumps(s.json_data[name], sort_keys=True))))


def _prepare_threshold_out(p: Preparing) -> None:
    """Refuse an existing ``--out`` file before the round runs: its message would be lost."""
    out = p.extras.get("out")
    if out is not None and Path(str(out)).exists():
        raise InvalidInput(f"{out} already exists", field="out",
                           hint="choose a new file name")


VIEWS["threshold-message"] = View(show=_show_threshold_message,
                                  prepare=_prepare_threshold_out, options=(THRESHOLD_OUT,))


@view("threshold-key")
def _threshold_key(s: Shown) -> str:
    d = s.data
    head = (f"group {d['group_id']}: {d['suite']} {d['threshold']}-of-{d['participants']}, "
            f"participant {d['identifier']} ({seq_of(s)})\n"
            f"group public key: {d['group_public_key']}\n")
    if not d["transcript_digest"] and "internal_key" not in d["public_key_package"]:
        return head + "dealt by a trusted dealer (compare the group key with every seat)"
    if not d["transcript_digest"]:  # MuSig2: no DKG, the keys are the transcript
        return head + (f"internal key: {d['public_key_package']['internal_key']} "
                       "(compare the group id with every participant)")
    return head + f"transcript: {d['transcript_digest']} (compare with every participant)"


@view("threshold-signature")
def _threshold_signature(s: Shown) -> str:
    d = s.data
    return d["signature"] if not s.meta else (
        f"{d['signature']}\n{d['suite']} signature of group {d['group_id']} by participants "
        f"{', '.join(map(str, d['signers']))} ({seq_of(s)})")


@view("threshold-group")
def _threshold_group(s: Shown) -> str:
    return record({k: v for k, v in s.data.items() if k != "public_key_package"})


def _threshold_seat_line(d: Mapping[str, Any]) -> str:
    return (f"{d['group_id']}  {d['suite']} {d['threshold']}-of-{d['participants']}  "
            f"participant {d['identifier']}  {d['stage']}  {d['domain']}"
            + (f"  {d['label']}" if d.get("label") else ""))


THRESHOLD_GROUP_COLUMNS: tuple[Column, ...] = (
    "group_id", "suite", ("t-of-n", lambda d: f"{d['threshold']}-of-{d['participants']}"),
    ("seat", lambda d: d["identifier"]), "stage", "domain", "label")


@view("threshold-groups", columns=THRESHOLD_GROUP_COLUMNS)
def _threshold_groups(s: Shown) -> str:
    return rows(s.data, _threshold_seat_line, "no threshold groups")


def _threshold_session_line(d: Mapping[str, Any]) -> str:
    signed = d["message_digest"] or "not signed yet"
    made = f"  signature {d['signature']}" if d["signature"] else ""
    return f"{d['session_id']}  committed {rfc3339(d['committed_at'])}  {signed}{made}"


@view("threshold-sessions", columns=(
    "session_id", ("committed", lambda d: rfc3339(d["committed_at"])), "signed", "signers",
    "signature"))
def _threshold_sessions(s: Shown) -> str:
    return rows(s.data, _threshold_session_line, "no signing sessions")
# --- zero-knowledge (ledger/catalogue/zk.py) ----------------------------------------------
# A proof alone on stdout (``skms zk range-prove ... > proof.hex``), so that it can be handed
# to the verifying command as it is; verdicts name what was proved.

@view("commitment")
def _commitment(s: Shown) -> str:
    d = s.data
    summed = f" = {' + '.join(d['parts'])}" if d["parts"] else ""
    return (f"{d['commitment']}  commitment {d['commitment_id']}{summed} (key {d['key_id']} "
            f"version {d['key_version']}, {seq_of(s)})")


@view("range-proof")
def _range_proof(s: Shown) -> str:
    return str(s.data["proof"])


@view("range-verification")
def _range_verification(s: Shown) -> str:
    d = s.data
    return (f"valid: {len(d['commitments'])} commitment(s) hold values in [0, 2^{d['bits']}) "
            f"({', '.join(d['commitments'])})")


@view("snark-verification")
def _snark_verification(s: Shown) -> str:
    d = s.data
    return (f"valid Groth16 proof (BN254) for public signals [{', '.join(d['public_signals'])}]"
            f" (verification key sha256 {d['vkey_digest']})")


@view("stark-proof")
def _stark_proof(s: Shown) -> str:
    return str(s.data["proof"])


@view("stark-verification")
def _stark_verification(s: Shown) -> str:
    d = s.data
    return (f"valid: {d['steps']} hashes take {d['start']} to {d['end']} "
            f"({d['security_bits']}-bit conjectured security)")


@view("circuit-key")
def _circuit_key(s: Shown) -> str:
    d = s.data
    return (f"circuit key {d['key_id']} ({d['circuit']}, {d['n_public']} public signal(s), "
            f"version {d['version']}, {d['state']}); ceremony transcript sha256 "
            f"{d['transcript_digest']} ({seq_of(s)})")


def _show_snark_proof(s: Shown) -> None:
    """snarkjs's proof.json and public.json into ``--proof-out`` / ``--public-out`` (public
    values: mode 0644), so that stock ``snarkjs groth16 verify`` reads them as they are."""
    d = s.data
    written = []
    for option, name in (("proof_out", "proof"), ("public_out", "public")):
        target = s.extras.get(option)
        if target:
            Path(target).write_text(json.dumps(d[name], indent=1) + "\n", encoding="utf-8")
            written.append(f"{name}: {target}")
    emit(s.json_data, lambda _: "\n".join(
        [f"Groth16 proof with key {d['key_id']} version {d['key_version']} ({d['circuit']}, "
         f"{seq_of(s)}); public signals [{', '.join(d['public'])}]", *written]
        if written else [json.dumps({"proof": d["proof"], "public": d["public"]})]))


VIEWS["snark-proof"] = View(show=_show_snark_proof, options=(
    click.option("--proof-out", type=click.Path(dir_okay=False), default=None,
                 help="Write the proof (snarkjs proof.json) to this file."),
    click.option("--public-out", type=click.Path(dir_okay=False), default=None,
                 help="Write the public signals (snarkjs public.json) to this file.")))
# --- custody (BYOK, export) -------------------------------------------------------------------

@view("import-params")
def _import_params(s: Shown) -> str:
    d = s.data
    return (f"import token {d['token']} for one {d['algorithm']} key in domain {d['domain']}, "
            f"until {rfc3339(d['expires_at'])} ({seq_of(s)})\n"
            f"wrap with {d['wrapping_algorithm']} (RSA-OAEP-SHA256 + AES-KWP) for:\n"
            f"{str(d['wrapping_public_key']).rstrip()}")


VIEWS["key-exported"] = View(show=_bytes_result("wrapped", secret=False), options=(OUTPUT,))


@view("escrow-agent")
def _escrow_agent(s: Shown) -> str:
    d = s.data
    return (f"registered escrow agent {d['name']} ({d['agent_id']}, {d['kem']}, key digest "
            f"{d['public_key_digest'][:16]}..., {seq_of(s)})")


def _show_escrow_release(s: Shown) -> None:
    """The package to a new 0600 file (``--output``), else the whole result as JSON."""
    output = s.extras.get("output")
    if output is None:
        _json_document(s)
        return
    write_private(str(output), (json.dumps(s.raw["package"], indent=2, sort_keys=True)
                                + "\n").encode())
    data = {k: v for k, v in s.json_data.items() if k != "package"}
    emit({**data, "output": output}, lambda d: (
        f"released key {d['key_id']} versions {', '.join(map(str, d['versions']))} to escrow "
        f"agent {d['agent_id']} ({seq_of(s)}): {output}; the agent opens it offline with "
        "skms escrow open"))


VIEWS["escrow-release"] = View(show=_show_escrow_release, options=(OUTPUT,))


def _show_backup_bundle(s: Shown) -> None:
    """The bundle to a new 0600 file (``--output``), else the whole result as JSON."""
    output = s.extras.get("output")
    if output is None:
        _json_document(s)
        return
    write_private(str(output), (json.dumps(s.raw["bundle"], sort_keys=True) + "\n").encode())
    data = {k: v for k, v in s.json_data.items() if k != "bundle"}
    emit({**data, "output": output}, lambda d: (
        f"backup {d['backup_id']}: {d['version_count']} versions of {d['key_count']} keys, "
        f"{d['threshold']}-of-{d['share_count']} ({d['scheme']}) for "
        f"{', '.join(d['custodians'])} ({seq_of(s)}): {output}"))


VIEWS["backup-bundle"] = View(show=_show_backup_bundle, options=(OUTPUT,))


@view("backup-restored")
def _backup_restored(s: Shown) -> str:
    d = s.data
    lines = [f"restored {len(d['restored_refs'])} data keys of backup {d['backup_id']} with "
             f"shares {', '.join(map(str, d['share_indexes']))} ({', '.join(d['custodians'])}; "
             f"{seq_of(s)})"]
    lines += [f"  skipped {ref}: {why}"
              for ref, why in zip(d["skipped_refs"], d["skipped_reasons"], strict=True)]
    return "\n".join(lines)


@view("unbacked-keys", columns=("key_id", "algorithm", "state", "domain",
                               "missing_versions", "last_backup_id"))
def _unbacked_keys(s: Shown) -> str:
    return rows(s.data, lambda x: f"{x['key_id']}  {x['algorithm']:<16} {x['state']:<15} "
                                  f"{x['domain']:<10} missing v"
                                  f"{','.join(map(str, x['missing_versions']))}"
                                  f"  last backup {x['last_backup_id'] or '-'}",
                "every key is backed up")


@view("chain-policy")
def _chain_policy(s: Shown) -> str:
    d = s.data
    return (f"key {d['key_id']}: networks {', '.join(d['allowed_networks']) or 'any'}; "
            f"recipients {', '.join(d['allowed_recipients']) or 'any'}; "
            f"sighash {', '.join(d['allowed_sighash']) or 'DEFAULT, ALL'} ({seq_of(s)})")
