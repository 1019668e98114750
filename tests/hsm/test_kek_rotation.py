"""KEK rotation: passphrase -> HSM, HSM -> new HSM key, crash and resume, refusals.

Each test seals real private keys with the recipe the ledger uses (``seal_private_key``),
keeps the wrapped data keys in a small compare-and-swap key-ring, rotates, and then proves
that every key unseals to the same bytes under the new KEK only, and that the record's digest
is the one recomputed here from the final key-ring.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.crypto.kek import KEKProvider, PassphraseKEK
from ledger.errors import ConcurrencyError, CryptoError, InvalidInput
from ledger.hsm.pkcs11_kek import WRAP_AES_GCM, WRAP_AES_KWP, Pkcs11KEK
from ledger.recipes.kek_rotation import (
    STATE_COMPLETE,
    STATE_RUNNING,
    FileProgressStore,
    RewrapProgress,
    WrappedDataKey,
    rewrap_data_keys,
)
from ledger.recipes.sealing import seal_private_key, unseal_private_key
from tests.hsm.conftest import SoftToken

PASSPHRASE = b"correct horse battery staple"


class CasKeyRing:
    """Wrapped data keys in a dict, with the compare-and-swap a rotation needs."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.aads: dict[str, bytes] = {}
        self.replaced = 0
        self._lock = threading.Lock()

    def replace(self, ref: str, expected: bytes, new: bytes) -> bool:
        with self._lock:
            if self.blobs.get(ref) != expected:
                return False
            self.blobs[ref] = new
            self.replaced += 1
            return True

    def entries(self) -> list[WrappedDataKey]:
        return [WrappedDataKey(ref, self.blobs[ref], self.aads[ref]) for ref in sorted(self.blobs)]


class Crash(Exception):
    """Stands for the process dying mid-rotation."""


class CrashingKeyRing(CasKeyRing):
    def __init__(self, base: CasKeyRing, crash_after: int) -> None:
        super().__init__()
        self.blobs, self.aads = base.blobs, base.aads
        self._crash_after = crash_after

    def replace(self, ref: str, expected: bytes, new: bytes) -> bool:
        if self.replaced >= self._crash_after:
            raise Crash(ref)
        return super().replace(ref, expected, new)


def _seal_keys(kek: KEKProvider, count: int) -> tuple[CasKeyRing, dict[str, bytes]]:
    ring = CasKeyRing()
    secrets: dict[str, bytes] = {}
    for index in range(count):
        ref = f"key-{index:04d}:v1"
        secret = os.urandom(32)
        sealed = seal_private_key(bytearray(secret), kek, aad=ref.encode())
        ring.blobs[ref] = sealed.wrapped_data_key
        ring.aads[ref] = ref.encode()
        secrets[ref] = secret + sealed.sealed_material  # keep the material to unseal later
    return ring, secrets


def _assert_all_under(ring: CasKeyRing, secrets: dict[str, bytes], new: KEKProvider,
                      old: KEKProvider) -> None:
    for ref, kept in secrets.items():
        secret, material = kept[:32], kept[32:]
        assert unseal_private_key(material, ring.blobs[ref], new, aad=ring.aads[ref]) == secret
        with pytest.raises(CryptoError):
            unseal_private_key(material, ring.blobs[ref], old, aad=ring.aads[ref])


def _expected_digest(progress: RewrapProgress, ring: CasKeyRing) -> bytes:
    """The documented digest, recomputed from the key-ring alone."""
    digest = hashlib.sha256(b"skms/kek-rewrap/v1\x00" + progress.rotation_id.encode()).digest()
    for ref in sorted(ring.blobs):
        encoded = ref.encode()
        digest = hashlib.sha256(digest + len(encoded).to_bytes(4, "big") + encoded
                                + hashlib.sha256(ring.blobs[ref]).digest()).digest()
    return digest


@pytest.fixture(scope="module")
def passphrase_kek() -> Iterator[PassphraseKEK]:
    kek, _params = PassphraseKEK.create(PASSPHRASE)
    with kek:
        yield kek


def _hsm_kek(token: SoftToken, label: str, method: str = WRAP_AES_KWP) -> Pkcs11KEK:
    kek, _params = Pkcs11KEK.create(token.module, token.label, token.pin(), key_label=label,
                                    method=method)
    return kek


