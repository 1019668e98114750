"""No secret ever appears in an exception we raise, in its chain, or in a repr.

Why a dedicated test: error messages are logged and shown to users (``ledger/errors.py``).
Each case below triggers a failure while holding known secret bytes and searches every
rendering of the exception (str, repr, message, hint, field, args, cause and context) for
those bytes in raw, hex, base64, Python-repr and integer forms.
"""

from __future__ import annotations

import base64
import itertools
import os
from collections.abc import Callable, Iterator
from functools import partial

import pytest

from ledger.crypto import aead
from ledger.crypto.ecdsa_secp256k1 import SECP256K1_ORDER
from ledger.crypto.entropy import HealthMonitor
from ledger.crypto.kek import PassphraseKEK
from ledger.crypto.schemes import all_schemes, get_scheme
from ledger.errors import SkmsError
from ledger.recipes.sealing import seal_private_key, unseal_private_key

PASSPHRASE = bytearray(b"hunter2-but-much-longer-and-unique-4711")


def _forms(secret: bytes) -> list[str]:
    forms = [
        secret.hex(),
        secret.hex().upper(),
        base64.b64encode(secret).decode(),
        repr(secret)[2:-1],
        secret.decode("latin-1"),
    ]
    if len(secret) <= 64:
        forms.append(str(int.from_bytes(secret, "big")))
    # Any 8-byte window of the hex is already a leak.
    hexed = secret.hex()
    forms.extend(hexed[i : i + 16] for i in range(0, max(len(hexed) - 16, 0) + 1, 8))
    return [f for f in forms if len(f) >= 8]


def _renderings(exc: BaseException | None, seen: set[int] | None = None) -> Iterator[str]:
    seen = set() if seen is None else seen
    if exc is None or id(exc) in seen:
        return
    seen.add(id(exc))
    yield str(exc)
    yield repr(exc)
    yield from (repr(a) for a in exc.args)
    if isinstance(exc, SkmsError):
        yield exc.message
        yield exc.hint
        yield str(exc.field)
        yield exc.diagnostics()
    yield from _renderings(exc.__cause__, seen)
    yield from _renderings(exc.__context__, seen)


def _assert_clean(text: str, secrets: list[bytes]) -> None:
    for secret in secrets:
        for form in _forms(secret):
            assert form not in text, "secret material leaked into an error or repr"


def _raises_clean(action: Callable[[], object], secrets: list[bytes]) -> None:
    with pytest.raises(SkmsError) as info:
        action()
    for text in _renderings(info.value):
        _assert_clean(text, secrets)


@pytest.fixture(scope="module")
def kek() -> PassphraseKEK:
    provider, _ = PassphraseKEK.create(PASSPHRASE)
    return provider


def test_scheme_errors_do_not_echo_private_keys() -> None:
    for scheme in all_schemes():
        secret = os.urandom(31)
        _raises_clean(partial(scheme.sign, bytearray(secret), b"m"), [secret])
        _raises_clean(partial(scheme.public_key, bytearray(secret)), [secret])
        _raises_clean(partial(scheme.generate, secret), [secret])
    too_big = (SECP256K1_ORDER + 0x1234567890).to_bytes(32, "big")  # above both orders
    for scheme_id in ("ecdsa-secp256k1", "ecdsa-p256"):
        scheme = get_scheme(scheme_id)
        _raises_clean(partial(scheme.sign, bytearray(too_big), b"m"), [too_big])


def test_aead_errors_do_not_echo_keys_or_plaintext() -> None:
    key = os.urandom(32)
    plaintext = os.urandom(48)
    blob = aead.seal(key, plaintext, b"ctx")
    other = os.urandom(32)
    _raises_clean(lambda: aead.open_(other, blob, b"ctx"), [key, other, plaintext])
    _raises_clean(lambda: aead.open_(key, blob, b"other"), [key, plaintext])
    short_key = os.urandom(31)
    _raises_clean(lambda: aead.seal(short_key, plaintext, b""), [short_key, plaintext])


def test_kek_errors_and_reprs_do_not_echo_passphrase_or_kek(kek: PassphraseKEK) -> None:
    kek_bytes = bytes(kek._kek)
    params = kek.describe()
    wrong = bytearray(b"not-the-passphrase-at-all-9999")
    _raises_clean(
        lambda: PassphraseKEK.from_params(wrong, params),
        [bytes(PASSPHRASE), bytes(wrong), kek_bytes],
    )
    data_key = os.urandom(32)
    wrapped = kek.wrap(bytearray(data_key), b"a")
    _raises_clean(lambda: kek.unwrap(wrapped, b"b"), [kek_bytes, data_key])
    for text in (repr(kek), str(kek), repr(params), str(kek.describe())):
        _assert_clean(text, [kek_bytes, bytes(PASSPHRASE), data_key])


def test_sealing_errors_do_not_echo_material_or_data_key(kek: PassphraseKEK) -> None:
    kek_bytes = bytes(kek._kek)
    private_key = os.urandom(32)
    sealed = seal_private_key(bytearray(private_key), kek, aad=b"k")
    secrets = [private_key, kek_bytes, bytes(PASSPHRASE)]
    tampered = sealed.sealed_material[:-1] + bytes([sealed.sealed_material[-1] ^ 1])
    _raises_clean(
        lambda: unseal_private_key(tampered, sealed.wrapped_data_key, kek, aad=b"k"), secrets
    )
    _raises_clean(lambda: unseal_private_key(sealed.sealed_material, None, kek, aad=b"k"), secrets)
    _raises_clean(
        lambda: unseal_private_key(
            sealed.sealed_material, sealed.wrapped_data_key, kek, aad=b"other"
        ),
        secrets,
    )
    _assert_clean(repr(sealed), secrets)


def test_entropy_errors_do_not_echo_the_bytes_read() -> None:
    head = os.urandom(700)
    stream = itertools.chain(head, itertools.repeat(7))

    def source(n: int) -> bytes:
        return bytes(itertools.islice(stream, n))

    _raises_clean(lambda: HealthMonitor().random_bytes(16, source=source), [head])


def test_scheme_reprs_are_plain() -> None:
    for scheme in all_schemes():
        assert scheme.scheme_id in repr(scheme)


def test_the_detector_itself_catches_leaks() -> None:
    """Guard against a vacuous test: a leaking error must be caught by the helpers."""
    from ledger.errors import CryptoError

    secret = os.urandom(32)
    for leak in (secret.hex(), str(int.from_bytes(secret, "big")), repr(secret)):

        def leaky(text: str = leak) -> None:
            raise CryptoError("failed", hint=f"value was {text}")

        with pytest.raises(AssertionError):
            _raises_clean(leaky, [secret])

    def chained() -> None:
        try:
            raise ValueError(secret.hex()[:20])
        except ValueError:
            raise CryptoError("failed") from None

    with pytest.raises(AssertionError):  # __context__ is searched even when suppressed
        _raises_clean(chained, [secret])
