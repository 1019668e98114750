"""``skms threshold …`` for air-gapped participants: every round message goes through a
file (``--out FILE`` on one home, ``--in FILE`` on the others), never through a network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from nacl.signing import VerifyKey

from commands.cli.main import cli

PASS = "threshold cli passphrase"


def invoke(home: Path, *args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(cli, ["--home", str(home), *args],
                                env={"SKMS_PASSPHRASE": PASS}, catch_exceptions=False)
    assert result.exit_code == code, (args, result.output)
    return result


def as_json(home: Path, *args: str, code: int = 0) -> Any:
    return json.loads(invoke(home, *args, "--json", code=code).stdout)


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    made = {}
    for i in (1, 2, 3):
        home = tmp_path_factory.mktemp(f"seat{i}") / "home"
        invoke(home, "init", "--name", f"seat{i}")
        invoke(home, "actor", "add", "km", "--role", "key-manager")
        invoke(home, "actor", "add", "signer", "--role", "signer")
        made[i] = home
    return made


def test_dkg_and_signing_through_files(homes: dict[int, Path], tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    started = as_json(homes[1], "--as", "km", "threshold", "dkg", "start", "--suite",
                      "frost-ed25519", "--threshold", "2", "--participants", "3",
                      "--identifier", "1", "--out", str(usb / "r1-1.json"))
    group_id = started["group_id"]
    assert started["out"] == str(usb / "r1-1.json") and "message" not in started
    for i in (2, 3):
        text = invoke(homes[i], "--as", "km", "threshold", "dkg", "start", "--suite",
                      "frost-ed25519", "--threshold", "2", "--participants", "3",
                      "--identifier", str(i), "--group-id", group_id,
                      "--out", str(usb / f"r1-{i}.json")).stdout
        assert f"group {group_id}, participant {i}" in text and "written to" in text
    for i in (1, 2, 3):
        others = [a for j in (1, 2, 3) if j != i
                  for a in ("--in", str(usb / f"r1-{j}.json"))]
        invoke(homes[i], "--as", "km", "threshold", "dkg", "round", group_id, *others,
               "--out", str(usb / f"r2-{i}.json"))
    everything = [a for j in (1, 2, 3) for a in ("--in", str(usb / f"r2-{j}.json"))]
    finished = {i: as_json(homes[i], "--as", "km", "threshold", "dkg", "finish", group_id,
                           *everything) for i in (1, 2, 3)}
    assert len({f["group_public_key"] for f in finished.values()}) == 1
    text = invoke(homes[2], "--as", "km", "threshold", "key", "show", group_id).stdout
    assert "stage:" in text and "active" in text

    message = tmp_path / "invoice.txt"
    message.write_bytes(b"invoice 42: pay 10")
    for i in (1, 3):
        invoke(homes[i], "--as", "signer", "threshold", "sign", "commit", group_id,
               "--session-id", "s1", "--out", str(usb / f"c-{i}.json"))
    commitments = [a for j in (1, 3) for a in ("--commitment", str(usb / f"c-{j}.json"))]
    for i in (1, 3):
        invoke(homes[i], "--as", "signer", "threshold", "sign", "share", group_id,
               "--session-id", "s1", *commitments, "--input", str(message),
               "--out", str(usb / f"s-{i}.json"))
    shares = [a for j in (1, 3) for a in ("--share", str(usb / f"s-{j}.json"))]
    signature = invoke(homes[3], "--as", "signer", "threshold", "sign", "aggregate", group_id,
                       "--session-id", "s1", *commitments, *shares, "--input", str(message),
                       "--print", "signature").stdout.strip()
    VerifyKey(bytes.fromhex(finished[1]["group_public_key"])).verify(
        message.read_bytes(), bytes.fromhex(signature))
    refused = as_json(homes[1], "--as", "signer", "threshold", "sign", "share", group_id,
                      "--session-id", "s1", *commitments, "--input", str(message), code=2)
    assert "nonce reuse" in refused["message"] and refused["recorded_seq"] is not None
    exists = invoke(homes[1], "--as", "signer", "threshold", "sign", "commit", group_id,
                    "--session-id", "s2", "--out", str(usb / "c-1.json"), code=2)
    assert "already exists" in exists.output
    shown = as_json(homes[1], "--as", "signer", "threshold", "key", "show", group_id)
    assert shown["sessions"] == 1  # refused before it ran: no session s2 was committed


def test_a_trusted_dealer_splits_a_key_through_files(homes: dict[int, Path],
                                                     tmp_path: Path) -> None:
    """The dealer's home splits its Ed25519 key; the seats accept through a file and sign
    under the key's own public key."""
    usb = tmp_path / "usb"
    usb.mkdir()
    dealer = tmp_path / "dealer" / "home"
    invoke(dealer, "init", "--name", "dealer")
    invoke(dealer, "actor", "add", "km", "--role", "key-manager")
    key = as_json(dealer, "--as", "km", "key", "create", "--algorithm", "ed25519",
                  "--exportable")
    started = as_json(homes[1], "--as", "km", "threshold", "dkg", "start", "--suite",
                      "frost-ed25519", "--threshold", "2", "--participants", "3",
                      "--identifier", "1", "--out", str(usb / "r1-1.json"))
    group_id = started["group_id"]
    for i in (2, 3):
        invoke(homes[i], "--as", "km", "threshold", "dkg", "start", "--suite",
               "frost-ed25519", "--threshold", "2", "--participants", "3", "--identifier",
               str(i), "--group-id", group_id, "--out", str(usb / f"r1-{i}.json"))
    seats = [a for j in (1, 2, 3) for a in ("--in", str(usb / f"r1-{j}.json"))]
    text = invoke(dealer, "--as", "km", "threshold", "deal", "split", "--suite",
                  "frost-ed25519", "--threshold", "2", "--participants", "3", "--group-id",
                  group_id, *seats, "--key-id", key["key_id"],
                  "--out", str(usb / "deal.json")).stdout
    assert f"group {group_id}, participant 0" in text and "written to" in text
    accepted = {i: as_json(homes[i], "--as", "km", "threshold", "deal", "accept", group_id,
                           "--in", str(usb / "deal.json")) for i in (1, 2, 3)}
    public_key = {a["group_public_key"] for a in accepted.values()}
    assert len(public_key) == 1
    shown = invoke(homes[2], "--as", "km", "threshold", "deal", "accept", group_id, "--in",
                   str(usb / "deal.json"), code=2).output
    assert "active" in shown  # a second acceptance is refused: the seat is active
    message = tmp_path / "note.txt"
    message.write_bytes(b"signed by the split key")
    for i in (2, 3):
        invoke(homes[i], "--as", "signer", "threshold", "sign", "commit", group_id,
               "--session-id", "d1", "--out", str(usb / f"dc-{i}.json"))
    commitments = [a for j in (2, 3) for a in ("--commitment", str(usb / f"dc-{j}.json"))]
    for i in (2, 3):
        invoke(homes[i], "--as", "signer", "threshold", "sign", "share", group_id,
               "--session-id", "d1", *commitments, "--input", str(message),
               "--out", str(usb / f"ds-{i}.json"))
    shares = [a for j in (2, 3) for a in ("--share", str(usb / f"ds-{j}.json"))]
    signature = invoke(homes[2], "--as", "signer", "threshold", "sign", "aggregate", group_id,
                       "--session-id", "d1", *commitments, *shares, "--input", str(message),
                       "--print", "signature").stdout.strip()
    key_public = as_json(dealer, "key", "show", key["key_id"])["public_key"]
    assert key_public == public_key.pop()
    VerifyKey(bytes.fromhex(key_public)).verify(message.read_bytes(), bytes.fromhex(signature))
