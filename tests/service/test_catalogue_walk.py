"""Every catalogue entry, through every front end: the SDK over REST, the SDK over gRPC and
the CLI, on one live server and its home.

Each entry has a scenario: who acts, and the entry's parameters by catalogue name (fresh
objects for each front end where a command consumes them). The SDK methods take those
names; the CLI arguments are made from them by the catalogue's CLI facts alone (option
names, positional arguments, readers), so a CLI route whose options do not match its
fields fails here. Each command's events must be in the store at the seqs it answered,
of the types the catalogue allows; each read must answer all three front ends alike.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric import x25519

from commands.cli.generated import Entry, entries_by_path
from commands.cli.main import cli
from commands.cli.readers import option_name
from commands.sdk.client import Client, Identity
from commands.sdk.grpc_client import GrpcClient
from commands.wire import to_json
from ledger.catalogue import CATALOGUE, CommandSpec, Field, Kind, Spec, sdk_name
from ledger.crypto import hd
from ledger.envelope import open_envelope
from ledger.stores.sqlite import SQLiteEventStore
from tests.chains import inputs as chain_inputs
from tests.service.conftest import PASSPHRASE, Running

FRONT_ENDS = ("rest", "grpc", "cli")
COUNTER = itertools.count()
META = {"seq", "seqs", "chain", "command_id"}


@dataclass
class Scenario:
    actor: str
    params: Callable[[World], dict[str, Any]]
    cli_extra: Callable[[Path], list[str]] = dataclasses.field(default=lambda tmp: [])


class World:
    """Makes the objects scenarios act on, through the SDK as the key-manager."""

    def __init__(self, service: Running) -> None:
        self.service = service
        self.km = service.client("key-manager")
        self.signer = service.client("signer")
        self.admin = service.client("admin")

    def close(self) -> None:
        for client in (self.km, self.signer, self.admin):
            client.close()

    def key(self, algorithm: str = "ed25519", **options: Any) -> str:
        return str(self.km.create_key(algorithm, label="walk", **options).key_id)

    def suspended(self) -> str:
        key_id = self.key()
        self.km.suspend_key(key_id)
        return key_id

    def revoked(self, wait: int) -> str:
        key_id = self.key(destruction_wait_days=wait)
        self.km.revoke_key(key_id)
        return key_id

    def scheduled(self) -> str:
        key_id = self.revoked(wait=1)
        self.km.destroy_key(key_id)
        return key_id

    def actor(self) -> str:
        name = f"walker-{next(COUNTER)}"
        return str(self.admin.register_actor(name, Identity.generate().public_key.hex(),
                                             roles=["analyst"]).actor_id)

    def ciphertext(self, key_id: str) -> bytes:
        import base64

        return base64.b64decode(self.signer.encrypt(key_id, b"walk data", aad=b"ctx")
                                .ciphertext)

    def wallet(self) -> str:
        return str(self.km.create_wallet(word_count=12).wallet_id)

    def shares(self) -> dict[str, Any]:
        wallet_id = self.wallet()
        made = self.km.backup_wallet(wallet_id, ["ann", "ben"], threshold=2)
        return {"shares": [json.dumps(d).encode() for d in made.documents]}

    def derived_path(self, wallet_id: str) -> str:
        return str(self.signer.derive_address(wallet_id).path)

    def signature(self, key_id: str, message: bytes) -> str:
        return str(self.signer.sign(key_id, message).signature)


_SHARED: dict[str, Any] = {}


def shared(name: str, make: Callable[[], Any]) -> Any:
    """One object for every front end (reads compare their answers about it)."""
    if name not in _SHARED:
        _SHARED[name] = make()
    return _SHARED[name]


def _signed_key(w: World) -> dict[str, Any]:
    key_id = shared("key", w.key)
    signature = shared("signature", lambda: w.signature(key_id, b"walk message"))
    return {"key_id": key_id, "signature": signature}


def _proof(w: World) -> Any:
    with w.service.client("auditor") as auditor:
        auditor.request_checkpoint("default")
        return auditor.inclusion_proof("default", 1)


SCENARIOS: dict[str, Scenario] = {
    # actors
    "RegisterActor": Scenario("admin", lambda w: {
        "name": f"walk-actor-{next(COUNTER)}", "roles": ["analyst"],
        "public_key": Identity.generate().public_key.hex()}),
    "ChangeActorRoles": Scenario("admin", lambda w: {"actor_id": w.actor(),
                                                     "roles": ["auditor"]}),
    "RevokeActor": Scenario("admin", lambda w: {"actor_id": w.actor(), "reason": "walked"}),
    # keys
    "CreateKey": Scenario("key-manager", lambda w: {
        "algorithm": "ecdsa-p256", "label": "walk", "usage": ["sign", "verify"],
        "activate": True, "rotation_period_days": 30, "domain": "default"}),
    "ActivateKey": Scenario("key-manager", lambda w: {"key_id": w.key(activate=False)}),
    "RotateKey": Scenario("key-manager", lambda w: {"key_id": w.key()}),
    "SuspendKey": Scenario("key-manager", lambda w: {"key_id": w.key(), "reason": "hold"}),
    "ReactivateKey": Scenario("key-manager", lambda w: {"key_id": w.suspended()}),
    "CompromiseKey": Scenario("key-manager", lambda w: {
        "key_id": w.key(), "reason": "leak", "compromise_time": 1_700_000_000_000_000}),
    "RevokeKey": Scenario("key-manager", lambda w: {"key_id": w.key()}),
    "DestroyKey": Scenario("key-manager", lambda w: {"key_id": w.revoked(wait=0)}),
    "CancelDestruction": Scenario("key-manager", lambda w: {"key_id": w.scheduled()}),
    "ChangeKeyPolicy": Scenario("key-manager", lambda w: {
        "key_id": w.key(), "max_signatures_per_day": 1000,
        "allowed_signers": [w.service.actors["signer"].actor_id]}),
    "Sign": Scenario("signer", lambda w: {"key_id": shared("key", w.key),
                                          "message": b"walk message"}),
    "SignBatch": Scenario("signer", lambda w: {"key_id": shared("key", w.key),
                                               "messages": [b"one", b"two", b"three"]}),
    # data
    "Encrypt": Scenario("signer", lambda w: {"key_id": shared("aes", lambda: w.key(
        "aes-256-gcm")), "plaintext": b"walk data", "aad": b"ctx"}),
    "Decrypt": Scenario("signer", lambda w: {
        "key_id": shared("aes", lambda: w.key("aes-256-gcm")),
        "ciphertext": w.ciphertext(shared("aes", lambda: w.key("aes-256-gcm"))),
        "aad": b"ctx"}),
    "ReEncrypt": Scenario("signer", lambda w: _rotated_ciphertext(w)),
    "GenerateDataKey": Scenario("signer", lambda w: {
        "key_id": shared("aes", lambda: w.key("aes-256-gcm")), "aad": b"bucket"}),
    "GenerateMac": Scenario("signer", lambda w: {
        "key_id": shared("hmac", lambda: w.key("hmac-sha256")), "message": b"m"}),
    "VerifyMac": Scenario("signer", lambda w: _mac(w)),
    "DeriveSharedSecret": Scenario("signer", lambda w: {
        "key_id": shared("x25519", lambda: w.key("x25519")),
        "peer_public_key": x25519.X25519PrivateKey.generate().public_key()
        .public_bytes_raw().hex(), "salt": "0011", "info": b"walk".hex(), "length": 32}),
    # wallets
    "CreateWallet": Scenario("key-manager", lambda w: {"word_count": 12, "label": "walk"}),
    "ImportWallet": Scenario("key-manager", lambda w: {
        "mnemonic": hd.new_mnemonic(12).text.encode(), "gap_limit": 5}),
    "DeriveAddress": Scenario("signer", lambda w: {"wallet_id": shared("wallet", w.wallet),
                                                   "purpose": "86", "change": 1}),
    "MarkAddressUsed": Scenario("signer", lambda w: _used(w)),
    "ExportXpub": Scenario("key-manager", lambda w: {"wallet_id": shared("wallet", w.wallet),
                                                     "purpose": "84"}),
    "BackupWallet": Scenario("key-manager", lambda w: {
        "wallet_id": shared("wallet", w.wallet), "custodians": ["ann", "ben", "cy"],
        "threshold": 2}, cli_extra=lambda tmp: ["--out-dir", str(tmp / "shares")]),
    "RecoverWallet": Scenario("key-manager", lambda w: w.shares()),
    # audit
    "RequestCheckpoint": Scenario("auditor", lambda w: {"chain_id": shared(
        "default-chain", lambda: (w.key(), "default")[1])}),
    # reads
    "WhoAmI": Scenario("auditor", lambda w: {}),
    "ListAlgorithms": Scenario("analyst", lambda w: {}),
    "ListKeys": Scenario("auditor", lambda w: {"domain": "default", "state": "active"}),
    "GetKey": Scenario("auditor", lambda w: {"key_id": shared("key", w.key)}),
    "GetPublicKey": Scenario("auditor", lambda w: {"key_id": shared("key", w.key),
                                                   "format": "hex", "version": 1}),
    "Verify": Scenario("auditor", lambda w: {**_signed_key(w), "message": b"walk message"}),
    "VerifyBatch": Scenario("auditor", lambda w: {
        "key_id": _signed_key(w)["key_id"],
        "items": [{"message": b"walk message", "signature": _signed_key(w)["signature"]},
                  {"message": b"other", "signature": _signed_key(w)["signature"]}]}),
    "ListActors": Scenario("auditor", lambda w: {}),
    "GetActor": Scenario("auditor", lambda w: {
        "actor_id": w.service.actors["signer"].actor_id}),
    "ListChains": Scenario("auditor", lambda w: {}),
    "GetCheckpoint": Scenario("auditor", lambda w: {"chain_id": "system"}),
    "InclusionProof": Scenario("auditor", lambda w: {"chain_id": "system", "seq": 1,
                                                     "size": 2}),
    "ConsistencyProof": Scenario("auditor", lambda w: {"chain_id": "system", "old_size": 1,
                                                       "size": 3}),
    "VerifyProof": Scenario("analyst", lambda w: {"document": shared("proof",
                                                                     lambda: _proof(w))}),
    "AuditVerify": Scenario("auditor", lambda w: {}),
    "ListReports": Scenario("analyst", lambda w: {}),
    "RunReport": Scenario("analyst", lambda w: {"name": "inventory"}),
    "Query": Scenario("analyst", lambda w: {"sql": "SELECT count(*) AS n FROM actors"}),
    "ProjectionStatus": Scenario("analyst", lambda w: {}),
    "ListWallets": Scenario("auditor", lambda w: {"domain": "default"}),
    "GetWallet": Scenario("auditor", lambda w: {"wallet_id": shared("wallet", w.wallet)}),
    "ListWalletAddresses": Scenario("auditor", lambda w: {
        "wallet_id": shared("wallet", w.wallet), "unused": True}),
    # chains
    "SignEvmTransaction": Scenario("signer", lambda w: {
        "key_id": _secp(w), "tx": chain_inputs.as_json(chain_inputs.eip1559()),
        "network": "sepolia"}),
    "SignEvmMessage": Scenario("signer", lambda w: {"key_id": _secp(w),
                                                    "message": b"walk message"}),
    "SignEvmTypedData": Scenario("signer", lambda w: {
        "key_id": _secp(w), "typed_data": chain_inputs.as_json(
            chain_inputs.mail_typed_data())}),
    "SignPsbt": Scenario("signer", lambda w: {"key_id": _secp(w), "psbt": _psbt(w),
                                              "network": "testnet"}),
    "SignSolanaTransaction": Scenario("signer", lambda w: {
        "key_id": shared("key", w.key), "tx": chain_inputs.solana_transfer(_public(
            w, shared("key", w.key))), "cluster": "devnet"}),
    "SignSolanaMessage": Scenario("signer", lambda w: {"key_id": shared("key", w.key),
                                                       "message": b"walk message"}),
    "SetChainPolicy": Scenario("key-manager", lambda w: {
        "key_id": w.key("ecdsa-secp256k1"), "allowed_networks": ["sepolia", "base"],
        "allowed_recipients": [chain_inputs.RECIPIENT]}),
    "EvmAddress": Scenario("auditor", lambda w: {"key_id": _secp(w)}),
    "BitcoinAddress": Scenario("auditor", lambda w: {"key_id": _secp(w), "type": "p2tr",
                                                     "network": "testnet"}),
    "SolanaAddress": Scenario("auditor", lambda w: {"key_id": shared("key", w.key)}),
    "WalletSignEvmTransaction": Scenario("signer", lambda w: {
        **_chain_wallet(w), "index": 2, "tx": chain_inputs.as_json(chain_inputs.eip1559())}),
    "WalletSignEvmMessage": Scenario("signer", lambda w: {**_chain_wallet(w),
                                                          "message": b"walk message"}),
    "WalletSignEvmTypedData": Scenario("signer", lambda w: {
        **_chain_wallet(w), "typed_data": chain_inputs.as_json(
            chain_inputs.mail_typed_data())}),
    "WalletSignPsbt": Scenario("signer", lambda w: {**_chain_wallet(w),
                                                    "psbt": _wallet_psbt(w)}),
    "WalletSignSolanaTransaction": Scenario("signer", lambda w: {
        **_chain_wallet(w), "tx": chain_inputs.solana_transfer(
            chain_inputs.wallet_public_key(_wallet_mnemonic(w), "ed25519",
                                           "m/44'/501'/0'/0'"))}),
    "WalletSignSolanaMessage": Scenario("signer", lambda w: {**_chain_wallet(w),
                                                             "message": b"walk message"}),
    "FinalizePsbt": Scenario("analyst", lambda w: {"psbt": shared("signed-psbt", lambda: (
        w.signer.sign_psbt(_secp(w), _psbt(w), network="testnet").psbt.encode()))}),
}


def _secp(w: World) -> str:
    return str(shared("secp", lambda: w.key("ecdsa-secp256k1")))


def _public(w: World, key_id: str) -> bytes:
    return bytes.fromhex(w.km.public_key(key_id, format="hex")["public_key"])


def _made_chain_wallet(w: World) -> Any:
    return w.km.create_wallet(word_count=12, curves=["secp256k1", "ed25519"])


def _chain_wallet(w: World) -> dict[str, Any]:
    return {"wallet_id": str(shared("chain-wallet", lambda: _made_chain_wallet(w)).wallet_id)}


def _wallet_mnemonic(w: World) -> str:
    return str(shared("chain-wallet", lambda: _made_chain_wallet(w)).mnemonic)


def _wallet_psbt(w: World) -> bytes:
    made = shared("chain-wallet", lambda: _made_chain_wallet(w))
    path = "m/84'/1'/0'/0/0"
    public = chain_inputs.wallet_public_key(str(made.mnemonic), "secp256k1", path)
    return bytes(chain_inputs.single_key_psbt(
        public, ("p2wpkh",), origin=path,
        fingerprint=bytes.fromhex(str(made.master_fingerprint))).serialize())


def _psbt(w: World) -> bytes:
    return bytes(shared("psbt", lambda: chain_inputs.single_key_psbt(
        _public(w, _secp(w))).serialize()))


def _mac(w: World) -> dict[str, Any]:
    key_id = shared("hmac", lambda: w.key("hmac-sha256"))
    tag = shared("tag", lambda: w.signer.generate_mac(key_id, b"m").mac)
    return {"key_id": key_id, "message": b"m", "mac": bytes.fromhex(tag), "key_version": 1}


def _rotated_ciphertext(w: World) -> dict[str, Any]:
    key_id = w.key("aes-256-gcm")
    old = w.ciphertext(key_id)
    w.km.rotate_key(key_id)
    return {"key_id": key_id, "ciphertext": old, "aad": b"ctx"}


def _used(w: World) -> dict[str, Any]:
    wallet_id = shared("wallet", w.wallet)
    return {"wallet_id": wallet_id, "path": w.derived_path(wallet_id)}


def test_every_entry_has_a_scenario() -> None:
    reachable = {s.name for s in CATALOGUE.entries() if s.rest is not None}
    assert reachable == set(SCENARIOS)
    on_cli = {s.name for s in CATALOGUE.entries() if s.cli is not None}
    assert on_cli == reachable, "every front end serves every client entry"


# --- the CLI arguments of an entry, from the catalogue's CLI facts -------------------------

def cli_entry(spec: Spec) -> Entry:
    assert spec.cli is not None
    (entry,) = [e for e in entries_by_path([spec])[spec.cli.path]]
    return entry


def cli_texts(field: Field, value: Any, tmp: Path) -> list[str]:
    """What a user types for ``value`` (files written where a reader reads files)."""
    reader = field.cli.reader
    if field.kind is Kind.LIST:
        assert field.item is not None
        if reader in ("files", "text-files"):
            return [_file(tmp, v if isinstance(v, bytes) else v.encode()) for v in value]
        if reader == "json-file":
            return [_file(tmp, json.dumps(to_json(field, value)).encode())]
        return [str(v) for v in value]
    if reader in ("file", "secret-file"):
        return [_file(tmp, value)]
    if reader == "json-file":
        return [_file(tmp, json.dumps(to_json(field, value)).encode())]
    if reader == "text":
        return [value.decode() if isinstance(value, bytes) else bytes.fromhex(value).decode()]
    if reader == "hex":
        return [value.hex()]
    return [str(value)]


def _file(tmp: Path, data: bytes) -> str:
    path = tmp / f"input-{next(COUNTER)}"
    path.write_bytes(data)
    return str(path)


def cli_argv(spec: Spec, params: Mapping[str, Any], tmp: Path) -> list[str]:
    entry = cli_entry(spec)
    assert spec.cli is not None
    argv = list(spec.cli.path)
    for field in entry.fields:
        if field.name not in params:
            continue
        value = params[field.name]
        option = field.cli.option or "--" + field.name.replace("_", "-")
        if field.kind is Kind.BOOLEAN:
            on, _, off = option.partition("/")
            argv += [on] if value else ([off] if off else [])
            continue
        texts = cli_texts(field, value, tmp)
        if field.cli.positional:
            argv += texts
        else:
            for text in texts:
                argv += [option_name(field), text]
    selector = entry.selector
    if selector and not selector.startswith("many:") and selector not in argv:
        argv.append(selector)
    return argv


# --- the walk -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def world(service: Running) -> Iterator[World]:
    made = World(service)
    yield made
    made.close()


def call(front_end: str, service: Running, spec: Spec, actor: str, params: dict[str, Any],
         tmp: Path, extra: list[str]) -> Any:
    """The entry's answer as JSON: the result of a command (with its seqs), or of a read."""
    if front_end == "cli":
        argv = ["--home", str(service.home), "--as", actor, "--json",
                *cli_argv(spec, params, tmp), *extra]
        result = CliRunner().invoke(cli, argv, env={"SKMS_PASSPHRASE": PASSPHRASE},
                                    catch_exceptions=False)
        assert result.exit_code in (0, 1), (argv, result.output)
        return json.loads(result.stdout)
    identity = service.actors[actor]
    client: Client | GrpcClient = (
        service.client(actor) if front_end == "rest" else
        GrpcClient(service.grpc_target, identity.actor_id, identity.private_key,
                   ca=service.ca))
    with client:
        answer = getattr(client, sdk_name(spec))(**params)
    if isinstance(spec, CommandSpec):
        return {**(answer.result or {}), "seq": answer.seq, "seqs": answer.seqs,
                "chain": answer.chain, "command_id": answer.command_id}
    return answer


