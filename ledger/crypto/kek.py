"""Key-encryption-key (KEK) providers: what wraps the per-key data keys.

Why a provider interface: the sealing recipe must not care whether the KEK comes from a
passphrase, an HSM or a cloud KMS; it only needs ``wrap``/``unwrap`` and a stable
``kek_id`` to record which KEK protects which key. ``describe()`` returns the public
parameters a provider needs to be reopened later (stored beside the ledger, never secret).

:class:`PassphraseKEK` derives a 32-byte KEK from a passphrase with a deliberately slow KDF:

* ``scrypt`` (default, memory-hard): ``n = 2**15, r = 8, p = 1`` (32 MiB), 16-byte
  random salt. Weaker stored parameters are refused, so a tampered parameter file cannot
  silently downgrade the KDF; absurdly large ones are refused too, so it cannot exhaust memory.
* ``pbkdf2-hmac-sha256``: for FIPS-constrained deployments; at least 600,000 iterations
  (OWASP 2023 guidance for PBKDF2-HMAC-SHA256); fewer are refused.

A key-check value, ``HMAC-SHA256(KEK, "skms/kek-check/v1")``, is stored with the
parameters and compared in constant time, so a wrong passphrase fails at once with a clear
"wrong passphrase" instead of an opaque GCM failure on the first unwrap. It gives an
attacker nothing new: any wrapped key already lets them test passphrase guesses offline, at
the same KDF cost per guess.
"""

from __future__ import annotations

import abc
import hashlib
import hmac
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ledger.crypto import aead
from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.errors import CryptoError, InvalidInput

__all__ = [
    "KDF_PBKDF2",
    "KDF_SCRYPT",
    "PBKDF2_MIN_ITERATIONS",
    "SCRYPT_DEFAULT_N",
    "KEKProvider",
    "PassphraseKEK",
]

KDF_SCRYPT = "scrypt"
KDF_PBKDF2 = "pbkdf2-hmac-sha256"

PARAMS_VERSION = 1
KEK_SIZE = 32
SALT_SIZE = 16
SCRYPT_DEFAULT_N = 2**15
SCRYPT_DEFAULT_R = 8
SCRYPT_DEFAULT_P = 1
SCRYPT_MAX_N = 2**20
SCRYPT_MAX_R = 32
SCRYPT_MAX_P = 16
SCRYPT_MAX_MEMORY = 1 << 30  # 128 * n * r bytes; refuse parameters needing more than 1 GiB
PBKDF2_MIN_ITERATIONS = 600_000
PBKDF2_MAX_ITERATIONS = 50_000_000

_CHECK_LABEL = b"skms/kek-check/v1"
_CHECK_SIZE = 32


class KEKProvider(abc.ABC):
    """Wraps and unwraps data keys; holds (or reaches) the KEK, never reveals it.

    Providers are context managers: leaving the ``with`` block calls :meth:`close`, which
    must make the KEK unusable and wipe any copy the provider holds.
    """

    kek_id: str

    @abc.abstractmethod
    def wrap(self, data_key: bytearray, aad: bytes) -> bytes:
        """Encrypt ``data_key`` bound to ``aad``; the result is safe to store."""

    @abc.abstractmethod
    def unwrap(self, wrapped: bytes, aad: bytes) -> bytearray:
        """Recover a data key (a buffer the caller must wipe); ``CryptoError`` if unauthentic."""

    @abc.abstractmethod
    def describe(self) -> dict[str, object]:
        """Public parameters needed to reopen this provider; never contains secrets."""

    def close(self) -> None:  # noqa: B027 - optional hook, not abstract on purpose
        """Forget any local key material. The default holds none."""

    def __enter__(self) -> KEKProvider:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _check_passphrase(passphrase: bytes | bytearray) -> None:
    if not isinstance(passphrase, bytes | bytearray):
        raise InvalidInput("passphrase must be bytes", field="passphrase")
    if len(passphrase) == 0:
        raise InvalidInput("passphrase must not be empty", field="passphrase")


