"""``skms threshold musig aggregate`` and a MuSig2 P2TR key-path PSBT signed through files:
three homes (three ledgers, three KEKs), each with its own secp256k1 key, exchange only the
files the commands write; BDK's finalizer accepts the result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import coincurve
import pytest
from click.testing import CliRunner, Result

from commands.cli.main import cli
from ledger.chains.bitcoin.encoding import TxOut
from tests.chains.helpers import Spend, bdk_finalize, create_psbt
from tests.chains.inputs import BTC_RECIPIENT

PASS = "musig cli passphrase"


def invoke(home: Path, *args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(cli, ["--home", str(home), *args],
                                env={"SKMS_PASSPHRASE": PASS}, catch_exceptions=False)
    assert result.exit_code == code, (args, result.output)
    return result


def as_json(home: Path, *args: str, code: int = 0) -> Any:
    return json.loads(invoke(home, *args, "--json", code=code).stdout)


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, str, str]]:
    """Each home with its key id and compressed public key (hex)."""
    made = {}
    for i in (1, 2, 3):
        home = tmp_path_factory.mktemp(f"musig{i}") / "home"
        invoke(home, "init", "--name", f"musig{i}")
        invoke(home, "actor", "add", "km", "--role", "key-manager")
        invoke(home, "actor", "add", "signer", "--role", "signer")
        created = as_json(home, "--as", "km", "key", "create", "--algorithm",
                          "ecdsa-secp256k1")
        shown = as_json(home, "key", "show", created["key_id"])
        public = coincurve.PublicKey(bytes.fromhex(shown["public_key"]))
        made[i] = (home, created["key_id"], public.format().hex())
    return made


def test_musig2_psbt_through_files(homes: dict[int, tuple[Path, str, str]],
                                   tmp_path: Path) -> None:
    keys = [a for _, _, public in homes.values() for a in ("--public-key", public)]
    made = {i: as_json(home, "--as", "km", "threshold", "musig", "aggregate", "--key-id",
                       key_id, *keys) for i, (home, key_id, _) in homes.items()}
    assert len({m["group_id"] for m in made.values()}) == 1
    group_id = made[1]["group_id"]
    text = invoke(homes[2][0], "threshold", "key", "show", group_id).stdout
    assert "musig2-secp256k1" in text and "active" in text
    internal = bytes.fromhex(made[1]["public_key_package"]["internal_key"])
    psbt = tmp_path / "spend.psbt"
    psbt.write_text(create_psbt([Spend("p2tr", [internal], 90_000)],
                                [TxOut(80_000, BTC_RECIPIENT)]).to_base64())
    usb = tmp_path / "usb"
    usb.mkdir()
    for i, (home, _, _) in homes.items():
        invoke(home, "--as", "signer", "threshold", "sign", "commit", group_id,
               "--session-id", "spend-1", "--out", str(usb / f"n-{i}.json"))
    nonces = [a for i in homes for a in ("--commitment", str(usb / f"n-{i}.json"))]
    for i, (home, _, _) in homes.items():
        invoke(home, "--as", "signer", "threshold", "sign", "share", group_id,
               "--session-id", "spend-1", *nonces, "--input", str(psbt),
               "--message-kind", "psbt", "--out", str(usb / f"p-{i}.json"))
    partials = [a for i in homes for a in ("--share", str(usb / f"p-{i}.json"))]
    signed = invoke(homes[1][0], "--as", "signer", "threshold", "sign", "aggregate", group_id,
                    "--session-id", "spend-1", *nonces, *partials, "--input", str(psbt),
                    "--message-kind", "psbt", "--print", "psbt").stdout.strip()
    finalized, _, errors = bdk_finalize(signed)
    assert finalized, errors
    again = as_json(homes[2][0], "--as", "signer", "threshold", "sign", "share", group_id,
                    "--session-id", "spend-1", *nonces, "--input", str(psbt),
                    "--message-kind", "psbt", code=2)
    assert "nonce reuse" in again["message"] and again["recorded_seq"] is not None
