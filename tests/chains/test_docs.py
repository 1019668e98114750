"""Every example in docs/chains.md runs and shows what the page says it shows.

* The python blocks run in order, in one namespace.
* The bash blocks run in order as one shell session, in a fresh folder with the venv's
  ``skms`` on PATH (as the README tour is run, tests/cli/test_readme.py): each block is a
  ``bash`` script under ``set -euo pipefail`` that starts from the variables the blocks
  before it set (``declare -p`` into a state file). Between blocks the test puts in the
  folder the inputs the page says come from elsewhere (the watch-only wallet's PSBT, the
  dApp's Solana transaction), made for the key the blocks created; then each block's output
  is checked with independent code (eth-account, BDK, solders).
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction

from ledger.crypto import hd
from tests.chains import inputs
from tests.chains.helpers import bdk_finalize
from tests.vectors import REPO_ROOT

DOC = REPO_ROOT / "docs" / "chains.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
SHELL = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)
ASSIGNED = re.compile(r"(?:^|[\s;])([A-Z][A-Z0-9_]*)=")
TEST_MNEMONIC = " ".join(["abandon"] * 11 + ["about"])  # BIP-84's and BIP-86's


def test_python_examples_run(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert len(blocks) == 4
    namespace: dict[str, object] = {}
    for index, code in enumerate(blocks):
        exec(compile(code, f"{DOC}:python-block-{index}", "exec"), namespace)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F 0x")
    assert lines[1].startswith("tb1q") and " tb1p" in lines[1]
    assert lines[2] == "[(0, 'p2wpkh', 'ALL'), (1, 'p2tr', 'DEFAULT')]"
    assert lines[-3:-1] == ["allow", "refuse"]
    assert lines[-1].startswith("needs_approval ('value 1000000000000000000 exceeds")


def test_every_module_is_in_the_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    modules = sorted(p.relative_to(REPO_ROOT / "ledger" / "chains").as_posix()
                     for p in (REPO_ROOT / "ledger" / "chains").rglob("*.py")
                     if p.name != "__init__.py")
    for module in modules:
        name = module.removeprefix("bitcoin/")
        assert f"`{module}`" in text or f"`{name}`" in text, module


# --- the shell examples --------------------------------------------------------------------

@dataclass
class Shell:
    """The page's shell session: its folder, and the variables its blocks have set."""

    folder: Path
    env: dict[str, str]
    names: list[str]

    @property
    def state(self) -> Path:
        return self.folder / "state.sh"

    def run(self, block: str) -> subprocess.CompletedProcess[str]:
        """One block, from the variables of the blocks before it; its own are kept after."""
        self.names += [n for n in ASSIGNED.findall(block) if n not in self.names]
        script = "\n".join(["set -euo pipefail",
                            f"source {self.state}" if self.state.exists() else "",
                            block, f"declare -p {' '.join(self.names)} > {self.state}"])
        return subprocess.run(["bash", "-c", script], cwd=self.folder, env=self.env,
                              capture_output=True, text=True, timeout=300)

    def public_key(self, name: str) -> bytes:
        """The public key of the key whose id the session holds in ``$name``."""
        shown = subprocess.run(["bash", "-c", f'source {self.state}; '
                                f'skms key public "${name}" --format hex'],
                               cwd=self.folder, env=self.env, capture_output=True, text=True,
                               check=True).stdout
        return bytes.fromhex(shown.strip())


def documents(text: str) -> list[Any]:
    """Every JSON document in ``text`` (``--json`` output between other lines), in order."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while (start := text.find("{", at)) != -1:
        document, at = decoder.raw_decode(text, start)
        found.append(document)
    return found


@pytest.fixture
def shell(tmp_path: Path) -> Shell:
    """A fresh folder as HOME and working directory, no SKMS_* setting inherited (the page
    sets its own), the venv's ``skms`` first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKMS_")}
    env.update(PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}", HOME=str(tmp_path))
    return Shell(tmp_path, env, [])


