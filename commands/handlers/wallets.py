"""Handlers: HD wallets (create, import, derive, export, mark used, back up, recover).

Secrets travel beside the signed command (``decision.inputs``), never inside it; the
command carries what the actor vouches for instead:

* ``ImportWallet``: the seed's BIP-32 master fingerprint (public), checked here against the
  mnemonic (and passphrase) inputs, as ``Sign`` checks its message digest.
* ``CreateWallet``: whether a BIP-39 passphrase is used (the passphrase is an input).
* ``RecoverWallet``: the backup id and the share indexes presented; the share documents
  are the ``shares`` input.

Results that carry secrets (the new mnemonic, share documents) exist only in the returned
outcome: nothing is returned before the events commit, so no secret is handed out without
its record.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from commands.handlers.lookups import wallet_in_chain
from commands.handlers.registry import handles
from ledger.application import Decision
from ledger.authorization import SYSTEM_CHAIN
from ledger.crypto import hd
from ledger.crypto.memory import zeroize
from ledger.crypto.shamir import InvalidShare
from ledger.domain.wallet import Wallet
from ledger.errors import CommandRejected, InvalidInput
from ledger.recipes.wallet_backup import make_backup, recover_seed
from ledger.recipes.wallet_material import check_strength, create_seed, open_seed, seal_seed

DEFAULT_PURPOSES = ["44", "49", "84", "86"]
DEFAULT_CURVES = ["secp256k1"]
DEFAULT_GAP_LIMIT = 20
"""BIP-44's account discovery stops after 20 unused addresses; wallets expect that window."""


def _utf8(value: bytes | bytearray, name: str) -> str:
    text: str | None = None
    try:
        text = bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None:  # raised outside the except block: nothing secret is chained
        raise InvalidInput("must be UTF-8 text", field=name)
    return text


def _settings(args: Mapping[str, Any]) -> tuple[list[str], list[str], int]:
    purposes = sorted(set(args.get("purposes") or DEFAULT_PURPOSES))
    curves = sorted(set(args.get("curves") or DEFAULT_CURVES))
    if any(p != "slip10" for p in purposes) and "secp256k1" not in curves:
        raise InvalidInput("BIP-44/49/84/86 purposes need the secp256k1 curve", field="curves")
    return purposes, curves, args.get("gap_limit") or DEFAULT_GAP_LIMIT


def _wallet_domain(decision: Decision) -> str:
    ledger, command = decision.ledger, decision.command
    if command.chain_id == SYSTEM_CHAIN:
        raise InvalidInput("wallets live in key domains, not the system chain", field="domain")
    assert ledger.meta is not None
    if ledger.meta.fips_mode:
        raise CommandRejected("HD wallets (secp256k1, BIP-39) are not FIPS-approved and this "
                              "ledger runs in FIPS mode", reason_code="fips")
    return command.chain_id


def _passphrase(decision: Decision) -> str:
    passphrase = _utf8(decision.inputs["passphrase"], "passphrase")
    if bool(passphrase) != decision.args["has_passphrase"]:
        raise InvalidInput("has_passphrase must say whether a passphrase is given",
                           field="has_passphrase")
    return passphrase


def _create(decision: Decision, wallet_id: uuid.UUID, *, source: str, word_count: int,
            language: str, master_fingerprint: bytes, sealed_seed: bytes,
            data_key_ref: str) -> Wallet:
    args = decision.args
    purposes, curves, gap_limit = _settings(args)
    wallet = Wallet.create(Wallet.Created, aggregate_id=wallet_id, at=decision.now,
                           wallet_id=str(wallet_id), domain=_wallet_domain(decision),
                           label=args.get("label"), source=source, word_count=word_count,
                           language=language, has_passphrase=args["has_passphrase"],
                           master_fingerprint=master_fingerprint, sealed_seed=sealed_seed,
                           data_key_ref=data_key_ref, purposes=purposes, curves=curves,
                           gap_limit=gap_limit)
    decision.touch(wallet)
    return wallet


@handles("CreateWallet")
def create_wallet(decision: Decision) -> dict[str, Any]:
    """A new wallet from fresh entropy; the mnemonic is in the result, once, and nowhere else."""
    args = decision.args
    _wallet_domain(decision)
    _settings(args)  # refuse before any entropy is drawn
    passphrase = _passphrase(decision)
    wallet_id = decision.ledger.new_id()
    mnemonic, sealed = create_seed(decision.ledger.material, str(wallet_id),
                                   args["word_count"], args["language"], passphrase)
    _create(decision, wallet_id, source="generated", word_count=args["word_count"],
            language=args["language"], master_fingerprint=sealed.master_fingerprint,
            sealed_seed=sealed.sealed_seed, data_key_ref=sealed.data_key_ref)
    return {"wallet_id": str(wallet_id), "mnemonic": mnemonic.text,
            "word_count": args["word_count"], "language": args["language"],
            "master_fingerprint": sealed.master_fingerprint.hex()}


