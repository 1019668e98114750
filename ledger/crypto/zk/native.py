"""The one door to the ``skms_native`` Rust extension.

Why one module: the extension raises ``ValueError("FIELD: reason")`` for malformed input and
``skms_native.VerificationFailed`` (a ``ValueError``) for a proof that does not verify; this
module turns them into ``ledger.errors`` so no library exception reaches a caller, and says
clearly how to build the extension when it is missing (``make native``).

1. ``VerificationFailed`` becomes ``InvalidSignature`` (a failed check raises, never returns).
2. Any other ``ValueError`` becomes ``InvalidInput`` with ``field`` set to the argument named.
3. ``OverflowError``/``TypeError`` from argument conversion become ``InvalidInput``: they mean
   the wrapper let a wrong type or size through, which is still the caller's input.
"""

from __future__ import annotations

from types import ModuleType

from ledger.errors import CryptoError, InvalidInput, InvalidSignature, UnsupportedAlgorithm

_loaded: ModuleType | None
try:
    import skms_native
except ImportError:  # the wheel is built by `make native`
    _loaded = None
else:
    _loaded = skms_native

__all__ = ["available", "invoke", "returns_bytearray", "returns_bytes", "source_digest"]


def _module() -> ModuleType:
    if _loaded is None:
        raise UnsupportedAlgorithm(
            "the zero-knowledge extension skms_native is not installed",
            hint="run `make native` (needs cargo) to build and install it")
    return _loaded


def available() -> bool:
    """Whether the extension is installed (tests and benchmarks ask before using it)."""
    return _loaded is not None


def source_digest() -> str:
    """The SHA-256 of the sources the installed extension was built from (`make native`)."""
    return str(getattr(_module(), "SOURCE_DIGEST", "unknown"))


def invoke(name: str, *args: object) -> object:
    """Call the extension function ``name``, translating its errors into ``ledger.errors``."""
    native = _module()
    function = getattr(native, name)
    try:
        return function(*args)
    except native.VerificationFailed as exc:
        raise InvalidSignature(str(exc)) from None
    except ValueError as exc:
        field, _, reason = str(exc).partition(": ")
        if not reason:
            raise InvalidInput(field) from None
        raise InvalidInput(reason, field=field) from None
    except (OverflowError, TypeError) as exc:
        raise InvalidInput(f"rejected by the extension: {exc}") from None


def returns_bytes(name: str, *args: object) -> bytes:
    """``invoke`` for a function that returns public bytes."""
    result = invoke(name, *args)
    if not isinstance(result, bytes):
        raise CryptoError(f"skms_native.{name} returned {type(result).__name__}, not bytes")
    return result


def returns_bytearray(name: str, *args: object) -> bytearray:
    """``invoke`` for a function that returns a secret in a buffer the caller must wipe."""
    result = invoke(name, *args)
    if not isinstance(result, bytearray):
        raise CryptoError(f"skms_native.{name} returned {type(result).__name__}, not bytearray")
    return result