def test_shell_examples_run(shell: Shell) -> None:
    blocks = SHELL.findall(DOC.read_text(encoding="utf-8"))
    assert len(blocks) == 6
    outputs = []
    for block in blocks:
        if "unsigned.psbt" in block:  # the watch-only wallet's PSBT, as the page describes it
            psbt = inputs.single_key_psbt(shell.public_key("KEY"))
            (shell.folder / "unsigned.psbt").write_bytes(psbt.serialize())
        if "transfer.b64" in block:  # the dApp's unsigned transfer of 5,000 lamports
            (shell.folder / "transfer.b64").write_bytes(
                inputs.solana_transfer(shell.public_key("SOL"), 5_000) + b"\n")
        done = shell.run(block)
        assert done.returncode == 0, f"{block}\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        assert "Traceback" not in done.stderr
        outputs.append(done)
    wallet, evm, bitcoin, sol_key, solana, tokens = (o.stdout for o in outputs)

    # The wallet block: the BIP vectors' addresses, eth-account's and solders' accounts.
    lines = wallet.splitlines()
    assert "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g" in lines
    assert "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr" in lines
    Account.enable_unaudited_hdwallet_features()
    assert Account.from_mnemonic(TEST_MNEMONIC,
                                 account_path="m/44'/60'/0'/0/4").address in lines
    seed = bytes(hd.seed_from_mnemonic(hd.parse_mnemonic(TEST_MNEMONIC)))
    assert str(Keypair.from_seed_and_derivation_path(seed, "m/44'/501'/0'/0'").pubkey()) \
        in lines

    # Ethereum: the address printed is the sender eth-account recovers.
    address = evm.splitlines()[0]
    (signed,) = documents(evm)
    assert Account.recover_transaction(signed["raw"]) == signed["from"] == address
    assert (signed["type"], signed["chain_id"], signed["network"], signed["value"]) == (
        2, 11155111, "sepolia", "50000000000000000")

    # Bitcoin: --out holds the answer's PSBT; BDK finalizes it to the finalizer's transaction.
    assert bitcoin.splitlines()[0].startswith("tb1p")
    answer, final = documents(bitcoin)
    written = (shell.folder / "signed.b64").read_text(encoding="ascii")
    assert written == answer["psbt"] + "\n" and answer["out"] == "signed.b64"
    assert [(s["index"], s["script_type"], s["sighash"]) for s in answer["signed_inputs"]] == [
        (0, "p2wpkh", "ALL"), (1, "p2tr", "DEFAULT")]
    assert (answer["value"], answer["fee"]) == ("60000", "10000")
    finalized, bdk_tx, errors = bdk_finalize(answer["psbt"])
    assert finalized, errors
    assert final["tx"] == bdk_tx and final["txid"] == answer["txid"]

    # Solana: the address, a transaction and a message solders verifies, the report.
    sol_address = sol_key.strip()
    assert sol_address == str(Pubkey.from_bytes(shell.public_key("SOL")))
    transaction, message, report = documents(solana)
    signed_tx = VersionedTransaction.from_bytes(base64.b64decode(transaction["transaction"]))
    assert all(signed_tx.verify_with_results()) and transaction["value"] == "5000"
    signed_bytes = base64.b64decode(message["message"])  # the off-chain preamble + the text
    assert signed_bytes.endswith(b"I control this address\n")
    assert Signature.from_string(message["signature"]).verify(
        Pubkey.from_string(sol_address), signed_bytes)
    rows = sorted((r["family"], r["network"], r["kind"], r["signatures"], int(r["value"]))
                  for r in report["rows"])
    assert rows == [("bitcoin", "testnet", "psbt", 1, 60_000),
                    ("evm", "sepolia", "transaction", 1, 5 * 10**16),
                    ("solana", "any", "offchain_message", 1, 0),
                    ("solana", "devnet", "transaction", 1, 5_000)]

    # ERC-20: the listed payee is signed for, a stranger refused naming the token call.
    *_, raw, refused = tokens.splitlines()
    assert Account.recover_transaction(raw) == address
    assert refused == "refused, exit 2"  # CommandRejected's exit code (commands/errors.py)
    assert ("token recipient 0x9999999999999999999999999999999999999999 of transfer on token "
            "0x6B175474E89094C44Da98b954EedeAC495271d0F is not allowed for this key"
            ) in outputs[-1].stderr
