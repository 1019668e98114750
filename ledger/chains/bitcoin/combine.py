"""The BIP-174 Combiner role: merge PSBTs of one transaction signed by different keys.

Why it is needed here: in an m-of-n multisig each ledger key signs its own copy (one
command, one event each); the combiner then joins their partial signatures before the
finalizer runs. Refusals: different unsigned transactions, or the same key holding two
different values (two signers disagreeing is a fault to see, not to paper over).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from ledger.chains.bitcoin.psbt import Psbt
from ledger.errors import InvalidInput

__all__ = ["combine_psbts"]


def _merge(target: Any, source: Any, where: str) -> None:
    for spec in fields(target):
        mine, theirs = getattr(target, spec.name), getattr(source, spec.name)
        if isinstance(mine, dict):
            for key, value in theirs.items():
                if key in mine and mine[key] != value:
                    raise InvalidInput(f"the PSBTs disagree on {spec.name}", field=where)
                mine[key] = value
        elif theirs is not None:
            if mine is not None and mine != theirs:
                raise InvalidInput(f"the PSBTs disagree on {spec.name}", field=where)
            setattr(target, spec.name, theirs)


def combine_psbts(psbts: Sequence[Psbt]) -> Psbt:
    if not psbts:
        raise InvalidInput("nothing to combine", field="psbts")
    result = psbts[0].copy()
    for position, other in enumerate(psbts[1:], start=1):
        if other.tx != result.tx:
            raise InvalidInput(f"PSBT {position} is for a different transaction",
                               field="psbts")
        for key, value in other.xpubs.items():
            if result.xpubs.get(key, value) != value:
                raise InvalidInput("the PSBTs disagree on an xpub origin", field="psbt.global")
            result.xpubs[key] = value
        result.proprietary.update(other.proprietary)
        result.unknown.update(other.unknown)
        for index, entry in enumerate(other.inputs):
            _merge(result.inputs[index], entry, f"psbt.inputs[{index}]")
        for index, out in enumerate(other.outputs):
            _merge(result.outputs[index], out, f"psbt.outputs[{index}]")
    return result