@pytest.mark.parametrize("method", [WRAP_AES_KWP, WRAP_AES_GCM])
def test_passphrase_to_hsm(token: SoftToken, passphrase_kek: PassphraseKEK, tmp_path: Path,
                           method: str) -> None:
    ring, secrets = _seal_keys(passphrase_kek, 20)
    seen: list[RewrapProgress] = []
    with _hsm_kek(token, "kek-hsm", method) as hsm:
        done = rewrap_data_keys(passphrase_kek, hsm, ring.entries(), ring,
                                FileProgressStore(tmp_path / "rewrap.json"),
                                checkpoint_every=8, clock=lambda: 1_000, on_checkpoint=seen.append)
        assert done.state == STATE_COMPLETE
        assert (done.rewrapped, done.already_new, done.skipped) == (20, 0, 0)
        assert (done.old_kek_id, done.new_kek_id) == (passphrase_kek.kek_id, hsm.kek_id)
        assert done.last_ref == "key-0019:v1" and done.started_at == 1_000
        assert [p.moved for p in seen] == [0, 8, 16, 20]
        assert done.digest == _expected_digest(done, ring)
        _assert_all_under(ring, secrets, hsm, passphrase_kek)
    saved = json.loads((tmp_path / "rewrap.json").read_text())
    assert RewrapProgress.from_dict(saved) == done


def test_hsm_to_new_hsm_key_and_back_to_a_passphrase(token: SoftToken, tmp_path: Path) -> None:
    store = FileProgressStore(tmp_path / "rewrap.json")
    with _hsm_kek(token, "kek-2024") as first, _hsm_kek(token, "kek-2025", WRAP_AES_GCM) as second:
        ring, secrets = _seal_keys(first, 12)
        done = rewrap_data_keys(first, second, ring.entries(), ring, store)
        assert done.rewrapped == 12
        _assert_all_under(ring, secrets, second, first)
        successor, _ = PassphraseKEK.create(b"a new passphrase")
        with successor:
            again = rewrap_data_keys(second, successor, ring.entries(), ring, store)
            assert again.rotation_id != done.rotation_id and again.rewrapped == 12
            _assert_all_under(ring, secrets, successor, second)


def test_passphrase_to_new_passphrase(passphrase_kek: PassphraseKEK, tmp_path: Path) -> None:
    ring, secrets = _seal_keys(passphrase_kek, 5)
    new, _ = PassphraseKEK.create(b"another passphrase", "pbkdf2-hmac-sha256")
    with new:
        done = rewrap_data_keys(passphrase_kek, new, ring.entries(), ring,
                                FileProgressStore(tmp_path / "p.json"))
        assert done.rewrapped == 5
        _assert_all_under(ring, secrets, new, passphrase_kek)


def test_crash_and_resume(token: SoftToken, passphrase_kek: PassphraseKEK,
                          tmp_path: Path) -> None:
    ring, secrets = _seal_keys(passphrase_kek, 23)
    path = tmp_path / "rewrap.json"
    with _hsm_kek(token, "kek-hsm") as hsm:
        crashing = CrashingKeyRing(ring, crash_after=11)
        with pytest.raises(Crash):
            rewrap_data_keys(passphrase_kek, hsm, ring.entries(), crashing,
                             FileProgressStore(path), checkpoint_every=4)
        interrupted = FileProgressStore(path).load()
        assert interrupted is not None and interrupted.state == STATE_RUNNING
        # Saved after 4 and 8 keys; keys 9 to 11 were moved but not yet recorded.
        assert interrupted.rewrapped == 8 and interrupted.last_ref == "key-0007:v1"
        assert crashing.replaced == 11
        hsm_params = hsm.describe()
    # A new process: fresh provider, fresh store object, the key-ring as the crash left it.
    with Pkcs11KEK.from_params(token.pin(), hsm_params) as reopened:
        done = rewrap_data_keys(passphrase_kek, reopened, ring.entries(), ring,
                                FileProgressStore(path), checkpoint_every=4)
        assert done.rotation_id == interrupted.rotation_id
        assert done.started_at == interrupted.started_at
        assert (done.rewrapped, done.already_new, done.skipped) == (20, 3, 0)
        assert done.moved == 23 and done.state == STATE_COMPLETE
        assert done.digest == _expected_digest(done, ring)
        _assert_all_under(ring, secrets, reopened, passphrase_kek)
        # Running the same rotation again is harmless: a new record, nothing left to move.
        replaced_before = ring.replaced
        again = rewrap_data_keys(passphrase_kek, reopened, ring.entries(), ring,
                                 FileProgressStore(path))
        assert again.rotation_id != done.rotation_id
        assert (again.rewrapped, again.already_new) == (0, 23)
        assert ring.replaced == replaced_before


