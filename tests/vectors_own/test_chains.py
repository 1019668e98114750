"""Own chain vectors: the auditor reproduces the sample ledger's report, names exactly the
first fault of every forgery (in one process and in worker processes alike), and an
independent re-reading of the export (hashes, links, Merkle roots, checkpoint notes and
actor signatures, with no SKMS code) agrees with the report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ledger.audit import Auditor
from ledger.errors import VerificationError
from ledger.parallel import worker_pool
from tests.own_vectors import OwnVector, as_is, assert_error, load_own_json, load_own_vectors
from tests.vectors import REPO_ROOT
from tests.vectors_own import reference
from tests.vectors_own.chain_export import Export, apply_edits, snapshot

EXPORT = load_own_json("chains/ledger.json")
CASES = [*load_own_vectors("chains/happy-path.json", as_is),
         *load_own_vectors("chains/corrupt", as_is)]
BODY_FIELDS = reference.avro_record_fields(REPO_ROOT / "schemas" / "avro" /
                                           "EnvelopeBody.v1.avsc")


def path_of(vector: OwnVector) -> str:
    return vector.path


def auditor_for(case: dict[str, Any], **options: Any) -> Auditor:
    assert case["base"] == "chains/ledger.json"
    settings = case["auditor"]
    pinned = settings.get("ledger_public_key")
    return Auditor(snapshot(apply_edits(EXPORT["chains"], case["edits"])),
                   ledger_public_key=bytes.fromhex(pinned) if pinned else None,
                   trusted_checkpoints=settings.get("trusted_checkpoints", ()), **options)


def outcome(auditor: Auditor) -> dict[str, Any]:
    """The report, or the fault, as comparable data."""
    try:
        return auditor.verify().as_dict()
    except VerificationError as error:
        return {"error": type(error).__name__, "chain": error.chain, "seq": error.seq,
                "check": error.check}


def test_every_named_corruption_is_there() -> None:
    names = {c.path.rsplit("/", 1)[-1].removesuffix(".json") for c in CASES}
    for column in ("chain-id", "seq", "event-hash", "body", "event-type", "aggregate-id",
                   "aggregate-version", "command-id"):
        assert f"byte-flip-{column}" in names
    assert {"deleted-envelope", "duplicated-envelope", "reordered-envelopes",
            "truncated-below-checkpoint", "forged-actor-signature", "transplanted-envelope",
            "resealed-changed-payload", "stored-checkpoint-wrong-root"} <= names
    assert len({c.data["want_error"]["check"] for c in CASES if c.data["want_error"]}) >= 9


@pytest.mark.parametrize("case", CASES, ids=path_of)
def test_auditor_names_the_first_fault(case: OwnVector) -> None:
    want = case.data["want_error"]
    auditor = auditor_for(case.data)
    if want is None:
        assert auditor.verify().as_dict() == case.data["want_report"]
        return
    with pytest.raises(VerificationError) as caught:
        auditor.verify()
    assert_error(caught.value, want)


@pytest.fixture(scope="module")
def two_workers() -> Iterator[Any]:
    pool = worker_pool(2)
    yield pool
    pool.shutdown(wait=True, cancel_futures=True)


def test_worker_processes_name_the_same_first_fault(two_workers: Any) -> None:
    """Key domains examined by two processes, two envelopes a chunk: same verdict per case."""
    for case in CASES:
        single = outcome(auditor_for(case.data))
        parallel = outcome(auditor_for(case.data, jobs=2, chunk_events=2,
                                       parallel_from_events=1, executor=two_workers))
        assert parallel == single, case.path


# --- the export, re-read with no SKMS code ---------------------------------------------------

def actor_keys(export: dict[str, Any]) -> dict[str, bytes]:
    keys = {a["actor_id"]: bytes.fromhex(a["public_key"]) for a in export["actors"].values()}
    keys["ledger"] = bytes.fromhex(export["ledger"]["ledger_public_key"])
    return keys


def test_export_re_read_independently() -> None:
    chains: Export = EXPORT["chains"]
    keys = actor_keys(EXPORT)
    ledger_key, origin = keys["ledger"], EXPORT["ledger"]["origin"]
    want = {c["chain_id"]: c for c in load_own_json("chains/happy-path.json")["want_report"][
        "chains"]}
    assert set(want) == set(chains)
    signatures = 0
    for chain_id, chain in chains.items():
        previous = bytes(32)
        hashes = []
        for position, stored in enumerate(chain["envelopes"]):
            body = bytes.fromhex(stored["body"])
            assert reference.event_hash(body).hex() == stored["event_hash"]
            record = reference.read_avro_record(body, BODY_FIELDS)
            assert (record["chain_id"], record["seq"]) == (chain_id, position)
            assert record["prev_hash"] == previous
            assert reference.ed25519_valid(keys[record["actor_id"]],
                                           reference.COMMAND_DOMAIN + record["command"],
                                           record["actor_signature"])
            signatures += 1
            previous = bytes.fromhex(stored["event_hash"])
            hashes.append(previous)
        assert len(hashes) == want[chain_id]["size"]
        assert reference.mth(hashes).hex() == want[chain_id]["root"]
        for stored in chain["checkpoints"]:
            assert reference.note_signed_by(stored["note"], origin, ledger_key)
            text, _ = reference.parse_note(stored["note"])
            checkpoint = reference.parse_checkpoint(text)
            assert checkpoint["origin"] == f"{origin}/{chain_id}"
            assert checkpoint["size"] == stored["size"]
            assert checkpoint["root"] == reference.mth(hashes[:stored["size"]]).hex()
    assert signatures == sum(len(c["envelopes"]) for c in chains.values())


def test_forgeries_change_what_they_claim_to() -> None:
    """Each case's edits really alter the export (or the auditor's trust): none is a no-op."""
    for case in CASES:
        edited = apply_edits(EXPORT["chains"], case.data["edits"])
        if case.data["want_error"] is not None or case.data["edits"]:
            assert edited != EXPORT["chains"] or case.data["auditor"], case.path
