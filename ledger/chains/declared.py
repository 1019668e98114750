"""What a client declares about a chain transaction before the ledger signs it.

Why: a chain signing command carries, among its signed arguments, the value the transaction
moves (``value``, in the chain's smallest unit, decimal text). An approval policy compares
that argument with a limit *before* the command runs (the custody issue's hook), so it must
be computable from the command's inputs alone, the same way by every client, and the
handler must refuse a command whose transaction moves more than it declares.

Requirements:

1. Inputs arrive as bytes (a file on the CLI, base64 in JSON): an Ethereum transaction is a
   UTF-8 JSON object, a Solana transaction base64 text of its wire bytes, a PSBT either its
   binary form (starting with the magic) or base64 text.
2. EVM: the transaction's ``value``. Solana: the sum of its System Program transfers.
   Both are exactly what the signer finds (the handler checks equality).
3. Bitcoin: the outputs a wallet does not mark as its own (no BIP-32 or taproot derivation
   field): what the user sees as "sent". Such marks are only claims, so the handler checks
   that the outputs paying anyone but the signing key (:func:`psbt_outgoing_value`) do not
   exceed the declared value; a lying mark makes the command refused, never cheaper.
4. Every failure is an ``InvalidInput`` naming the input.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from typing import Any

from ledger.chains import ethereum, solana
from ledger.chains.bitcoin.addresses import output_script
from ledger.chains.bitcoin.encoding import (
    hash160,
    p2sh_script,
    p2wsh_script,
    parse_multisig,
    sha256,
)
from ledger.chains.bitcoin.psbt import MAGIC, Psbt
from ledger.errors import InvalidInput

__all__ = [
    "evm_value",
    "json_document",
    "psbt_declared_value",
    "psbt_outgoing_value",
    "read_psbt",
    "solana_text",
    "solana_value",
]

SINGLE_KEY_TYPES = ("p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr")


def _utf8(data: bytes | bytearray, field: str) -> str:
    if not isinstance(data, bytes | bytearray):
        raise InvalidInput("must be bytes", field=field)
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("must be UTF-8 text", field=field) from None


def json_document(data: bytes | bytearray, field: str) -> dict[str, Any]:
    """A JSON object from UTF-8 bytes."""
    try:
        document = json.loads(_utf8(data, field))
    except ValueError:
        raise InvalidInput("is not valid JSON", field=field) from None
    if not isinstance(document, dict):
        raise InvalidInput("must be a JSON object", field=field)
    return document


def evm_value(tx: bytes | bytearray) -> int:
    """The wei an Ethereum transaction (JSON bytes) moves."""
    return ethereum.transaction_value(json_document(tx, "tx"))


def solana_text(tx: bytes | bytearray) -> str:
    """The base64 text of a Solana wire transaction given as bytes."""
    return _utf8(tx, "tx").strip()


def solana_value(tx: bytes | bytearray) -> int:
    """The lamports a Solana wire transaction (base64 text bytes) moves by System transfers."""
    return sum(t.value for t in solana.transaction_transfers(solana_text(tx)))


def read_psbt(data: bytes | bytearray) -> Psbt:
    """A PSBT from its binary form or from base64 text."""
    if not isinstance(data, bytes | bytearray):
        raise InvalidInput("must be bytes", field="psbt")
    raw = bytes(data)
    if raw.startswith(MAGIC):
        return Psbt.from_bytes(raw)
    try:
        decoded = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("is neither a binary PSBT nor base64 text", field="psbt") from None
    return Psbt.from_bytes(decoded)


def psbt_declared_value(data: bytes | bytearray) -> int:
    """Satoshis to outputs the PSBT does not mark as the wallet's own (see the module doc)."""
    psbt = read_psbt(data)
    return sum(out.value for out, meta in zip(psbt.tx.outputs, psbt.outputs, strict=True)
               if not meta.bip32_derivations and not meta.tap_bip32_derivations
               and meta.tap_internal_key is None)


def _co_signed_scripts(psbt: Psbt, public_keys: set[bytes]) -> set[bytes]:
    """Output scripts of multisig scripts (bare P2WSH, P2SH-P2WSH, P2SH) that the PSBT shows
    in full and that name one of ``public_keys``: the signer's own multisig change."""
    scripts: set[bytes] = set()
    for meta in psbt.outputs:
        for script in (meta.witness_script, meta.redeem_script):
            parsed = parse_multisig(script) if script is not None else None
            if parsed is None or not public_keys & set(parsed[1]):
                continue
            assert script is not None
            wsh = p2wsh_script(sha256(script))
            scripts |= {wsh, p2sh_script(hash160(wsh)), p2sh_script(hash160(script))}
    return scripts


def psbt_outgoing_value(psbt: Psbt, public_keys: Iterable[bytes]) -> int:
    """Satoshis to outputs that pay neither the signing keys' own single-key scripts nor a
    multisig script naming them (shown in full by the PSBT)."""
    keys = set(public_keys)
    own = {output_script(key, kind) for key in keys for kind in SINGLE_KEY_TYPES}
    own |= _co_signed_scripts(psbt, keys)
    return sum(out.value for out in psbt.tx.outputs if out.script_pubkey not in own)
