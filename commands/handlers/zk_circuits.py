"""Handlers: Groth16 circuit keys (``groth16-bn254``): register a ceremony, prove with it.

A circuit key's versions come from a trusted-setup ceremony, not from random bytes
(``ledger.crypto.zk.circuit_key``). Registering one checks, before anything is recorded:
the transcript is the one the actor signed (its SHA-256), it set up this circuit, each file
is the one it lists (SHA-256), and the proving key holds exactly this verification key
(``snarkjs zkey export verificationkey``). Then the key is created with the verification
key as its public key and the proving key and witness generator sealed as its material,
and the ceremony is recorded (``SnarkSetupRecorded``) in the same command.

Proving runs stock snarkjs as a subprocess on the unsealed files (``ledger.crypto.zk.
snarkjs``), then verifies the proof in Rust before recording it: the ledger never hands out
a proof that does not verify under the key's verification key. The input file holds the
witness: it travels beside the command, is written only to a private temporary folder that
is removed afterwards, and is never recorded, logged or echoed.
"""

from __future__ import annotations

import hashlib
from typing import Any

from commands.handlers.keys import policy_of
from commands.handlers.lookups import key_in_chain, matching_digest
from commands.handlers.registry import handles
from ledger.application import Decision
from ledger.authorization import SYSTEM_CHAIN
from ledger.crypto.memory import zeroize
from ledger.crypto.zk import groth16
from ledger.crypto.zk.ceremony import CeremonyTranscript
from ledger.crypto.zk.circuit_key import CIRCUIT_KIND_ID, CircuitMaterial, circuit_kind
from ledger.crypto.zk.groth16 import VerificationKey
from ledger.crypto.zk.snarkjs import default_prover, parse_inputs
from ledger.domain.key import DEFAULT_POLICY, Key
from ledger.errors import InvalidInput
from ledger.recipes.key_material import data_key_ref, material_aad

USAGE = ["prove", "verify"]


def circuit_row(key: Key) -> dict[str, Any]:
    made = key.setup(key.current_version)
    return {"key_id": key.key_id, "algorithm": key.algorithm, "domain": key.domain,
            "state": key.state.value, "version": key.current_version,
            "circuit": made["circuit"], "n_public": made["n_public"],
            "transcript_digest": made["transcript_digest"].hex(),
            "vkey_digest": made["vkey_digest"].hex()}


@handles("RegisterCircuit")
def register_circuit(decision: Decision) -> dict[str, Any]:
    """A new circuit key from a ceremony's transcript and files (see the module doc)."""
    ledger, command, args, inputs = (decision.ledger, decision.command, decision.args,
                                     decision.inputs)
    if command.chain_id == SYSTEM_CHAIN:
        raise InvalidInput("keys live in key domains, not the system chain", field="domain")
    matching_digest(decision, "transcript_digest", inputs["transcript"])
    transcript = CeremonyTranscript.from_bytes(bytes(inputs["transcript"]))
    zkey, wasm, vkey_file = bytes(inputs["zkey"]), bytes(inputs["wasm"]), bytes(inputs["vkey"])
    transcript.check_circuit(args["circuit"], zkey=zkey, wasm=wasm, vkey=vkey_file)
    vkey = VerificationKey.from_json(vkey_file)
    material = CircuitMaterial(zkey, wasm)
    if default_prover().export_verification_key(zkey) != vkey:
        raise InvalidInput("the proving key does not hold this verification key", field="vkey")
    new_id = ledger.new_id()
    key_id = str(new_id)
    ref = data_key_ref(key_id, 1)
    packed = material.pack()
    try:
        sealed = ledger.material.seal_secret(packed, ref, material_aad(key_id, 1))
    finally:
        zeroize(packed)
    key = Key.create(Key.Generated, aggregate_id=new_id, at=decision.now, key_id=key_id,
                     domain=command.chain_id, label=args.get("label"),
                     algorithm=CIRCUIT_KIND_ID, usage=USAGE, version=1,
                     public_key=vkey.canonical_json.encode(), sealed_material=sealed,
                     data_key_ref=ref, policy=policy_of({}, DEFAULT_POLICY, {}))
    key.activate(at=decision.now)
    key.record_snark_setup(
        actor_id=command.actor_id, circuit=args["circuit"], transcript_digest=transcript.digest,
        zkey_digest=hashlib.sha256(zkey).digest(), wasm_digest=hashlib.sha256(wasm).digest(),
        vkey_digest=vkey.digest(), n_public=vkey.n_public, power=transcript.power,
        tools=[f"{name}@{version}" for name, version in sorted(transcript.tools.items())],
        at=decision.now)
    decision.touch(key)
    return circuit_row(key)


@handles("ProveSnark")
def prove_snark(decision: Decision) -> dict[str, Any]:
    """Prove with the key's current version; verify; record the public signals."""
    actor = decision.command.actor_id
    key = key_in_chain(decision)
    circuit_kind(key.algorithm)
    version = key.check_can_use("prove", actor)
    made = key.setup(version)
    inputs = parse_inputs(bytes(decision.inputs["input"]))
    record = key.versions[version]
    material = decision.ledger.material.use(key.key_id, version, record, CircuitMaterial.unpack)
    proof, public = default_prover().prove_material(made["circuit"], material, inputs)
    vkey = VerificationKey.from_json(record["public_key"])
    groth16.verify(vkey, proof, public)
    key.record_snark_proof(actor_id=actor, key_version=version, proof_digest=proof.digest(),
                           public_signals=public.to_list(), public_digest=public.digest(),
                           at=decision.now)
    return {"key_id": key.key_id, "key_version": version, "circuit": made["circuit"],
            "proof": proof.to_dict(), "public": public.to_list(),
            "proof_digest": proof.digest().hex(), "public_digest": public.digest().hex(),
            "vkey_digest": vkey.digest().hex()}
