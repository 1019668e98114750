"""PKCS#11 tokens: load a module, find a token, share one logged-in session per token.

Requirements this module meets:

1. **One login per token.** PKCS#11 keeps the login state per application and token, not
   per session: a second ``C_Login`` fails (``CKR_USER_ALREADY_LOGGED_IN``) and one
   ``C_Logout`` logs every session out. So a process holds at most one logged-in session
   per (module, token serial); :func:`open_token` hands out counted references to it and the
   last :meth:`TokenSession.release` logs out and closes it.
2. **Every opener proves the PIN.** Only the first opener's PIN reaches ``C_Login``; a later
   opener's PIN is compared, in constant time, with an HMAC-SHA256 of the first one under a
   random per-process key, so holding a reference never rides on somebody else's login.
3. **One thread per session at a time** (PKCS#11 v2.40 §5.1.5: an application must not run
   two functions on one session concurrently): every token call runs under the session lock.
4. **Errors stop here.** python-pkcs11 exceptions become ``ledger.errors`` classes naming
   the action and the PKCS#11 return value; their text (which may quote templates) does not.
5. **PINs:** read from a file that only its owner may read (mode 0600, like ssh keys), into a
   ``bytearray`` the caller wipes. python-pkcs11 takes the PIN as ``str`` (it encodes it for
   ``C_Login``), an immutable copy that lives for one call; the PIN is never stored.
6. **Proof of non-extractability** is what the token says about a key: ``CKA_EXTRACTABLE``
   false, ``CKA_SENSITIVE`` true, ``CKA_NEVER_EXTRACTABLE`` true, ``CKA_ALWAYS_SENSITIVE``
   true and ``CKA_LOCAL`` true (generated on the token, never imported). :class:`KeyAttributes`
   reads and records them; it cannot make a dishonest token honest (see docs/custody-hsm.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import stat
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import pkcs11
from pkcs11 import Attribute
from pkcs11 import exceptions as p11

from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.errors import (
    ConfigurationError,
    CryptoError,
    InvalidInput,
    SkmsError,
    UnsupportedAlgorithm,
)

__all__ = [
    "MAX_PIN_SIZE",
    "NON_EXTRACTABLE",
    "KeyAttributes",
    "KeyObject",
    "TokenInfo",
    "TokenSession",
    "open_token",
    "read_pin_file",
    "reload_module",
    "token_error",
]

T = TypeVar("T")

#: A key object on the token. python-pkcs11 adds the capability mixins (``wrap_key``,
#: ``sign``, ...) at run time, which its type stubs cannot express, hence ``Any``.
KeyObject = Any

MAX_PIN_SIZE = 256
MAX_TOKEN_LABEL = 32  # CK_TOKEN_INFO.label is 32 bytes, blank padded

#: The attribute values that, together, say a key was made on the token and never left it.
NON_EXTRACTABLE: Mapping[str, bool] = {
    "CKA_EXTRACTABLE": False,
    "CKA_SENSITIVE": True,
    "CKA_NEVER_EXTRACTABLE": True,
    "CKA_ALWAYS_SENSITIVE": True,
    "CKA_LOCAL": True,
}

_ATTRIBUTES: Mapping[str, Attribute] = {
    "CKA_EXTRACTABLE": Attribute.EXTRACTABLE,
    "CKA_SENSITIVE": Attribute.SENSITIVE,
    "CKA_NEVER_EXTRACTABLE": Attribute.NEVER_EXTRACTABLE,
    "CKA_ALWAYS_SENSITIVE": Attribute.ALWAYS_SENSITIVE,
    "CKA_LOCAL": Attribute.LOCAL,
    "CKA_PRIVATE": Attribute.PRIVATE,
    "CKA_TOKEN": Attribute.TOKEN,
    "CKA_MODIFIABLE": Attribute.MODIFIABLE,
}


# --- PIN files -------------------------------------------------------------------------------


def read_pin_file(path: str | Path) -> bytearray:
    """The PIN in ``path`` (one trailing newline dropped) as a buffer the caller must wipe.

    Refused: a file that is not a regular file, that group or others may read or write
    (``chmod 600`` it), that is empty, longer than 256 bytes or not UTF-8. The PIN is read
    straight into the returned ``bytearray``; no immutable copy is made here.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise InvalidInput(f"cannot open the PIN file: {exc.strerror}", field="pin_file") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InvalidInput("the PIN file is not a regular file", field="pin_file")
        if info.st_mode & 0o077:
            raise InvalidInput("the PIN file may be read by group or others",
                               field="pin_file", hint="chmod 600 the PIN file")
        pin = bytearray(MAX_PIN_SIZE + 3)  # room for the PIN, a CR LF, and one byte too many
        with memoryview(pin) as view:
            size = os.readv(fd, [view])
    finally:
        os.close(fd)
    end = size
    if end and pin[end - 1] == 0x0A:
        end -= 1
        if end and pin[end - 1] == 0x0D:
            end -= 1
    pin[end:] = bytearray(len(pin) - end)  # wipe the newline and the slack before shrinking
    del pin[end:]
    if not pin:
        raise InvalidInput("the PIN file is empty", field="pin_file")
    if len(pin) > MAX_PIN_SIZE:
        zeroize(pin)
        raise InvalidInput(f"the PIN is longer than {MAX_PIN_SIZE} bytes", field="pin_file")
    try:
        pin.decode("utf-8")
    except UnicodeDecodeError:
        zeroize(pin)
        raise InvalidInput("the PIN is not UTF-8 text", field="pin_file") from None
    return pin


