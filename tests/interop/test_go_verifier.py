"""SKMS checkpoints and proofs checked by an independent verifier in Go.

``tools/verify-go`` uses golang.org/x/mod/sumdb/note (the Go checksum database's signed
notes) and github.com/transparency-dev/merkle (RFC 6962 proofs); it shares no code with
SKMS. It must accept what SKMS signs and proves, and refuse every tampered copy.

The test never touches the network: it builds with ``GOPROXY=off`` and
``-mod=readonly`` from the Go module cache, which ``make go-deps`` fills from the Go module
proxy alone (the hashes are pinned by the committed ``go.sum``), and ``GOTOOLCHAIN=local``
(no toolchain download). Skipped without ``go`` or without the modules in the cache,
except under ``CI=true``, where either fails the run instead of hiding the check.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ledger.crypto.schemes import get_scheme
from ledger.merkle.checkpoint import (
    Checkpoint,
    chain_verifier_key,
    sign_checkpoint,
    verifier_key_string,
)
from ledger.proofs import build_consistency, build_inclusion
from tests.sample_ledger import KEY_CHAIN, SampleLedger, build_sample

SOURCE = Path(__file__).resolve().parents[2] / "tools" / "verify-go"
OFFLINE = {"GOPROXY": "off", "GOFLAGS": "-mod=readonly -buildvcs=false",
           "GOTOOLCHAIN": "local"}
"""How the build runs here: from the module cache only, never the network."""


def unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: the independent verifier must run in CI")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def verifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None:
        unavailable("go is not installed")
    assert go is not None
    binary = tmp_path_factory.mktemp("verify-go") / "verify-go"
    built = subprocess.run([go, "build", "-o", str(binary), "."], cwd=SOURCE,
                           env={**os.environ, **OFFLINE}, capture_output=True, text=True,
                           timeout=600, check=False)
    if built.returncode != 0 and "GOPROXY=off" in built.stderr:
        unavailable("the Go modules are not in the module cache (run 'make go-deps')")
    assert built.returncode == 0, built.stderr
    return binary


@pytest.fixture(scope="module")
def sample() -> SampleLedger:
    return build_sample()


def go_check(verifier: Path, tmp_path: Path, kind: str, key: str, content: str,
             *extra: str) -> tuple[int, str]:
    path = tmp_path / f"{kind}.input"
    path.write_text(content)
    done = subprocess.run([str(verifier), kind, key, str(path), *extra], capture_output=True,
                          text=True, timeout=60, check=False)
    return done.returncode, done.stdout if done.returncode == 0 else done.stderr


def key_of(sample: SampleLedger, chain: str = KEY_CHAIN) -> str:
    return chain_verifier_key(sample.origin, chain, sample.ledger_public_key)


@pytest.mark.parametrize("chain", ["system", KEY_CHAIN])
def test_every_checkpoint_opens_in_go(verifier: Path, sample: SampleLedger, tmp_path: Path,
                                      chain: str) -> None:
    for stored in sample.checkpoints[chain]:
        code, out = go_check(verifier, tmp_path, "checkpoint", key_of(sample, chain),
                             stored.note)
        assert code == 0, out
        opened = json.loads(out)
        assert opened["origin"] == f"{sample.origin}/{chain}"
        assert opened["size"] == stored.size


def test_tampered_or_foreign_checkpoints_are_refused(verifier: Path, sample: SampleLedger,
                                                    tmp_path: Path) -> None:
    note = sample.checkpoints[KEY_CHAIN][-1].note
    size_line = note.split("\n")[1]
    tampered = note.replace(f"\n{size_line}\n", f"\n{int(size_line) + 1}\n", 1)
    assert go_check(verifier, tmp_path, "checkpoint", key_of(sample), tampered)[0] == 1
    other_chain = key_of(sample, "system")
    assert go_check(verifier, tmp_path, "checkpoint", other_chain, note)[0] == 1
    legacy = verifier_key_string(sample.origin, sample.ledger_public_key)
    code, reason = go_check(verifier, tmp_path, "checkpoint", legacy, note)
    assert code == 1 and "is not the key name" in reason  # C2SP: the key is named by origin


def test_a_note_signed_only_under_the_ledger_name_is_not_c2sp(verifier: Path,
                                                             tmp_path: Path) -> None:
    """What SKMS wrote before checkpoints were signed under their origin too: the Go note
    library opens it with the ledger-named key, but the key name is not the origin line."""
    seed = bytes(range(32))
    public = get_scheme("ed25519").public_key(bytearray(seed))
    old_style = sign_checkpoint(Checkpoint("skms.ledger/x/default", 3, bytes(32)),
                                "skms.ledger/x", bytearray(seed))
    code, reason = go_check(verifier, tmp_path, "checkpoint",
                            verifier_key_string("skms.ledger/x", public), old_style)
    assert code == 1 and "is not the key name" in reason
    code, _ = go_check(verifier, tmp_path, "checkpoint",
                       verifier_key_string("skms.ledger/x/default", public), old_style)
    assert code == 1  # no signature under the origin name


def test_inclusion_and_consistency_proofs_verify_in_go(verifier: Path, sample: SampleLedger,
                                                      tmp_path: Path) -> None:
    store = sample.memory_store()
    checkpoints = sample.checkpoints[KEY_CHAIN]
    latest = checkpoints[-1].size
    for seq in (0, 1, latest // 2, latest - 1):
        document = build_inclusion(store, KEY_CHAIN, seq, latest)
        code, out = go_check(verifier, tmp_path, "proof", key_of(sample), json.dumps(document))
        assert code == 0, out
        assert json.loads(out)["leaf_index"] == seq
    for old in checkpoints[:-1]:
        document = build_consistency(store, KEY_CHAIN, old.size, latest)
        code, out = go_check(verifier, tmp_path, "proof", key_of(sample), json.dumps(document))
        assert code == 0, out
        trusted = tmp_path / "trusted.note"
        trusted.write_text(old.note)
        code, out = go_check(verifier, tmp_path, "proof", key_of(sample), json.dumps(document),
                             str(trusted))
        assert code == 0 and json.loads(out)["trusted_size"] == old.size, out


def flip_b64(value: str) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[0] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def test_tampered_proofs_are_refused_in_go(verifier: Path, sample: SampleLedger,
                                          tmp_path: Path) -> None:
    store = sample.memory_store()
    latest = sample.checkpoints[KEY_CHAIN][-1].size
    inclusion = build_inclusion(store, KEY_CHAIN, 3, latest)
    old = sample.checkpoints[KEY_CHAIN][0]
    consistency = build_consistency(store, KEY_CHAIN, old.size, latest)
    tampered = [
        {**inclusion, "path": [flip_b64(inclusion["path"][0]), *inclusion["path"][1:]]},
        {**inclusion, "leaf_index": 4},
        {**inclusion, "event_hash": flip_b64(inclusion["event_hash"])},
        {**inclusion, "root": flip_b64(inclusion["root"])},
        {**inclusion, "chain": "system"},
        {**inclusion, "checkpoint": None},
        {**inclusion, "path": inclusion["path"][:-1]},
        {**consistency, "old_root": flip_b64(consistency["old_root"])},
        {**consistency, "old_size": old.size + 1},
        {**consistency, "path": [flip_b64(consistency["path"][0]), *consistency["path"][1:]]},
    ]
    for number, document in enumerate(tampered):
        code, reason = go_check(verifier, tmp_path, "proof", key_of(sample),
                                json.dumps(document))
        assert code == 1, (number, reason)
    other = tmp_path / "other.note"
    other.write_text(sample.checkpoints[KEY_CHAIN][1].note)
    code, reason = go_check(verifier, tmp_path, "proof", key_of(sample),
                            json.dumps(consistency), str(other))
    assert code == 1 and "not anchored at the trusted checkpoint" in reason
