"""MuSig2 (BIP-327) through the ledger: three separate homes, each with its own secp256k1
ledger key, aggregate their keys and sign n-of-n, exchanging only public messages.

Interop by independent code: the aggregate signature verifies as plain BIP-340 under
libsecp256k1's x-only verify (coincurve) and, for a P2TR key-path PSBT, BDK's finalizer
(rust-miniscript runs the script interpreter, so it checks the Schnorr signature with
rust-secp256k1) accepts the transaction; the taproot output key is BIP-341's tweak of the
aggregate key as our single-key code computes it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import coincurve
import pytest

from commands.reads import ReadContext, answer
from commands.session import Session
from ledger.audit import Auditor
from ledger.audit.threshold_replay import replay_problem
from ledger.chains.bitcoin.encoding import TxOut
from ledger.chains.bitcoin.taproot import output_key
from ledger.crypto.threshold.musig2 import key_agg, key_sort
from ledger.errors import CommandRejected, InvalidInput
from projections.query import open_sandbox
from projections.reports import run_report
from projections.runner import ProjectionRunner
from tests.chains.helpers import Spend, bdk_finalize, create_psbt
from tests.chains.inputs import BTC_RECIPIENT
from tests.threshold.test_threshold_commands import Seats, events, seats

__all__ = ["seats"]  # the fixture, shared with the FROST tests


def _key(session: Session) -> tuple[str, bytes]:
    key_id = session.act("alice", "CreateKey", "default",
                         {"algorithm": "ecdsa-secp256k1"}).result["key_id"]
    public = bytes(session.ledger().key(key_id).versions[1]["public_key"])
    return key_id, coincurve.PublicKey(public).format(compressed=True)


def musig_group(seats: Seats, *, taproot: bool = True) -> dict[int, dict[str, Any]]:
    keys = {i: _key(s) for i, s in seats.items()}
    publics = [k[1].hex() for k in keys.values()]
    return {i: seats[i].run("alice", "AggregateMusigKey", key_id=keys[i][0],
                            public_keys=publics, taproot=taproot).result for i in seats}


def commit(seats: Seats, group_id: str, session_id: str) -> list[dict[str, Any]]:
    return [seats[i].run("bob", "CommitThresholdSigning", group_id=group_id,
                         session_id=session_id).result["message"] for i in seats]


def shares(seats: Seats, group_id: str, session_id: str, nonces: list[dict[str, Any]],
           message: bytes, kind: str = "message") -> list[dict[str, Any]]:
    return [seats[i].run("bob", "SignThresholdShare", group_id=group_id,
                         session_id=session_id, commitments=nonces, message=message,
                         message_kind=kind).result["message"] for i in seats]


def sign(seats: Seats, group_id: str, message: bytes, kind: str = "message",
         aggregator: int = 2) -> dict[str, Any]:
    session_id = str(uuid.uuid4())
    nonces = commit(seats, group_id, session_id)
    partials = shares(seats, group_id, session_id, nonces, message, kind)
    return seats[aggregator].run("bob", "AggregateThresholdSignature", group_id=group_id,
                                 session_id=session_id, commitments=nonces, shares=partials,
                                 message=message, message_kind=kind).result


def test_musig2_group_of_three_ledgers_signs_bip340(seats: Seats) -> None:
    seats_keys = musig_group(seats, taproot=False)
    assert len({r["group_id"] for r in seats_keys.values()}) == 1
    assert len({r["group_public_key"] for r in seats_keys.values()}) == 1
    assert sorted(r["identifier"] for r in seats_keys.values()) == [1, 2, 3]
    first = seats_keys[1]
    package = first["public_key_package"]
    # untweaked: the group key is BIP-327 KeyAgg of the sorted keys, x-only
    ordered = key_sort([bytes.fromhex(k) for k in package["public_keys"]])
    assert first["group_public_key"] == key_agg(ordered).xonly_pubkey().hex()
    for message in (b"pay 10", hashlib.sha256(b"thirty-two bytes").digest()):
        result = sign(seats, first["group_id"], message)
        assert result["signers"] == [1, 2, 3] and result["psbt"] is None
        signature = bytes.fromhex(result["signature"])
        assert coincurve.PublicKeyXOnly(bytes.fromhex(first["group_public_key"])).verify(
            signature, message)
    for session in seats.values():
        Auditor(session.store()[0]).verify()
    aggregated = events(seats[1], "MusigKeyAggregated")[0]
    assert aggregated["group_public_key"].hex() == first["group_public_key"]
    assert all(len(k) == 33 for k in aggregated["public_keys"])


def test_the_taproot_group_key_is_the_bip341_output_key(seats: Seats) -> None:
    made = musig_group(seats)
    internal = bytes.fromhex(made[1]["public_key_package"]["internal_key"])
    assert made[1]["group_public_key"] == output_key(internal).hex()  # BIP-86 style tweak
    message = b"taproot message"
    signature = bytes.fromhex(sign(seats, made[1]["group_id"], message)["signature"])
    assert coincurve.PublicKeyXOnly(bytes.fromhex(made[1]["group_public_key"])).verify(
        signature, message)


def test_a_p2tr_key_path_psbt_is_signed_and_bdk_finalizes_it(seats: Seats) -> None:
    made = musig_group(seats)
    internal = bytes.fromhex(made[1]["public_key_package"]["internal_key"])
    psbt = create_psbt([Spend("p2tr", [internal], 80_000)], [TxOut(70_000, BTC_RECIPIENT)])
    text = psbt.to_base64().encode()
    result = sign(seats, made[1]["group_id"], text, kind="psbt", aggregator=3)
    assert result["psbt"] is not None
    finalized, tx_hex, errors = bdk_finalize(result["psbt"])
    assert finalized, errors
    ledger = seats[1].ledger()
    ours = answer("FinalizePsbt", ReadContext(ledger, seats[1].store()[0]),
                  {"psbt": result["psbt"].encode()})
    assert ours["tx"] == tx_hex
    shared = events(seats[1], "ThresholdShareIssued")[0]
    package = json.loads(shared["signing_package"])
    assert package["message_kind"] == "psbt" and package["input"] == 0
    for session in seats.values():
        Auditor(session.store()[0]).verify()  # replays the partial signature on the sighash
    group = seats[1].ledger().threshold_group(made[1]["group_id"])
    assert replay_problem("ThresholdShareIssued", shared, group) is None
    forged = json.loads(shared["signature_share"])
    value = bytearray(bytes.fromhex(forged["share"]["partial_signature"]))
    value[-1] ^= 1
    forged["share"]["partial_signature"] = bytes(value).hex()
    assert "does not verify on the recorded sighash" in str(replay_problem(
        "ThresholdShareIssued", {**shared, "signature_share": json.dumps(forged)}, group))
    other = copy.deepcopy(package)
    mine = group.identifier - 1
    other["pubnonces"][mine]["pubnonce"] = other["pubnonces"][(mine + 1) % 3]["pubnonce"]
    assert "committed nonce" in str(replay_problem(
        "ThresholdShareIssued", {**shared, "signing_package": json.dumps(other)}, group))


def test_a_reused_nonce_is_refused_and_recorded(seats: Seats) -> None:
    group_id = musig_group(seats)[1]["group_id"]
    session_id = str(uuid.uuid4())
    nonces = commit(seats, group_id, session_id)
    seats[1].run("bob", "SignThresholdShare", group_id=group_id, session_id=session_id,
                 commitments=nonces, message=b"first")
    with pytest.raises(CommandRejected) as refused:
        seats[1].run("bob", "SignThresholdShare", group_id=group_id, session_id=session_id,
                     commitments=nonces, message=b"second")
    assert refused.value.reason_code == "nonce-reuse"
    assert refused.value.seq is not None  # recorded
    ledger = seats[1].ledger()
    assert not any(r.startswith(f"threshold/{group_id}/nonces/")
                   for r in ledger.keyring.refs())  # the consumed nonce's key is shredded


def test_a_replayed_nonce_from_an_older_session_is_refused_and_recorded(seats: Seats) -> None:
    group_id = musig_group(seats)[1]["group_id"]
    old, new = str(uuid.uuid4()), str(uuid.uuid4())
    old_nonces = commit(seats, group_id, old)
    new_nonces = commit(seats, group_id, new)
    replayed = copy.deepcopy(new_nonces)
    mine = next(i for i, n in enumerate(replayed) if n["identifier"] ==
                seats[1].ledger().threshold_group(group_id).identifier)
    replayed[mine]["pubnonce"] = next(n for n in old_nonces
                                      if n["identifier"] == replayed[mine]["identifier"]
                                      )["pubnonce"]
    with pytest.raises(CommandRejected) as refused:
        seats[1].run("bob", "SignThresholdShare", group_id=group_id, session_id=new,
                     commitments=replayed, message=b"m")
    assert refused.value.reason_code == "nonce-replay" and refused.value.seq is not None
    # the honest list still signs: the refusal consumed nothing
    seats[1].run("bob", "SignThresholdShare", group_id=group_id, session_id=new,
                 commitments=new_nonces, message=b"m")


def test_a_bad_partial_signature_is_named_and_a_missing_signer_refused(seats: Seats) -> None:
    group_id = musig_group(seats)[1]["group_id"]
    session_id, message = str(uuid.uuid4()), b"tx"
    nonces = commit(seats, group_id, session_id)
    partials = shares(seats, group_id, session_id, nonces, message)
    forged = copy.deepcopy(partials)
    value = bytearray(bytes.fromhex(forged[2]["share"]["partial_signature"]))
    value[-1] ^= 1
    forged[2]["share"]["partial_signature"] = bytes(value).hex()
    bad = forged[2]["share"]["identifier"]
    with pytest.raises(CommandRejected) as refused:
        seats[1].run("bob", "AggregateThresholdSignature", group_id=group_id,
                     session_id=session_id, commitments=nonces, shares=forged,
                     message=message)
    assert refused.value.reason_code == "invalid-signature-share"
    assert f"participant(s) {bad} " in refused.value.message
    with pytest.raises(CommandRejected) as short:
        seats[1].run("bob", "AggregateThresholdSignature", group_id=group_id,
                     session_id=session_id, commitments=nonces, shares=partials[:2],
                     message=message)
    assert short.value.reason_code == "below-threshold"
    lonely = str(uuid.uuid4())
    own = seats[1].run("bob", "CommitThresholdSigning", group_id=group_id,
                       session_id=lonely).result["message"]
    with pytest.raises(CommandRejected) as alone:
        seats[1].run("bob", "SignThresholdShare", group_id=group_id, session_id=lonely,
                     commitments=[own], message=message)
    assert alone.value.reason_code == "below-threshold" and alone.value.seq is not None


def test_bad_input_is_named(seats: Seats) -> None:
    key_id, _ = _key(seats[1])
    with pytest.raises(InvalidInput) as bad_key:
        seats[1].run("alice", "AggregateMusigKey", key_id=key_id, public_keys=["02" + "00" * 32])
    assert bad_key.value.field == "public_keys[0]"
    ed = seats[1].act("alice", "CreateKey", "default", {"algorithm": "ed25519"}).result
    with pytest.raises(InvalidInput) as wrong:
        seats[1].run("alice", "AggregateMusigKey", key_id=ed["key_id"],
                     public_keys=[_key(seats[2])[1].hex()])
    assert wrong.value.field == "key_id"
    made = musig_group(seats)
    with pytest.raises(InvalidInput) as not_psbt:
        sign(seats, made[1]["group_id"], b"not a psbt", kind="psbt")
    assert not_psbt.value.field == "message" and "PSBT" in not_psbt.value.message


def test_projection_report_and_replay(seats: Seats, tmp_path: Path) -> None:
    made = musig_group(seats)
    group_id = made[1]["group_id"]
    sign(seats, group_id, b"one")
    session_id = str(uuid.uuid4())
    nonces = commit(seats, group_id, session_id)
    seats[1].run("bob", "SignThresholdShare", group_id=group_id, session_id=session_id,
                 commitments=nonces, message=b"x")
    with pytest.raises(CommandRejected):
        seats[1].run("bob", "SignThresholdShare", group_id=group_id, session_id=session_id,
                     commitments=nonces, message=b"x")
    database = tmp_path / "projection.duckdb"
    with ProjectionRunner(seats[1].store()[0], database) as runner:
        runner.update()
    con = open_sandbox(database)
    try:
        groups = run_report(con, "threshold-groups")
        (row,) = [dict(zip(groups.columns, r, strict=True)) for r in groups.rows]
        assert (row["group_id"], row["suite"], row["threshold"], row["participants"],
                row["stage"], row["shares_issued"], row["signatures"]) == (
            group_id, "musig2-secp256k1", 3, 3, "active", 2, 0)
        aborts = run_report(con, "threshold-aborts")
        reasons = [dict(zip(aborts.columns, r, strict=True))["reason_code"]
                   for r in aborts.rows]
        assert reasons == ["nonce-reuse"]
    finally:
        con.close()
    group = seats[1].ledger().threshold_group(group_id)
    assert replay_problem("MusigKeyAggregated", {}, group) is None
    tampered = copy.copy(group)
    tampered.group_public_key = bytes(32)
    assert "group key" in str(replay_problem("MusigKeyAggregated", {}, tampered))


def test_each_seat_keys_chain_policy_holds_for_the_psbt_it_co_signs(seats: Seats) -> None:
    """As SignPsbt does: a seat whose key may not pay the PSBT's recipient, or not on its
    network, refuses its partial signature (recorded); change back to the group's own
    output key is not a recipient."""
    from ledger.chains.bitcoin.addresses import address_from_script

    made = musig_group(seats)
    internal = bytes.fromhex(made[1]["public_key_package"]["internal_key"])
    change = bytes([0x51, 0x20]) + bytes.fromhex(made[1]["group_public_key"])
    psbt = create_psbt([Spend("p2tr", [internal], 80_000)],
                       [TxOut(50_000, BTC_RECIPIENT), TxOut(20_000, change)])
    text = psbt.to_base64().encode()
    key_id = seats[1].ledger().threshold_group(made[1]["group_id"]).key_id
    recipient = address_from_script(BTC_RECIPIENT, "testnet")
    group_id = made[1]["group_id"]

    def seat_one_share(network: str) -> None:
        session_id = str(uuid.uuid4())
        nonces = commit(seats, group_id, session_id)
        seats[1].run("bob", "SignThresholdShare", group_id=group_id, session_id=session_id,
                     commitments=nonces, message=text, message_kind="psbt", network=network)

    seats[1].run("alice", "SetChainPolicy", key_id=key_id, allowed_networks=["testnet"],
                 allowed_recipients=["tb1q" + "q" * 38])
    with pytest.raises(CommandRejected, match="network 'mainnet' is not allowed") as network:
        seat_one_share("mainnet")
    with pytest.raises(CommandRejected, match=f"recipient {recipient} is not allowed"):
        seat_one_share("testnet")
    assert network.value.reason_code == "chain-policy" and network.value.seq is not None
    seats[1].run("alice", "SetChainPolicy", key_id=key_id, allowed_networks=["testnet"],
                 allowed_recipients=[recipient])
    seat_one_share("testnet")  # the change to the group is not a recipient
    Auditor(seats[1].store()[0]).verify()
