"""Several ``skms serve --cluster`` processes on one Kafka store (commands/service/cluster.py,
ledger/stores/kafka/ownership.py), on the real 3-broker cluster.

What is held to:

* each chain is written by the member the owners' group gives its slot, and a command sent
  to any member reaches that writer (forwarded as it came; the owner authenticates it),
  over REST and over gRPC, refusals included; a refused read is recorded on the system
  chain by its owner, whichever member refused it;
* a member never forwards a forwarded request again and never writes a chain it does not
  own: it answers 503 naming the owner;
* ``kill -9`` of an owner under load: a living member takes the chain over, no acknowledged
  event is lost, none is stored twice, every command is whole, the log audits, and a
  client's retry of the same command id gets the original outcome (same chain and seq) and
  the original result (the signature the dead owner made, from the result journal).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nacl.signing
import pytest

from commands.sdk.grpc_client import GrpcClient
from commands.sdk.results import ApiError
from ledger.audit import Auditor
from ledger.authorization import SYSTEM_CHAIN
from ledger.command import Command
from tests.kafka.conftest import delete_topics, require_broker
from tests.kafka.kafka_cluster import (
    Caller,
    Member,
    create_key_request,
    domains_owned_by,
    free_ports,
    sign_request,
    start_members,
    wait_for_assignment,
)
from tests.kafka.kafka_ledger import (
    assert_gapless,
    assert_whole_commands,
    fresh_store,
    init_ledger,
    require_three_brokers,
    store_url,
)
from tests.ledger.conftest import new_session

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
require_broker(module_level=True)

MESSAGE = b"cluster test message"
EVENTS_PER_COMMAND = {"CreateKey": 2, "Sign": 1}


@dataclass
class Setup:
    home: Path
    url: str
    alice: tuple[str, bytes]  # key-manager
    bob: tuple[str, bytes]  # signer


@pytest.fixture
def cluster_home(tmp_path: Path, kafka_prefix: str, kafka_admin: object) -> Iterator[Setup]:
    bootstrap = require_three_brokers()
    url = store_url(bootstrap, kafka_prefix, timeout_ms=5000, transaction_timeout_ms=10_000)
    home = tmp_path / "home"
    init_ledger(home, url, checkpoint_every_events=16)
    session = new_session(home, url)
    try:
        kek = session.kek()
        actors = {name: (session.home.identity(name).actor_id,
                         bytes(session.home.identity_key(name, kek))) for name in ("alice", "bob")}
    finally:
        session.close()
    yield Setup(home, url, actors["alice"], actors["bob"])
    delete_topics(kafka_admin, kafka_prefix)


def _members(setup: Setup, count: int) -> tuple[list[Member], list[str], Caller]:
    members = start_members(setup.home, setup.url, free_ports(count))
    assignment = wait_for_assignment(setup.url, members)
    domains = domains_owned_by(assignment, [m.url for m in members])
    return members, domains, Caller(setup.home / "tls" / "ca.pem")


def _shut_down(caller: Caller, members: list[Member]) -> None:
    caller.close()
    for member in members:
        member.stop()


def _create_key(caller: Caller, via: Member, setup: Setup, domain: str) -> str:
    path, body, command_id = create_key_request(setup.alice, domain)
    answer = caller.post(via.url, path, body, setup.alice, command_id)
    assert answer.status == 201, answer.document
    result = answer.document["result"]
    assert result["domain"] == domain
    return str(result["key_id"])


def _verify_independently(setup: Setup, signatures: list[tuple[str, bytes]]) -> None:
    """Each (key id, signature) over MESSAGE checks with PyNaCl under the key's public key
    as a restarted reader of the log sees it."""
    session = new_session(setup.home, setup.url)
    try:
        ledger = session.read_only_ledger()
        for key_id, signature in signatures:
            public = ledger.key(key_id).versions[1]["public_key"]
            nacl.signing.VerifyKey(bytes(public)).verify(MESSAGE, signature)
    finally:
        session.close()


def test_any_member_takes_any_command_and_only_the_owner_writes(cluster_home: Setup) -> None:
    members, domains, caller = _members(cluster_home, 2)
    try:
        keys = {}
        for domain in domains:  # through the owner and through the other member
            for via in members:
                keys[domain, via.port] = _create_key(caller, via, cluster_home, domain)
        signatures = []
        for (domain, _), key_id in keys.items():
            for via in members:
                path, body, command_id = sign_request(cluster_home.bob, domain, key_id, MESSAGE)
                answer = caller.post(via.url, path, body, cluster_home.bob, command_id)
                assert answer.status == 200, answer.document
                assert answer.document["chain"] == domain
                signatures.append(
                    (key_id, bytes.fromhex(answer.document["result"]["signature"])))

        # Every member reads what any member acknowledged (it folds the chains it does
        # not write before a read answers): both keys of each domain, both signs of each.
        for (domain, _), key_id in keys.items():
            for via in members:
                shown = caller.get(via.url, f"/v1/keys/{key_id}", cluster_home.alice)
                assert shown.status == 200, (via.url, shown.document)
                assert (shown.document["domain"], shown.document["signatures"]) == (domain, 2)

        # A refused read goes on the system chain, which one member writes: through either
        # member it is recorded there (the other hands it over) and its seq answered.
        refused_reads = []
        for via in members:
            denied = caller.get(via.url, "/v1/actors", cluster_home.bob)
            assert denied.status == 403, denied.document
            assert isinstance(denied.document.get("recorded_seq"), int), denied.document
            refused_reads.append(denied.document["recorded_seq"])

        # A request that says it was forwarded already goes no further, and is not decided.
        victim = members[1]
        path, body, command_id = sign_request(cluster_home.bob, domains[1],
                                              keys[domains[1], victim.port], MESSAGE)
        bounced = caller.post(members[0].url, path, body, cluster_home.bob, command_id,
                              extra_headers={"skms-forwarded-by": "https://elsewhere.example"})
        assert bounced.status == 503, bounced.document
        assert bounced.document["owner"] == victim.url
        assert "not forwarded again" in bounced.document["detail"]
    finally:
        _shut_down(caller, members)
    with fresh_store(cluster_home.url) as store:
        Auditor(store).verify()
        assert_gapless(store)
        for domain in domains:
            counts = assert_whole_commands(store, domain, EVENTS_PER_COMMAND)
            assert counts == {"CreateKey": 2, "Sign": 4}, (domain, counts)
            assert command_id not in {e.command_id for e in store.read(domain)}
        for seq in refused_reads:
            [event] = store.read(SYSTEM_CHAIN, seq, seq + 1)
            assert event.event_type == "CommandRejected"
    _verify_independently(cluster_home, signatures)


def test_a_grpc_command_reaches_its_chains_owner(cluster_home: Setup) -> None:
    """A gRPC command sent to the member that does not write its chain is relayed to the
    owner, which authenticates and decides it: the reply, a repeat of the same command and
    a refusal read as if the first member had answered them itself."""
    members, domains, caller = _members(cluster_home, 2)
    ca = cluster_home.home / "tls" / "ca.pem"
    signatures, repeated_ids, refused_ids = [], [], []
    try:
        for index, domain in enumerate(domains):
            owner, other = members[index], members[1 - index]
            with GrpcClient(other.grpc_target, *cluster_home.alice, ca=ca) as manager:
                created = manager.create_key("ed25519", domain=domain)
            assert created.chain == domain
            key_id = str(created.result["key_id"])

            signed = Command("Sign", cluster_home.bob[0], domain, {
                "key_id": key_id, "message_digest": hashlib.sha256(MESSAGE).hexdigest()},
                time.time_ns() // 1000).sign(cluster_home.bob[1])
            outcomes = []
            for via in (other, owner, other):  # the same command, freshly signed requests
                with GrpcClient(via.grpc_target, *cluster_home.bob, ca=ca) as signer:
                    request = signer.pb.SignRequest(key_id=key_id, message=MESSAGE)
                    request.command.command = signed.canonical_bytes.decode("ascii")
                    request.command.signature = signed.signature
                    outcomes.append(signer.call("Sign", request, "SignReply"))
            first = outcomes[0]
            assert first.outcome.chain == domain and not first.outcome.replayed
            for again in outcomes[1:]:  # the original outcome and signature, not a new one
                assert again.outcome.replayed
                assert list(again.outcome.seqs) == list(first.outcome.seqs)
                assert again.result.signature == first.result.signature
            signatures.append((key_id, bytes.fromhex(first.result.signature)))
            repeated_ids.append((domain, signed.command.command_id))

            # A refusal is the owner's: recorded there, relayed with its status and problem.
            with GrpcClient(other.grpc_target, *cluster_home.bob, ca=ca) as signer:
                with pytest.raises(ApiError) as refused:
                    signer.create_key("ed25519", domain=domain)
                unsigned = GrpcClient(other.grpc_target, *cluster_home.bob, ca=ca,
                                      sign_requests=False)
                request = unsigned.pb.SignRequest(key_id=key_id, message=MESSAGE)
                request.command.command = signed.canonical_bytes.decode("ascii")
                request.command.signature = signed.signature
                with unsigned, pytest.raises(ApiError) as anonymous:  # no request signature
                    unsigned.call("Sign", request, "SignReply")
            assert refused.value.problem["grpc_status"] == "PERMISSION_DENIED"
            assert refused.value.recorded_seq is not None
            refused_ids.append((domain, refused.value.recorded_seq))
            assert anonymous.value.problem["grpc_status"] == "UNAUTHENTICATED"
    finally:
        _shut_down(caller, members)
    with fresh_store(cluster_home.url) as store:
        Auditor(store).verify()
        assert_gapless(store)
        for domain, command_id in repeated_ids:
            assert len(store.seqs_for_command(domain, command_id)) == 1
        for domain, seq in refused_ids:
            [event] = store.read(domain, seq, seq + 1)
            assert event.event_type == "CommandRejected"
    _verify_independently(cluster_home, signatures)


@dataclass
class Acked:
    command_id: str
    domain: str
    seq: int
    signature: bytes
    at: float
    path: str
    body: bytes


def test_kill_9_of_an_owner_under_load_loses_and_duplicates_nothing(
        cluster_home: Setup) -> None:
    members, domains, caller = _members(cluster_home, 2)
    survivor, victim = members
    kept_domain, moved_domain = domains
    acked: list[Acked] = []
    replays: list[str] = []
    retried = {"count": 0}
    stop = threading.Event()
    killed_at: dict[str, float] = {}
    try:
        keys = {domain: _create_key(caller, survivor, cluster_home, domain)
                for domain in domains}

        def load(domain: str) -> None:
            own = Caller(cluster_home.home / "tls" / "ca.pem")
            key_id = keys[domain]
            try:
                while not stop.is_set():
                    path, body, command_id = sign_request(cluster_home.bob, domain, key_id,
                                                          MESSAGE)
                    deadline = time.monotonic() + 60
                    while time.monotonic() < deadline:
                        answer = own.post(survivor.url, path, body, cluster_home.bob,
                                          command_id, timeout=10)
                        if answer.status == 200:
                            # Also a retry of a sign the dead owner stored but never
                            # answered: the new owner replays it with the result the dead
                            # one kept in the result journal.
                            result = answer.document["result"]
                            assert result is not None, answer.document
                            if answer.document["replayed"]:
                                replays.append(command_id)
                            acked.append(Acked(
                                command_id, domain, answer.document["seq"],
                                bytes.fromhex(result["signature"]), time.monotonic(), path,
                                body))
                            break
                        assert answer.status in (0, 503, 504), answer.document
                        retried["count"] += 1  # same command, fresh HTTP signature and nonce
                        time.sleep(0.1)
                    else:
                        raise AssertionError(f"command {command_id} never went through")
            finally:
                own.close()

        workers = [threading.Thread(target=load, args=(d,)) for d in domains for _ in range(2)]
        errors: list[BaseException] = []

        def guarded(thread: threading.Thread) -> None:
            try:
                thread.run()
            except BaseException as error:  # reported below
                errors.append(error)

        runners = [threading.Thread(target=guarded, args=(w,)) for w in workers]
        for runner in runners:
            runner.start()
        time.sleep(2.0)
        before = [a for a in acked if a.domain == moved_domain]
        assert before, "no sign of the moved domain went through before the kill"
        killed_at["t"] = time.monotonic()
        victim.kill()
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and not any(
                a.domain == moved_domain and a.at > killed_at["t"] for a in acked):
            time.sleep(0.1)
        after = [a for a in acked if a.domain == moved_domain and a.at > killed_at["t"]]
        assert after, "the moved domain took no command within 45 s of its owner's death"
        assert retried["count"] > 0, "no request met the dead owner: the kill was not under load"
        time.sleep(1.0)
        stop.set()
        for runner in runners:
            runner.join(90)
        assert not errors, errors

        # A retry of a command the dead owner acknowledged: the original outcome.
        first = before[0]
        caller.close()  # its kept-alive connection may have idled out meanwhile
        again = caller.post(survivor.url, first.path, first.body, cluster_home.bob,
                            first.command_id)
        assert again.status == 200, again.document
        assert again.document["replayed"] is True
        assert (again.document["chain"], again.document["seq"]) == (moved_domain, first.seq)
        # The dead owner's result, from the journal: the new owner never held it.
        assert again.document["result"]["signature"] == first.signature.hex()
    finally:
        stop.set()
        _shut_down(caller, members)

    with fresh_store(cluster_home.url) as store:
        Auditor(store).verify()
        assert_gapless(store)
        for domain in domains:
            assert_whole_commands(store, domain, EVENTS_PER_COMMAND)
            stored = {e.command_id: e.seq for e in store.read(domain)}
            for ack in (a for a in acked if a.domain == domain):
                assert stored.get(ack.command_id) == ack.seq, (
                    f"acknowledged sign {ack.command_id} of {domain} is not at seq {ack.seq}")
    _verify_independently(cluster_home, [(keys[a.domain], a.signature) for a in acked])
    moved = [a for a in acked if a.domain == moved_domain]
    assert len({a.command_id for a in moved}) == len(moved)
    assert len(moved) > len(before)
    assert any(a.domain == kept_domain and a.at > killed_at["t"] for a in acked), (
        "the survivor's own chain stopped taking commands when the other member died")
