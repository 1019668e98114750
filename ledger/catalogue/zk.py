"""Catalogue entries: zero-knowledge proofs (commitments and range proofs, Groth16, STARK).

What the ledger records and what it never sees: a commitment's value and a range proof's
values travel beside the signed command as inputs (the command bytes are stored for ever,
and a digest of a small value would confirm guesses), so the signed command names only
the key, the commitment ids, the range and the public context. Verifying a proof is an
offline read: it uses no key and changes nothing.

1. ``Commit`` and ``ProveRange`` act on a commitment key (``pedersen-ristretto255``), on its
   chain; their events carry commitments and the proof's digest (docs/privacy.md).
2. ``RegisterCircuit`` turns a trusted-setup ceremony's outputs into a circuit key
   (``groth16-bn254``): the signed command names the transcript's digest, and every file
   must be the one the transcript lists. ``ProveSnark`` proves with it; the circuit's input
   file is the witness and travels as an input, never recorded.
3. ``ProveStark`` uses no key either, but making a proof is a use of the ledger's proving
   service, so it is a command on the domain's chain: its ``StarkProofRecorded`` (a journal
   entry of the chain, as no aggregate owns a keyless proof) carries the statement and the
   proof's digest, never the proof's bytes.
4. ``VerifyRange``, ``VerifySnark`` and ``VerifyStark`` are answered from their parameters
   alone (``offline``): any actor may ask, the CLI needs no home.
"""

from __future__ import annotations

import dataclasses

from ledger.catalogue.fields import (
    KEY_ID,
    data,
    document,
    hexa,
    integer,
    listing,
    sha256_of,
    shaped,
    text,
)
from ledger.catalogue.model import (
    ChainRule,
    Cli,
    CliRoute,
    CommandSpec,
    Field,
    ReadSpec,
    Route,
)
from ledger.catalogue.shapes import SHAPES
from ledger.crypto.zk.ceremony import MAX_TRANSCRIPT
from ledger.crypto.zk.circuit_key import MAX_MATERIAL, MAX_VKEY
from ledger.crypto.zk.range_proof import proof_size
from ledger.crypto.zk.snarkjs import MAX_INPUT_BYTES
from ledger.crypto.zk.stark import MAX_PROOF_BYTES, MAX_STEPS
from ledger.domain.actor import ROLES

USERS = frozenset({"signer"})
KEY_MANAGERS = frozenset({"key-manager"})
EVERY_ROLE = frozenset(ROLES)
MAX_VALUE = 2**63 - 1  # int64 on every transport; range proofs cover up to 64 bits
MAX_VALUES = 16  # one aggregated range proof (a power of two: 1, 2, 4, 8, 16)
MAX_CONTEXT = 1024
MAX_RANGE_PROOF = 3 + MAX_VALUES * 32 + proof_size(64, MAX_VALUES)  # header, points, proof
MAX_STARK_PROOF = 1 + 4 + 2 * 32 + 4 + MAX_PROOF_BYTES  # header, start, end, length, proof

CIRCUIT_KEY = dataclasses.replace(
    KEY_ID, doc="The circuit key's id (a UUID); the CLI also takes the circuit's registered "
    "name (the one active circuit key of that name).",
    cli=Cli(option="--circuit", reader="circuit"))
COMMITMENT_ID = text("commitment_id", "The commitment's name, unique per key (it selects "
                     "the blinding).", max_length=100)
CONTEXT = hexa("context", "Public context bound into the proof's transcript (verify with "
               "the same; text on the CLI).", required=False, default="",
               maximum=MAX_CONTEXT, cli=Cli(reader="text"))
BITS = integer("bits", "Every value lies in [0, 2^bits).", required=False, default=64,
               choices=(8, 16, 32, 64))


