"""The ledger home: configuration, KEK parameters and local identities on disk.

Layout of ``$SKMS_HOME``::

    config.json          store URL, ledger id, public KEK parameters, sealed ledger key
    ledger.db            default SQLite event store (WAL)
    ledger.keyring.db    wrapped data keys, beside the log (crypto-shredding)
    identities/NAME.json actors' Ed25519 identity keys, sealed under the KEK

Why identities live here: the CLI acts *for* actors, so it must hold their signing keys;
a service or SDK client holds its own instead. Nothing in this folder is needed to audit:
``skms audit`` reads only the store.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.crypto.entropy import random_bytes
from ledger.crypto.kek import KDF_PBKDF2, KEKProvider, PassphraseKEK
from ledger.crypto.memory import zeroize
from ledger.crypto.schemes import get_scheme
from ledger.domain.actor import check_actor_name
from ledger.errors import ConfigurationError, InvalidInput, NotFound
from ledger.recipes.sealing import seal_private_key, unseal_private_key
from ledger.stores.base import EventStore, KeyRing
from ledger.stores.url import open_store

CONFIG_FORMAT = 1
LEDGER_KEY_AAD = b"skms-ledger-signing-key:v1"


def default_home() -> Path:
    return Path(os.environ.get("SKMS_HOME") or Path.home() / ".skms")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: object, field: str) -> bytes:
    if not isinstance(text, str):
        raise ConfigurationError("missing or not text", field=field)
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise ConfigurationError("not valid base64", field=field) from None


@dataclass
class Identity:
    """An actor identity held by this home (public part always readable)."""

    name: str
    actor_id: str
    public_key: bytes


class Home:
    """Reads and writes one ledger home; never holds secrets longer than a call needs."""

    def __init__(self, path: Path, store_url: str | None = None) -> None:
        self.path = path
        self._store_override = store_url

    @property
    def config_path(self) -> Path:
        return self.path / "config.json"

    def exists(self) -> bool:
        return self.config_path.is_file()

    def config(self) -> dict[str, Any]:
        if not self.exists():
            raise ConfigurationError(f"no ledger home at {self.path}",
                                     hint="run 'skms init' (or pass --home / set SKMS_HOME)")
        try:
            data = json.loads(self.config_path.read_text())
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"cannot read {self.config_path}: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != CONFIG_FORMAT:
            raise ConfigurationError(f"{self.config_path} is not an SKMS {CONFIG_FORMAT} config")
        return data

    DEFAULT_STORE = "sqlite:///ledger.db"
    """The store of a home that names none: ``ledger.db`` in the home (a relative URL, so
    the home can be moved or restored elsewhere)."""

    def store_url(self) -> str:
        if self._store_override:
            return self._store_override
        if self.exists():
            return str(self.config().get("store") or self.DEFAULT_STORE)
        return self.DEFAULT_STORE

    def open_store(self) -> tuple[EventStore, KeyRing]:
        """The store this home names (relative sqlite paths are inside the home)."""
        return open_store(self.store_url(), base=self.path)

    # --- creation ----------------------------------------------------------------------------

    def create(self, passphrase: bytearray, *, kdf: str = "scrypt", fips: bool = False
               ) -> tuple[KEKProvider, bytearray, str]:
        """Write a new config with fresh KEK parameters and ledger signing key (``fips``:
        PBKDF2 only, recorded in the config so that :meth:`open_kek` refuses scrypt).

        Returns the KEK, the ledger key seed (caller zeroes it) and the ledger id.
        """
        if fips and kdf != KDF_PBKDF2:
            raise ConfigurationError("FIPS mode derives the KEK with PBKDF2-HMAC-SHA256, "
                                     f"not {kdf}", field="kdf")
        if self.exists():
            raise ConfigurationError(f"a ledger home already exists at {self.path}",
                                     hint="choose another --home or remove it")
        self.path.mkdir(parents=True, exist_ok=True)
        os.chmod(self.path, 0o700)
        kek, params = PassphraseKEK.create(passphrase, kdf)
        scheme = get_scheme("ed25519")
        seed = random_bytes(scheme.seed_size)
        ledger_key = scheme.generate(seed)
        zeroize(seed)
        sealed = seal_private_key(ledger_key, kek, aad=LEDGER_KEY_AAD)
        ledger_id = str(uuid.uuid4())
        config = {
            "format": CONFIG_FORMAT,
            "ledger_id": ledger_id,
            "store": self._store_override or self.DEFAULT_STORE,
            "kek": params,
            **({"fips": True} if fips else {}),
            "ledger_key": {
                "public_key": scheme.public_key(ledger_key).hex(),
                "sealed_material": _b64(sealed.sealed_material),
                "wrapped_data_key": _b64(sealed.wrapped_data_key),
            },
        }
        self._write_json(self.config_path, config)
        return kek, ledger_key, ledger_id

    # --- opening -----------------------------------------------------------------------------

    def open_kek(self, passphrase: bytearray) -> KEKProvider:
        config = self.config()
        if config.get("fips") is True and config["kek"].get("kdf") != KDF_PBKDF2:
            raise ConfigurationError("this home runs in FIPS mode and refuses a "
                                     f"{config['kek'].get('kdf')} KEK", field="kek",
                                     hint="FIPS mode takes PBKDF2-HMAC-SHA256 only")
        return PassphraseKEK.from_params(passphrase, config["kek"])

    def ledger_key(self, kek: KEKProvider) -> bytearray:
        entry = self.config()["ledger_key"]
        return unseal_private_key(_unb64(entry.get("sealed_material"), "ledger_key"),
                                  _unb64(entry.get("wrapped_data_key"), "ledger_key"), kek,
                                  aad=LEDGER_KEY_AAD)

    def ledger_public_key(self) -> bytes:
        return bytes.fromhex(self.config()["ledger_key"]["public_key"])

    # --- identities --------------------------------------------------------------------------

    def _identity_path(self, name: str) -> Path:
        if not name or not all(c.isalnum() or c in "-_." for c in name) or name.startswith("."):
            raise InvalidInput("use letters, digits, '-', '_' or '.'", field="name")
        return self.path / "identities" / f"{name}.json"

    def new_identity(self, name: str, kek: KEKProvider) -> bytes:
        """Create and seal a fresh Ed25519 identity key; returns its public key."""
        check_actor_name(name, (identity.name for identity in self.identities()))
        path = self._identity_path(name)
        if path.exists():
            raise InvalidInput(f"an identity named {name!r} already exists here", field="name")
        scheme = get_scheme("ed25519")
        seed = random_bytes(scheme.seed_size)
        private_key = scheme.generate(seed)
        zeroize(seed)
        public_key = scheme.public_key(private_key)
        sealed = seal_private_key(private_key, kek, aad=self._identity_aad(name))
        zeroize(private_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._write_json(path, {"name": name, "actor_id": "", "public_key": public_key.hex(),
                                "sealed_material": _b64(sealed.sealed_material),
                                "wrapped_data_key": _b64(sealed.wrapped_data_key)})
        return public_key

    def bind_identity(self, name: str, actor_id: str) -> None:
        """Record the actor id the ledger gave this identity."""
        path = self._identity_path(name)
        data = json.loads(path.read_text())
        data["actor_id"] = actor_id
        self._write_json(path, data)

    def forget_identity(self, name: str) -> None:
        """Remove an identity the ledger never registered (its registration was refused);
        a registered one stays: it signed commands the log holds."""
        path = self._identity_path(name)
        if path.is_file() and not json.loads(path.read_text()).get("actor_id"):
            path.unlink()

    def identities(self) -> list[Identity]:
        folder = self.path / "identities"
        found = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            data = json.loads(path.read_text())
            found.append(Identity(data["name"], data["actor_id"],
                                  bytes.fromhex(data["public_key"])))
        return found

    def identity(self, name: str) -> Identity:
        path = self._identity_path(name)
        if not path.is_file():
            raise NotFound(f"this home holds no identity named {name!r}", field="as",
                           hint="see 'skms actor list'")
        data = json.loads(path.read_text())
        return Identity(data["name"], data["actor_id"], bytes.fromhex(data["public_key"]))

    def identity_key(self, name: str, kek: KEKProvider) -> bytearray:
        data = json.loads(self._identity_path(name).read_text())
        return unseal_private_key(_unb64(data.get("sealed_material"), "identity"),
                                  _unb64(data.get("wrapped_data_key"), "identity"), kek,
                                  aad=self._identity_aad(name))

    @staticmethod
    def _identity_aad(name: str) -> bytes:
        return f"skms-identity:v1:{name}".encode()

    @staticmethod
    def _write_json(path: Path, data: dict[str, Any]) -> None:
        temporary = path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
