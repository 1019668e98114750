"""Where a ledger home's HSM is: :class:`Pkcs11Config` (module, token, PIN file).

Requirements this module meets:

1. **Public only.** The config names the PKCS#11 module, the token's label and serial and the
   *path* of the PIN file; it never holds the PIN. It is stored in the home's
   ``config.json`` beside the KEK parameters, so anyone may read it.
2. **The PIN is read at each open** from the file (mode 0600, see
   :func:`ledger.hsm.token.read_pin_file`), used for ``C_Login`` and wiped at once.
   ``$SKMS_PKCS11_PIN_FILE`` overrides the recorded path (a service may mount the PIN
   elsewhere than the machine that ran ``skms init``).
3. **Bound to one token.** The serial recorded at ``skms init`` must match at every open: a
   token re-initialised under the same label is another token, and is refused.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ledger.crypto.memory import zeroize
from ledger.errors import InvalidInput
from ledger.hsm.token import TokenSession, open_token, read_pin_file

__all__ = ["PIN_FILE_ENV", "Pkcs11Config"]

PIN_FILE_ENV = "SKMS_PKCS11_PIN_FILE"
_NAMES = ("module", "token_label", "token_serial", "pin_file")


@dataclass(frozen=True, slots=True)
class Pkcs11Config:
    """How to reach the token: public values only (module docstring)."""

    module: str
    token_label: str
    pin_file: str
    token_serial: str | None = None

    def __post_init__(self) -> None:
        for name in ("module", "token_label", "pin_file"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value or len(value) > 4096:
                raise InvalidInput(f"{name} must be non-empty text", field=name.replace("_", "-"))
        if not os.path.isabs(self.module):
            raise InvalidInput("the PKCS#11 module must be an absolute path",
                               field="pkcs11-module")
        if self.token_serial is not None and (not isinstance(self.token_serial, str)
                                              or not self.token_serial):
            raise InvalidInput("the token serial must be non-empty text", field="token_serial")

    def pin_path(self) -> Path:
        """The PIN file to read now: ``$SKMS_PKCS11_PIN_FILE`` or the recorded one."""
        return Path(os.environ.get(PIN_FILE_ENV) or self.pin_file)

    def read_pin(self) -> bytearray:
        """The PIN, as a buffer the caller wipes."""
        return read_pin_file(self.pin_path())

    def open(self) -> TokenSession:
        """A logged-in session on the recorded token (the serial checked when recorded)."""
        pin = self.read_pin()
        try:
            return open_token(self.module, self.token_label, pin, token_serial=self.token_serial)
        finally:
            zeroize(pin)

    def bound(self, token: TokenSession) -> Pkcs11Config:
        """This config with the serial of the token it just opened (``skms init``)."""
        return replace(self, token_serial=token.info.serial,
                       pin_file=str(Path(self.pin_file).absolute()))

    def to_dict(self) -> dict[str, str]:
        if self.token_serial is None:
            raise InvalidInput("an unbound PKCS#11 config cannot be recorded",
                               field="token_serial")
        return {"module": self.module, "token_label": self.token_label,
                "token_serial": self.token_serial, "pin_file": self.pin_file}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Pkcs11Config:
        """Strict parse of :meth:`to_dict`'s output."""
        if not isinstance(data, Mapping) or set(data) != set(_NAMES):
            raise InvalidInput("the pkcs11 config needs exactly " + ", ".join(_NAMES),
                               field="pkcs11")
        values = {name: data[name] for name in _NAMES}
        if not all(isinstance(value, str) and value for value in values.values()):
            raise InvalidInput("pkcs11 config values must be non-empty text", field="pkcs11")
        return cls(module=values["module"], token_label=values["token_label"],
                   pin_file=values["pin_file"], token_serial=values["token_serial"])
