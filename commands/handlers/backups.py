"""Handlers: threshold backups of the key-ring, and restoring them.

The recipe is :mod:`ledger.recipes.backup_bundle`. A backup carries each key version's
*data key* taken off this home's KEK (the sealed material itself is in the log, which is
copied and replayed freely); a restore checks the bundle is the one the log recorded,
rebuilds its key from threshold shares checked against the recorded digests, and puts back
only data keys that open the log's sealed material for a version that still exists.
"""

from __future__ import annotations

import json
from typing import Any

from commands.handlers.registry import handles
from ledger.application import Decision
from ledger.crypto.memory import zeroize
from ledger.domain.custody import Backup
from ledger.domain.key import Key, KeyState
from ledger.errors import CryptoError, InvalidCiphertext, InvalidInput
from ledger.recipes import backup_bundle, custody_keys
from ledger.recipes.backup_bundle import Entry
from ledger.recipes.key_material import material_aad
from ledger.recipes.sealing import open_with_data_key


def _chosen_keys(decision: Decision) -> list[Key]:
    state, args = decision.ledger.state, decision.args
    if args["all_keys"] == bool(args["key_ids"]):
        raise InvalidInput("name keys (--key) or --all, not both or neither", field="key_ids")
    if args["all_keys"]:
        return [k for k in state.keys.values() if k.state is not KeyState.DESTROYED]
    keys = [state.key(key_id) for key_id in dict.fromkeys(args["key_ids"])]
    for key in keys:
        if key.state is KeyState.DESTROYED:
            raise InvalidInput(f"key {key.key_id} was destroyed; nothing to back up",
                               field="key_ids")
    return keys


def _entries(decision: Decision, keys: list[Key]) -> list[Entry]:
    material = decision.ledger.material
    entries: list[Entry] = []
    try:
        for key in keys:
            for version, record in sorted(key.versions.items()):
                wrapped = material.keyring.get(record["data_key_ref"])
                if wrapped is None:
                    raise CryptoError(f"key {key.key_id} v{version} has no data key in this "
                                      "key-ring", hint="restore it from an earlier backup "
                                                       "first")
                data_key = material.open_data_key(wrapped, material_aad(key.key_id, version))
                entries.append(Entry({"kind": "key-version", "id": key.key_id,
                                      "domain": key.domain, "version": version,
                                      "ref": record["data_key_ref"]}, data_key))
    except BaseException:
        for entry in entries:
            zeroize(entry.secret)
        raise
    return entries


@handles("CreateBackup")
def create_backup(decision: Decision) -> dict[str, Any]:
    ledger, args = decision.ledger, decision.args
    keys = _chosen_keys(decision)
    custodians = [custody_keys.parse_public(doc, field="custodians")
                  for doc in args["custodians"]]
    backup_id = ledger.new_id()
    assert ledger.meta is not None
    entries = _entries(decision, keys)
    try:
        made = backup_bundle.create(
            entries, bundle_id=str(backup_id), ledger_id=str(ledger.state.ledger_id),
            ledger_public_key=ledger.meta.ledger_public_key, sign=ledger.ledger_signature,
            created_at=decision.now, created_by=decision.command.actor_id,
            custodians=custodians, threshold=args["threshold"], scheme=args["scheme"])
    finally:
        for entry in entries:
            zeroize(entry.secret)
    held = [{"key_id": k.key_id, "domain": k.domain, "versions": sorted(k.versions)}
            for k in keys]
    backup = Backup.create(
        Backup.Created, aggregate_id=backup_id, at=decision.now, backup_id=str(backup_id),
        scheme=made.scheme_id, threshold=args["threshold"], share_count=len(custodians),
        custodians=[c.name for c in custodians], custodian_kems=[c.kem for c in custodians],
        custodian_key_digests=made.custodian_digests, keys=held, wallets=[],
        includes_ledger_key=False, identities=[], bundle_digest=made.digest,
        commitment_digests=made.commitment_digests, ciphertext_digest=made.ciphertext_digest,
        actor_id=decision.command.actor_id)
    decision.touch(backup)
    return {"backup_id": backup.backup_id, "scheme": made.scheme_id,
            "threshold": backup.threshold, "share_count": backup.share_count,
            "custodians": list(backup.custodians), "key_count": len(held),
            "version_count": len(entries), "bundle_digest": made.digest.hex(),
            "bundle": made.bundle}


def _json(data: bytes | bytearray, field: str) -> Any:
    try:
        return json.loads(bytes(data))
    except ValueError:
        raise InvalidInput("not a JSON document", field=field) from None


def _restore_one(decision: Decision, line: Any, data_key: bytearray) -> str | None:
    """Put one data key back; the reason it was skipped, or None once restored."""
    state, material = decision.ledger.state, decision.ledger.material
    key = state.keys.get(str(line.get("id")))
    if key is None:
        return "not in the log"
    if key.state is KeyState.DESTROYED:
        return "destroyed"  # crypto-shredding holds: a backup never revives it
    version = line.get("version")
    record = key.versions.get(version) if isinstance(version, int) else None
    if record is None or record["data_key_ref"] != line.get("ref"):
        return "differs from the log"
    if material.keyring.get(record["data_key_ref"]) is not None:
        return "present"
    aad = material_aad(key.key_id, version)
    try:
        zeroize(open_with_data_key(record["sealed_material"], data_key, aad=aad))
    except (InvalidCiphertext, CryptoError, InvalidInput):
        return "differs from the log"
    material.store_data_key(record["data_key_ref"], data_key, aad)
    return None


@handles("RestoreBackup")
def restore_backup(decision: Decision) -> dict[str, Any]:
    ledger = decision.ledger
    backup: Backup = ledger.state.backup(decision.args["backup_id"])
    assert ledger.meta is not None
    checked = backup_bundle.verify(_json(decision.inputs["bundle"], "bundle"),
                                   ledger_public_key=ledger.meta.ledger_public_key)
    if checked.digest != backup.bundle_digest or checked.bundle["bundle_id"] != \
            backup.backup_id:
        raise InvalidInput(f"the bundle is not the one backup {backup.backup_id} recorded",
                           field="bundle")
    shares = [_json(share, "shares") for share in decision.inputs["shares"]]
    secrets, indexes = backup_bundle.open_payload(checked, shares, backup.split_record())
    restored: list[str] = []
    skipped: list[tuple[str, str]] = []
    try:
        for secret in secrets:
            reason = _restore_one(decision, secret.public, secret.secret)
            ref = str(secret.public.get("ref"))
            if reason is None:
                restored.append(ref)
            else:
                skipped.append((ref, reason))
    finally:
        for secret in secrets:
            zeroize(secret.secret)
    backup.restore(share_indexes=indexes, restored_refs=restored, skipped=skipped,
                   home_secrets=[], actor_id=decision.command.actor_id, at=decision.now)
    decision.touch(backup)
    return {"backup_id": backup.backup_id, "share_indexes": indexes,
            "custodians": [backup.custodians[i - 1] for i in indexes],
            "restored_refs": restored, "skipped_refs": [r for r, _ in skipped],
            "skipped_reasons": [why for _, why in skipped]}
