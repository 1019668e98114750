"""The catalogue is complete and consistent with everything derived from it.

Each check names the piece that would drift: a command without a handler, a read without
an answer, a derivation or reader or view the front ends do not know, an event type no
schema defines, two entries on one route, a default its own field refuses.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from commands.builders import DERIVATIONS, REQUEST_DIGEST_RULE
from commands.cli.generated import entries_by_path, user_fields
from commands.cli.views import VIEWS
from commands.handlers.registry import HANDLERS, LEDGER_INTERNAL
from commands.reads import READS
from ledger.catalogue import CATALOGUE, EVENTS_OF_COMMAND, SHAPES, ChainRule, Field, Kind, Spec
from ledger.catalogue.validation import check_value
from ledger.errors import InvalidInput
from tests.vectors import REPO_ROOT

READERS = {"file", "text", "hex", "secret-file", "files", "text-files", "json-file", "actor",
           "json-files", "circuit"}
"""Every reader :mod:`commands.cli.readers` implements."""


def every_field(spec: Spec) -> list[Field]:
    found: list[Field] = []

    def walk(field: Field) -> None:
        found.append(field)
        if field.item is not None:
            walk(field.item)
        if field.shape is not None:
            for inner in SHAPES[field.shape].fields:
                walk(inner)

    if spec.kind == "write":
        for field in (*spec.args, *spec.inputs):  # type: ignore[union-attr]
            walk(field)
        if spec.result is not None:  # type: ignore[union-attr]
            for field in spec.result.fields:  # type: ignore[union-attr]
                walk(field)
    else:
        for field in (*spec.params, spec.result):  # type: ignore[union-attr]
            walk(field)
    return found


def test_every_command_has_one_handler_and_every_read_one_answer() -> None:
    commands = {s.name for s in CATALOGUE.commands}
    assert set(HANDLERS) == commands - LEDGER_INTERNAL
    assert {s.name for s in CATALOGUE.commands if s.system} >= LEDGER_INTERNAL
    assert set(READS) == {s.name for s in CATALOGUE.reads}


def test_every_event_a_command_may_cause_has_a_schema() -> None:
    schemas = {p.name.split(".")[0] for p in (REPO_ROOT / "schemas" / "avro").glob("*.avsc")}
    caused = {event for spec in CATALOGUE.commands for event in spec.events}
    caused |= {event for events in EVENTS_OF_COMMAND.values() for event in events}  # gated
    assert caused <= schemas
    internal = {"EnvelopeBody"} | {name for name in schemas if name.startswith("_")}
    assert schemas - internal - caused == set(), "a schema no command may cause"


def test_derivations_readers_and_views_are_all_known_and_all_used() -> None:
    rules, readers, renderers = Counter[str](), Counter[str](), Counter[str]()
    for spec in CATALOGUE.entries():
        for field in every_field(spec):
            if field.derived is not None:
                rules[field.derived.rule] += 1
            if field.cli.reader is not None:
                readers[field.cli.reader] += 1
        if spec.cli is not None:
            renderers[spec.cli.renderer or "json"] += 1
    assert set(rules) == set(DERIVATIONS)
    assert set(readers) == READERS
    assert set(renderers) == set(VIEWS)


def test_derived_arguments_come_from_declared_inputs() -> None:
    for spec in CATALOGUE.commands:
        inputs = {f.name for f in spec.inputs}
        for field in spec.args:
            if field.derived is not None:
                # the request digest is read from the ledger by the request it names
                allowed = inputs | ({f.name for f in spec.args}
                                    if field.derived.rule == REQUEST_DIGEST_RULE else set())
                assert set(field.derived.inputs) <= allowed, (spec.name, field.name)


def test_shapes_named_by_fields_exist() -> None:
    for spec in CATALOGUE.entries():
        for field in every_field(spec):
            if field.kind is Kind.OBJECT:
                assert field.shape in SHAPES, (spec.name, field.name)
            if field.kind is Kind.LIST:
                assert field.item is not None, (spec.name, field.name)


def test_defaults_and_choices_pass_their_own_fields() -> None:
    for spec in CATALOGUE.entries():
        for field in every_field(spec):
            if field.default is not None and field.kind is not Kind.BYTES:
                check_value(field, field.default, field.name)
            for choice in field.choices:
                check_value(field, choice, field.name)
            if field.required:
                assert field.default is None, (spec.name, field.name)


def test_a_bad_value_names_its_field() -> None:
    field = CATALOGUE.command("CreateKey").arg("algorithm")
    with pytest.raises(InvalidInput) as refused:
        check_value(field, "rot13", "algorithm")
    assert refused.value.field == "algorithm" and "must be one of" in refused.value.message


def test_routes_are_unique_and_name_their_placeholders() -> None:
    routes = Counter((s.rest.method, s.rest.path) for s in CATALOGUE.entries() if s.rest)
    assert [r for r, n in routes.items() if n > 1] == []
    for spec in CATALOGUE.entries():
        if spec.rest is None:
            continue
        names = {f.name for f in (spec.args if spec.kind == "write"  # type: ignore[union-attr]
                                  else spec.params)}  # type: ignore[union-attr]
        for placeholder in spec.rest.placeholders():
            assert placeholder in names or (placeholder == "chain_id" and spec.kind == "write"
                                            and spec.chain is ChainRule.ANY), (spec.name,
                                                                               placeholder)
        assert re.fullmatch(r"/v1(/[a-z{}_-]+)+", spec.rest.path), spec.rest.path


def test_system_commands_have_no_front_end_and_client_ones_all_three() -> None:
    for spec in CATALOGUE.commands:
        if spec.system:
            assert spec.rest is None and spec.cli is None, spec.name
        else:
            assert spec.rest is not None and spec.cli is not None, spec.name
    for spec in CATALOGUE.reads:
        assert spec.rest is not None and spec.cli is not None, spec.name


def test_cli_routes_share_a_path_only_through_selectors() -> None:
    for path, entries in entries_by_path(CATALOGUE.entries()).items():
        plain = [e for e in entries if e.selector is None]
        assert len(plain) == 1, (path, [e.spec.name for e in entries])
        selectors = [e.selector for e in entries if e.selector]
        assert len(set(selectors)) == len(selectors), path


def test_every_field_a_user_gives_is_spelled_once_per_command() -> None:
    for path, entries in entries_by_path(CATALOGUE.entries()).items():
        for entry in entries:
            names = [f.name for f in user_fields(entry.spec)]
            assert len(set(names)) == len(names), (path, names)
            assert not [f for f in user_fields(entry.spec) if f.secret], path


def test_secret_inputs_are_never_command_line_values() -> None:
    for spec in CATALOGUE.commands:
        for field in spec.inputs:
            if field.name in ("mnemonic", "passphrase"):
                assert field.cli.reader == "secret-file", (spec.name, field.name)


def test_offline_reads_need_nothing_but_their_parameters() -> None:
    offline = [s for s in CATALOGUE.reads if s.offline]
    assert {s.name for s in offline} == {"ListAlgorithms", "VerifyProof", "FinalizePsbt",
                                         "VerifyRange", "VerifySnark", "VerifyStark",
                                         "VerifyRingSignature", "BlindMessage",
                                         "FinalizeBlindSignature", "VerifyBlindSignature",
                                         "HomomorphicEncrypt"}
    for spec in offline:
        assert not spec.read_models and not any(f.name in ("key_id", "wallet_id", "actor_id",
                                                           "chain_id") for f in spec.params)
