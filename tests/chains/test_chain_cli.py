"""Chain signing and its report through the ``skms`` CLI (click's runner, in-process):

* ``skms chain btc sign-psbt KEY --psbt FILE --out FILE --json`` writes the signed PSBT,
  the same one ``--json`` returns, and BDK (independent of our finalizer) finalizes it;
* the ``chain-activity`` report over EVM, PSBT and Solana signatures made through the
  ledger on three UTC days: its rows exactly (signatures and summed values per day, family,
  network, key or wallet and kind), from ``skms report`` and from the projection itself.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import commands.session as session_module
from commands.cli.main import cli
from commands.session import Session
from projections.query import open_sandbox
from projections.reports import run_report
from projections.runner import ProjectionRunner
from tests.chains import inputs
from tests.chains.helpers import bdk_finalize
from tests.chains.test_chain_commands import chain_events, public_key
from tests.commands.conftest import create
from tests.ledger.conftest import PASSPHRASE, new_session
from tests.threat.conftest import DAY, HOUR, Clock, next_midnight


def skms(home: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--home", str(home), *args],
                              env={"SKMS_PASSPHRASE": PASSPHRASE}, catch_exceptions=False)


def ok(home: Path, *args: str) -> str:
    result = skms(home, *args)
    assert result.exit_code == 0, result.output
    return str(result.stdout)


# --- sign-psbt --out -------------------------------------------------------------------------

def test_sign_psbt_out_writes_what_json_returns_and_bdk_finalizes_it(session: Session,
                                                                      tmp_path: Path) -> None:
    key_id = create(session, "ecdsa-secp256k1", label="btc-hot")
    unsigned = tmp_path / "unsigned.psbt"
    unsigned.write_bytes(inputs.single_key_psbt(public_key(session, key_id)).serialize())
    home = session.home.path
    session.close()

    signed_file = tmp_path / "signed.b64"
    answer = json.loads(ok(home, "--as", "bob", "--json", "chain", "btc", "sign-psbt", key_id,
                           "--psbt", str(unsigned), "--out", str(signed_file),
                           "--network", "testnet"))
    written = signed_file.read_text(encoding="ascii")
    assert written == answer["psbt"] + "\n"  # the file holds exactly the answer's PSBT
    assert answer["out"] == str(signed_file)
    assert [(s["index"], s["script_type"]) for s in answer["signed_inputs"]] == [
        (0, "p2wpkh"), (1, "p2tr")]
    assert (answer["key_id"], answer["value"], answer["fee"]) == (key_id, "60000", "10000")
    assert signed_file.stat().st_mode & 0o777 == 0o600
    finalized, bdk_tx, errors = bdk_finalize(written.strip())
    assert finalized, errors
    final = json.loads(ok(home, "--json", "chain", "btc", "finalize", "--psbt",
                          str(signed_file)))
    assert final["tx"] == bdk_tx and final["txid"] == answer["txid"]

    # text: a summary, the PSBT in the file only
    text_file = tmp_path / "again.b64"
    text = ok(home, "--as", "bob", "chain", "btc", "sign-psbt", key_id, "--psbt", str(unsigned),
              "--out", str(text_file), "--network", "testnet")
    assert text.startswith(f"signed inputs 0, 1; PSBT written to {text_file} (")
    assert answer["psbt"] not in text and bdk_finalize(text_file.read_text().strip())[0]

    # an existing --out is refused before anything is signed
    refused = skms(home, "--as", "bob", "chain", "btc", "sign-psbt", key_id, "--psbt",
                   str(unsigned), "--out", str(signed_file), "--network", "testnet")
    assert refused.exit_code != 0 and "already exists" in refused.output
    assert signed_file.read_text(encoding="ascii") == written
    again = new_session(home)
    try:
        assert len(chain_events(again)) == 2
    finally:
        again.close()


# --- the chain-activity report ------------------------------------------------------------

@dataclass
class Activity:
    home: Path
    keys: dict[str, str]
    wallet_id: str
    days: list[str]  # ISO dates of the three days signed on


@pytest.fixture
def activity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Activity]:
    """Signatures on three UTC days, by bob and dave, with an EVM, a Bitcoin and a Solana key
    and a wallet; the ledger's clock and the session's command times move together."""
    start = next_midnight()  # the day after tomorrow, 00:00 UTC
    clock = Clock(session_module.now_micros())
    monkeypatch.setattr(session_module, "now_micros", clock)
    current = new_session(tmp_path / "home")
    current.initialize(name="chain-activity", checkpoint_every_events=1000)
    current.ledger().clock = clock
    clock.now = start - DAY  # setting up happens the day before
    for name, roles in (("alice", ["key-manager"]), ("bob", ["signer"]), ("dave", ["signer"])):
        current.add_actor("admin", name, roles, ["*"])
    keys = {"evm": create(current, "ecdsa-secp256k1", label="evm-hot"),
            "btc": create(current, "ecdsa-secp256k1", label="btc-hot"),
            "sol": create(current, "ed25519", label="sol-hot")}
    wallet_id = current.create_wallet("alice", word_count=12).result["wallet_id"]
    btc, sol = public_key(current, keys["btc"]), public_key(current, keys["sol"])

    def at(day: int, hour: int) -> None:
        clock.now = start + day * DAY + hour * HOUR

    def evm(actor: str, tx: dict[str, Any]) -> None:
        current.run(actor, "SignEvmTransaction", key_id=keys["evm"], tx=inputs.as_json(tx))

    def psbt(actor: str, pay: int) -> None:
        current.run(actor, "SignPsbt", key_id=keys["btc"], network="testnet",
                    psbt=inputs.single_key_psbt(btc, ("p2wpkh",), pay=pay).serialize())

    def solana(actor: str, lamports: int, *, v0: bool = False) -> None:
        current.run(actor, "SignSolanaTransaction", key_id=keys["sol"], cluster="devnet",
                    tx=inputs.solana_transfer(sol, lamports, v0=v0))

    at(0, 9)
    evm("bob", inputs.eip1559(value=10**17))
    at(0, 10)
    evm("bob", inputs.eip1559(value=2 * 10**17))
    evm("bob", inputs.legacy(value=10**18))  # Ethereum mainnet
    current.run("bob", "SignEvmMessage", key_id=keys["evm"], message=b"gm")
    psbt("bob", 60_000)
    solana("bob", 5_000)
    at(0, 23)
    solana("dave", 7_500, v0=True)
    at(1, 0)  # the next UTC day from midnight on
    evm("dave", inputs.eip1559(value=5 * 10**18))
    evm("bob", inputs.eip1559(value=3))
    psbt("dave", 40_000)
    psbt("dave", 25_000)
    current.run("bob", "WalletSignEvmTransaction", wallet_id=wallet_id, index=1,
                tx=inputs.as_json(inputs.eip1559(value=7 * 10**16)))
    at(2, 12)
    solana("bob", 1_000)
    current.run("bob", "SignSolanaMessage", key_id=keys["sol"], message=b"I own this")
    days = [(dt.datetime.fromtimestamp(start / 1e6, dt.UTC) + dt.timedelta(days=n)).date()
            .isoformat() for n in range(3)]
    home = current.home.path
    current.close()
    yield Activity(home, keys, wallet_id, days)


def expected_rows(a: Activity) -> list[dict[str, Any]]:
    evm, btc, sol = a.keys["evm"], a.keys["btc"], a.keys["sol"]
    day0, day1, day2 = a.days

    def row(day: str, family: str, network: str, key_id: str | None, label: str | None,
            kind: str, asset: str | None, signatures: int, value: int, actors: int,
            wallet_id: str | None = None) -> dict[str, Any]:
        return {"day": day, "family": family, "network": network, "key_id": key_id,
                "key_label": label, "wallet_id": wallet_id, "kind": kind, "asset": asset,
                "signatures": signatures, "value": value, "actors": actors}

    return [
        row(day0, "bitcoin", "testnet", btc, "btc-hot", "psbt", "BTC", 1, 60_000, 1),
        row(day0, "evm", "any", evm, "evm-hot", "personal_message", None, 1, 0, 1),
        row(day0, "evm", "ethereum", evm, "evm-hot", "transaction", "ETH", 1, 10**18, 1),
        row(day0, "evm", "sepolia", evm, "evm-hot", "transaction", "ETH", 2, 3 * 10**17, 1),
        row(day0, "solana", "devnet", sol, "sol-hot", "transaction", "SOL", 2, 12_500, 2),
        row(day1, "bitcoin", "testnet", btc, "btc-hot", "psbt", "BTC", 2, 65_000, 1),
        row(day1, "evm", "sepolia", evm, "evm-hot", "transaction", "ETH", 2, 5 * 10**18 + 3, 2),
        row(day1, "evm", "sepolia", None, None, "transaction", "ETH", 1, 7 * 10**16, 1,
            wallet_id=a.wallet_id),
        row(day2, "solana", "any", sol, "sol-hot", "offchain_message", None, 1, 0, 1),
        row(day2, "solana", "devnet", sol, "sol-hot", "transaction", "SOL", 1, 1_000, 1),
    ]


def test_chain_activity_report_from_the_cli(activity: Activity) -> None:
    rows = json.loads(ok(activity.home, "report", "chain-activity", "--format", "json"))
    for found in rows:
        found["value"] = int(found["value"])  # HUGEINT: wei sums exceed 2^63
    assert rows == expected_rows(activity)
    since = json.loads(ok(activity.home, "report", "chain-activity", "--since",
                          activity.days[2], "--format", "json"))
    assert [(r["day"], r["kind"], r["signatures"]) for r in since] == [
        (activity.days[2], "offchain_message", 1), (activity.days[2], "transaction", 1)]
    api = json.loads(ok(activity.home, "--json", "report", "chain-activity"))
    assert api["name"] == "chain-activity" and len(api["rows"]) == len(rows)


def test_chain_activity_report_from_the_projection(activity: Activity, tmp_path: Path) -> None:
    store_session = new_session(activity.home)
    try:
        store, _ = store_session.store()
        database = tmp_path / "p.duckdb"
        with ProjectionRunner(store, database) as runner:
            runner.update()
    finally:
        store_session.close()
    con = open_sandbox(database)
    try:
        result = run_report(con, "chain-activity")
        rows = [dict(zip(result.columns, r, strict=True)) for r in result.rows]
        projected = con.execute("SELECT count(*) FROM chain_signatures").fetchall()
    finally:
        con.close()
    for found in rows:
        found["day"], found["value"] = found["day"].isoformat(), int(found["value"])
    assert rows == expected_rows(activity)
    assert projected == [(14,)] == [(sum(r["signatures"] for r in rows),)]  # one row each
