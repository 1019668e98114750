"""The ``skms`` subcommands of every catalogue entry that names a ``CliRoute``.

Requirements:

1. Each entry's options come from its fields: signed arguments a user gives (not the
   derived ones: digests, sizes, fingerprints are computed by :mod:`commands.builders`,
   as the SDK computes them), its inputs, and ``--domain``/``--chain`` where the chain
   rule needs one. Spelling, positional arguments and readers come from ``Field.cli``.
2. Entries sharing a path are one subcommand; the entry with a selector runs when its
   selector is given (``--cancel``, ``--publish``, ``--list``, ``--verify``; ``many:X``:
   input X given more than once). An option of another entry is refused, naming it.
3. A command is built, signed by the ``--as`` identity of the home and executed by a
   :class:`~commands.session.Session`; a read is answered by :mod:`commands.reads` with
   the ledger loaded without secrets. Both are shown by the entry's view
   (:mod:`commands.cli.views`); ``--json`` prints the same JSON REST answers.
"""

from __future__ import annotations

import base64
import binascii
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import click

from commands.cli.printer import current_state, emit, guarded, json_option, print_option
from commands.cli.read_models import CliReadModels
from commands.cli.readers import option_name, read_value
from commands.cli.state import CliState
from commands.cli.views import VIEWS, Preparing, Shown, View
from commands.reads import ReadContext, answer
from commands.refused_reads import read_target, record_read_refusal
from commands.wire import shape_to_json, to_json
from ledger.application import Ledger
from ledger.catalogue import CATALOGUE, SHAPES, ChainRule, CommandSpec, Field, Kind, Spec
from ledger.catalogue.fields import DOMAIN, text
from ledger.catalogue.model import Cli, ReadSpec
from ledger.domain.circuit_names import circuit_key_id
from ledger.errors import CommandRejected, ConfigurationError, InvalidInput, SkmsError
from ledger.stores.memory import MemoryEventStore, MemoryKeyRing

CHAIN = text("chain_id", "The chain ('system' or a key domain).", max_length=64,
             cli=Cli(option="--chain", default="default"))
ENCODINGS = ("raw", "hex", "base64")

GROUP_HELP = {
    "kek": "The key-encryption key that wraps every data key.",
    "actor": "Register actors (identities kept in this home), change roles, revoke.",
    "key": "Create keys and manage their lifecycle (NIST SP 800-57 states).",
    "wallet": "HD wallets: seeds sealed in the ledger, every derivation recorded.",
    "audit": "Verify the ledger offline; checkpoints and proofs.",
    "projections": "The DuckDB read models (<home>/projections.duckdb).",
    "chain": "Sign blockchain transactions and messages with ledger keys and HD wallets.",
    "eth": "Ethereum and EVM chains: addresses, transactions, personal_sign, EIP-712.",
    "btc": "Bitcoin: addresses, PSBT signing (P2PKH, P2SH-P2WPKH, P2WPKH, P2TR, P2WSH "
           "multisig), finalizing.",
    "sol": "Solana: addresses, legacy and v0 transactions, off-chain messages.",
    "threshold": "Threshold group keys (FROST, threshold BLS): DKG and signing rounds with "
                 "other ledgers.",
    "threshold dkg": "Distributed key generation: start (or join), round, finish.",
    "threshold sign": "Signing sessions: commit, share, aggregate; list a seat's sessions.",
    "threshold key": "This ledger's seats in group keys.",
}
"""Help of each command group, by its path (``threshold dkg``)."""


def user_fields(spec: Spec) -> tuple[Field, ...]:
    """The fields a user gives on the command line (see the module doc, 1)."""
    if isinstance(spec, CommandSpec):
        fields = [f for f in spec.args if f.derived is None and not f.cli.hidden]
        fields += spec.inputs
        if spec.chain is ChainRule.DOMAIN:
            fields.append(DOMAIN)
        elif spec.chain is ChainRule.ANY:
            fields.append(CHAIN)
        return tuple(fields)
    return tuple(p for p in spec.params if not p.cli.hidden)


def dest_of(field: Field) -> str:
    """The click parameter name of a field (shared by every entry spelling it alike)."""
    if field.cli.positional:
        return field.name
    return option_name(field).lstrip("-").replace("-", "_")


def _flag_dest(selector: str) -> str:
    return selector.lstrip("-").replace("-", "_")


@dataclass(frozen=True)
class Entry:
    spec: Spec
    fields: tuple[Field, ...]
    selector: str | None

    @property
    def view(self) -> View:
        assert self.spec.cli is not None
        return VIEWS[self.spec.cli.renderer or "json"]

    def selected(self, given: Mapping[str, Any]) -> bool:
        selector = self.selector
        if selector is None:
            return False
        if selector.startswith("many:"):
            field = next(f for f in self.fields if f.name == selector[5:])
            value = given.get(dest_of(field))
            return isinstance(value, tuple) and len(value) > 1
        value = given.get(_flag_dest(selector))
        return value not in (None, False, ())


