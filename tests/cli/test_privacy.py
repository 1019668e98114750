"""The privacy commands' CLI contract (`skms zk ...`), through click's runner: a blind
signature from blinding to a plain RSA-PSS verification by cryptography, a Paillier sum from
files, a possession proof the CLI makes from the actor's own key, and an anonymous approval
signed by a member (`zk ring-sign`, local) and relayed by another actor."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from commands.cli.main import cli

PASS = "privacy cli passphrase"
VARIANT = "RSABSSA-SHA384-PSS-Randomized"


def invoke(home: Path, args: tuple[str, ...], code: int) -> Any:
    result = CliRunner().invoke(cli, ["--home", str(home), *args],
                                env={"SKMS_PASSPHRASE": PASS}, catch_exceptions=False)
    assert result.exit_code == code, (args, result.output)
    return result


def run(home: Path, *args: str, code: int = 0) -> str:
    return str(invoke(home, args, code).stdout)


def run_json(home: Path, *args: str, code: int = 0) -> Any:
    return json.loads(invoke(home, (*args, "--json"), code).stdout)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("privacy-cli") / "home"
    run(folder, "init", "--name", "cli", "--checkpoint-every", "8")
    for name, role in (("km", "key-manager"), ("app", "signer"), ("aud", "auditor"),
                       ("ann", "approver"), ("ben", "approver")):
        run(folder, "actor", "add", name, "--role", role)
    return folder


def create(home: Path, algorithm: str) -> str:
    return str(run_json(home, "--as", "km", "key", "create", "--algorithm", algorithm)["key_id"])


def public_hex(home: Path, key_id: str) -> str:
    return run(home, "key", "public", key_id, "--format", "hex", "--print",
               "public_key").strip()


def test_blind_signature_from_the_command_line(home: Path, tmp_path: Path) -> None:
    key_id = create(home, "rsabssa-sha384-pss-randomized-3072")
    issuer = public_hex(home, key_id)
    token = tmp_path / "token.txt"
    token.write_bytes(b"one ballot")
    blinded = run_json(home, "zk", "blind", "--public-key", issuer, "--variant", VARIANT,
                       "--input", str(token))
    blinded_file, prepared_file = tmp_path / "blinded.bin", tmp_path / "prepared.bin"
    blinded_file.write_bytes(base64.b64decode(blinded["blinded_message"]))
    prepared_file.write_bytes(base64.b64decode(blinded["prepared_message"]))
    blind = run(home, "--as", "app", "zk", "blind-sign", key_id, "--input",
                str(blinded_file)).strip()
    signature = run(home, "zk", "finalize", "--public-key", issuer, "--variant", VARIANT,
                    "--prepared", str(prepared_file), "--blind-signature", blind,
                    "--inverse", blinded["inverse"]).strip()
    verifier = serialization.load_der_public_key(bytes.fromhex(issuer))
    assert isinstance(verifier, rsa.RSAPublicKey)
    verifier.verify(bytes.fromhex(signature), prepared_file.read_bytes(),
                    padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48),
                    hashes.SHA384())
    verdict = run(home, "zk", "blind-verify", "--public-key", issuer, "--variant", VARIANT,
                  "--prepared", str(prepared_file), "--signature", signature)
    assert verdict.startswith(f"valid {VARIANT} signature")
    prepared_file.write_bytes(prepared_file.read_bytes() + b"!")
    run(home, "zk", "blind-verify", "--public-key", issuer, "--variant", VARIANT,
        "--prepared", str(prepared_file), "--signature", signature, code=1)


def test_paillier_sum_from_files(home: Path, tmp_path: Path) -> None:
    key_id = create(home, "paillier-3072")
    key = public_hex(home, key_id)
    files = []
    for index, value in enumerate(("1204", "87", "-91")):
        encrypted = run_json(home, "zk", "he-encrypt", "--public-key", key, "--value", value)
        path = tmp_path / f"count-{index}.bin"
        path.write_bytes(base64.b64decode(encrypted["ciphertext"]))
        files.append(path)
    total = tmp_path / "total.bin"
    run(home, "--as", "app", "zk", "he-combine", key_id, *[a for f in files for a in
                                                           ("--input", str(f))],
        "--output", str(total))
    assert run(home, "--as", "app", "zk", "he-decrypt", key_id, "--input", str(total),
               "--signed").strip() == str(1204 + 87 - 91)
    run(home, "--as", "km", "zk", "he-decrypt", key_id, "--input", str(total), code=2)


def test_possession_proof_made_by_the_cli(home: Path) -> None:
    app = run(home, "actor", "show", "app", "--print", "actor_id").strip()
    challenge = run_json(home, "--as", "aud", "zk", "pok-challenge", "app", "--purpose",
                         "console login")
    assert challenge["actor_id"] == app and len(challenge["nonce"]) == 64
    proven = run(home, "--as", "app", "zk", "pok-prove", "app", "--challenge-id",
                 challenge["challenge_id"])
    assert proven.startswith(f"actor {app} proved possession of its ed25519 identity key")
    again = run_json(home, "--as", "aud", "zk", "pok-challenge", "app", "--purpose", "x")
    run(home, "--as", "aud", "zk", "pok-prove", "app", "--challenge-id",  # not aud's key
        again["challenge_id"], code=2)


def test_anonymous_approval_signed_by_a_member_and_relayed(home: Path, tmp_path: Path) -> None:
    group = run_json(home, "--as", "km", "zk", "ring-group", "--member", "ann", "--member",
                     "ben", "--member", "app", "--quorum", "2", "--label", "board")
    change = tmp_path / "change.txt"
    change.write_bytes(b"rotate the payments root key")
    signed = run_json(home, "--as", "ann", "zk", "ring-sign", group["group_id"],
                      "--proposal", "CR-7", "--input", str(change))
    counted = run_json(home, "--as", "aud", "zk", "ring-approve", "--group-id",
                       group["group_id"], "--proposal", "CR-7", "--input", str(change),
                       "--signature", signed["signature"])
    assert counted["key_image"] == signed["key_image"] and counted["approvals"] == 1
    run(home, "--as", "ann", "zk", "ring-approve", "--group-id", group["group_id"],
        "--proposal", "CR-7", "--input", str(change), "--signature", signed["signature"],
        code=2)  # a member relaying its own approval is refused
    verdict = run(home, "zk", "ring-verify", *[a for k in group["ring"] for a in
                                               ("--ring-key", k)],
                  "--group-id", group["group_id"], "--proposal", "CR-7", "--input",
                  str(change), "--signature", signed["signature"])
    assert signed["key_image"] in verdict
    shown = run(home, "--as", "aud", "zk", "ring-group-show", group["group_id"])
    assert "CR-7: 1 approval(s)" in shown
    run(home, "--as", "aud", "zk", "ring-sign", group["group_id"], "--proposal", "CR-7",
        "--input", str(change), code=2)  # not a member
    same = run_json(home, "--as", "ben", "zk", "ring-sign", group["group_id"], "--ring",
                    "app", "--ring", "ann", "--ring", "ben", "--proposal", "CR-7", "--input",
                    str(change))  # the group's ring named in another order: accepted
    assert same["ring"] == group["ring"] and same["key_image"] != signed["key_image"]
    run(home, "--as", "ann", "zk", "ring-sign", group["group_id"], "--ring", "ann", "--ring",
        "aud", "--proposal", "CR-7", "--input", str(change), code=2)  # not the group's ring


def test_ad_hoc_ring_signed_by_keys_and_verified(home: Path, tmp_path: Path) -> None:
    """`ring-sign --ring KEYS...`: one of a list of public keys (actors or hex keys), no
    group; ring-verify checks it with the same list, and it counts for no group."""
    note = tmp_path / "note.txt"
    note.write_bytes(b"release 4.2 is approved")
    ben_key = run(home, "actor", "show", "ben", "--print", "public_key").strip()
    signed = run_json(home, "--as", "ann", "zk", "ring-sign", "--ring", "ann", "--ring",
                      ben_key, "--ring", "aud", "--proposal", "R-42", "--input", str(note))
    assert signed["group_id"] is None and len(signed["ring"]) == 3
    assert signed["ring"][1] == ben_key
    ring_options = [a for k in signed["ring"] for a in ("--ring", k)]
    verdict = run(home, "zk", "ring-verify", *ring_options, "--proposal", "R-42", "--input",
                  str(note), "--signature", signed["signature"])
    assert signed["key_image"] in verdict
    again = run_json(home, "--as", "ann", "zk", "ring-sign", *ring_options, "--proposal",
                     "R-42", "--input", str(note))
    assert again["key_image"] == signed["key_image"]  # linkable: same signer, same scope
    run(home, "zk", "ring-verify", *ring_options, "--proposal", "R-43", "--input", str(note),
        "--signature", signed["signature"], code=1)  # another proposal: does not verify
    run(home, "zk", "ring-verify", *ring_options, "--group-id", "g", "--proposal", "R-42",
        "--input", str(note), "--signature", signed["signature"], code=1)  # not a group's
    run(home, "--as", "app", "zk", "ring-sign", "--ring", "ann", "--ring", "ben",
        "--proposal", "R-42", "--input", str(note), code=2)  # app is not in the ring
    run(home, "--as", "ann", "zk", "ring-sign", "--ring", "ann", "--proposal", "R-42",
        "--input", str(note), code=2)  # a ring of one hides nobody