def recorded(service: Running, chain: str, seqs: list[int]) -> list[str]:
    store = SQLiteEventStore(service.home / "ledger.db")
    try:
        return [open_envelope(e).event_type for seq in seqs
                for e in store.read(chain, seq, seq + 1)]
    finally:
        store.close()


COMMANDS = [s.name for s in CATALOGUE.client_commands()]
READS = [s.name for s in CATALOGUE.reads]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_on_every_front_end(service: Running, world: World, tmp_path: Path,
                                          name: str) -> None:
    spec = CATALOGUE.command(name)
    scenario = SCENARIOS[name]
    shapes = {}
    for front_end in FRONT_ENDS:
        params = scenario.params(world)
        answer = call(front_end, service, spec, scenario.actor, params, tmp_path,
                      scenario.cli_extra(tmp_path / front_end) if front_end == "cli" else [])
        events = recorded(service, answer["chain"], answer["seqs"])
        assert events and set(events) <= spec.events, (front_end, events)
        assert len(answer["command_id"]) == 36
        shapes[front_end] = {k for k in answer if k not in META}
    expected = {f.name for f in spec.result.fields} if spec.result else set()
    assert shapes["rest"] == shapes["grpc"] == expected
    if name == "BackupWallet":  # the CLI writes the share documents to files instead
        assert shapes["cli"] == expected - {"documents"} | {"files"}
    else:
        assert shapes["cli"] == expected