@handles("ImportWallet")
def import_wallet(decision: Decision) -> dict[str, Any]:
    """A wallet from an existing mnemonic, checked (checksum, strength, signed fingerprint)."""
    ledger, args = decision.ledger, decision.args
    _wallet_domain(decision)
    passphrase = _passphrase(decision)
    mnemonic = hd.parse_mnemonic(_utf8(decision.inputs["mnemonic"], "mnemonic"),
                                 args.get("language"))
    check_strength(mnemonic, allow_weak=args["allow_weak"])
    _settings(args)
    wallet_id = ledger.new_id()
    with hd.wiped(hd.seed_from_mnemonic(mnemonic, passphrase)) as seed:
        fingerprint = hd.master_fingerprint(seed)
        if fingerprint.hex() != args["master_fingerprint"].lower():
            raise InvalidInput("the mnemonic (and passphrase) do not match the signed "
                               "master_fingerprint", field="master_fingerprint")
        if any(w.master_fingerprint == fingerprint for w in ledger.wallets.values()):
            raise CommandRejected("a wallet with this seed is already in the ledger",
                                  field="mnemonic", reason_code="duplicate")
        sealed = seal_seed(ledger.material, seed, str(wallet_id), 1)
    _create(decision, wallet_id, source="imported", word_count=mnemonic.word_count,
            language=mnemonic.language, master_fingerprint=sealed.master_fingerprint,
            sealed_seed=sealed.sealed_seed, data_key_ref=sealed.data_key_ref)
    return {"wallet_id": str(wallet_id), "word_count": mnemonic.word_count,
            "language": mnemonic.language,
            "master_fingerprint": sealed.master_fingerprint.hex()}


def _route(args: Mapping[str, Any]) -> tuple[str, str, str]:
    purpose = args["purpose"]
    coin = args.get("coin") or ("none" if purpose == "slip10" else "bitcoin")
    if coin not in hd.COINS[purpose]:
        raise InvalidInput(f"must be one of {', '.join(sorted(hd.COINS[purpose]))} for "
                           f"purpose {purpose}", field="coin")
    curve = args["curve"]
    hd.check_route(purpose, coin, curve)
    return purpose, coin, curve


@handles("DeriveAddress")
def derive_address(decision: Decision) -> dict[str, Any]:
    """The next address of one chain; refused past the gap limit before the seed is opened."""
    args = decision.args
    wallet = wallet_in_chain(decision)
    purpose, coin, curve = _route(args)
    account, change = args["account"], args["change"]
    index = wallet.next_address_index(purpose=purpose, coin=coin, curve=curve,
                                      account=account, change=change)
    with open_seed(decision.ledger.material, wallet) as seed:
        derived = hd.derive_address(seed, purpose=purpose, coin=coin, curve=curve,
                                    account=account, change=change, index=index)
    wallet.record_address(actor_id=decision.command.actor_id, path=derived.path,
                          purpose=purpose, coin=coin, curve=curve, account=account,
                          change=change, index=index, public_key=derived.public_key,
                          address=derived.address, at=decision.now)
    return {"wallet_id": wallet.wallet_id, "path": derived.path, "purpose": purpose,
            "coin": coin, "curve": curve, "account": account, "change": change,
            "index": index, "public_key": derived.public_key.hex(),
            "address": derived.address}


@handles("MarkAddressUsed")
def mark_address_used(decision: Decision) -> dict[str, Any]:
    wallet = wallet_in_chain(decision)
    path, curve = decision.args["path"], decision.args["curve"]
    wallet.mark_used(actor_id=decision.command.actor_id, path=path, curve=curve,
                     at=decision.now)
    return {"wallet_id": wallet.wallet_id, "path": path, "curve": curve, "used": True}


