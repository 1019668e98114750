"""Circuit keys by the name their ceremony registered (``skms zk snark prove --circuit NAME``).

Why: users think of a circuit by the name in its trusted-setup transcript
(``poseidon_opening``), not by the id of the key that holds its proving key. A name is only
a convenience, so it must never pick a key silently: it resolves to the one *active* circuit
key whose current version's ceremony has that name, a key id is taken as it is, and a name
that fits no active key or several is refused with the candidates named.
"""

from __future__ import annotations

from collections.abc import Mapping

from ledger.crypto.zk.circuit_key import CIRCUIT_KIND_ID
from ledger.domain.key import Key, KeyState
from ledger.errors import InvalidInput

__all__ = ["circuit_key_id"]


def _circuit_of(key: Key) -> str | None:
    made = key.setups.get(key.current_version)
    return None if made is None else str(made["circuit"])


def circuit_key_id(keys: Mapping[str, Key], name_or_id: str, *, where: str = "--circuit"
                   ) -> str:
    """The key id of the circuit key ``name_or_id`` names (see the module doc)."""
    if name_or_id in keys:
        return name_or_id
    circuits = [k for k in keys.values() if k.algorithm == CIRCUIT_KIND_ID]
    named = [k for k in circuits if _circuit_of(k) == name_or_id]
    active = sorted(k.key_id for k in named if k.state == KeyState.ACTIVE)
    if len(active) == 1:
        return active[0]
    if len(active) > 1:
        raise InvalidInput(f"several active circuit keys are named {name_or_id!r} "
                           f"({', '.join(active)}): give the key id", field=where)
    if named:
        raise InvalidInput(f"no active circuit key is named {name_or_id!r} (keys "
                           f"{', '.join(sorted(k.key_id for k in named))} are "
                           f"{', '.join(sorted({str(k.state) for k in named}))})", field=where)
    known = sorted({c for c in map(_circuit_of, circuits) if c})
    raise InvalidInput(f"no circuit key or key id {name_or_id!r}" + (
        f" (registered circuits: {', '.join(known)})" if known else
        " (no circuit is registered: skms zk snark setup)"), field=where)