def _int_param(params: Mapping[str, Any], name: str, low: int, high: int) -> int:
    value = params.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"KEK parameter {name!r} must be an integer", field=f"kek_params.{name}")
    if not low <= value <= high:
        raise InvalidInput(
            f"KEK parameter {name!r} must be between {low:,} and {high:,} (got {value:,})",
            field=f"kek_params.{name}",
        )
    return value


def _hex_param(params: Mapping[str, Any], name: str, size: int) -> bytes:
    value = params.get(name)
    try:
        if not isinstance(value, str):
            raise ValueError(name)
        decoded = bytes.fromhex(value)
    except ValueError:
        raise InvalidInput(
            f"KEK parameter {name!r} must be hex", field=f"kek_params.{name}"
        ) from None
    if len(decoded) != size:
        raise InvalidInput(
            f"KEK parameter {name!r} must be {size} bytes", field=f"kek_params.{name}"
        )
    return decoded


def _check_scrypt(n: int, r: int) -> None:
    if n & (n - 1):
        raise InvalidInput("scrypt n must be a power of two", field="kek_params.n")
    if 128 * n * r > SCRYPT_MAX_MEMORY:
        raise InvalidInput("scrypt n * r needs more than 1 GiB of memory", field="kek_params.n")


def _derive(passphrase: bytes | bytearray, kdf_params: Mapping[str, Any]) -> bytearray:
    """Run the KDF straight into a buffer we own (``derive_into``: no immutable copy)."""
    salt = _hex_param(kdf_params, "salt", SALT_SIZE)
    kdf: Scrypt | PBKDF2HMAC
    kdf_name = kdf_params.get("kdf")
    if kdf_name == KDF_SCRYPT:
        n = _int_param(kdf_params, "n", SCRYPT_DEFAULT_N, SCRYPT_MAX_N)
        r = _int_param(kdf_params, "r", SCRYPT_DEFAULT_R, SCRYPT_MAX_R)
        p = _int_param(kdf_params, "p", SCRYPT_DEFAULT_P, SCRYPT_MAX_P)
        _check_scrypt(n, r)
        kdf = Scrypt(salt=salt, length=KEK_SIZE, n=n, r=r, p=p)
    elif kdf_name == KDF_PBKDF2:
        iterations = _int_param(
            kdf_params, "iterations", PBKDF2_MIN_ITERATIONS, PBKDF2_MAX_ITERATIONS
        )
        kdf = PBKDF2HMAC(
            algorithm=hashes.SHA256(), length=KEK_SIZE, salt=salt, iterations=iterations
        )
    else:
        raise InvalidInput(
            f"unknown KDF {kdf_name!r}; use {KDF_SCRYPT!r} or {KDF_PBKDF2!r}",
            field="kek_params.kdf",
        )
    kek = bytearray(KEK_SIZE)
    kdf.derive_into(passphrase, kek)
    return kek


def _check_value(kek: bytearray) -> bytes:
    return hmac.new(kek, _CHECK_LABEL, hashlib.sha256).digest()


