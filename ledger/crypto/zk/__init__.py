"""Zero-knowledge building blocks: commitments, range proofs, SNARK and STARK proofs.

Each module wraps one proof system and returns dataclasses that can be recorded in a ledger
event (public values only) or sent between parties: ``pedersen`` (commitments over
ristretto255), ``range_proof`` (Bulletproofs), ``stark`` (a hash-chain STARK),
``groth16`` (verification of snarkjs proofs), ``snarkjs`` (proving with the Node tool),
``poseidon`` (the hash the circuits commit with). The fast paths live in the Rust extension
``skms_native`` (``ledger/native``), reached only through ``ledger.crypto.zk.native``.
"""