@handles("ExportXpub")
def export_xpub(decision: Decision) -> dict[str, Any]:
    """An account's extended public key for watch-only use; every export is recorded."""
    args = decision.args
    wallet = wallet_in_chain(decision)
    purpose = args["purpose"]
    if purpose == "slip10":
        raise InvalidInput("SLIP-10 accounts have no extended public key", field="purpose")
    coin = args.get("coin") or "bitcoin"
    if coin not in hd.COINS[purpose]:
        raise InvalidInput(f"must be one of {', '.join(sorted(hd.COINS[purpose]))} for "
                           f"purpose {purpose}", field="coin")
    account = args["account"]
    wallet.check_can_export(purpose)
    with open_seed(decision.ledger.material, wallet) as seed:
        account_path, xpub = hd.account_xpub(seed, purpose=purpose, coin=coin, account=account)
    wallet.record_xpub_export(actor_id=decision.command.actor_id, purpose=purpose, coin=coin,
                              account=account, account_path=account_path, xpub=xpub,
                              at=decision.now)
    return {"wallet_id": wallet.wallet_id, "purpose": purpose, "coin": coin,
            "account": account, "account_path": account_path, "xpub": xpub}


@handles("BackupWallet")
def backup_wallet(decision: Decision) -> dict[str, Any]:
    """Split the seed threshold-of-n for named custodians; shares only in the result."""
    args = decision.args
    wallet = wallet_in_chain(decision)
    custodians = list(args["custodians"])
    if len(set(custodians)) != len(custodians):
        raise InvalidInput("name distinct custodians", field="custodians")
    threshold = args["threshold"]
    if threshold > len(custodians):
        raise InvalidInput(f"must be a whole number from 1 to {len(custodians)}",
                           field="threshold")
    split_id = str(uuid.uuid4())
    with open_seed(decision.ledger.material, wallet) as seed:
        backup = make_backup(seed, wallet_id=wallet.wallet_id, split_id=split_id,
                             scheme=args["scheme"], threshold=threshold,
                             custodians=custodians,
                             master_fingerprint=wallet.master_fingerprint)
    wallet.record_split(actor_id=decision.command.actor_id, split_id=split_id,
                        scheme=backup.scheme_id, threshold=threshold, custodians=custodians,
                        commitment_digests=backup.commitment_digests,
                        ciphertext_digest=backup.ciphertext_digest, at=decision.now)
    return {"wallet_id": wallet.wallet_id, "split_id": split_id, "scheme": backup.scheme_id,
            "threshold": threshold, "share_count": len(custodians),
            "custodians": custodians, "documents": backup.documents}


def _share_documents(shares: Sequence[bytes]) -> list[dict[str, Any]]:
    documents = []
    for position, raw in enumerate(shares):
        document: Any = None
        try:
            document = json.loads(_utf8(raw, "shares"))
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise InvalidInput(f"presented share {position + 1} is not a share document",
                               field="shares")
        documents.append(document)
    return documents


@handles("RecoverWallet")
def recover_wallet(decision: Decision) -> dict[str, Any]:
    """Rebuild the seed from shares, check it is this wallet's, seal it again (new version)."""
    ledger, args = decision.ledger, decision.args
    wallet = wallet_in_chain(decision)
    split = wallet.split(args["split_id"])
    documents = _share_documents(decision.inputs["shares"])
    presented = sorted(d["index"] for d in documents if isinstance(d.get("index"), int))
    if presented != sorted(args["share_indexes"]) or len(presented) != len(documents):
        raise InvalidInput("the presented shares are not the ones the command names",
                           field="share_indexes")
    problem: InvalidShare | None = None
    try:
        seed, indexes = recover_seed(documents, wallet_id=wallet.wallet_id, split=split)
    except InvalidShare as error:
        problem = error
    if problem is not None:  # recorded: a forged or damaged share is worth an audit entry
        raise CommandRejected(problem.message, field="shares", hint=problem.hint,
                              reason_code="invalid-share")
    version = wallet.seed_version + 1
    try:
        if hd.master_fingerprint(seed) != wallet.master_fingerprint:
            raise CommandRejected("the shares rebuild a different seed than this wallet's",
                                  field="shares", reason_code="fingerprint-mismatch")
        sealed = seal_seed(ledger.material, seed, wallet.wallet_id, version)
    finally:
        zeroize(seed)
    wallet.record_recovery(actor_id=decision.command.actor_id, split_id=split["split_id"],
                           share_indexes=indexes, sealed_seed=sealed.sealed_seed,
                           data_key_ref=sealed.data_key_ref, at=decision.now)
    return {"wallet_id": wallet.wallet_id, "split_id": split["split_id"],
            "share_indexes": indexes,
            "custodians": [split["custodians"][i - 1] for i in indexes],
            "seed_version": version, "master_fingerprint": wallet.master_fingerprint.hex()}
