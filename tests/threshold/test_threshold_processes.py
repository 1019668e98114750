"""Three participants, three homes, three ``skms serve`` processes: a coordinator (this
test) moves the round messages between them over REST and never holds a secret.

DKG 2-of-3; signing with {1, 3} and {2, 3}, each signature verified as plain Ed25519 by
pynacl and cryptography; a session refused with one participant; a cheating signer named;
the group key rotated by a new DKG; every ledger's audit passes afterwards.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import coincurve
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.signing import VerifyKey

from commands.sdk.client import Client
from commands.sdk.results import ApiError
from ledger.audit import Auditor
from ledger.chains.bitcoin.encoding import TxOut
from ledger.stores.sqlite import SQLiteEventStore
from tests.chains.helpers import Spend, bdk_finalize, create_psbt
from tests.chains.inputs import BTC_RECIPIENT
from tests.service.conftest import PASSPHRASE, Actor, make_home

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 240  # the machine is shared: a cold interpreter may take a while


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Participant:
    """One home and its server process."""

    def __init__(self, folder: Path) -> None:
        self.home = folder
        self.actors: dict[str, Actor] = make_home(folder)
        self.port = _free_port()
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "SKMS_PASSPHRASE": PASSPHRASE}
        self.log = (folder.parent / f"{folder.name}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "commands.cli.main", "--home", str(folder), "serve",
             "--rest-port", str(self.port), "--grpc-port", str(_free_port()),
             "--rate", "0"], stdout=self.log, stderr=subprocess.STDOUT, env=env,
            cwd=REPO_ROOT)

    def client(self, name: str) -> Client:
        actor = self.actors[name]
        return Client(f"https://127.0.0.1:{self.port}", actor.actor_id, actor.private_key,
                      ca=self.home / "tls" / "ca.pem", timeout=120)

    def wait(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.home.parent / f"{self.home.name}.log"
                                                 ).read_text()
            if (self.home / "tls" / "ca.pem").exists():
                try:
                    with self.client("auditor") as auditor:
                        auditor.whoami()
                    return
                except (ApiError, OSError):
                    pass
            time.sleep(0.5)
        raise AssertionError(f"the server of {self.home} did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:  # pragma: no cover - a hung server
            self.process.kill()
        self.log.close()


@pytest.fixture(scope="module")
def participants(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[int, Participant]]:
    root = tmp_path_factory.mktemp("threshold-processes")
    made = {i: Participant(root / f"p{i}") for i in (1, 2, 3)}
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        for participant in made.values():
            participant.wait(deadline)
        yield made
    finally:
        for participant in made.values():
            participant.stop()


def _dkg(parties: dict[int, Participant], **start: Any) -> dict[int, dict[str, Any]]:
    clients = {i: p.client("key-manager") for i, p in parties.items()}
    try:
        first = clients[1].start_threshold_dkg("frost-ed25519", 2, 3, 1,
                                               replaces=start.get("replaces")).result
        group_id = first["group_id"]
        round1 = {1: first["message"]}
        for i in (2, 3):
            round1[i] = clients[i].start_threshold_dkg(
                "frost-ed25519", 2, 3, i, group_id=group_id,
                replaces=start.get("replaces")).result["message"]
        round2 = {i: clients[i].run_threshold_dkg_round(
            group_id, [m for j, m in round1.items() if j != i]).result for i in parties}
        assert len({r["transcript_digest"] for r in round2.values()}) == 1
        sent = [m for r in round2.values() for m in r["messages"]]
        return {i: dict(clients[i].finish_threshold_dkg(group_id, sent).result)
                for i in parties}
    finally:
        for client in clients.values():
            client.close()


def _sign(parties: dict[int, Participant], group_id: str, signers: list[int],
          message: bytes, *, tamper: int | None = None) -> dict[str, Any]:
    clients = {i: parties[i].client("signer") for i in signers}
    try:
        session_id = str(uuid.uuid4())
        commitments = [clients[i].commit_threshold_signing(group_id, session_id)
                       .result["message"] for i in signers]
        shares = [clients[i].sign_threshold_share(group_id, session_id, commitments, message)
                  .result["message"] for i in signers]
        if tamper is not None:
            forged = json.loads(json.dumps(shares[signers.index(tamper)]))
            value = bytearray(bytes.fromhex(forged["share"]["share"]))
            value[0] ^= 0x40
            forged["share"]["share"] = bytes(value).hex()
            shares[signers.index(tamper)] = forged
        return dict(clients[signers[0]].aggregate_threshold_signature(
            group_id, session_id, commitments, shares, message).result)
    finally:
        for client in clients.values():
            client.close()


def test_three_processes_generate_sign_refuse_name_and_rotate(
        participants: dict[int, Participant]) -> None:
    keys = _dkg(participants)
    (public_hex,) = {k["group_public_key"] for k in keys.values()}
    group_id = keys[1]["group_id"]
    public_key = bytes.fromhex(public_hex)
    for signers in ([1, 3], [2, 3]):
        message = f"release batch {signers}".encode()
        signature = bytes.fromhex(_sign(participants, group_id, signers, message)["signature"])
        VerifyKey(public_key).verify(message, signature)
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)

    with participants[1].client("signer") as alone:
        session_id = str(uuid.uuid4())
        own = alone.commit_threshold_signing(group_id, session_id).result["message"]
        with pytest.raises(ApiError) as refused:
            alone.sign_threshold_share(group_id, session_id, [own], b"alone")
    assert refused.value.reason_code == "below-threshold"

    with pytest.raises(ApiError) as cheated:
        _sign(participants, group_id, [2, 3], b"tampered", tamper=3)
    assert cheated.value.reason_code == "invalid-signature-share"
    assert "participant(s) 3 " in str(cheated.value)

    rotated = _dkg(participants, replaces=group_id)
    new_id = rotated[1]["group_id"]
    with participants[2].client("auditor") as auditor:
        old = auditor.get_threshold_group(group_id)
        assert old["stage"] == "retired" and old["retired_by"] == new_id
    result = _sign(participants, new_id, [1, 2], b"after rotation")
    VerifyKey(bytes.fromhex(result["group_public_key"])).verify(
        b"after rotation", bytes.fromhex(result["signature"]))
    for participant in participants.values():
        store = SQLiteEventStore(participant.home / "ledger.db")
        try:
            Auditor(store).verify()
        finally:
            store.close()


def _audit_all(parties: dict[int, Participant]) -> None:
    for participant in parties.values():
        store = SQLiteEventStore(participant.home / "ledger.db")
        try:
            Auditor(store).verify()
        finally:
            store.close()


def test_three_processes_musig2_sign_a_taproot_psbt(
        participants: dict[int, Participant]) -> None:
    managers = {i: p.client("key-manager") for i, p in participants.items()}
    signers = {i: p.client("signer") for i, p in participants.items()}
    try:
        keys = {i: str(c.create_key("ecdsa-secp256k1").key_id) for i, c in managers.items()}
        publics = [coincurve.PublicKey(bytes.fromhex(managers[i].get_key(k)["public_key"]))
                   .format().hex() for i, k in keys.items()]
        seats = {i: dict(managers[i].aggregate_musig_key(keys[i], publics).result)
                 for i in participants}
        (group_id,) = {s["group_id"] for s in seats.values()}
        internal = bytes.fromhex(seats[1]["public_key_package"]["internal_key"])
        psbt = create_psbt([Spend("p2tr", [internal], 120_000)],
                           [TxOut(100_000, BTC_RECIPIENT)]).to_base64().encode()
        session_id = str(uuid.uuid4())
        nonces = [signers[i].commit_threshold_signing(group_id, session_id).result["message"]
                  for i in participants]
        partials = [signers[i].sign_threshold_share(group_id, session_id, nonces, psbt,
                                                    message_kind="psbt").result["message"]
                    for i in participants]
        result = signers[3].aggregate_threshold_signature(
            group_id, session_id, nonces, partials, psbt, message_kind="psbt").result
        finalized, _, errors = bdk_finalize(result["psbt"])
        assert finalized, errors
        later = str(uuid.uuid4())
        fresh = [signers[i].commit_threshold_signing(group_id, later).result["message"]
                 for i in participants]
        replayed = [dict(n) for n in fresh]  # participant 1's nonce of the first session
        replayed[0] = {**replayed[0], "pubnonce": nonces[0]["pubnonce"]}
        with pytest.raises(ApiError) as refused:
            signers[1].sign_threshold_share(group_id, later, replayed, b"m")
        assert refused.value.reason_code == "nonce-replay"
    finally:
        for client in (*managers.values(), *signers.values()):
            client.close()
    _audit_all(participants)
