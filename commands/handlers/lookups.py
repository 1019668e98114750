"""What handlers look up: the key or wallet a command names, in the command's own chain,
and the checks of data a command vouches for by digest."""

from __future__ import annotations

import hashlib
import hmac

from ledger.application import Decision
from ledger.domain.key import Key
from ledger.domain.wallet import Wallet
from ledger.errors import CommandRejected, InvalidInput


def key_in_chain(decision: Decision) -> Key:
    """The command's key, touched; refused when it belongs to another domain."""
    key = decision.ledger.key(decision.args["key_id"])
    if key.domain != decision.command.chain_id:
        raise CommandRejected(f"key {key.key_id} belongs to domain {key.domain!r}, not "
                              f"{decision.command.chain_id!r}", field="chain_id",
                              reason_code="wrong-chain")
    decision.touch(key)
    return key


def wallet_in_chain(decision: Decision) -> Wallet:
    """The command's wallet, touched; refused when it belongs to another domain."""
    wallet = decision.ledger.wallet(decision.args["wallet_id"])
    if wallet.domain != decision.command.chain_id:
        raise CommandRejected(f"wallet {wallet.wallet_id} belongs to domain "
                              f"{wallet.domain!r}, not {decision.command.chain_id!r}",
                              field="chain_id", reason_code="wrong-chain")
    decision.touch(wallet)
    return wallet


def sha256(data: bytes | bytearray) -> bytes:
    return hashlib.sha256(data).digest()


def matching_digest(decision: Decision, name: str, data: bytes | bytearray) -> bytes:
    """The signed digest ``args[name]``, after checking it is SHA-256 of ``data`` (the
    actor vouched for the digest; the data itself is never signed or stored)."""
    claimed = bytes.fromhex(decision.args[name])
    if not hmac.compare_digest(sha256(data), claimed):
        raise InvalidInput(f"the data does not match the signed {name}", field=name)
    return claimed
