"""Edges of the JSON wire form, the error table, the homomorphic-encryption read and the
session: each refusal names the field and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from commands.errors import HttpStatusError, answer_for
from commands.privacy_reads import homomorphic_encrypt
from commands.session import Session
from commands.wire import from_json, to_json
from ledger.catalogue import Field, Kind
from ledger.crypto.privacy.paillier import MIN_BITS, PaillierPublicKey
from ledger.errors import ConfigurationError, InvalidInput
from tests.ledger.conftest import new_session


def test_bytes_travel_as_base64_text() -> None:
    field = Field("blob", Kind.BYTES, "doc")
    assert from_json(field, "AQI=") == b"\x01\x02"
    with pytest.raises(InvalidInput) as number:
        from_json(field, 12, "items[0].blob")
    assert (number.value.field, number.value.message) == ("items[0].blob",
                                                          "must be base64 text")
    with pytest.raises(InvalidInput) as garbled:
        from_json(field, "not base64!")
    assert (garbled.value.field, garbled.value.message) == ("blob", "not valid base64")


def test_free_form_json_shows_bytes_as_hex_and_tuples_as_lists() -> None:
    field = Field("document", Kind.JSON, "doc")
    assert to_json(field, {"raw": b"\xca\xfe", 3: (bytearray(b"\x01"), "x")}) == {
        "raw": "cafe", "3": ["01", "x"]}


def test_framework_http_errors_keep_their_status() -> None:
    missing = answer_for(HttpStatusError("no such route", 404))
    assert (missing.http, missing.grpc, missing.exit) == (404, "INVALID_ARGUMENT", 2)
    down = answer_for(HttpStatusError("upstream down", 502))
    assert (down.http, down.grpc, down.exit) == (502, "INTERNAL", 2)


def test_homomorphic_encryption_takes_a_decimal_value_in_range() -> None:
    public = PaillierPublicKey((1 << (MIN_BITS - 1)) + 1).to_bytes().hex()
    for bad, reason in (("12.5", "must be a decimal integer"), ("0x10", "must be a decimal "
                                                                "integer"),
                        (str(1 << MIN_BITS), "must be in (-n/2, n)"),
                        (str(-(1 << (MIN_BITS - 1))), "must be in (-n/2, n)")):
        with pytest.raises(InvalidInput) as refused:
            homomorphic_encrypt(None, public, bad)
        assert (refused.value.field, refused.value.message) == ("value", reason), bad


def test_a_store_holding_a_ledger_is_not_initialized_again(session: Session,
                                                           tmp_path: Path) -> None:
    store_url = session.store()[0].url
    second = new_session(tmp_path / "second", store_url)
    try:
        with pytest.raises(ConfigurationError) as refused:
            second.initialize(name="again")
        assert refused.value.message == f"the store {store_url} already holds a ledger"
        assert refused.value.hint == "point --store at an empty store"
    finally:
        second.close()


def test_an_identity_waiting_for_approvers_says_which_request(tmp_path: Path) -> None:
    current = new_session(tmp_path / "held")
    try:
        current.initialize(name="held", default_approvals=False)
        current.run("admin", "SetApprovalPolicy", command="RegisterActor", approvals=1)
        first = current.add_actor("admin", "dave", ["signer"], ["*"])
        second = current.add_actor("admin", "erin", ["signer"], ["*"])
        assert first.approval_id and second.approval_id
        with pytest.raises(ConfigurationError) as waiting:
            current.act("erin", "SuspendKey", "default", {"key_id": "k", "reason": "r"})
        assert waiting.value.message == (
            "identity 'erin' is not registered in the ledger: its registration is waiting "
            f"for approvers (approval {second.approval_id})")
        assert waiting.value.hint == "see 'skms approval list --pending'"
        with pytest.raises(InvalidInput) as again:
            current.add_actor("admin", "dave", ["signer"], ["*"])
        assert again.value.field == "name"
        assert again.value.message == ("the registration of 'dave' is waiting for approvers "
                                       f"(approval {first.approval_id})")
    finally:
        current.close()