def _check_pin(pin: bytearray) -> str:
    if not isinstance(pin, bytearray) or not 0 < len(pin) <= MAX_PIN_SIZE:
        raise InvalidInput(f"the PIN must be a bytearray of 1 to {MAX_PIN_SIZE} bytes",
                           field="pin")
    try:
        return pin.decode("utf-8")  # python-pkcs11 takes str (an unavoidable immutable copy)
    except UnicodeDecodeError:
        raise InvalidInput("the PIN is not UTF-8 text", field="pin") from None


# --- what the token says about itself and its keys --------------------------------------------


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """The public identity of a token, as recorded beside the keys it holds."""

    label: str
    serial: str
    manufacturer: str
    model: str

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "serial": self.serial, "manufacturer": self.manufacturer,
                "model": self.model}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenInfo:
        if not isinstance(data, Mapping) or set(data) != {"label", "serial", "manufacturer",
                                                         "model"}:
            raise InvalidInput("token info needs exactly label, serial, manufacturer, model",
                               field="token")
        values = [data[name] for name in ("label", "serial", "manufacturer", "model")]
        if not all(isinstance(value, str) for value in values) or not values[1]:
            raise InvalidInput("token info values must be text, with a serial", field="token")
        return cls(*values)


@dataclass(frozen=True, slots=True)
class KeyAttributes:
    """The attributes of a key object that say who may ever see its value."""

    extractable: bool
    sensitive: bool
    never_extractable: bool
    always_sensitive: bool
    local: bool
    private: bool
    token: bool
    modifiable: bool

    _NAMES = ("CKA_EXTRACTABLE", "CKA_SENSITIVE", "CKA_NEVER_EXTRACTABLE",
              "CKA_ALWAYS_SENSITIVE", "CKA_LOCAL", "CKA_PRIVATE", "CKA_TOKEN", "CKA_MODIFIABLE")

    @classmethod
    def read(cls, key: KeyObject) -> KeyAttributes:
        """Read the eight attributes from the token (one ``C_GetAttributeValue``)."""
        found = key.get_attributes([_ATTRIBUTES[name] for name in cls._NAMES])
        values: list[bool] = []
        for name in cls._NAMES:
            value = found.get(_ATTRIBUTES[name])
            if not isinstance(value, bool):
                raise CryptoError(f"the token did not report {name}",
                                  hint="this token cannot prove where its keys live")
            values.append(value)
        return cls(*values)

    def to_dict(self) -> dict[str, bool]:
        return dict(zip(self._NAMES, (self.extractable, self.sensitive, self.never_extractable,
                                      self.always_sensitive, self.local, self.private,
                                      self.token, self.modifiable), strict=True))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KeyAttributes:
        if not isinstance(data, Mapping) or set(data) != set(cls._NAMES):
            raise InvalidInput("key attributes need exactly " + ", ".join(cls._NAMES),
                               field="attributes")
        values = [data[name] for name in cls._NAMES]
        if not all(isinstance(value, bool) for value in values):
            raise InvalidInput("key attributes must be true or false", field="attributes")
        return cls(*values)

    def violations(self) -> list[str]:
        """The :data:`NON_EXTRACTABLE` attributes whose value is not the required one."""
        recorded = self.to_dict()
        wrong = [name for name, wanted in NON_EXTRACTABLE.items() if recorded[name] != wanted]
        if not self.token:
            wrong.append("CKA_TOKEN")
        return wrong

    def require_non_extractable(self, what: str) -> None:
        """``CryptoError`` naming every attribute that fails :data:`NON_EXTRACTABLE`."""
        wrong = self.violations()
        if wrong:
            raise CryptoError(f"{what} is not provably non-extractable: wrong {', '.join(wrong)}",
                              hint="keys must be generated on the token, sensitive and "
                                   "non-extractable")