def _read(name: str, doc: str, params: tuple[Field, ...], shape: str, path: str,
          cli: tuple[str, ...], renderer: str) -> ReadSpec:
    return ReadSpec(name, doc, "zk", "zk.proofs", EVERY_ROLE, params,
                    shaped("result", "The answer.", shape), rest=Route("POST", path),
                    cli=CliRoute(cli, renderer=renderer), offline=True)


COMMANDS = (
    CommandSpec(
        name="Commit", doc="A Pedersen commitment (ristretto255) to a value, or the "
        "homomorphic sum of earlier commitments of the key (--part, repeated); the blinding "
        "is derived from the key's sealed secret, so the ledger stores neither it nor the "
        "value.", group="zk", roles=USERS, chain=ChainRule.KEY,
        events=frozenset({"CommitmentCreated"}),
        args=(KEY_ID, COMMITMENT_ID,
              listing("parts", "Commitment ids to add up instead of committing to a value.",
                      text("item", "A commitment id.", max_length=100), required=False,
                      default=[], maximum=MAX_VALUES, cli=Cli(option="--part"))),
        inputs=(integer("value", "The value (never recorded); omit it with --part.",
                        required=False, nullable=True, minimum=0, maximum=MAX_VALUE),),
        result=SHAPES["Commitment"], rest=Route("POST", "/v1/keys/{key_id}/commit"),
        cli=CliRoute(("zk", "commit"), renderer="commitment")),
    CommandSpec(
        name="ProveRange", doc="A Bulletproofs range proof that each named commitment of "
        "the key holds a value in [0, 2^bits) (aggregated: 1, 2, 4, 8 or 16 commitments); "
        "the values are checked against the commitments and never recorded.", group="zk",
        roles=USERS, chain=ChainRule.KEY, events=frozenset({"RangeProofIssued"}),
        args=(KEY_ID,
              listing("commitment_ids", "The commitments, in proof order.",
                      text("item", "A commitment id.", max_length=100), minimum=1,
                      maximum=MAX_VALUES, cli=Cli(option="--commitment-id")),
              BITS, CONTEXT),
        inputs=(listing("values", "The committed values, aligned with commitment_ids "
                        "(never recorded).",
                        integer("item", "A value.", minimum=0, maximum=MAX_VALUE),
                        minimum=1, maximum=MAX_VALUES, cli=Cli(option="--value")),),
        result=SHAPES["RangeProof"], rest=Route("POST", "/v1/keys/{key_id}/range-prove"),
        cli=CliRoute(("zk", "range-prove"), renderer="range-proof")),
    CommandSpec(
        name="RegisterCircuit", doc="Record a Groth16 trusted-setup ceremony "
        "(tools/zk/setup_ceremony.py) as a new circuit key: the transcript's digest in the "
        "ledger, the verification key as the key's public key, the proving key and witness "
        "generator sealed as its material. Each file must be the one the transcript lists, "
        "and the proving key must hold this verification key.", group="zk",
        roles=KEY_MANAGERS, chain=ChainRule.DOMAIN,
        events=frozenset({"KeyGenerated", "KeyActivated", "SnarkSetupRecorded"}),
        args=(text("circuit", "The circuit's name in the transcript.", max_length=64),
              text("label", "A label.", required=False, nullable=True, max_length=200),
              sha256_of("transcript_digest", "transcript", "SHA-256 of the ceremony "
                        "transcript (it names every file's SHA-256).")),
        inputs=(data("transcript", "The ceremony transcript (transcript.json).",
                     maximum=MAX_TRANSCRIPT, cli=Cli(reader="file")),
                data("zkey", "The proving key (<circuit>.zkey).", maximum=MAX_MATERIAL,
                     cli=Cli(reader="file")),
                data("wasm", "The witness generator (<circuit>_js/<circuit>.wasm).",
                     maximum=MAX_MATERIAL, cli=Cli(reader="file")),
                data("vkey", "The verification key (<circuit>.vkey.json).",
                     maximum=MAX_VKEY, cli=Cli(reader="file"))),
        result=SHAPES["CircuitKey"], rest=Route("POST", "/v1/zk/circuits"),
        cli=CliRoute(("zk", "snark", "setup"), renderer="circuit-key")),
    CommandSpec(
        name="ProveSnark", doc="A Groth16 proof with a circuit key (snarkjs runs as a "
        "subprocess): the input file holds the witness, never recorded; the ledger checks the "
        "proof verifies and records its digest and public signals.", group="zk",
        roles=USERS, chain=ChainRule.KEY, events=frozenset({"SnarkProofIssued"}),
        args=(CIRCUIT_KEY,),
        inputs=(data("input", "The circuit's inputs (snarkjs input.json: signal names to "
                     "decimal numbers).", maximum=MAX_INPUT_BYTES, cli=Cli(reader="file")),),
        result=SHAPES["SnarkProof"], rest=Route("POST", "/v1/keys/{key_id}/snark-prove"),
        cli=CliRoute(("zk", "snark", "prove"), renderer="snark-proof")),
    CommandSpec(
        name="ProveStark", doc="A transparent STARK (winterfell, FRI; no trusted setup, no "
        "key) that N Rescue-Prime hashes from a public start end at the answered value; the "
        "ledger records the statement and the proof's digest (StarkProofRecorded in the "
        "domain's chain), so who proved what, and when, is audited like every other use.",
        group="zk", roles=USERS, chain=ChainRule.DOMAIN,
        events=frozenset({"StarkProofRecorded"}),
        args=(hexa("start", "Public bytes the start digest is derived from (text on the CLI).",
                   maximum=MAX_CONTEXT, cli=Cli(reader="text")),
              integer("steps", "Hashes in the chain: a power of two.", minimum=1,
                      maximum=MAX_STEPS)),
        result=SHAPES["StarkProof"], rest=Route("POST", "/v1/zk/stark/prove"),
        cli=CliRoute(("zk", "stark", "prove"), renderer="stark-proof")),
)