class PassphraseKEK(KEKProvider):
    """A KEK derived from an operator passphrase; wraps with AES-256-GCM (:mod:`aead`).

    Build it with :meth:`create` (new KEK, new salt) or :meth:`from_params` (reopen from
    the stored :meth:`describe` output). The passphrase buffer stays the caller's to wipe.
    """

    def __init__(self, kek: bytearray, params: Mapping[str, object]) -> None:
        """Take ownership of ``kek`` (wiped by :meth:`close`). Prefer the classmethods."""
        if not isinstance(kek, bytearray) or len(kek) != KEK_SIZE:
            raise InvalidInput("KEK must be a 32-byte bytearray", field="kek")
        self._kek: bytearray = kek
        self._params: dict[str, object] = dict(params)
        self.kek_id = str(self._params["kek_id"])
        self._closed = False

    @classmethod
    def create(
        cls,
        passphrase: bytes | bytearray,
        kdf: str = KDF_SCRYPT,
        *,
        iterations: int = PBKDF2_MIN_ITERATIONS,
        scrypt_n: int = SCRYPT_DEFAULT_N,
    ) -> tuple[PassphraseKEK, dict[str, object]]:
        """Derive a new KEK under a fresh random salt; return it and its public parameters.

        ``iterations`` applies to PBKDF2 only (refused below 600,000); ``scrypt_n`` to scrypt
        only (refused below 2**15). The parameters are what :meth:`from_params` needs.
        """
        _check_passphrase(passphrase)
        salt = random_bytes(SALT_SIZE)
        kek_id_bytes = random_bytes(8)
        params: dict[str, object] = {
            "version": PARAMS_VERSION,
            "kek_id": "passphrase-" + kek_id_bytes.hex(),
            "kdf": kdf,
            "salt": salt.hex(),
        }
        zeroize(salt)
        zeroize(kek_id_bytes)
        if kdf == KDF_SCRYPT:
            if scrypt_n < SCRYPT_DEFAULT_N:
                raise InvalidInput(
                    f"scrypt needs n of at least {SCRYPT_DEFAULT_N:,}", field="scrypt_n"
                )
            params.update(n=scrypt_n, r=SCRYPT_DEFAULT_R, p=SCRYPT_DEFAULT_P)
        elif kdf == KDF_PBKDF2:
            if iterations < PBKDF2_MIN_ITERATIONS:
                raise InvalidInput(
                    f"PBKDF2 needs at least {PBKDF2_MIN_ITERATIONS:,} iterations",
                    field="iterations",
                )
            params["iterations"] = iterations
        kek = _derive(passphrase, params)
        params["check"] = _check_value(kek).hex()
        return cls(kek, params), dict(params)

    @classmethod
    def from_params(
        cls, passphrase: bytes | bytearray, params: Mapping[str, object]
    ) -> PassphraseKEK:
        """Re-derive the KEK from stored parameters; ``CryptoError("wrong passphrase")``.

        Parameters are validated before any work: an unknown version or KDF, or a KDF
        weaker than the floors above, is refused rather than used.
        """
        _check_passphrase(passphrase)
        if not isinstance(params, Mapping):
            raise InvalidInput("KEK parameters must be a mapping", field="kek_params")
        if params.get("version") != PARAMS_VERSION:
            raise InvalidInput("unsupported KEK parameter version", field="kek_params.version")
        kek_id = params.get("kek_id")
        if not isinstance(kek_id, str) or not kek_id:
            raise InvalidInput("KEK parameters lack a kek_id", field="kek_params.kek_id")
        expected = _hex_param(params, "check", _CHECK_SIZE)
        kek = _derive(passphrase, params)
        if not hmac.compare_digest(_check_value(kek), expected):
            zeroize(kek)
            raise CryptoError(
                "wrong passphrase", hint="the passphrase does not match this ledger's KEK"
            )
        return cls(kek, params)

    def _live_kek(self) -> bytearray:
        if self._closed:
            raise CryptoError("KEK provider is closed", hint="reopen it with the passphrase")
        return self._kek

    def wrap(self, data_key: bytearray, aad: bytes) -> bytes:
        """AES-256-GCM of the data key under the KEK, bound to ``aad``."""
        return aead.seal(self._live_kek(), data_key, aad)

    def unwrap(self, wrapped: bytes, aad: bytes) -> bytearray:
        """Inverse of :meth:`wrap`; fails with ``CryptoError`` on any mismatch."""
        try:
            return aead.open_(self._live_kek(), wrapped, aad)
        except CryptoError as exc:
            if self._closed:
                raise
            raise CryptoError(
                "data key unwrap failed: authentication failed",
                hint="wrong KEK, wrong context or tampered wrapped key",
            ) from exc

    def describe(self) -> dict[str, object]:
        """The stored parameters: KDF, cost, salt, check value, kek_id. All public."""
        return dict(self._params)

    def close(self) -> None:
        """Wipe the KEK; later ``wrap``/``unwrap`` calls raise ``CryptoError``."""
        zeroize(self._kek)
        self._closed = True

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"PassphraseKEK(kek_id={self.kek_id!r}, kdf={self._params.get('kdf')!r}, {state})"