def _click_type(field: Field) -> Any:
    source = field.item if field.kind is Kind.LIST and field.item is not None else field
    if source.choices:
        return click.Choice([str(c) for c in source.choices])
    if source.kind is Kind.INTEGER:
        return click.IntRange(source.minimum, source.maximum)
    return click.STRING


def _help(field: Field) -> str:
    shown = field.cli.default if field.cli.default is not None else field.default
    if field.kind is Kind.BOOLEAN or shown in (None, "", [], b""):
        return field.doc
    text = ", ".join(map(str, shown)) if isinstance(shown, list) else str(shown)
    return f"{field.doc} [default: {text}]"


def _parameter(field: Field, *, required: bool, multiple: bool) -> click.Parameter:
    if field.cli.positional:
        return click.Argument([dest_of(field)], required=required,
                              nargs=-1 if multiple else 1, type=_click_type(field))
    option = field.cli.option or "--" + field.name.replace("_", "-")
    if field.kind is Kind.BOOLEAN:
        if "/" in option:
            return click.Option([option, dest_of(field)], default=field.default,
                                help=field.doc, show_default=True)
        return click.Option([option, dest_of(field)], is_flag=True, default=False,
                            help=field.doc)
    return click.Option([option, *field.cli.aliases, dest_of(field)],
                        type=_click_type(field), multiple=multiple,
                        required=required and not multiple, default=field.cli.default,
                        help=_help(field) + (" (repeatable)" if multiple else ""))


def _extra_parameters(view: View) -> list[click.Parameter]:
    def holder() -> None: ...

    for decorate in view.options:
        decorate(holder)
    return list(reversed(getattr(holder, "__click_params__", [])))


def build_command(name: str, entries: Sequence[Entry]) -> click.Command:
    """One subcommand over the entries sharing a CLI path (see the module doc, 2)."""
    uses: dict[str, list[tuple[Entry, Field]]] = {}
    for entry in entries:
        for field in entry.fields:
            uses.setdefault(dest_of(field), []).append((entry, field))
    params: list[click.Parameter] = []
    positional: list[click.Parameter] = []
    for dest, found in uses.items():
        field = found[0][1]
        every = len(found) == len(entries)
        required = every and all(f.required and f.default is None and f.cli.default is None
                                 for _, f in found)
        multiple = any(f.kind is Kind.LIST for _, f in found) or any(
            e.selector == f"many:{f.name}" for e, f in found)
        parameter = _parameter(field, required=required, multiple=multiple)
        (positional if field.cli.positional else params).append(parameter)
        if field.kind is Kind.BYTES and field.cli.reader == "file":
            params.append(click.Option(
                [f"{option_name(field)}-encoding", f"{dest}_encoding"],
                type=click.Choice(ENCODINGS), default="raw", show_default=True,
                help=f"How {option_name(field)} is written."))
    for entry in entries:
        selector = entry.selector
        if selector and not selector.startswith("many:") and _flag_dest(selector) not in uses:
            params.append(click.Option([selector, _flag_dest(selector)], is_flag=True,
                                       help=f"{entry.spec.name}: {entry.spec.doc}"))
    extras: list[click.Parameter] = []
    seen: set[str] = set()
    for entry in entries:
        for parameter in _extra_parameters(entry.view):
            if parameter.name not in seen and parameter.name not in uses:
                seen.add(str(parameter.name))
                extras.append(parameter)
    options = {f.name: option_name(f) for entry in entries for f in entry.fields}
    callback = guarded(_runner(entries, {str(p.name) for p in extras}), options)
    command = click.Command(name, callback=callback, params=positional + params + extras,
                            help=_command_help(entries), short_help=_short(entries))
    return print_option(json_option(command))


def _command_help(entries: Sequence[Entry]) -> str:
    main = next((e for e in entries if e.selector is None), entries[0])
    parts = [f"{main.spec.doc} ({main.spec.name})"]
    for entry in entries:
        if entry is not main:
            how = (f"with several {entry.selector[5:]}" if entry.selector and
                   entry.selector.startswith("many:") else f"with {entry.selector}")
            parts.append(f"{how.capitalize()}: {entry.spec.doc} ({entry.spec.name})")
    return "\n\n".join(parts)


def _short(entries: Sequence[Entry]) -> str:
    main = next((e for e in entries if e.selector is None), entries[0])
    return main.spec.doc.split(". ")[0].split("; ")[0].rstrip(".")