# --- errors ----------------------------------------------------------------------------------

_UNSUPPORTED = (p11.MechanismInvalid, p11.MechanismParamInvalid, p11.FunctionNotSupported,
                p11.DomainParamsInvalid, p11.KeySizeRange)
_UNAVAILABLE = (p11.TokenNotPresent, p11.TokenNotRecognised, p11.DeviceRemoved,
                p11.DeviceError, p11.DeviceMemory, p11.SessionClosed, p11.SessionHandleInvalid,
                p11.SessionCount, p11.UserNotLoggedIn)


def token_error(exc: p11.PKCS11Error, action: str) -> SkmsError:
    """The ``ledger.errors`` class for a PKCS#11 failure while doing ``action``."""
    code = type(exc).__name__
    if isinstance(exc, p11.PinIncorrect):
        return CryptoError(f"{action}: wrong PIN", hint="check the PIN file")
    if isinstance(exc, p11.PinLocked):
        return CryptoError(f"{action}: the token's PIN is locked",
                           hint="the security officer must unlock it")
    if isinstance(exc, _UNSUPPORTED):
        return UnsupportedAlgorithm(f"{action}: the token does not support it ({code})")
    if isinstance(exc, _UNAVAILABLE):
        return ConfigurationError(f"{action}: the token is unavailable ({code})",
                                  hint="check the HSM is reachable, then reopen")
    return CryptoError(f"{action} failed on the token ({code})")


# --- sessions --------------------------------------------------------------------------------

_PIN_KEY = random_bytes(32)  # per-process key for the PIN comparison (requirement 2)
_registry_lock = threading.Lock()
_sessions: dict[tuple[str, str], _SharedSession] = {}


def _pin_tag(pin: bytearray) -> bytes:
    return hmac.new(_PIN_KEY, pin, hashlib.sha256).digest()


class _SharedSession:
    """The one logged-in session of this process on one token."""

    def __init__(self, key: tuple[str, str], session: pkcs11.Session, info: TokenInfo,
                 mechanisms: frozenset[int], pin_tag: bytes) -> None:
        self.key = key
        self.session = session
        self.info = info
        self.mechanisms = mechanisms
        self.pin_tag = pin_tag
        self.lock = threading.Lock()
        self.references = 0


class TokenSession:
    """A counted reference to the logged-in session on one token (a context manager)."""

    def __init__(self, shared: _SharedSession, module_path: str) -> None:
        """Prefer :func:`open_token`; this only takes a reference.

        ``module_path`` is the path this opener gave (recorded as given, so a distribution's
        stable symlink survives library upgrades); sessions are shared by the resolved path.
        """
        self._shared: _SharedSession | None = shared
        self.info = shared.info
        self.module_path = module_path

    @property
    def mechanisms(self) -> frozenset[int]:
        """The numeric ``CKM_*`` values the token's slot offers."""
        return self._live().mechanisms

    def _live(self) -> _SharedSession:
        if self._shared is None:
            raise CryptoError("the token session was released", hint="open the token again")
        return self._shared

    def call(self, action: str, operation: Callable[[pkcs11.Session], T]) -> T:
        """Run ``operation`` on the session under its lock; translate PKCS#11 errors.

        ``operation`` may raise ``ledger.errors`` itself (they pass through unchanged) when
        it knows better what a failure means, e.g. an unwrap that does not authenticate.
        """
        shared = self._live()
        with shared.lock:
            try:
                return operation(shared.session)
            except p11.PKCS11Error as exc:
                raise token_error(exc, action) from None

    def release(self) -> None:
        """Drop this reference (idempotent); the last one logs out and closes the session."""
        shared, self._shared = self._shared, None
        if shared is None:
            return
        with _registry_lock:
            shared.references -= 1
            if shared.references > 0:
                return
            del _sessions[shared.key]
        # The session is gone either way; nothing secret is left on our side.
        with shared.lock, contextlib.suppress(p11.PKCS11Error):
            shared.session.close()

    def __enter__(self) -> TokenSession:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()

    def __repr__(self) -> str:
        state = "released" if self._shared is None else "open"
        return (f"TokenSession(label={self.info.label!r}, serial={self.info.serial!r}, "
                f"{state})")


def _check_module_path(module_path: str) -> str:
    if not isinstance(module_path, str) or not os.path.isabs(module_path):
        raise InvalidInput("the PKCS#11 module must be an absolute path", field="pkcs11_module")
    if not os.path.isfile(module_path):
        raise InvalidInput(f"no PKCS#11 module at {module_path}", field="pkcs11_module")
    return os.path.realpath(module_path)


