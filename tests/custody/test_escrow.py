"""Escrow with audited release: every version sealed to the agent, released in a signed
package only the agent opens offline, and shredded with the key.

The released material is used by independent code (``cryptography``'s Ed25519 and ECDSA)
and its signatures verify with the public keys the log recorded.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from commands.cli.main import cli
from commands.session import Session
from ledger.audit import Auditor
from ledger.canonical import canonical_json
from ledger.catalogue import CATALOGUE
from ledger.crypto.schemes import get_scheme
from ledger.envelope import open_envelope
from ledger.errors import (
    IllegalTransition,
    InvalidCiphertext,
    InvalidInput,
    InvalidSignature,
    KeyMaterialDestroyed,
    MaterialDestroyed,
    NotFound,
    Unauthorized,
)
from ledger.recipes import custody_keys, escrow
from tests.ledger.conftest import new_session, run_approved


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One ledger for the module, with two registered escrow agents."""
    current = new_session(tmp_path_factory.mktemp("escrow") / "home")
    current.initialize(name="escrow", checkpoint_every_events=50)
    current.add_actor("admin", "alice", ["key-manager"], ["*"])
    current.add_actor("admin", "bob", ["signer"], ["*"])
    current.add_actor("admin", "vera", ["approver"], ["*"])
    yield current
    current.close()


@pytest.fixture(scope="module")
def agents(session: Session) -> dict[str, dict[str, Any]]:
    made = {}
    for name in ("escrow-co", "backup-escrow"):
        public, private = custody_keys.generate(name)
        result = session.run("admin", "RegisterEscrowAgent", agent_key=public).result
        made[name] = {"public": public, "private": private, "agent_id": result["agent_id"]}
    return made


def escrowed(session: Session, algorithm: str, agent: str) -> str:
    return str(session.run("alice", "CreateKey", domain="default", algorithm=algorithm,
                           escrow=agent).result["key_id"])


def events(session: Session, event_type: str, key_id: str) -> list[dict[str, Any]]:
    store, _ = session.store()
    return [e.event() for e in (open_envelope(s) for s in store.read("default"))
            if e.event_type == event_type and e.event().get("key_id") == key_id]


def release(session: Session, key_id: str, **extra: Any) -> dict[str, Any]:
    result = run_approved(session, "admin", "vera", "ReleaseEscrow", key_id=key_id,
                          reason="court order", **extra)
    assert isinstance(result, dict)
    return result


def test_every_version_is_escrowed_and_released_to_its_agent(
        session: Session, agents: dict[str, dict[str, Any]]) -> None:
    key_id = escrowed(session, "ed25519", "escrow-co")
    session.key_command("alice", "RotateKey", key_id)
    recorded = events(session, "KeyEscrowed", key_id)
    assert [e["version"] for e in recorded] == [1, 2]
    assert {e["agent_id"] for e in recorded} == {agents["escrow-co"]["agent_id"]}
    answer = release(session, key_id)
    assert answer["versions"] == [1, 2]
    package = answer["package"]
    assert hashlib.sha256(canonical_json(package)).hexdigest() == answer["package_digest"]
    (released,) = events(session, "EscrowReleased", key_id)
    assert released["package_digest"].hex() == answer["package_digest"]
    assert released["reason"] == "court order" and released["versions"] == [1, 2]
    # the agent's blobs are what KeyEscrowed recorded a digest of, and never in the log
    store, _ = session.store()
    log = b"".join(bytes(s.body) for s in store.read("default"))
    for entry, event in zip(package["versions"], recorded, strict=True):
        blob = bytes.fromhex(entry["sealed"])
        assert hashlib.sha256(blob).digest() == event["escrow_digest"]
        assert blob[:64] not in log
    opened = escrow.open_package(package, agents["escrow-co"]["private"],
                                 ledger_public_key=session.ledger().meta.ledger_public_key)
    key = session.ledger().key(key_id)
    for item in opened:  # independent code signs with the released material
        signer = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(item.material))
        signature = signer.sign(b"released")
        get_scheme("ed25519").verify(key.versions[item.version]["public_key"], b"released",
                                     signature)
    Auditor(session.store()[0]).verify()


def test_a_released_ecdsa_key_is_the_key(session: Session,
                                         agents: dict[str, dict[str, Any]]) -> None:
    key_id = escrowed(session, "ecdsa-p256", "backup-escrow")
    package = release(session, key_id, agent="backup-escrow")["package"]
    (item,) = escrow.open_package(package, agents["backup-escrow"]["private"])
    private = ec.derive_private_key(int.from_bytes(item.material, "big"), ec.SECP256R1())
    point = private.public_key().public_bytes(serialization.Encoding.X962,
                                              serialization.PublicFormat.CompressedPoint)
    assert point == session.ledger().key(key_id).versions[1]["public_key"]
    signature = private.sign(b"m", ec.ECDSA(hashes.SHA256()))
    get_scheme("ecdsa-p256").verify(point, b"m", signature)


