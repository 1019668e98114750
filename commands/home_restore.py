"""Rebuilding a lost home from a whole-ledger backup bundle and any copy of the log.

Why it is not a catalogue command: there is no home yet to sign it in. The bundle
(``CreateBackup --whole-ledger``) holds the ledger's signing key and the home's identity
keys; the log copy holds everything else, sealed. Order matters, so that a refusal leaves
nothing behind:

1. Everything is checked before anything is written: the log copy opens and names a
   ledger; the bundle is signed by *that* ledger's key and is the one its
   ``BackupCreated`` recorded; the shares rebuild the bundle key (M-1 are refused, naming
   how many are valid and needed); the ledger key in the bundle is the one the log's
   genesis names, and each identity key is the one the log registered for its actor.
2. The new home gets the ledger key and the identities sealed under a *fresh* KEK, and the
   log is replayed into its store through the auditor (:mod:`ledger.replay`).
3. ``RestoreBackup`` then runs as a restored identity, through the ledger like any command:
   it puts the data keys back into the new key-ring and records ``BackupRestored``, which
   names the home secrets this home holds again. An approval quorum on restores applies to
   it as to any restore (it is then left pending for the approvers). Should any step
   after the first write fail, this one included, the new home is removed again.
"""

from __future__ import annotations

import hmac
import json
import shutil
from collections.abc import Sequence
from typing import Any

from commands.session import Session
from ledger.application import Ledger
from ledger.crypto.kek import KDF_PBKDF2, KDF_SCRYPT
from ledger.crypto.memory import zeroize
from ledger.crypto.schemes import get_scheme
from ledger.domain.custody import Backup
from ledger.errors import ConfigurationError, InvalidInput, InvalidSignature
from ledger.home import Home
from ledger.recipes import backup_bundle
from ledger.recipes.backup_bundle import Secret
from ledger.replay import replay
from ledger.state import LedgerState
from ledger.stores.url import open_store

__all__ = ["restore_home"]


def _json(data: bytes, field: str) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        raise InvalidInput("not a JSON document", field=field) from None


def _recorded_backup(reader: Ledger, bundle: Any, pinned: bytes | None
                     ) -> tuple[backup_bundle.Checked, Backup]:
    meta = reader.meta
    if meta is None:
        raise InvalidInput("the log copy holds no ledger", field="from")
    if pinned is not None and not hmac.compare_digest(pinned, meta.ledger_public_key):
        raise InvalidSignature("the log copy is of another ledger than the pinned key's",
                               field="ledger_key")
    checked = backup_bundle.verify(bundle, ledger_public_key=meta.ledger_public_key)
    backup = reader.state.backup(str(checked.bundle["bundle_id"]))
    if checked.digest != backup.bundle_digest:
        raise InvalidInput(f"the bundle is not the one backup {backup.backup_id} recorded",
                           field="bundle")
    if not backup.includes_ledger_key:
        raise InvalidInput(f"backup {backup.backup_id} holds no ledger key: make a "
                           "whole-ledger backup (skms backup create --all --whole-ledger)",
                           field="bundle")
    return checked, backup


def _home_secrets(secrets: Sequence[Secret], state: LedgerState
                  ) -> tuple[Secret, list[Secret]]:
    """The ledger key and the identity keys, each checked against the log."""
    ed25519 = get_scheme("ed25519")
    assert state.meta is not None
    ledger_keys = [s for s in secrets if s.public.get("kind") == "ledger-key"]
    if len(ledger_keys) != 1 or ed25519.public_key(ledger_keys[0].secret) != \
            state.meta.ledger_public_key:
        raise InvalidInput("the bundle's ledger key is not the one the log's genesis names",
                           field="bundle")
    identities = [s for s in secrets if s.public.get("kind") == "identity"]
    for secret in identities:
        actor = state.actors.get(str(secret.public.get("actor_id")))
        public_key = ed25519.public_key(secret.secret)
        if actor is None or actor.public_key != public_key or \
                public_key.hex() != secret.public.get("public_key"):
            raise InvalidInput(f"identity {secret.public.get('id')} is not the key the log "
                               "registered for its actor", field="bundle")
    return ledger_keys[0], identities