def _check_label(token_label: str) -> str:
    if (not isinstance(token_label, str) or not token_label
            or len(token_label.encode("utf-8")) > MAX_TOKEN_LABEL):
        raise InvalidInput(f"a token label is 1 to {MAX_TOKEN_LABEL} bytes of text",
                           field="token_label")
    return token_label


def _load(module_path: str) -> Any:
    """The loaded module, always by its resolved path: python-pkcs11 caches modules by the
    path string, so one library under two names would be ``C_Initialize``d twice."""
    try:
        return pkcs11.lib(module_path)
    except p11.PKCS11Error as exc:
        raise ConfigurationError(f"cannot load the PKCS#11 module {module_path} "
                                 f"({type(exc).__name__})") from None


def _find_token(lib: Any, token_label: str) -> pkcs11.Token:
    try:
        token: pkcs11.Token = lib.get_token(token_label=token_label)
    except p11.NoSuchToken:
        raise ConfigurationError(f"the PKCS#11 module has no token labelled {token_label!r}",
                                 hint="check --token-label (and SOFTHSM2_CONF for SoftHSM)"
                                 ) from None
    except p11.MultipleTokensReturned:
        raise ConfigurationError(f"several tokens are labelled {token_label!r}",
                                 hint="give each token a distinct label") from None
    except p11.PKCS11Error as exc:
        raise token_error(exc, "listing tokens") from None
    return token


def _token_info(token: pkcs11.Token) -> TokenInfo:
    serial = token.serial.decode("ascii", "replace").strip()
    if not serial:
        raise ConfigurationError(f"token {token.label!r} reports no serial number",
                                 hint="SKMS binds keys to a token's serial")
    return TokenInfo(label=token.label, serial=serial,
                     manufacturer=token.manufacturer_id.strip(), model=token.model.strip())


def open_token(module_path: str, token_label: str, pin: bytearray, *,
               token_serial: str | None = None) -> TokenSession:
    """A reference to the logged-in read/write session on the token labelled ``token_label``.

    ``token_serial``, when given (a recorded token), must match: a token re-initialised
    under the same label is another token. ``pin`` stays the caller's to wipe.
    """
    real_path = _check_module_path(module_path)
    _check_label(token_label)
    pin_text = _check_pin(pin)
    lib = _load(real_path)
    token = _find_token(lib, token_label)
    info = _token_info(token)
    if token_serial is not None and info.serial != token_serial:
        raise ConfigurationError(
            f"token {token_label!r} has serial {info.serial}, not the recorded {token_serial}",
            hint="this is another token; rotate the KEK onto it instead of editing the config")
    key = (real_path, info.serial)
    tag = _pin_tag(pin)
    with _registry_lock:
        shared = _sessions.get(key)
        if shared is not None:
            if not hmac.compare_digest(tag, shared.pin_tag):
                raise CryptoError(f"opening token {token_label!r}: wrong PIN",
                                  hint="check the PIN file")
            shared.references += 1
            return TokenSession(shared, module_path)
        try:
            # On a wrong PIN python-pkcs11 leaves the just-opened session open (unlogged);
            # it holds nothing and goes with the module's C_Finalize.
            session = token.open(rw=True, user_pin=pin_text)
            mechanisms = frozenset(int(m) for m in token.slot.get_mechanisms())
        except p11.UserAlreadyLoggedIn:
            raise ConfigurationError(
                f"token {token_label!r} is already logged in by other code in this process",
                hint="open tokens only through ledger.hsm.token") from None
        except p11.PKCS11Error as exc:
            raise token_error(exc, f"opening token {token_label!r}") from None
        shared = _SharedSession(key, session, info, mechanisms, tag)
        shared.references = 1
        _sessions[key] = shared
        return TokenSession(shared, module_path)


def reload_module(module_path: str) -> None:
    """Re-initialise a loaded module so it sees tokens created since (``C_Finalize`` +
    ``C_Initialize``; SoftHSM also re-reads ``SOFTHSM2_CONF``).

    Refused while this process holds a session on any of the module's tokens: finalising
    would close it under its users.
    """
    real_path = _check_module_path(module_path)
    with _registry_lock:
        if any(path == real_path for path, _serial in _sessions):
            raise ConfigurationError("cannot reload a PKCS#11 module while its tokens are open",
                                     hint="release every token session first")
        lib = _load(real_path)
        try:
            lib.reinitialize()
        except p11.PKCS11Error as exc:
            raise token_error(exc, "reloading the PKCS#11 module") from None