READS = (
    _read("VerifyRange", "Verify a range proof (a 422 problem when it does not verify); "
          "optionally pin the commitments and range it must speak about.",
          (hexa("proof", "The serialised range proof.", maximum=MAX_RANGE_PROOF), CONTEXT,
           listing("commitments", "The commitments the proof must be about, in order.",
                   hexa("item", "A commitment.", size=32), required=False, default=[],
                   maximum=MAX_VALUES, cli=Cli(option="--commitment")),
           integer("bits", "The range the proof must prove.", required=False, nullable=True,
                   choices=(8, 16, 32, 64))),
          "RangeVerification", "/v1/zk/range-proofs/verify", ("zk", "range-verify"),
          "range-verification"),
    _read("VerifySnark", "Verify a Groth16 proof on BN254 in snarkjs's JSON formats "
          "(verification key, proof, public signals); a 422 problem when it does not verify.",
          (document("vkey", "The verification key (snarkjs verification_key.json).",
                    cli=Cli(reader="json-file")),
           document("proof", "The proof (snarkjs proof.json).", cli=Cli(reader="json-file")),
           document("public", "The public signals (snarkjs public.json).",
                    cli=Cli(reader="json-file"))),
          "SnarkVerification", "/v1/zk/snark/verify", ("zk", "snark", "verify"),
          "snark-verification"),
    _read("VerifyStark", "Verify a hash-chain STARK (a 422 problem when it does not "
          "verify); optionally pin the start, end and steps it must prove.",
          (hexa("proof", "The serialised STARK proof.", maximum=MAX_STARK_PROOF),
           hexa("start", "The start digest it must begin at.", required=False, nullable=True,
                size=32),
           hexa("end", "The end digest it must reach.", required=False, nullable=True,
                size=32),
           integer("steps", "The number of hashes it must prove.", required=False,
                   nullable=True, minimum=1, maximum=MAX_STEPS)),
          "StarkVerification", "/v1/zk/stark/verify", ("zk", "stark", "verify"),
          "stark-verification"),
)
