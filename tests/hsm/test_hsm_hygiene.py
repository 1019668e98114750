"""No PIN or data key in anything the HSM code raises, nor in its exception chain.

As ``tests/crypto/test_secret_hygiene.py`` does for the software providers: trigger failures
while holding known secrets and search every rendering of the exception for them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from ledger.errors import SkmsError
from ledger.hsm.pkcs11_kek import Pkcs11KEK
from ledger.hsm.token import open_token
from tests.hsm.conftest import SoftToken


def _renderings(error: BaseException) -> Iterator[str]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        yield repr(current.args)
        if isinstance(current, SkmsError):
            yield current.diagnostics()
        current = current.__cause__ or current.__context__


def _assert_clean(error: BaseException, *secrets: bytes) -> None:
    for text in _renderings(error):
        for secret in secrets:
            for form in (secret.hex(), secret.decode("latin-1"), repr(secret)[2:-1]):
                assert form not in text, f"secret leaked into {text!r}"


def test_wrong_pins_never_show(token: SoftToken) -> None:
    real = bytes(token.pin())
    wrong = b"wrong-" + real[:10]
    with pytest.raises(SkmsError) as opened:
        open_token(token.module, token.label, bytearray(wrong))
    _assert_clean(opened.value, real, wrong)
    kek, params = Pkcs11KEK.create(token.module, token.label, token.pin())
    with kek:
        with pytest.raises(SkmsError) as shared:  # a second opener while the session is live
            open_token(token.module, token.label, bytearray(wrong))
        _assert_clean(shared.value, real, wrong)
    with pytest.raises(SkmsError) as reopened:
        Pkcs11KEK.from_params(bytearray(wrong), params)
    _assert_clean(reopened.value, real, wrong)


def test_data_keys_never_show_in_unwrap_failures(token: SoftToken) -> None:
    data_key = os.urandom(32)
    kek, _ = Pkcs11KEK.create(token.module, token.label, token.pin())
    with kek:
        wrapped = kek.wrap(bytearray(data_key), b"right")
        for attempt in (lambda: kek.unwrap(wrapped, b"wrong"),
                        lambda: kek.unwrap(wrapped[:-1] + bytes([wrapped[-1] ^ 1]), b"right"),
                        lambda: kek.wrap(bytearray(data_key) + bytearray(40), b"x")):
            with pytest.raises(SkmsError) as caught:
                attempt()
            _assert_clean(caught.value, data_key)