@pytest.mark.parametrize("name", READS)
def test_every_read_answers_alike_on_every_front_end(service: Running, world: World,
                                                     tmp_path: Path, name: str) -> None:
    spec = CATALOGUE.read(name)
    scenario = SCENARIOS[name]
    params = scenario.params(world)
    for _ in range(3):  # the ledger may checkpoint on its timer between two front ends
        answers = {front_end: call(front_end, service, spec, scenario.actor, params, tmp_path,
                                   []) for front_end in FRONT_ENDS}
        if name == "WhoAmI":
            assert [answers[f].pop("authenticated_by") for f in FRONT_ENDS] == [
                "signature", "signature", "local"]
        if answers["rest"] == answers["grpc"] == answers["cli"]:
            break
    assert answers["rest"] == answers["grpc"] == answers["cli"], name
    assert answers["rest"] not in (None, [], {}), "a scenario must ask something real"


def test_the_walk_signs_what_it_says(service: Running, world: World) -> None:
    """The walk's Sign scenario signs the digest of its message (not a stand-in)."""
    key_id = shared("key", world.key)
    signed = world.signer.sign(key_id, b"walk message")
    store = SQLiteEventStore(service.home / "ledger.db")
    try:
        (stored,) = list(store.read(signed.chain, signed.seq, signed.seq + 1))
    finally:
        store.close()
    event = open_envelope(stored).event()
    assert bytes(event["message_digest"]) == hashlib.sha256(b"walk message").digest()
