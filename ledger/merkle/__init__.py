"""RFC 9162 Merkle trees over the ledger's events, and the checkpoints that publish them.

Why a Merkle tree on top of the hash chain: the chain proves order to someone who reads
everything; the tree lets an auditor check one event (inclusion proof) or that the log
only grew between two published heads (consistency proof) with O(log n) hashes, and lets
independent witnesses hold the log to what it published (signed C2SP checkpoints).

Modules, one concern each: :mod:`.hasher` (the two hash functions), :mod:`.tree`
(roots and proof building), :mod:`.verify` (proof checking, pure), :mod:`.checkpoint`
(tree-head text and Ed25519 signed notes), :mod:`.errors`.
"""

from ledger.merkle.checkpoint import (
    Checkpoint,
    add_signature,
    chain_origin,
    chain_verifier_key,
    key_id,
    ledger_verifiers,
    open_checkpoint,
    open_note,
    parse_body,
    parse_verifier_key,
    sign_checkpoint,
    sign_ledger_checkpoint,
    sign_note,
    verifier_key_string,
)
from ledger.merkle.errors import CheckpointError, NoteError, ProofError, RootMismatchError
from ledger.merkle.hasher import (
    HASH_SIZE,
    LEAF_PREFIX,
    NODE_PREFIX,
    empty_root,
    hash_children,
    hash_leaf,
)
from ledger.merkle.tree import (
    CompactRange,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    root_from_leaf_hashes,
)
from ledger.merkle.verify import (
    root_from_consistency_proof,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "HASH_SIZE",
    "LEAF_PREFIX",
    "NODE_PREFIX",
    "Checkpoint",
    "CheckpointError",
    "CompactRange",
    "MerkleTree",
    "NoteError",
    "ProofError",
    "RootMismatchError",
    "add_signature",
    "chain_origin",
    "chain_verifier_key",
    "consistency_proof",
    "empty_root",
    "hash_children",
    "hash_leaf",
    "inclusion_proof",
    "key_id",
    "ledger_verifiers",
    "open_checkpoint",
    "open_note",
    "parse_body",
    "parse_verifier_key",
    "root_from_consistency_proof",
    "root_from_inclusion_proof",
    "root_from_leaf_hashes",
    "sign_checkpoint",
    "sign_ledger_checkpoint",
    "sign_note",
    "verifier_key_string",
    "verify_consistency",
    "verify_inclusion",
]
