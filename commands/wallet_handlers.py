"""Handlers for HD wallets: create, import, derive, export, mark used, back up, recover.

Same shape as :mod:`commands.handlers` (load the wallet, let the aggregate check, unseal
once, call one primitive, record one event) and kept apart for the reason
:mod:`commands.crypto_handlers` is: secrets travel *beside* the signed command
(``inputs``), never inside it, because command bytes are stored in the log forever. The
command carries what the actor vouches for instead:

* ``ImportWallet``: the seed's BIP-32 master fingerprint (public), checked here against the
  mnemonic in ``inputs["mnemonic"]`` (and ``inputs["passphrase"]``), as ``Sign`` checks
  its message digest.
* ``CreateWallet``: whether a BIP-39 passphrase is used (the passphrase itself is an input).
* ``RecoverWallet``: the backup id and the share indexes presented; the share documents
  are inputs (``share:1``, ``share:2``, …).

Results that carry secrets (the new mnemonic, share documents) exist only in the returned
outcome: ``submit`` returns nothing before the events commit, so no secret is handed out
without its record.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from commands.handlers import _str, _str_list
from ledger.application import Decision, Ledger, Outcome
from ledger.authorization import SYSTEM_CHAIN
from ledger.command import SignedCommand
from ledger.crypto import hd
from ledger.crypto.memory import zeroize
from ledger.crypto.shamir import InvalidShare
from ledger.domain.wallet import Wallet
from ledger.errors import CommandRejected, InvalidInput
from ledger.wallet_backup import SCHEMES, make_backup, recover_seed
from ledger.wallet_material import check_strength, create_seed, open_seed, seal_seed

__all__ = ["DEFAULT_CURVES", "DEFAULT_GAP_LIMIT", "DEFAULT_PURPOSES", "WALLET_COMMANDS",
           "execute_wallet", "share_input_name"]

WalletHandler = Callable[[Decision, Mapping[str, bytes]], Any]

DEFAULT_PURPOSES = ["44", "49", "84", "86"]
DEFAULT_CURVES = ["secp256k1"]
DEFAULT_GAP_LIMIT = 20
"""BIP-44's account discovery stops after 20 unused addresses; wallets expect that window."""
MAX_GAP_LIMIT = 1000
MAX_CUSTODIANS = 16
"""SLIP-39 allows 16 members; the same bound keeps Feldman backups manageable."""


def share_input_name(position: int) -> str:
    """The ``inputs`` key of the ``position``-th presented share document."""
    return f"share:{position}"


# --- argument helpers ---------------------------------------------------------------------