def _choose(entries: Sequence[Entry], given: Mapping[str, Any]) -> Entry:
    chosen = [e for e in entries if e.selected(given)]
    if len(chosen) > 1:
        raise InvalidInput(f"{' and '.join(str(e.selector) for e in chosen)} cannot be "
                           "combined", field=str(chosen[1].selector))
    if chosen:
        return chosen[0]
    return next(e for e in entries if e.selector is None)


def _key_or_wallet(entries: Sequence[Entry], entry: Entry, given: Mapping[str, Any],
                   state: CliState) -> tuple[Entry, dict[str, Any]]:
    """``KEY_OR_WALLET``: where a key form and a ``--wallet`` form share a command (the chain
    commands), a positional key id that names a wallet of this ledger, and no key, runs the
    wallet form, so ``skms chain eth address WALLET --index 2`` works as ``--wallet WALLET``."""
    found = dict(given)
    wallet_form = next((e for e in entries if e.selector == "--wallet"), None)
    named = found.get("key_id")
    if entry.selector is not None or wallet_form is None or not isinstance(named, str) \
            or found.get("wallet"):
        return entry, found
    ledger = state.session().read_only_ledger()
    if named in ledger.keys or named not in ledger.wallets:
        return entry, found
    return wallet_form, {**found, "key_id": None, "wallet": named}


def _runner(entries: Sequence[Entry], extra_names: set[str]) -> Callable[..., None]:
    def run(**given: Any) -> None:
        state = current_state()
        assert state is not None
        entry, given = _key_or_wallet(entries, _choose(entries, given), given, state)
        extras = {name: given.get(name) for name in extra_names}
        params = _params(entry, given, entries, extra_names, state)
        _execute(entry, params, extras, given, state)

    return run


def _params(entry: Entry, given: Mapping[str, Any], entries: Sequence[Entry],
            extra_names: set[str], state: CliState) -> dict[str, Any]:
    """The chosen entry's values, read by their readers; options of other entries in the
    same subcommand are refused (they would be ignored silently otherwise)."""
    mine = {dest_of(f) for f in entry.fields}
    allowed = mine | extra_names | {f"{d}_encoding" for d in mine}
    allowed |= {_flag_dest(e.selector) for e in entries if e.selector}
    for dest, value in given.items():
        if dest not in allowed and value not in (None, False, (), "raw"):
            owners = [e for e in entries if any(dest_of(f) == dest for f in e.fields)]
            where = next(option_name(f) for e in owners for f in e.fields
                         if dest_of(f) == dest)
            needs = " or ".join(str(e.selector) for e in owners if e.selector) or "another form"
            raise InvalidInput(f"applies only with {needs}", field=where)
    params: dict[str, Any] = {}
    for field in entry.fields:
        dest = dest_of(field)
        value = given.get(dest)
        if value in (None, ()):
            if field.cli.default is None:
                continue
            value = field.cli.default
        if field.kind is not Kind.LIST and isinstance(value, tuple):
            if len(value) != 1:
                raise InvalidInput("give it once", field=option_name(field))
            value = value[0]
        read = read_value(field, value, lambda reader, text: _looked_up(state, reader, text))
        encoding = given.get(f"{dest}_encoding") or "raw"
        params[field.name] = _decoded(read, encoding, option_name(field))
    return params


def _looked_up(state: CliState, reader: str, text: str) -> str:
    """An actor's or circuit key's id from its name (or id), by the home's ledger."""
    ledger = state.session().read_only_ledger()
    if reader == "circuit":
        return circuit_key_id(ledger.keys, text)
    return ledger.actor(text).actor_id


def _decoded(value: Any, encoding: str, where: str) -> Any:
    if encoding == "raw" or not isinstance(value, bytes):
        return value
    text = value.decode("ascii", "replace").strip()
    try:
        return bytes.fromhex(text) if encoding == "hex" else base64.b64decode(text,
                                                                              validate=True)
    except (ValueError, binascii.Error):
        raise InvalidInput(f"the file is not {encoding} text", field=where) from None


