"""The sealing recipe: envelope encryption, crypto-shredding, binding, wiping."""

from __future__ import annotations

import dataclasses

import pytest

from commands.errors import answer_for
from ledger.crypto.entropy import random_bytes
from ledger.crypto.kek import KEKProvider, PassphraseKEK
from ledger.crypto.schemes import get_scheme
from ledger.errors import CryptoError, InvalidInput, MaterialDestroyed
from ledger.recipes import sealing
from ledger.recipes.sealing import SealedKey, seal_private_key, unseal_private_key

AAD = b"skms:key=k-1:version=1"


@pytest.fixture(scope="module")
def kek() -> PassphraseKEK:
    provider, _ = PassphraseKEK.create(b"sealing test passphrase")
    return provider


def test_round_trip_then_sign(kek: PassphraseKEK) -> None:
    scheme = get_scheme("ed25519")
    private_key = scheme.generate(random_bytes(32))
    public_key = scheme.public_key(private_key)
    sealed = seal_private_key(private_key, kek, aad=AAD)
    assert sealed.sealed_material[0] == sealing.SEALING_VERSION
    assert sealed.wrapped_data_key[0] == sealing.SEALING_VERSION
    assert bytes(private_key) not in sealed.sealed_material
    recovered = unseal_private_key(sealed.sealed_material, sealed.wrapped_data_key, kek, aad=AAD)
    assert isinstance(recovered, bytearray)
    assert recovered == private_key
    scheme.verify(public_key, b"m", scheme.sign(recovered, b"m"))


def test_sealed_key_is_frozen_with_a_quiet_repr(kek: PassphraseKEK) -> None:
    sealed = seal_private_key(bytearray(b"k" * 32), kek, aad=AAD)
    with pytest.raises(dataclasses.FrozenInstanceError):
        sealed.sealed_material = b""  # type: ignore[misc]
    assert repr(sealed).startswith("SealedKey(sealed_material=<")


def test_shredded_data_key_raises_material_destroyed(kek: PassphraseKEK) -> None:
    sealed = seal_private_key(bytearray(b"k" * 32), kek, aad=AAD)
    with pytest.raises(MaterialDestroyed) as info:
        unseal_private_key(sealed.sealed_material, None, kek, aad=AAD)
    assert answer_for(info.value).http == 410


def test_every_tampered_byte_of_either_blob_is_rejected(kek: PassphraseKEK) -> None:
    sealed = seal_private_key(bytearray(b"k" * 32), kek, aad=AAD)
    for field in ("sealed_material", "wrapped_data_key"):
        blob = getattr(sealed, field)
        for index in range(len(blob)):
            tampered = bytearray(blob)
            tampered[index] ^= 0x01
            parts = {
                "sealed_material": sealed.sealed_material,
                "wrapped_data_key": sealed.wrapped_data_key,
                field: bytes(tampered),
            }
            with pytest.raises(CryptoError):
                unseal_private_key(
                    parts["sealed_material"], parts["wrapped_data_key"], kek, aad=AAD
                )


def test_blobs_are_bound_to_their_context(kek: PassphraseKEK) -> None:
    a = seal_private_key(bytearray(b"a" * 32), kek, aad=b"key=a")
    b = seal_private_key(bytearray(b"b" * 32), kek, aad=b"key=b")
    with pytest.raises(CryptoError):
        unseal_private_key(a.sealed_material, a.wrapped_data_key, kek, aad=b"key=b")
    with pytest.raises(CryptoError):  # material of a with data key of b
        unseal_private_key(a.sealed_material, b.wrapped_data_key, kek, aad=b"key=a")
    with pytest.raises(CryptoError):  # a wrapped data key is not sealed material
        unseal_private_key(a.wrapped_data_key, a.wrapped_data_key, kek, aad=b"key=a")


def test_wrong_kek_is_rejected(kek: PassphraseKEK) -> None:
    sealed = seal_private_key(bytearray(b"k" * 32), kek, aad=AAD)
    other, _ = PassphraseKEK.create(b"another passphrase")
    with pytest.raises(CryptoError, match="authentication failed"):
        unseal_private_key(sealed.sealed_material, sealed.wrapped_data_key, other, aad=AAD)


def test_unknown_version_and_bad_inputs(kek: PassphraseKEK) -> None:
    sealed = seal_private_key(bytearray(b"k" * 32), kek, aad=AAD)
    with pytest.raises(CryptoError, match="unknown sealing version"):
        unseal_private_key(
            b"\x02" + sealed.sealed_material[1:], sealed.wrapped_data_key, kek, aad=AAD
        )
    with pytest.raises(CryptoError):
        unseal_private_key(b"", sealed.wrapped_data_key, kek, aad=AAD)
    with pytest.raises(InvalidInput):
        seal_private_key(bytes(32), kek, aad=AAD)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        seal_private_key(bytearray(), kek, aad=AAD)


class _RecordingKEK(KEKProvider):
    """Delegates to a real provider and keeps the data-key buffers it hands out."""

    def __init__(self, inner: KEKProvider) -> None:
        self.inner = inner
        self.kek_id = inner.kek_id
        self.unwrapped: list[bytearray] = []
        self.wrapped_inputs: list[bytearray] = []

    def wrap(self, data_key: bytearray, aad: bytes) -> bytes:
        self.wrapped_inputs.append(data_key)
        return self.inner.wrap(data_key, aad)

    def unwrap(self, wrapped: bytes, aad: bytes) -> bytearray:
        key = self.inner.unwrap(wrapped, aad)
        self.unwrapped.append(key)
        return key

    def describe(self) -> dict[str, object]:
        return self.inner.describe()


def test_data_keys_are_wiped_after_use(kek: PassphraseKEK) -> None:
    recorder = _RecordingKEK(kek)
    sealed = seal_private_key(bytearray(b"k" * 32), recorder, aad=AAD)
    assert recorder.wrapped_inputs[0] == bytearray(32)  # the data key seal used, now zero
    unseal_private_key(sealed.sealed_material, sealed.wrapped_data_key, recorder, aad=AAD)
    assert recorder.unwrapped[0] == bytearray(32)
    with pytest.raises(CryptoError):
        unseal_private_key(
            sealed.sealed_material[:-1] + b"\x00", sealed.wrapped_data_key, recorder, aad=AAD
        )
    assert recorder.unwrapped[1] == bytearray(32)  # wiped on the failure path too


def test_sealed_key_fields() -> None:
    assert [f.name for f in dataclasses.fields(SealedKey)] == [
        "sealed_material",
        "wrapped_data_key",
    ]