def _int(args: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = args.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidInput(f"must be a whole number from {low} to {high}", field=name)
    return value


def _choice(args: Mapping[str, Any], name: str, default: str, choices: Sequence[str]) -> str:
    value = args.get(name, default)
    if value not in choices:
        raise InvalidInput(f"must be one of {', '.join(choices)}", field=name)
    return str(value)


def _subset(args: Mapping[str, Any], name: str, default: list[str],
            choices: Sequence[str]) -> list[str]:
    values = _str_list(dict(args), name, default)
    if not values or not set(values) <= set(choices):
        raise InvalidInput(f"must be a non-empty list drawn from {', '.join(choices)}",
                           field=name)
    return sorted(set(values))


def _utf8(inputs: Mapping[str, bytes], name: str, *, required: bool) -> str:
    raw = inputs.get(name)
    if raw is None:
        if required:
            raise InvalidInput("required input is missing", field=name)
        return ""
    text: str | None = None
    try:
        text = bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None:  # raised outside the except block: nothing secret is chained
        raise InvalidInput("must be UTF-8 text", field=name)
    return text


def _label(args: Mapping[str, Any]) -> str | None:
    label = args.get("label")
    if label is not None and (not isinstance(label, str) or len(label) > 200):
        raise InvalidInput("must be text of at most 200 characters", field="label")
    return label


def _settings(args: Mapping[str, Any]) -> tuple[list[str], list[str], int]:
    purposes = _subset(args, "purposes", DEFAULT_PURPOSES, hd.PURPOSES)
    curves = _subset(args, "curves", DEFAULT_CURVES, list(hd.CURVES))
    if any(p != "slip10" for p in purposes) and "secp256k1" not in curves:
        raise InvalidInput("BIP-44/49/84/86 purposes need the secp256k1 curve", field="curves")
    gap_limit = _int(args, "gap_limit", DEFAULT_GAP_LIMIT, 1, MAX_GAP_LIMIT)
    return purposes, curves, gap_limit


def _wallet_domain(decision: Decision) -> str:
    ledger, command = decision.ledger, decision.command
    if command.chain_id == SYSTEM_CHAIN:
        raise InvalidInput("wallets live in key domains, not the system chain", field="domain")
    assert ledger.meta is not None
    if ledger.meta.fips_mode:
        raise CommandRejected("HD wallets (secp256k1, BIP-39) are not FIPS-approved and this "
                              "ledger runs in FIPS mode", reason_code="fips")
    return command.chain_id


def _wallet_in_chain(decision: Decision) -> Wallet:
    wallet = decision.ledger.wallet(_str(dict(decision.command.args), "wallet_id"))
    if wallet.domain != decision.command.chain_id:
        raise CommandRejected(f"wallet {wallet.wallet_id} belongs to domain "
                              f"{wallet.domain!r}, not {decision.command.chain_id!r}",
                              field="chain_id", reason_code="wrong-chain")
    decision.touch(wallet)
    return wallet


# --- creating -----------------------------------------------------------------------------

def create_wallet(decision: Decision, inputs: Mapping[str, bytes]) -> dict[str, Any]:
    """A new wallet from fresh entropy; the mnemonic is in the result, once, and nowhere else."""
    ledger, args = decision.ledger, decision.command.args
    domain = _wallet_domain(decision)
    word_count = _int(args, "word_count", 24, 12, 24)
    if word_count not in hd.WORD_COUNTS:
        raise InvalidInput("must be 12, 15, 18, 21 or 24", field="word_count")
    language = _choice(args, "language", "english", list(hd.LANGUAGES))
    has_passphrase = bool(args.get("has_passphrase", False))
    passphrase = _utf8(inputs, "passphrase", required=has_passphrase)
    if bool(passphrase) != has_passphrase:
        raise InvalidInput("has_passphrase must say whether a passphrase is given",
                           field="has_passphrase")
    purposes, curves, gap_limit = _settings(args)
    wallet_id = ledger.new_id()
    mnemonic, sealed = create_seed(str(wallet_id), word_count, language, passphrase,
                                   ledger.kek, ledger.keyring)
    wallet = Wallet._create(Wallet.Created, id=wallet_id, wallet_id=str(wallet_id),
                            domain=domain, label=_label(args), source="generated",
                            word_count=word_count, language=language,
                            has_passphrase=has_passphrase,
                            master_fingerprint=sealed.master_fingerprint,
                            sealed_seed=sealed.sealed_seed, data_key_ref=sealed.data_key_ref,
                            purposes=purposes, curves=curves, gap_limit=gap_limit)
    decision.touch(wallet)
    return {"wallet_id": str(wallet_id), "mnemonic": mnemonic.text, "word_count": word_count,
            "language": language, "master_fingerprint": sealed.master_fingerprint.hex()}


def import_wallet(decision: Decision, inputs: Mapping[str, bytes]) -> dict[str, Any]:
    """A wallet from an existing mnemonic, checked (checksum, strength, signed fingerprint)."""
    ledger, args = decision.ledger, decision.command.args
    domain = _wallet_domain(decision)
    claimed = args.get("master_fingerprint")
    if not isinstance(claimed, str) or len(claimed) != 8:
        raise InvalidInput("must be the 8 hex digits of the seed's BIP-32 fingerprint",
                           field="master_fingerprint")
    language = args.get("language")
    if language is not None and language not in hd.LANGUAGES:
        raise InvalidInput(f"must be one of {', '.join(hd.LANGUAGES)}", field="language")
    has_passphrase = bool(args.get("has_passphrase", False))
    passphrase = _utf8(inputs, "passphrase", required=has_passphrase)
    if bool(passphrase) != has_passphrase:
        raise InvalidInput("has_passphrase must say whether a passphrase is given",
                           field="has_passphrase")
    mnemonic = hd.parse_mnemonic(_utf8(inputs, "mnemonic", required=True), language)
    check_strength(mnemonic, allow_weak=bool(args.get("allow_weak", False)))
    purposes, curves, gap_limit = _settings(args)
    wallet_id = ledger.new_id()
    with hd.wiped(hd.seed_from_mnemonic(mnemonic, passphrase)) as seed:
        fingerprint = hd.master_fingerprint(seed)
        if fingerprint.hex() != claimed.lower():
            raise InvalidInput("the mnemonic (and passphrase) do not match the signed "
                               "master_fingerprint", field="master_fingerprint")
        if any(w.master_fingerprint == fingerprint for w in ledger.wallets.values()):
            raise CommandRejected("a wallet with this seed is already in the ledger",
                                  field="mnemonic", reason_code="duplicate")
        sealed = seal_seed(seed, str(wallet_id), 1, ledger.kek, ledger.keyring)
    wallet = Wallet._create(Wallet.Created, id=wallet_id, wallet_id=str(wallet_id),
                            domain=domain, label=_label(args), source="imported",
                            word_count=mnemonic.word_count, language=mnemonic.language,
                            has_passphrase=has_passphrase,
                            master_fingerprint=sealed.master_fingerprint,
                            sealed_seed=sealed.sealed_seed, data_key_ref=sealed.data_key_ref,
                            purposes=purposes, curves=curves, gap_limit=gap_limit)
    decision.touch(wallet)
    return {"wallet_id": str(wallet_id), "word_count": mnemonic.word_count,
            "language": mnemonic.language,
            "master_fingerprint": sealed.master_fingerprint.hex()}


# --- using --------------------------------------------------------------------------------

def _route(args: Mapping[str, Any]) -> tuple[str, str, str]:
    purpose = _choice(args, "purpose", "84", hd.PURPOSES)
    coin = _choice(args, "coin", "none" if purpose == "slip10" else "bitcoin",
                   sorted(hd.COINS[purpose]))
    curve = _choice(args, "curve", "secp256k1", list(hd.CURVES))
    hd.check_route(purpose, coin, curve)
    return purpose, coin, curve


def derive_address(decision: Decision, inputs: Mapping[str, bytes]) -> dict[str, Any]:
    """The next address of one chain; refused past the gap limit before the seed is opened."""
    args = decision.command.args
    wallet = _wallet_in_chain(decision)
    purpose, coin, curve = _route(args)
    account = _int(args, "account", 0, 0, hd.MAX_INDEX)
    change = _int(args, "change", 0, 0, 1)
    index = wallet.next_address_index(purpose=purpose, coin=coin, curve=curve,
                                      account=account, change=change)
    with open_seed(wallet, decision.ledger.kek, decision.ledger.keyring) as seed:
        derived = hd.derive_address(seed, purpose=purpose, coin=coin, curve=curve,
                                    account=account, change=change, index=index)
    wallet.record_address(actor_id=decision.command.actor_id, path=derived.path,
                          purpose=purpose, coin=coin, curve=curve, account=account,
                          change=change, index=index, public_key=derived.public_key,
                          address=derived.address)
    return {"wallet_id": wallet.wallet_id, "path": derived.path, "purpose": purpose,
            "coin": coin, "curve": curve, "account": account, "change": change,
            "index": index, "public_key": derived.public_key.hex(),
            "address": derived.address}


def mark_address_used(decision: Decision, inputs: Mapping[str, bytes]) -> dict[str, Any]:
    wallet = _wallet_in_chain(decision)
    args = decision.command.args
    path = _str(dict(args), "path", limit=200)
    curve = _choice(args, "curve", "secp256k1", list(hd.CURVES))
    wallet.mark_used(actor_id=decision.command.actor_id, path=path, curve=curve)
    return {"wallet_id": wallet.wallet_id, "path": path, "curve": curve, "used": True}


def export_xpub(decision: Decision, inputs: Mapping[str, bytes]) -> dict[str, Any]:
    """An account's extended public key for watch-only use; every export is recorded."""
    args = decision.command.args
    wallet = _wallet_in_chain(decision)
    purpose = _choice(args, "purpose", "84", [p for p in hd.PURPOSES if p != "slip10"])
    coin = _choice(args, "coin", "bitcoin", sorted(hd.COINS[purpose]))
    account = _int(args, "account", 0, 0, hd.MAX_INDEX)
    wallet.check_can_export(purpose)
    with open_seed(wallet, decision.ledger.kek, decision.ledger.keyring) as seed:
        account_path, xpub = hd.account_xpub(seed, purpose=purpose, coin=coin, account=account)
    wallet.record_xpub_export(actor_id=decision.command.actor_id, purpose=purpose, coin=coin,
                              account=account, account_path=account_path, xpub=xpub)
    return {"wallet_id": wallet.wallet_id, "purpose": purpose, "coin": coin,
            "account": account, "account_path": account_path, "xpub": xpub}


# --- backups ------------------------------------------------------------------------------

def backup_wallet(decision: Decision, inputs: Mapping[str, bytes]) -> dict[str, Any]:
    """Split the seed threshold-of-n for named custodians; shares only in the result."""
    args = dict(decision.command.args)
    wallet = _wallet_in_chain(decision)
    scheme = _choice(args, "scheme", "feldman", list(SCHEMES))
    custodians = _str_list(args, "custodians", [])
    if not 1 <= len(custodians) <= MAX_CUSTODIANS or len(set(custodians)) != len(custodians):
        raise InvalidInput(f"name 1 to {MAX_CUSTODIANS} distinct custodians", field="custodians")
    if any(len(name) > 100 for name in custodians):
        raise InvalidInput("custodian names have at most 100 characters", field="custodians")
    threshold = _int(args, "threshold", 2, 1, len(custodians))
    split_id = str(uuid.uuid4())
    with open_seed(wallet, decision.ledger.kek, decision.ledger.keyring) as seed:
        backup = make_backup(seed, wallet_id=wallet.wallet_id, split_id=split_id,
                             scheme=scheme, threshold=threshold, custodians=custodians,
                             master_fingerprint=wallet.master_fingerprint)
    wallet.record_split(actor_id=decision.command.actor_id, split_id=split_id,
                        scheme=backup.scheme_id, threshold=threshold, custodians=custodians,
                        commitment_digests=backup.commitment_digests,
                        ciphertext_digest=backup.ciphertext_digest)
    return {"wallet_id": wallet.wallet_id, "split_id": split_id, "scheme": backup.scheme_id,
            "threshold": threshold, "share_count": len(custodians),
            "custodians": custodians, "documents": backup.documents}


def _share_documents(inputs: Mapping[str, bytes]) -> list[dict[str, Any]]:
    documents = []
    position = 0
    while share_input_name(position) in inputs:
        text = _utf8(inputs, share_input_name(position), required=True)
        document: Any = None
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise InvalidInput(f"presented share {position + 1} is not a share document",
                               field="shares")
        documents.append(document)
        position += 1
    return documents


def recover_wallet(decision: Decision, inputs: Mapping[str, bytes]) -> dict[str, Any]:
    """Rebuild the seed from shares, check it is this wallet's, seal it again (new version)."""
    ledger, args = decision.ledger, dict(decision.command.args)
    wallet = _wallet_in_chain(decision)
    split = wallet.split(_str(args, "split_id", limit=100))
    claimed = args.get("share_indexes")
    if not isinstance(claimed, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in claimed):
        raise InvalidInput("must list the indexes of the presented shares",
                           field="share_indexes")
    documents = _share_documents(inputs)
    presented = sorted(d["index"] for d in documents if isinstance(d.get("index"), int))
    if presented != sorted(claimed) or len(presented) != len(documents):
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
        sealed = seal_seed(seed, wallet.wallet_id, version, ledger.kek, ledger.keyring)
    finally:
        zeroize(seed)
    wallet.record_recovery(actor_id=decision.command.actor_id, split_id=split["split_id"],
                           share_indexes=indexes, sealed_seed=sealed.sealed_seed,
                           data_key_ref=sealed.data_key_ref)
    return {"wallet_id": wallet.wallet_id, "split_id": split["split_id"],
            "share_indexes": indexes,
            "custodians": [split["custodians"][i - 1] for i in indexes],
            "seed_version": version, "master_fingerprint": wallet.master_fingerprint.hex()}


WALLET_COMMANDS: dict[str, WalletHandler] = {
    "CreateWallet": create_wallet,
    "ImportWallet": import_wallet,
    "DeriveAddress": derive_address,
    "MarkAddressUsed": mark_address_used,
    "ExportXpub": export_xpub,
    "BackupWallet": backup_wallet,
    "RecoverWallet": recover_wallet,
}


def execute_wallet(ledger: Ledger, signed: SignedCommand,
                   inputs: Mapping[str, bytes] | None) -> Outcome[Any]:
    """Run a wallet command with its out-of-band inputs (never signed, never stored)."""
    handler = WALLET_COMMANDS[signed.command.command_type]
    given = dict(inputs or {})
    return ledger.submit(signed, lambda decision: handler(decision, given))