def _execute(entry: Entry, params: dict[str, Any], extras: Mapping[str, Any],
             given: Mapping[str, Any], state: CliState) -> None:
    view = entry.view
    if state.print_field:
        _check_printable(entry.spec, state.print_field)
    preparing = Preparing(state, extras, params)
    if view.prepare is not None:
        view.prepare(preparing)
    ok = False
    models: CliReadModels | None = None
    try:
        if isinstance(entry.spec, CommandSpec):
            spec = entry.spec
            outcome = state.session().run(state.as_actor, spec.name, **params)
            if outcome.approval_id is not None:  # held for its approvers: say so, exit 0
                ok = True
                emit(outcome.result)
                return
            raw = outcome.result or {}
            data = shape_to_json(spec.result.name, raw) if spec.result else {}
            meta = {"seq": outcome.seqs[-1] if outcome.seqs else None,
                    "seqs": list(outcome.seqs), "chain": outcome.chain_id,
                    "command_id": outcome.command_id}
        elif entry.spec.offline:  # a proof or the algorithm list: no home needed
            raw = answer(entry.spec.name, _no_ledger(), params)
            data = to_json(entry.spec.result, raw)
            meta = {}
        else:
            session = state.session()
            store, _ = session.store()
            models = CliReadModels(store, state.home.path, **preparing.models_options)
            principal = _principal(state)
            context = ReadContext(ledger=session.read_only_ledger(), store=store,
                                  principal=principal, read_models=models,
                                  audit_options=preparing.audit_options,
                                  refuse=_recorder(state, principal, entry.spec, params))
            raw = answer(entry.spec.name, context, params)
            data = to_json(entry.spec.result, raw)
            meta = {}
        ok = True
    finally:
        for settle in preparing.cleanup:
            settle(ok)
    view.deliver(Shown(raw=raw, data=data, state=state, extras=extras, given=given,
                       meta=meta, table=models.last if models else None))
    if view.failed(data):
        sys.exit(1)


def _no_ledger() -> ReadContext:
    """The context of a read answered from its parameters alone: an empty ledger."""
    store, keyring = MemoryEventStore(), MemoryKeyRing()
    return ReadContext(ledger=Ledger(store, keyring), store=store)


def _check_printable(spec: Spec, name: str) -> None:
    """``--print FIELD`` names a field of the result, or nothing runs."""
    if isinstance(spec, CommandSpec):
        names = {f.name for f in spec.result.fields} if spec.result else set()
        names |= {"seq", "seqs", "chain", "command_id"}
    elif spec.result.kind is Kind.OBJECT and spec.result.shape:
        names = {f.name for f in SHAPES[spec.result.shape].fields}
    else:
        names = set()
    if name not in names:
        raise InvalidInput(f"{spec.name} answers no field {name!r}" + (
            f"; it has {', '.join(sorted(names))}" if names else " (it answers a list)"),
            field="print")


def _principal(state: CliState) -> dict[str, Any] | None:
    """The acting identity as the ledger holds it (WhoAmI on the CLI); None when this home
    holds no such identity (reads need none: an auditor may read a bare store)."""
    session = state.session()
    try:
        identity = session.identity(state.as_actor)
    except SkmsError:
        return None
    if not identity.actor_id:
        return None
    actor = session.read_only_ledger().actor(identity.actor_id)
    return {"actor_id": actor.actor_id, "name": actor.name, "roles": list(actor.roles),
            "domains": list(actor.domains), "authenticated_by": "local"}


def _recorder(state: CliState, principal: Mapping[str, Any] | None, spec: ReadSpec,
              params: Mapping[str, Any]) -> Callable[[CommandRejected], CommandRejected]:
    """How a read's own refusal (a retired key version) is recorded from the CLI: as the
    acting identity's, signed by the ledger key this home holds. A home opened without its
    passphrase (an auditor reading a bare store) cannot record, and says so."""
    if principal is None:
        return lambda refusal: refusal
    actor_id = str(principal["actor_id"])
    target = read_target(params)

    def record(refusal: CommandRejected) -> CommandRejected:
        try:
            ledger = state.session().ledger()
        except ConfigurationError:
            refusal.hint = (refusal.hint + "; " if refusal.hint else "") + (
                "not recorded: this home was opened without its passphrase")
            return refusal
        return record_read_refusal(ledger, actor_id, f"Read:{spec.capability}", refusal,
                                   target=target, what=spec.name)
    return record


def entries_by_path(specs: Iterable[Spec]) -> dict[tuple[str, ...], list[Entry]]:
    found: dict[tuple[str, ...], list[Entry]] = {}
    for spec in specs:
        if spec.cli is not None:
            found.setdefault(spec.cli.path, []).append(
                Entry(spec, user_fields(spec), spec.cli.selector))
    return found


def add_catalogue_commands(root: click.Group) -> None:
    """Add every catalogue entry's subcommand under ``root`` (groups made as needed)."""
    for path, entries in entries_by_path(CATALOGUE.entries()).items():
        parent = root
        for depth, part in enumerate(path[:-1], start=1):
            existing = parent.commands.get(part)
            if not isinstance(existing, click.Group):
                existing = click.Group(part, help=GROUP_HELP.get(" ".join(path[:depth])))
                parent.add_command(existing)
            parent = existing
        parent.add_command(build_command(path[-1], entries))
