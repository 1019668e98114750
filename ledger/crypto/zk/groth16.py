"""Groth16 verification on BN254 for proofs in snarkjs's JSON formats.

Why: circom circuits proved with snarkjs are the ecosystem's common currency; SKMS verifies
them itself, in ~2 ms with arkworks (``skms_native``) instead of ~1.3 s with py_ecc, which
remains the independent cross-check in tests.

1. ``VerificationKey``, ``Groth16Proof`` and ``PublicSignals`` hold the documents snarkjs
   writes (``verification_key.json``, ``proof.json``, ``public.json``), each kept as canonical
   JSON (sorted keys, no spaces) so that its SHA-256 ``digest`` names it in a ledger event.
2. Parsing is strict: a JSON object of at most 1 MiB with ``protocol`` "groth16" and
   ``curve`` "bn128"; public signals are canonical decimal strings below the scalar-field
   modulus r (a value ≥ r would alias a smaller one). The extension then checks every
   coordinate is below q, every point is on the curve and in its prime-order subgroup, and
   that ``nPublic``, ``IC`` and the public signals agree in number.
3. Security: BN254 gives about 100 bits against the best known (TNFS) discrete-log attacks;
   soundness of a circuit's proofs also rests on its trusted setup (docs/privacy.md).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.crypto.zk import native
from ledger.errors import InvalidInput

__all__ = [
    "BN254_SCALAR_MODULUS",
    "MAX_JSON_BYTES",
    "Groth16Proof",
    "PublicSignals",
    "VerificationKey",
    "verify",
]

MAX_JSON_BYTES = 1 << 20
MAX_PUBLIC_SIGNALS = 1024
BN254_SCALAR_MODULUS = (
    21888242871839275222246405745257275088548364400416034343698204186575808495617)
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,79}")


def _canonical(document: object) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _load(text: str | bytes, field: str) -> Any:
    if not isinstance(text, str | bytes) or len(text) > MAX_JSON_BYTES:
        raise InvalidInput(f"must be JSON text of at most {MAX_JSON_BYTES} bytes", field=field)
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidInput("not valid JSON", field=field) from None


def _snarkjs_object(document: object, field: str) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise InvalidInput("must be a JSON object", field=field)
    if document.get("protocol") != "groth16":
        raise InvalidInput('protocol must be "groth16"', field=field)
    if document.get("curve") != "bn128":
        raise InvalidInput('curve must be "bn128" (BN254)', field=field)
    return document


@dataclass(frozen=True)
class VerificationKey:
    """A snarkjs Groth16 verification key (public)."""

    canonical_json: str

    @classmethod
    def from_dict(cls, document: Mapping[str, object]) -> VerificationKey:
        checked = _snarkjs_object(dict(document), "vkey")
        n_public = checked.get("nPublic")
        if (isinstance(n_public, bool) or not isinstance(n_public, int)
                or not 0 <= n_public <= MAX_PUBLIC_SIGNALS):
            raise InvalidInput(f"nPublic must be an integer from 0 to {MAX_PUBLIC_SIGNALS}",
                               field="vkey")
        return cls(_canonical(checked))

    @classmethod
    def from_json(cls, text: str | bytes) -> VerificationKey:
        document = _load(text, "vkey")
        if not isinstance(document, dict):
            raise InvalidInput("must be a JSON object", field="vkey")
        return cls.from_dict(document)

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.canonical_json)
        return document

    @property
    def n_public(self) -> int:
        return int(self.to_dict()["nPublic"])

    def digest(self) -> bytes:
        """SHA-256 of the canonical JSON: how a ledger event names this key."""
        return hashlib.sha256(self.canonical_json.encode()).digest()


@dataclass(frozen=True)
class Groth16Proof:
    """A snarkjs Groth16 proof ``(pi_a, pi_b, pi_c)`` (public)."""

    canonical_json: str

    @classmethod
    def from_dict(cls, document: Mapping[str, object]) -> Groth16Proof:
        checked = _snarkjs_object(dict(document), "proof")
        missing = {"pi_a", "pi_b", "pi_c"} - set(checked)
        if missing:
            raise InvalidInput(f"missing {', '.join(sorted(missing))}", field="proof")
        return cls(_canonical(checked))

    @classmethod
    def from_json(cls, text: str | bytes) -> Groth16Proof:
        document = _load(text, "proof")
        if not isinstance(document, dict):
            raise InvalidInput("must be a JSON object", field="proof")
        return cls.from_dict(document)

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.canonical_json)
        return document

    def digest(self) -> bytes:
        """SHA-256 of the canonical JSON: what a ledger event records of a proof."""
        return hashlib.sha256(self.canonical_json.encode()).digest()


@dataclass(frozen=True)
class PublicSignals:
    """The public inputs of a proof, each below the BN254 scalar-field modulus r."""

    values: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.values) > MAX_PUBLIC_SIGNALS:
            raise InvalidInput(f"at most {MAX_PUBLIC_SIGNALS} public signals", field="public")
        for value in self.values:
            if (isinstance(value, bool) or not isinstance(value, int)
                    or not 0 <= value < BN254_SCALAR_MODULUS):
                raise InvalidInput("a public signal is not in [0, r) (BN254 scalar field)",
                                   field="public")

    @classmethod
    def from_list(cls, items: Sequence[object]) -> PublicSignals:
        if not isinstance(items, list):
            raise InvalidInput("must be a JSON array of decimal strings", field="public")
        values = []
        for item in items:
            if not isinstance(item, str) or not _DECIMAL.fullmatch(item):
                raise InvalidInput("a public signal is not a canonical decimal string",
                                   field="public")
            values.append(int(item))
        return cls(tuple(values))

    @classmethod
    def from_json(cls, text: str | bytes) -> PublicSignals:
        document = _load(text, "public")
        if not isinstance(document, list):
            raise InvalidInput("must be a JSON array", field="public")
        return cls.from_list(document)

    def to_list(self) -> list[str]:
        return [str(v) for v in self.values]

    def to_json(self) -> str:
        return _canonical(self.to_list())

    def digest(self) -> bytes:
        return hashlib.sha256(self.to_json().encode()).digest()


def verify(vkey: VerificationKey, proof: Groth16Proof, public: PublicSignals) -> None:
    """Raise ``InvalidSignature`` unless ``proof`` verifies for ``public`` under ``vkey``."""
    if len(public.values) != vkey.n_public:
        raise InvalidInput(f"the key expects {vkey.n_public} public signals, got "
                           f"{len(public.values)}", field="public")
    native.invoke("groth16_verify", vkey.canonical_json, proof.canonical_json, public.to_json())
