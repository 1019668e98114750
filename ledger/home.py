"""The ledger home: configuration, KEK parameters and local identities on disk.

Layout of ``$SKMS_HOME``::

    config.json          store URL, ledger id, public KEK parameters, sealed ledger key,
                         and (with an HSM) the PKCS#11 module, token and PIN file path
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
from ledger.hsm.config import Pkcs11Config
from ledger.hsm.keystore import HsmKeyStore
from ledger.hsm.pkcs11_kek import PROVIDER as PKCS11_PROVIDER
from ledger.hsm.pkcs11_kek import Pkcs11KEK
from ledger.recipes.kek_change import move_secret
from ledger.recipes.kek_fence import KekFence, KekState, note_configuration_written
from ledger.recipes.sealing import seal_private_key, unseal_private_key
from ledger.stores.base import EventStore, KeyRing
from ledger.stores.url import open_store

CONFIG_FORMAT = 1
SOFTWARE_KEK = "passphrase"
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


@dataclass(frozen=True, slots=True, repr=False)
class HeldIdentity:
    """A registered identity with its private key opened, for a whole-ledger backup (the
    caller wipes ``private_key``)."""

    identity: Identity
    private_key: bytearray

    def __repr__(self) -> str:
        return f"HeldIdentity({self.identity.name})"


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

    def create(self, passphrase: bytearray | None, *, kdf: str = "scrypt", fips: bool = False,
               kek_provider: str = SOFTWARE_KEK, pkcs11: Pkcs11Config | None = None
               ) -> tuple[KEKProvider, bytearray, str]:
        """Write a new config with fresh KEK parameters and ledger signing key (``fips``:
        PBKDF2 only, recorded in the config so that :meth:`open_kek` refuses scrypt).

        ``kek_provider`` ``pkcs11`` generates the KEK on the token ``pkcs11`` names (no
        passphrase then); with the passphrase KEK, ``pkcs11`` names the HSM that holds
        token-resident keys only. Returns the KEK, the ledger key seed (caller zeroes it)
        and the ledger id.
        """
        if fips and kdf != KDF_PBKDF2:
            raise ConfigurationError("FIPS mode derives the KEK with PBKDF2-HMAC-SHA256, "
                                     f"not {kdf}", field="kdf")
        if self.exists():
            raise ConfigurationError(f"a ledger home already exists at {self.path}",
                                     hint="choose another --home or remove it")
        if kek_provider not in (SOFTWARE_KEK, PKCS11_PROVIDER):
            raise InvalidInput(f"the KEK is {SOFTWARE_KEK} or {PKCS11_PROVIDER}", field="kek")
        if kek_provider == PKCS11_PROVIDER and pkcs11 is None:
            raise InvalidInput("a pkcs11 KEK needs --pkcs11-module, --token-label and "
                               "--pin-file", field="pkcs11-module")
        if kek_provider == SOFTWARE_KEK and passphrase is None:
            raise ConfigurationError("initializing needs a passphrase",
                                     hint="set SKMS_PASSPHRASE or use --passphrase-file")
        ledger_id = str(uuid.uuid4())
        kek: KEKProvider
        bound = None if pkcs11 is None else self._bind_token(pkcs11)
        if kek_provider == PKCS11_PROVIDER and bound is not None:
            pin = bound.read_pin()
            try:
                kek, params = Pkcs11KEK.create(bound.module, bound.token_label, pin,
                                               key_label=f"skms-kek-{ledger_id}")
            finally:
                zeroize(pin)
        else:
            assert passphrase is not None
            kek, params = PassphraseKEK.create(passphrase, kdf)
        scheme = get_scheme("ed25519")
        seed = random_bytes(scheme.seed_size)
        ledger_key = scheme.generate(seed)
        zeroize(seed)
        self._write_config(ledger_id, params, kek, ledger_key, fips=fips, pkcs11=bound)
        return kek, ledger_key, ledger_id

    def restore(self, passphrase: bytearray, *, ledger_id: str, ledger_key: bytearray,
                kdf: str = "scrypt", fips: bool = False) -> KEKProvider:
        """Write the config of a home rebuilt from a whole-ledger backup: the ledger's own
        id and signing key (from the bundle) sealed under a fresh passphrase KEK. The log
        is replayed into the home afterwards; the caller keeps ``ledger_key``."""
        if self.exists():
            raise ConfigurationError(f"a ledger home already exists at {self.path}",
                                     hint="restore into a new --home")
        if fips and kdf != KDF_PBKDF2:
            raise ConfigurationError("FIPS mode derives the KEK with PBKDF2-HMAC-SHA256, "
                                     f"not {kdf}", field="kdf")
        kek, params = PassphraseKEK.create(passphrase, kdf)
        self._write_config(ledger_id, params, kek, ledger_key, fips=fips, pkcs11=None)
        return kek

    def _write_config(self, ledger_id: str, params: dict[str, Any], kek: KEKProvider,
                      ledger_key: bytearray, *, fips: bool, pkcs11: Pkcs11Config | None
                      ) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        os.chmod(self.path, 0o700)
        scheme = get_scheme("ed25519")
        sealed = seal_private_key(ledger_key, kek, aad=LEDGER_KEY_AAD)
        config: dict[str, Any] = {
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
        if pkcs11 is not None:
            config["pkcs11"] = pkcs11.to_dict()
        self._save_config(config)

    @staticmethod
    def _bind_token(pkcs11: Pkcs11Config) -> Pkcs11Config:
        """Log in once (a wrong PIN or label fails before anything is written) and record
        the token's serial, which every later open must match."""
        with pkcs11.open() as token:
            return pkcs11.bound(token)

    # --- opening -----------------------------------------------------------------------------

    def kek_provider(self) -> str:
        """``pkcs11`` when the KEK lives on a token, else ``passphrase``."""
        params = self.config()["kek"]
        return PKCS11_PROVIDER if params.get("provider") == PKCS11_PROVIDER else SOFTWARE_KEK

    def kek_description(self, params: dict[str, Any] | None = None) -> str:
        """What the genesis event records as its KEK provider (public): the home's KEK,
        or the one ``params`` describe."""
        params = self.config()["kek"] if params is None else params
        if params.get("provider") == PKCS11_PROVIDER:
            return (f"pkcs11-{params['method']}:{params['token_label']}/"
                    f"{params['token_serial']}")[:100]
        return f"passphrase-{params['kdf']}"

    def needs_passphrase(self) -> bool:
        return self.kek_provider() == SOFTWARE_KEK

    def pkcs11_config(self) -> Pkcs11Config | None:
        """The home's HSM (PKCS#11 module, token, PIN file), if it names one."""
        entry = self.config().get("pkcs11")
        return None if entry is None else Pkcs11Config.from_dict(entry)

    def key_store(self) -> HsmKeyStore | None:
        """The home's token for token-resident keys (opened on first use), if any."""
        config = self.pkcs11_config()
        return None if config is None else HsmKeyStore(config)

    def open_kek(self, passphrase: bytearray | None) -> KEKProvider:
        """The KEK: re-derived from ``passphrase``, or reached on the token with the PIN
        read from the home's PIN file (``passphrase`` is then not needed). A FIPS-mode home
        refuses a passphrase KEK derived with anything but PBKDF2."""
        config = self.config()
        params = config["kek"]
        if (config.get("fips") is True and params.get("provider") != PKCS11_PROVIDER
                and params.get("kdf") != KDF_PBKDF2):
            raise ConfigurationError("this home runs in FIPS mode and refuses a "
                                     f"{params.get('kdf')} KEK", field="kek",
                                     hint="FIPS mode takes PBKDF2-HMAC-SHA256 only")
        return self._open_kek_params(params, passphrase)

    def _open_kek_params(self, params: dict[str, Any], passphrase: bytearray | None
                         ) -> KEKProvider:
        if params.get("provider") == PKCS11_PROVIDER:
            pkcs11 = self.pkcs11_config()
            if pkcs11 is None:
                raise ConfigurationError("the KEK is on a PKCS#11 token but the home names "
                                         "no token", field="pkcs11")
            pin = pkcs11.read_pin()
            try:
                return Pkcs11KEK.from_params(pin, params)
            finally:
                zeroize(pin)
        if passphrase is None:
            raise ConfigurationError("this command needs the ledger passphrase",
                                     hint="set SKMS_PASSPHRASE or use --passphrase-file")
        return PassphraseKEK.from_params(passphrase, params)

    # --- KEK rotation (ledger/recipes/kek_change.py) -----------------------------------------

    def name_hsm(self, pkcs11: Pkcs11Config) -> None:
        """Record ``pkcs11`` as the home's token (once: a home has one HSM, which holds its
        token-resident keys, so another is refused rather than orphaning them)."""
        bound = self._bind_token(pkcs11)
        existing = self.pkcs11_config()
        if existing is not None:
            if (existing.module, existing.token_label, existing.token_serial) != (
                    bound.module, bound.token_label, bound.token_serial):
                raise InvalidInput("this home already names another PKCS#11 token",
                                   field="pkcs11-module",
                                   hint="the KEK can move to a new key on the home's token")
            return
        config = self.config()
        config["pkcs11"] = bound.to_dict()
        self._save_config(config)

    def begin_kek_change(self, params: dict[str, object]) -> None:
        """Save the new KEK's public parameters before anything moves (``kek_next``)."""
        config = self.config()
        config["kek_next"] = params
        self._save_config(config)

    def pending_kek(self) -> dict[str, Any] | None:
        """The new KEK of an unfinished rotation, if any."""
        pending = self.config().get("kek_next")
        return pending if isinstance(pending, dict) else None

    def open_pending_kek(self, passphrase: bytearray | None) -> KEKProvider:
        """Reopen ``kek_next`` (a resumed rotation) as :meth:`open_kek` opens ``kek``."""
        pending = self.pending_kek()
        if pending is None:
            raise ConfigurationError("no KEK rotation is pending in this home")
        return self._open_kek_params(pending, passphrase)

    def kek_fence(self, kek: KEKProvider) -> KekFence:
        """The fence keeping this process's uses of ``kek`` (opened from the home's KEK as
        it is now) in step with a rotation another process runs
        (:mod:`ledger.recipes.kek_fence`)."""
        def read() -> KekState:
            config = self.config()
            return KekState(config["kek"], isinstance(config.get("kek_next"), dict))
        return KekFence(self.path, kek, self.config()["kek"], read, self._reopen_kek)

    def _reopen_kek(self, params: dict[str, Any]) -> KEKProvider:
        """The home's KEK after a rotation this process did not run: a token KEK is
        reached with the home's PIN file; a passphrase this process cannot know."""
        if params.get("provider") == PKCS11_PROVIDER:
            return self._open_kek_params(params, None)
        raise ConfigurationError(
            f"this home's KEK was rotated (now {self.kek_description(params)}) after this "
            "process opened it", field="kek",
            hint="restart it with the new passphrase (SKMS_PASSPHRASE)")

    def rewrap_secrets(self, old: KEKProvider, new: KEKProvider) -> int:
        """Move the ledger key and every identity key to ``new``; each file is replaced
        atomically, and one already under ``new`` (a resumed run) is left as it is."""
        moved = 0
        config = self.config()
        entry = config["ledger_key"]
        rewrapped = move_secret(_unb64(entry.get("wrapped_data_key"), "ledger_key"), old, new,
                                LEDGER_KEY_AAD)
        if rewrapped is not None:
            entry["wrapped_data_key"] = _b64(rewrapped)
            self._save_config(config)
        moved += 1
        folder = self.path / "identities"
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            data = json.loads(path.read_text())
            rewrapped = move_secret(_unb64(data.get("wrapped_data_key"), "identity"), old, new,
                                    self._identity_aad(data["name"]))
            if rewrapped is not None:
                data["wrapped_data_key"] = _b64(rewrapped)
                self._write_json(path, data)
            moved += 1
        return moved

    def finish_kek_change(self) -> None:
        """Make ``kek_next`` the home's KEK (one atomic write)."""
        config = self.config()
        pending = config.pop("kek_next", None)
        if not isinstance(pending, dict):
            raise ConfigurationError("no KEK rotation is pending in this home")
        config["kek"] = pending
        self._save_config(config)

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
        if self._identity_path(name).exists():
            raise InvalidInput(f"an identity named {name!r} already exists here", field="name")
        scheme = get_scheme("ed25519")
        seed = random_bytes(scheme.seed_size)
        private_key = scheme.generate(seed)
        zeroize(seed)
        try:
            return self.put_identity(name, "", private_key, kek)
        finally:
            zeroize(private_key)

    def put_identity(self, name: str, actor_id: str, private_key: bytearray,
                     kek: KEKProvider) -> bytes:
        """Seal ``private_key`` (the caller's to wipe) as identity ``name``: a new one, or one
        a whole-ledger backup gives back. Returns its public key."""
        path = self._identity_path(name)
        public_key = get_scheme("ed25519").public_key(private_key)
        sealed = seal_private_key(private_key, kek, aad=self._identity_aad(name))
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._write_json(path, {"name": name, "actor_id": actor_id,
                                "public_key": public_key.hex(),
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

    def held_identities(self, kek: KEKProvider) -> list[HeldIdentity]:
        """Every registered identity with its key opened (wipe each ``private_key``)."""
        held: list[HeldIdentity] = []
        try:
            for identity in self.identities():
                if identity.actor_id:
                    held.append(HeldIdentity(identity, self.identity_key(identity.name, kek)))
        except BaseException:
            for entry in held:
                zeroize(entry.private_key)
            raise
        return held

    @staticmethod
    def _identity_aad(name: str) -> bytes:
        return f"skms-identity:v1:{name}".encode()

    def _save_config(self, config: dict[str, Any]) -> None:
        """Every write of the configuration goes here, so the KEK fences of processes
        using this home learn of it (:mod:`ledger.recipes.kek_fence`, requirement 4)."""
        self._write_json(self.config_path, config)
        note_configuration_written(self.path)

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