def _empty_target(home: Home) -> bool:
    """Whether the new home's folder is new (removed again on failure)."""
    if home.exists():
        raise ConfigurationError(f"a ledger home already exists at {home.path}",
                                 hint="restore into a new --home")
    if home.path.exists() and any(home.path.iterdir()):
        raise ConfigurationError(f"{home.path} is not empty", field="home",
                                 hint="restore into a new, empty folder")
    return not home.path.exists()


def _remove(home: Home, created: bool) -> None:
    """Undo a restore that failed after its first write (the folder stays if it was given)."""
    shutil.rmtree(home.path, ignore_errors=True)
    if not created:
        home.path.mkdir(mode=0o700)


def restore_home(home: Home, passphrase: bytearray, *, bundle: bytes, shares: Sequence[bytes],
                 source_url: str, actor: str, ledger_public_key: bytes | None = None,
                 jobs: int = 1, parallel_from_events: int = 20_000) -> dict[str, Any]:
    """Rebuild ``home`` (new, empty) from ``bundle``, ``shares`` and the log at
    ``source_url``, under a fresh KEK from ``passphrase`` (the caller's to wipe), then
    restore the data keys as ``actor``. ``ledger_public_key``, from a trusted copy, pins
    the ledger: without it the log copy's own genesis is trusted. Returns what was done."""
    created = _empty_target(home)
    document = _json(bundle, "bundle")
    share_documents = [_json(share, "shares") for share in shares]
    source, source_keyring = open_store(source_url)
    try:
        reader = Ledger(source, source_keyring)
        reader.load()
        checked, backup = _recorded_backup(reader, document, ledger_public_key)
        secrets, _ = backup_bundle.open_payload(checked, share_documents,
                                                backup.split_record())
        try:
            ledger_key, identities = _home_secrets(secrets, reader.state)
            if actor not in {str(s.public.get("id")) for s in identities}:
                raise InvalidInput(f"the bundle holds no identity named {actor!r} to run the "
                                   "restore as", field="as")
            assert reader.meta is not None
            try:
                kek = home.restore(passphrase, ledger_id=str(reader.state.ledger_id),
                                   ledger_key=ledger_key.secret,
                                   kdf=KDF_PBKDF2 if reader.meta.fips_mode else KDF_SCRYPT,
                                   fips=reader.meta.fips_mode)
                try:
                    for identity in identities:
                        home.put_identity(str(identity.public["id"]),
                                          str(identity.public["actor_id"]), identity.secret,
                                          kek)
                finally:
                    kek.close()
                target, target_keyring = home.open_store()
                try:
                    if target.chains():
                        raise ConfigurationError(f"the store {target.url} already holds a "
                                                 "ledger", field="store",
                                                 hint="restore into an empty store")
                    replayed = replay(source, target, jobs=jobs,
                                      parallel_from_events=parallel_from_events)
                finally:
                    target.close()
                    target_keyring.close()
            except BaseException:
                _remove(home, created)
                raise
        finally:
            for secret in secrets:
                zeroize(secret.secret)
    finally:
        source.close()
        source_keyring.close()
    session = Session(home, passphrase=bytearray(passphrase))
    try:
        outcome = session.run(actor, "RestoreBackup", backup_id=backup.backup_id,
                              bundle=bundle, shares=list(shares))
    except BaseException:
        session.close()
        _remove(home, created)
        raise
    session.close()
    return {"home": str(home.path), "ledger_id": str(reader.state.ledger_id),
            "backup_id": backup.backup_id, "identities": [str(s.public["id"]) for s in
                                                          identities],
            "events_replayed": sum(replayed.copied.values()),
            "status": outcome.status, "approval_id": outcome.approval_id,
            "restore": outcome.result}