def test_destroying_an_escrowed_key_shreds_its_escrow_copies(
        session: Session, agents: dict[str, dict[str, Any]]) -> None:
    key_id = str(session.run("alice", "CreateKey", domain="default", algorithm="ed25519",
                             escrow="escrow-co", destruction_wait_days=0).result["key_id"])
    (copy,) = events(session, "KeyEscrowed", key_id)
    material = session.ledger().material
    assert copy["escrow_ref"] in set(session.ledger().keyring.refs())
    session.key_command("alice", "RevokeKey", key_id)
    session.key_command("alice", "DestroyKey", key_id)
    (destroyed,) = events(session, "KeyDestroyed", key_id)
    assert copy["escrow_ref"] in destroyed["shredded_refs"]
    assert copy["escrow_ref"] not in set(session.ledger().keyring.refs())
    with pytest.raises(MaterialDestroyed):  # the log's copy is unrecoverable
        material.open_secret(copy["sealed_escrow"], copy["escrow_ref"],
                             escrow.escrow_aad(key_id, 1, copy["agent_id"]))
    with pytest.raises(KeyMaterialDestroyed, match="shredded with it") as refused:
        release(session, key_id)
    assert refused.value.seq is not None  # the refusal is recorded


def test_release_refusals(session: Session, agents: dict[str, dict[str, Any]]) -> None:
    plain = str(session.run("alice", "CreateKey", domain="default",
                            algorithm="ed25519").result["key_id"])
    with pytest.raises(IllegalTransition, match="no escrow copy") as refused:
        release(session, plain)
    assert refused.value.reason_code == "not-escrowed"
    key_id = escrowed(session, "ed25519", "escrow-co")
    with pytest.raises(IllegalTransition, match="is escrowed with") as wrong:
        release(session, key_id, agent="backup-escrow")
    assert wrong.value.reason_code == "wrong-agent"
    with pytest.raises(Unauthorized):
        session.run("bob", "ReleaseEscrow", key_id=key_id, reason="mine")
    with pytest.raises(NotFound) as unknown:
        escrowed(session, "ed25519", "nobody")
    assert unknown.value.field == "escrow"


def test_agents_are_hybrid_and_named_once(session: Session,
                                          agents: dict[str, dict[str, Any]]) -> None:
    classic, _ = custody_keys.generate("classic", "x25519")
    with pytest.raises(InvalidInput, match="hybrid") as refused:
        session.run("admin", "RegisterEscrowAgent", agent_key=classic)
    assert refused.value.field == "agent_key"
    with pytest.raises(InvalidInput, match="exists"):
        session.run("admin", "RegisterEscrowAgent", agent_key=agents["escrow-co"]["public"])
    with pytest.raises(Unauthorized):
        session.run("alice", "RegisterEscrowAgent",
                    agent_key=custody_keys.generate("sneaky")[0])


def test_a_package_opens_only_for_its_agent_and_untampered(
        session: Session, agents: dict[str, dict[str, Any]]) -> None:
    key_id = escrowed(session, "ed25519", "escrow-co")
    package = release(session, key_id)["package"]
    with pytest.raises(InvalidInput, match="not the package's escrow agent"):
        escrow.open_package(package, agents["backup-escrow"]["private"])
    edited = json.loads(json.dumps(package))
    edited["reason"] = "curiosity"
    with pytest.raises(InvalidSignature):
        escrow.open_package(edited, agents["escrow-co"]["private"])
    with pytest.raises(InvalidSignature, match="pinned"):
        escrow.open_package(package, agents["escrow-co"]["private"],
                            ledger_public_key=bytes(32))
    # a blob moved to another key id is refused by HPKE's context binding
    other = escrowed(session, "ed25519", "escrow-co")
    moved = release(session, other)["package"]
    moved["versions"][0]["sealed"] = package["versions"][0]["sealed"]
    moved_header = {k: v for k, v in moved.items() if k != "signature"}
    moved["signature"] = session.ledger().ledger_signature(
        escrow.SIGNING_LABEL + canonical_json(moved_header)).hex()
    with pytest.raises(InvalidCiphertext):
        escrow.open_package(moved, agents["escrow-co"]["private"])


def test_release_and_export_carry_their_approval_hooks() -> None:
    assert CATALOGUE.command("ReleaseEscrow").hooks.approval == "escrow-release"
    assert CATALOGUE.command("ReleaseEscrow").hooks.exports_material
    assert CATALOGUE.command("ExportKey").hooks.approval == "export"


def test_the_agents_cli_makes_keys_and_opens_packages_offline(
        session: Session, tmp_path: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(cli, ["--json", "escrow", "keygen", "--name", "cli-agent",
                               "--out-dir", str(tmp_path / "agent")])
    assert made.exit_code == 0, made.output
    files = json.loads(made.stdout)
    assert (Path(files["private_key_file"]).stat().st_mode & 0o777) == 0o600
    public = json.loads(Path(files["public_key_file"]).read_text())
    assert "private_key" not in public
    session.run("admin", "RegisterEscrowAgent", agent_key=public)
    key_id = escrowed(session, "ed25519", "cli-agent")
    package_file = tmp_path / "package.json"
    package_file.write_text(json.dumps(release(session, key_id)["package"]))
    opened = runner.invoke(cli, [
        "--json", "escrow", "open", str(package_file), "--private-key", files["private_key_file"],
        "--ledger-key", session.ledger().meta.ledger_public_key.hex(),
        "--out-dir", str(tmp_path / "out")])
    assert opened.exit_code == 0, opened.output
    (written,) = json.loads(opened.stdout)["files"]
    loaded = serialization.load_der_private_key(Path(written["file"]).read_bytes(), None)
    assert isinstance(loaded, ed25519.Ed25519PrivateKey)
    assert loaded.public_key().public_bytes_raw().hex() == written["public_key"]
    refused = runner.invoke(cli, ["escrow", "open", str(package_file), "--private-key",
                                  files["public_key_file"], "--out-dir", str(tmp_path / "x")])
    assert refused.exit_code != 0 and "--private-key: not a" in refused.output
