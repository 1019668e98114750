"""Handlers: threshold backups of the key-ring, and restoring them.

The recipe is :mod:`ledger.recipes.backup_bundle`. A backup carries each key version's
and wallet seed's *data key* taken off this home's KEK (the sealed material itself is in
the log, which is copied and replayed freely), with ``--all`` also the data key of every
active threshold seat's signing share (its ``ThresholdKeyCreated`` or
``ThresholdDealAccepted`` holds the share sealed), and, for a whole-ledger backup, the
ledger key and the home's identity keys; a restore checks the bundle is the one the log
recorded, rebuilds its key from threshold shares checked against the recorded digests, and
puts back only data keys that open the log's sealed material for a version (or seat share)
that still exists.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from commands.handlers.registry import handles
from ledger.application import Decision
from ledger.crypto.memory import zeroize
from ledger.domain.custody import Backup
from ledger.domain.key import Key, KeyState
from ledger.domain.threshold_group import ThresholdGroup
from ledger.domain.wallet import Wallet
from ledger.errors import CryptoError, InvalidCiphertext, InvalidInput
from ledger.recipes import backup_bundle, custody_keys
from ledger.recipes.backup_bundle import Entry
from ledger.recipes.key_material import material_aad
from ledger.recipes.sealing import open_with_data_key
from ledger.recipes.threshold_material import state_aad
from ledger.recipes.wallet_material import seed_aad

RESTORED_KINDS = ("key-version", "wallet-seed", "threshold-share")
"""Bundle entries a restore puts back into the key-ring (the others are home secrets)."""


def _seats(decision: Decision) -> list[ThresholdGroup]:
    """The threshold seats ``--all`` backs up: every active one holding a signing share (a
    MuSig2 seat's secret is a ledger key, backed up as one; a retired seat's share was
    shredded)."""
    if not decision.args["all_keys"]:
        return []
    return [g for g in decision.ledger.state.threshold_groups.values()
            if g.stage == "active" and g.share_ref and g.sealed_share]


def _chosen(decision: Decision) -> tuple[list[Key], list[Wallet]]:
    state, args = decision.ledger.state, decision.args
    named = bool(args["key_ids"]) or bool(args["wallet_ids"])
    if args["all_keys"] == named:
        raise InvalidInput("name keys (--keys) or wallets (--wallet), or --all; not both or "
                           "neither", field="key_ids")
    if args["all_keys"]:
        return ([k for k in state.keys.values() if k.state is not KeyState.DESTROYED],
                list(state.wallets.values()))
    keys = [state.key(key_id) for key_id in dict.fromkeys(args["key_ids"])]
    for key in keys:
        if key.state is KeyState.DESTROYED:
            raise InvalidInput(f"key {key.key_id} was destroyed; nothing to back up",
                               field="key_ids")
        if key.threshold_seat() is not None:
            raise InvalidInput(f"key {key.key_id} is a threshold group key: no ledger holds "
                               "it; back up this ledger's seat (its share) with --all",
                               field="key_ids")
        if not _software_versions(key):
            raise InvalidInput(f"key {key.key_id} lives on the HSM token, which never lets "
                               "it out: back the token up by its own means", field="key_ids")
    return keys, [state.wallet(w) for w in dict.fromkeys(args["wallet_ids"])]


def _software_versions(key: Key) -> list[int]:
    """The versions whose material is sealed in the log (a token-resident version has no
    data key: the token holds it, non-extractable; a threshold group key has none at all:
    its seat's share travels as a ``threshold-share`` entry)."""
    return sorted(v for v, record in key.versions.items()
                  if "hsm" not in record and "threshold" not in record)


def _data_key(decision: Decision, ref: str, aad: bytes, what: str) -> bytearray:
    material = decision.ledger.material
    wrapped = material.keyring.get(ref)
    if wrapped is None:
        raise CryptoError(f"{what} has no data key in this key-ring",
                          hint="restore it from an earlier backup first")
    return material.open_data_key(wrapped, aad)


def _home_entries(decision: Decision) -> tuple[list[Entry], list[str]]:
    """The ledger key and the home's registered identities, as bundle entries."""
    ledger = decision.ledger
    assert ledger.meta is not None
    entries = [Entry({"kind": "ledger-key", "id": str(ledger.state.ledger_id),
                      "public_key": ledger.meta.ledger_public_key.hex()},
                     ledger.ledger_key_copy())]
    names: list[str] = []
    for held in ledger.held_identities():
        identity = held.identity
        entries.append(Entry({"kind": "identity", "id": identity.name,
                              "actor_id": identity.actor_id,
                              "public_key": identity.public_key.hex()}, held.private_key))
        names.append(identity.name)
    return entries, names


def _entries(decision: Decision, keys: list[Key], wallets: list[Wallet],
             seats: list[ThresholdGroup]) -> list[Entry]:
    lines: list[tuple[str, str, str, int | None, str, bytes, str]] = [
        ("key-version", key.key_id, key.domain, version,
         key.versions[version]["data_key_ref"], material_aad(key.key_id, version),
         f"key {key.key_id} v{version}")
        for key in keys for version in _software_versions(key)]
    lines += [("wallet-seed", wallet.wallet_id, wallet.domain, version, seed["data_key_ref"],
               seed_aad(wallet.wallet_id, version), f"wallet {wallet.wallet_id} seed v{version}")
              for wallet in wallets for version, seed in sorted(wallet.seeds.items())]
    lines += [("threshold-share", group.group_id, group.domain, None, group.share_ref,
               state_aad(group.group_id, "share"), f"threshold group {group.group_id}'s share")
              for group in seats]
    entries: list[Entry] = []
    try:
        for kind, subject, domain, version, ref, aad, what in lines:
            data_key = _data_key(decision, ref, aad, what)
            line: dict[str, Any] = {"kind": kind, "id": subject, "domain": domain, "ref": ref}
            if version is not None:
                line["version"] = version
            entries.append(Entry(line, data_key))
    except BaseException:
        for entry in entries:
            zeroize(entry.secret)
        raise
    return entries


@handles("CreateBackup")
def create_backup(decision: Decision) -> dict[str, Any]:
    ledger, args = decision.ledger, decision.args
    keys, wallets = _chosen(decision)
    seats = _seats(decision)
    custodians = [custody_keys.parse_public(doc, field="custodians")
                  for doc in args["custodians"]]
    backup_id = ledger.new_id()
    assert ledger.meta is not None
    entries = _entries(decision, keys, wallets, seats)
    identities: list[str] = []
    try:
        if args["whole_ledger"]:
            home, identities = _home_entries(decision)
            entries += home
        made = backup_bundle.create(
            entries, bundle_id=str(backup_id), ledger_id=str(ledger.state.ledger_id),
            ledger_public_key=ledger.meta.ledger_public_key, sign=ledger.ledger_signature,
            created_at=decision.now, created_by=decision.command.actor_id,
            custodians=custodians, threshold=args["threshold"], scheme=args["scheme"])
    finally:
        for entry in entries:
            zeroize(entry.secret)
    held = [{"key_id": k.key_id, "domain": k.domain, "versions": versions}
            for k in keys if (versions := _software_versions(k))]
    held_wallets = [{"wallet_id": w.wallet_id, "domain": w.domain,
                     "versions": sorted(w.seeds)} for w in wallets]
    held_seats = [{"group_id": g.group_id, "domain": g.domain} for g in seats]
    backup = Backup.create(
        Backup.Created, aggregate_id=backup_id, at=decision.now, backup_id=str(backup_id),
        scheme=made.scheme_id, threshold=args["threshold"], share_count=len(custodians),
        custodians=[c.name for c in custodians], custodian_kems=[c.kem for c in custodians],
        custodian_key_digests=made.custodian_digests, keys=held, wallets=held_wallets,
        includes_ledger_key=bool(args["whole_ledger"]), identities=identities,
        threshold_groups=held_seats, bundle_digest=made.digest,
        commitment_digests=made.commitment_digests, ciphertext_digest=made.ciphertext_digest,
        actor_id=decision.command.actor_id)
    decision.touch(backup)
    return {"backup_id": backup.backup_id, "scheme": made.scheme_id,
            "threshold": backup.threshold, "share_count": backup.share_count,
            "custodians": list(backup.custodians), "key_count": len(held),
            "version_count": sum(len(k["versions"]) for k in held),
            "wallet_count": len(held_wallets),
            "includes_ledger_key": backup.includes_ledger_key,
            "identities": identities, "bundle_digest": made.digest.hex(),
            "bundle": made.bundle, "threshold_group_count": len(held_seats)}


def _json(data: bytes | bytearray, field: str) -> Any:
    try:
        return json.loads(bytes(data))
    except ValueError:
        raise InvalidInput("not a JSON document", field=field) from None


def _sealed_in_log(decision: Decision, line: Any) -> tuple[str, bytes, bytes] | str:
    """Where the log keeps what a key-ring line opens (ref, sealed blob, associated data),
    or the reason the line is not restored."""
    state = decision.ledger.state
    version = line.get("version")
    subject = str(line.get("id"))
    if line.get("kind") == "threshold-share":
        group = state.threshold_groups.get(subject)
        if group is None:
            return "not in the log"
        if group.stage == "retired":
            return "retired"  # its share was shredded when it was replaced: never revived
        if not group.sealed_share or group.share_ref != line.get("ref"):
            return "differs from the log"  # e.g. a refreshed share, sealed anew since
        return group.share_ref, group.sealed_share, state_aad(subject, "share")
    if line.get("kind") == "wallet-seed":
        wallet = state.wallets.get(subject)
        if wallet is None:
            return "not in the log"
        seed = wallet.seeds.get(version) if isinstance(version, int) else None
        if seed is None or seed["data_key_ref"] != line.get("ref"):
            return "differs from the log"
        assert isinstance(version, int)
        return seed["data_key_ref"], seed["sealed_seed"], seed_aad(subject, version)
    key = state.keys.get(subject)
    if key is None:
        return "not in the log"
    if key.state is KeyState.DESTROYED:
        return "destroyed"  # crypto-shredding holds: a backup never revives it
    record = key.versions.get(version) if isinstance(version, int) else None
    if record is None or record["data_key_ref"] != line.get("ref"):
        return "differs from the log"
    assert isinstance(version, int)
    return record["data_key_ref"], record["sealed_material"], material_aad(subject, version)


def _restore_one(decision: Decision, line: Any, data_key: bytearray) -> str | None:
    """Put one data key back; the reason it was skipped, or None once restored."""
    material = decision.ledger.material
    found = _sealed_in_log(decision, line)
    if isinstance(found, str):
        return found
    ref, sealed, aad = found
    if material.keyring.get(ref) is not None:
        return "present"
    try:
        zeroize(open_with_data_key(sealed, data_key, aad=aad))
    except (InvalidCiphertext, CryptoError, InvalidInput):
        return "differs from the log"
    material.store_data_key(ref, data_key, aad)
    return None


def _home_holds(decision: Decision, secrets: list[backup_bundle.Secret]) -> list[str]:
    """The bundle's home secrets this home holds, byte for byte: a restore never writes
    them (``skms backup restore-home`` does, before the log is replayed), it says which
    ones the home it ran in has back."""
    ledger = decision.ledger
    lines = [s for s in secrets if s.public.get("kind") in ("ledger-key", "identity")]
    if not lines:
        return []
    held = ledger.held_identities()
    ledger_key = ledger.ledger_key_copy()
    try:
        keys = {f"identity:{h.identity.name}": h.private_key for h in held}
        keys["ledger-key"] = ledger_key
        found = []
        for secret in lines:
            name = ("ledger-key" if secret.public["kind"] == "ledger-key"
                    else f"identity:{secret.public.get('id')}")
            mine = keys.get(name)
            if mine is not None and hmac.compare_digest(bytes(mine), bytes(secret.secret)):
                found.append(name)
        return found
    finally:
        zeroize(ledger_key)
        for entry in held:
            zeroize(entry.private_key)


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
        home_secrets = _home_holds(decision, secrets)
        for secret in secrets:
            if secret.public.get("kind") not in RESTORED_KINDS:
                continue
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
                   home_secrets=home_secrets, actor_id=decision.command.actor_id,
                   at=decision.now)
    decision.touch(backup)
    return {"backup_id": backup.backup_id, "share_indexes": indexes,
            "custodians": [backup.custodians[i - 1] for i in indexes],
            "restored_refs": restored, "skipped_refs": [r for r, _ in skipped],
            "skipped_reasons": [why for _, why in skipped], "home_secrets": home_secrets}
