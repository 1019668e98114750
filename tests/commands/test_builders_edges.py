"""The command builder's refusals: each names the field at fault and says why, before
anything is signed (commands.builders, shared by the CLI session and the SDK)."""

from __future__ import annotations

import json

import pytest

from commands.builders import Resolver, build, derive
from ledger.catalogue import CATALOGUE
from ledger.catalogue.model import Derived, Field, Kind
from ledger.errors import InvalidInput


def domains(name: str) -> str:
    return "payments"


RESOLVE = Resolver(domains, domains)


def refused(command: str, **params: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        build(CATALOGUE.command(command), params, RESOLVE)
    return caught.value


def test_an_unknown_parameter_is_named() -> None:
    problem = refused("Sign", key_id="k", message=b"m", colour="blue")
    assert problem.field == "colour"
    assert "Sign takes no colour" in problem.message


def test_a_client_without_approval_lookup_cannot_derive_the_request_digest() -> None:
    problem = refused("ApproveRequest", approval_id="a-1")
    assert problem.field == "approval_id"
    assert "cannot look approval requests up" in problem.message


def test_an_approver_may_name_the_digest_it_reviewed() -> None:
    built = build(CATALOGUE.command("ApproveRequest"),
                  {"approval_id": "a-1", "request_digest": "ab" * 32},
                  Resolver(domains, domains, lambda a: ("payments", "cd" * 32)))
    assert built.chain_id == "payments"
    assert built.args == {"approval_id": "a-1", "request_digest": "ab" * 32}


def test_a_command_on_any_chain_needs_the_chain_named() -> None:
    for params in ({}, {"chain_id": ""}, {"chain_id": 7}):
        problem = refused("RequestCheckpoint", **params)
        assert (problem.field, problem.message) == ("chain_id", "name the chain")
    assert build(CATALOGUE.command("RequestCheckpoint"), {"chain_id": "default"},
                 RESOLVE).chain_id == "default"


def test_a_key_command_without_its_key_id_is_refused() -> None:
    problem = refused("Sign", message=b"m")
    assert (problem.field, problem.message) == ("key_id", "required text is missing")


def test_an_unknown_derivation_rule_is_a_programming_error() -> None:
    field = Field("digest", Kind.HEX, "doc", derived=Derived("crc32", ("message",)))
    with pytest.raises(RuntimeError, match="no derivation rule 'crc32'"):
        derive(field, {"message": b"m"})


def test_data_must_be_bytes() -> None:
    problem = refused("Sign", key_id="k", message="text, not bytes")
    assert (problem.field, problem.message) == ("message", "must be bytes")


def test_a_batch_without_messages_derives_no_digests() -> None:
    built = build(CATALOGUE.command("SignBatch"), {"key_id": "k"}, RESOLVE)
    assert "message_digests" not in built.args
    assert built.chain_id == "payments"


def test_a_mnemonic_must_be_utf8() -> None:
    problem = refused("ImportWallet", mnemonic=b"\xff\xfe not text")
    assert (problem.field, problem.message) == ("mnemonic", "must be UTF-8 text")


def test_recovering_needs_share_documents() -> None:
    problem = refused("RecoverWallet", shares=[])
    assert (problem.field, problem.message) == ("shares", "no share documents were given")
    for bad in (b"{not json", b"[1, 2]"):
        problem = refused("RecoverWallet", shares=[bad])
        assert (problem.field, problem.message) == ("shares", "a share is not a share document")
    problem = refused("RecoverWallet", shares=[json.dumps({"index": 1}).encode()])
    assert problem.field == "shares"
    assert problem.message == "share documents name no wallet_id"


def test_share_fields_come_from_the_documents() -> None:
    documents = [json.dumps({"wallet_id": "w-1", "split_id": "s-1", "index": i}).encode()
                 for i in (1, 3)]
    built = build(CATALOGUE.command("RecoverWallet"), {"shares": documents}, RESOLVE)
    assert built.args == {"wallet_id": "w-1", "split_id": "s-1", "share_indexes": [1, 3]}
    assert built.chain_id == "payments"


def test_the_request_digest_rule_is_never_derived_from_inputs() -> None:
    field = Field("request_digest", Kind.HEX, "doc",
                  derived=Derived("request-digest", ("approval_id",)))
    with pytest.raises(InvalidInput) as caught:
        derive(field, {"approval_id": "a-1"})
    assert caught.value.field == "request_digest"
    assert "read from the ledger by the builder" in caught.value.message
