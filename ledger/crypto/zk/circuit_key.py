"""Circuit keys (kind ``groth16-bn254``): one circuit's Groth16 proving and verification keys
as ledger key material.

Why a key: a Groth16 proving key is only as good as the ceremony that made it, and a
ledger that proves with it must be able to say which ceremony, since when, and stop using
it (a suspected leak of the ceremony's toxic waste is a key compromise). Holding the keys
as a key gives exactly the lifecycle of every other key: the ceremony recorded with it,
suspension, revocation, compromise, destruction, allowed actors, and every proof recorded
against the version that made it.

1. A version's public key is the snarkjs verification key, as canonical JSON (sorted keys,
   no spaces): `skms key public KEY --format hex` hands it to stock snarkjs.
2. Its sealed material is the proving key (``.zkey``) and the witness generator (``.wasm``)
   packed as ``MAGIC || len(zkey) || zkey || len(wasm) || wasm`` (lengths 4 bytes, big
   endian). Neither is secret (the toxic waste is not in them); sealing them anyway keeps one
   path for all material, and destroying the key removes the ledger's ability to prove.
3. Versions are not generated: they come from a ceremony (``tools/zk/setup_ceremony.py``)
   recorded by ``skms zk snark setup`` (RegisterCircuit); ``CreateKey`` and ``RotateKey``
   refuse this kind: a new ceremony is a new key.
4. The packed material must stay below :data:`MAX_MATERIAL` (768 KiB): the event holding it
   must fit a Kafka record (1 MiB by default). That is room for circuits of about 1,500
   constraints (the built-in ones have 324 and 455); see docs/privacy.md.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ledger.crypto.kinds import KeyKind, KindInfo, register_kind
from ledger.errors import InvalidInput, UnsupportedAlgorithm

__all__ = ["CIRCUIT_KIND_ID", "KIND", "MAX_MATERIAL", "MAX_VKEY", "CircuitKind",
           "CircuitMaterial", "circuit_kind"]

CIRCUIT_KIND_ID = "groth16-bn254"
MAGIC = b"SKMS-GROTH16-MATERIAL-v1\0"
MAX_MATERIAL = 768 * 1024
MAX_VKEY = 64 * 1024
_LENGTH = struct.Struct(">I")


@dataclass(frozen=True)
class CircuitMaterial:
    """A circuit's proving key and witness generator (public files, sealed as material)."""

    zkey: bytes
    wasm: bytes

    def __post_init__(self) -> None:
        if not self.zkey.startswith(b"zkey"):
            raise InvalidInput("not a snarkjs proving key (.zkey)", field="zkey")
        if not self.wasm.startswith(b"\0asm"):
            raise InvalidInput("not a WebAssembly module (.wasm)", field="wasm")
        if self.size() > MAX_MATERIAL:
            raise InvalidInput(f"the proving key and witness generator together exceed "
                               f"{MAX_MATERIAL} bytes (the event must fit a Kafka record)",
                               field="zkey")

    def size(self) -> int:
        """Bytes of the packed material."""
        return len(MAGIC) + 2 * _LENGTH.size + len(self.zkey) + len(self.wasm)

    def pack(self) -> bytearray:
        """The bytes sealed as the version's material."""
        return bytearray(MAGIC + _LENGTH.pack(len(self.zkey)) + self.zkey
                         + _LENGTH.pack(len(self.wasm)) + self.wasm)

    @classmethod
    def unpack(cls, data: bytes | bytearray) -> CircuitMaterial:
        raw = bytes(data)
        if not raw.startswith(MAGIC):
            raise InvalidInput("not groth16-bn254 key material", field="material")
        offset = len(MAGIC)
        parts = []
        for _ in range(2):
            if len(raw) < offset + _LENGTH.size:
                raise InvalidInput("truncated groth16-bn254 key material", field="material")
            (length,) = _LENGTH.unpack_from(raw, offset)
            offset += _LENGTH.size
            if len(raw) < offset + length:
                raise InvalidInput("truncated groth16-bn254 key material", field="material")
            parts.append(raw[offset:offset + length])
            offset += length
        if offset != len(raw):
            raise InvalidInput("trailing bytes after groth16-bn254 key material",
                               field="material")
        return cls(parts[0], parts[1])


class CircuitKind(KeyKind):
    """Groth16 on BN254 for one circuit: proving key sealed, verification key public."""

    info = KindInfo(
        kind_id=CIRCUIT_KIND_ID,
        family="zero-knowledge-proof",
        security_bits=100,  # BN254 against the best known (TNFS) discrete-log attacks
        secret_size=0,  # variable: the packed proving key and witness generator
        public_key_size=MAX_VKEY,  # at most: the verification key is JSON of variable size
        output_size=None,
        fips_approved=False,
        usages=frozenset({"prove", "verify"}),
        default_usage=("prove", "verify"),
        operation="Groth16 proofs on BN254 for one circom circuit (snarkjs formats); "
                  "versions come from a recorded trusted-setup ceremony",
    )

    @property
    def seed_size(self) -> int:
        return 0

    def generate(self, seed: bytes | bytearray) -> bytearray:
        raise UnsupportedAlgorithm(
            "groth16-bn254 keys come from a trusted-setup ceremony, not from random bytes",
            field="algorithm",
            hint="run tools/zk/setup_ceremony.py, then `skms zk snark setup` (a new key)")

    def public_key(self, secret: bytes | bytearray) -> bytes:
        raise UnsupportedAlgorithm("a groth16-bn254 verification key is recorded with its "
                                   "ceremony, not derived", field="algorithm")


KIND = register_kind(CircuitKind())


def circuit_kind(algorithm: str) -> CircuitKind:
    """The circuit kind, if ``algorithm`` is it; a clear refusal otherwise."""
    if algorithm != CIRCUIT_KIND_ID:
        raise UnsupportedAlgorithm(f"{algorithm} keys are not Groth16 circuit keys",
                                   field="algorithm",
                                   hint="register a circuit with `skms zk snark setup`")
    return KIND