def test_one_rotation_at_a_time(token: SoftToken, passphrase_kek: PassphraseKEK,
                                tmp_path: Path) -> None:
    ring, _ = _seal_keys(passphrase_kek, 3)
    path = tmp_path / "rewrap.json"
    with _hsm_kek(token, "kek-a") as first, _hsm_kek(token, "kek-b") as second:
        holder = FileProgressStore(path)
        with holder.claim(), pytest.raises(ConcurrencyError, match="in progress elsewhere"):
            rewrap_data_keys(passphrase_kek, first, ring.entries(), ring,
                             FileProgressStore(path))
        crashing = CrashingKeyRing(ring, crash_after=1)
        with pytest.raises(Crash):
            rewrap_data_keys(passphrase_kek, first, ring.entries(), crashing,
                             FileProgressStore(path), checkpoint_every=1)
        with pytest.raises(ConcurrencyError, match="unfinished"):
            rewrap_data_keys(passphrase_kek, second, ring.entries(), ring,
                             FileProgressStore(path))
        finished = rewrap_data_keys(passphrase_kek, first, ring.entries(), ring,
                                    FileProgressStore(path))
        assert finished.moved == 3
        moved_on = rewrap_data_keys(first, second, ring.entries(), ring,
                                    FileProgressStore(path))
        assert moved_on.rewrapped == 3


def test_a_key_shredded_meanwhile_stays_shredded(passphrase_kek: PassphraseKEK,
                                                 tmp_path: Path) -> None:
    ring, _ = _seal_keys(passphrase_kek, 4)
    entries = ring.entries()
    del ring.blobs["key-0002:v1"]  # shredded after the listing was taken
    new, _ = PassphraseKEK.create(b"rotation target")
    with new:
        done = rewrap_data_keys(passphrase_kek, new, entries, ring,
                                FileProgressStore(tmp_path / "r.json"))
    assert (done.rewrapped, done.skipped) == (3, 1)
    assert "key-0002:v1" not in ring.blobs


def test_refusals(passphrase_kek: PassphraseKEK, tmp_path: Path) -> None:
    ring, _ = _seal_keys(passphrase_kek, 3)
    store = FileProgressStore(tmp_path / "r.json")
    with pytest.raises(InvalidInput, match="the old one"):
        rewrap_data_keys(passphrase_kek, passphrase_kek, ring.entries(), ring, store)
    new, _ = PassphraseKEK.create(b"rotation target")
    with new:
        for every in (0, True, 100_001):
            with pytest.raises(InvalidInput, match="checkpoint_every"):
                rewrap_data_keys(passphrase_kek, new, ring.entries(), ring, store,
                                 checkpoint_every=every)
        with pytest.raises(InvalidInput, match="increasing ref order"):
            rewrap_data_keys(passphrase_kek, new, list(reversed(ring.entries())), ring,
                             FileProgressStore(tmp_path / "a.json"))
        corrupt = [*ring.entries(), WrappedDataKey("key-9999:v1", b"\x01" + os.urandom(60),
                                                   b"key-9999:v1")]
        with pytest.raises(CryptoError, match="'key-9999:v1' opens under neither"):
            rewrap_data_keys(passphrase_kek, new, corrupt, ring,
                             FileProgressStore(tmp_path / "b.json"))


def test_progress_record_parser(tmp_path: Path) -> None:
    good = RewrapProgress("r1", "old", "new", STATE_RUNNING, 1, 2, 3, "key-1", bytes(32), 5, 6)
    assert RewrapProgress.from_dict(json.loads(json.dumps(good.to_dict()))) == good
    assert good.moved == 3
    cases = [
        {"extra": 1}, {"version": 2}, {"state": "paused"}, {"rewrapped": -1},
        {"skipped": True}, {"started_at": 1.5}, {"last_ref": ""}, {"last_ref": 7},
        {"digest": "00" * 31}, {"digest": "AB" * 32}, {"digest": "zz"}, {"old_kek_id": ""},
    ]
    for change in cases:
        with pytest.raises(InvalidInput):
            RewrapProgress.from_dict({**good.to_dict(), **change})
    with pytest.raises(InvalidInput):
        RewrapProgress.from_dict({k: v for k, v in good.to_dict().items() if k != "digest"})
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(InvalidInput, match="not JSON"):
        FileProgressStore(path).load()
    assert FileProgressStore(tmp_path / "absent.json").load() is None
