from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SignedCommand(_message.Message):
    __slots__ = ("command", "signature")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    command: str
    signature: bytes
    def __init__(self, command: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class CommandOutcome(_message.Message):
    __slots__ = ("command_id", "chain", "seqs", "seq", "replayed", "correlation_id", "status", "approval_id")
    COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    SEQS_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_ID_FIELD_NUMBER: _ClassVar[int]
    command_id: str
    chain: str
    seqs: _containers.RepeatedScalarFieldContainer[int]
    seq: int
    replayed: bool
    correlation_id: str
    status: str
    approval_id: str
    def __init__(self, command_id: _Optional[str] = ..., chain: _Optional[str] = ..., seqs: _Optional[_Iterable[int]] = ..., seq: _Optional[int] = ..., replayed: _Optional[bool] = ..., correlation_id: _Optional[str] = ..., status: _Optional[str] = ..., approval_id: _Optional[str] = ...) -> None: ...

class Principal(_message.Message):
    __slots__ = ("actor_id", "name", "roles", "domains", "authenticated_by")
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    DOMAINS_FIELD_NUMBER: _ClassVar[int]
    AUTHENTICATED_BY_FIELD_NUMBER: _ClassVar[int]
    actor_id: str
    name: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    domains: _containers.RepeatedScalarFieldContainer[str]
    authenticated_by: str
    def __init__(self, actor_id: _Optional[str] = ..., name: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., domains: _Optional[_Iterable[str]] = ..., authenticated_by: _Optional[str] = ...) -> None: ...

class Algorithm(_message.Message):
    __slots__ = ("algorithm", "family", "purpose", "security_bits", "public_key_size", "signature_size", "output_size", "fips_approved", "usages", "message_handling")
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    SECURITY_BITS_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_SIZE_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_SIZE_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_SIZE_FIELD_NUMBER: _ClassVar[int]
    FIPS_APPROVED_FIELD_NUMBER: _ClassVar[int]
    USAGES_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_HANDLING_FIELD_NUMBER: _ClassVar[int]
    algorithm: str
    family: str
    purpose: str
    security_bits: int
    public_key_size: int
    signature_size: int
    output_size: int
    fips_approved: bool
    usages: _containers.RepeatedScalarFieldContainer[str]
    message_handling: str
    def __init__(self, algorithm: _Optional[str] = ..., family: _Optional[str] = ..., purpose: _Optional[str] = ..., security_bits: _Optional[int] = ..., public_key_size: _Optional[int] = ..., signature_size: _Optional[int] = ..., output_size: _Optional[int] = ..., fips_approved: _Optional[bool] = ..., usages: _Optional[_Iterable[str]] = ..., message_handling: _Optional[str] = ...) -> None: ...

class Key(_message.Message):
    __slots__ = ("key_id", "label", "domain", "algorithm", "state", "usage", "current_version", "versions", "public_key", "policy_json", "created_at", "rotated_at", "destroy_after", "destroyed_at", "signatures", "backend", "location_json")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    POLICY_JSON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ROTATED_AT_FIELD_NUMBER: _ClassVar[int]
    DESTROY_AFTER_FIELD_NUMBER: _ClassVar[int]
    DESTROYED_AT_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    LOCATION_JSON_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    label: str
    domain: str
    algorithm: str
    state: str
    usage: _containers.RepeatedScalarFieldContainer[str]
    current_version: int
    versions: _containers.RepeatedScalarFieldContainer[int]
    public_key: str
    policy_json: str
    created_at: int
    rotated_at: int
    destroy_after: int
    destroyed_at: int
    signatures: int
    backend: str
    location_json: str
    def __init__(self, key_id: _Optional[str] = ..., label: _Optional[str] = ..., domain: _Optional[str] = ..., algorithm: _Optional[str] = ..., state: _Optional[str] = ..., usage: _Optional[_Iterable[str]] = ..., current_version: _Optional[int] = ..., versions: _Optional[_Iterable[int]] = ..., public_key: _Optional[str] = ..., policy_json: _Optional[str] = ..., created_at: _Optional[int] = ..., rotated_at: _Optional[int] = ..., destroy_after: _Optional[int] = ..., destroyed_at: _Optional[int] = ..., signatures: _Optional[int] = ..., backend: _Optional[str] = ..., location_json: _Optional[str] = ...) -> None: ...

class PublicKey(_message.Message):
    __slots__ = ("key_id", "version", "format", "public_key")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    version: int
    format: str
    public_key: str
    def __init__(self, key_id: _Optional[str] = ..., version: _Optional[int] = ..., format: _Optional[str] = ..., public_key: _Optional[str] = ...) -> None: ...

class Verification(_message.Message):
    __slots__ = ("valid", "key_id", "version", "state")
    VALID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    key_id: str
    version: int
    state: str
    def __init__(self, valid: _Optional[bool] = ..., key_id: _Optional[str] = ..., version: _Optional[int] = ..., state: _Optional[str] = ...) -> None: ...

class VerifyItem(_message.Message):
    __slots__ = ("message", "signature", "version")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    message: bytes
    signature: str
    version: int
    def __init__(self, message: _Optional[bytes] = ..., signature: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class Verifications(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[Verification]
    def __init__(self, results: _Optional[_Iterable[_Union[Verification, _Mapping]]] = ...) -> None: ...

class Actor(_message.Message):
    __slots__ = ("actor_id", "name", "roles", "domains", "revoked", "public_key")
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    DOMAINS_FIELD_NUMBER: _ClassVar[int]
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    actor_id: str
    name: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    domains: _containers.RepeatedScalarFieldContainer[str]
    revoked: bool
    public_key: str
    def __init__(self, actor_id: _Optional[str] = ..., name: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., domains: _Optional[_Iterable[str]] = ..., revoked: _Optional[bool] = ..., public_key: _Optional[str] = ...) -> None: ...

class Chain(_message.Message):
    __slots__ = ("chain_id", "head_seq", "head_hash", "checkpoint_size")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    HEAD_SEQ_FIELD_NUMBER: _ClassVar[int]
    HEAD_HASH_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_SIZE_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    head_seq: int
    head_hash: str
    checkpoint_size: int
    def __init__(self, chain_id: _Optional[str] = ..., head_seq: _Optional[int] = ..., head_hash: _Optional[str] = ..., checkpoint_size: _Optional[int] = ...) -> None: ...

class Checkpoint(_message.Message):
    __slots__ = ("chain", "size", "note", "verifier_key", "ledger_verifier_key")
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    VERIFIER_KEY_FIELD_NUMBER: _ClassVar[int]
    LEDGER_VERIFIER_KEY_FIELD_NUMBER: _ClassVar[int]
    chain: str
    size: int
    note: str
    verifier_key: str
    ledger_verifier_key: str
    def __init__(self, chain: _Optional[str] = ..., size: _Optional[int] = ..., note: _Optional[str] = ..., verifier_key: _Optional[str] = ..., ledger_verifier_key: _Optional[str] = ...) -> None: ...

class ProofVerification(_message.Message):
    __slots__ = ("valid", "type", "detail")
    VALID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    type: str
    detail: str
    def __init__(self, valid: _Optional[bool] = ..., type: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class ReportInfo(_message.Message):
    __slots__ = ("name", "since", "description", "chart_json")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CHART_JSON_FIELD_NUMBER: _ClassVar[int]
    name: str
    since: bool
    description: str
    chart_json: str
    def __init__(self, name: _Optional[str] = ..., since: _Optional[bool] = ..., description: _Optional[str] = ..., chart_json: _Optional[str] = ...) -> None: ...

class EnvelopePage(_message.Message):
    __slots__ = ("chain", "tree_size", "checkpoint", "envelopes")
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    ENVELOPES_FIELD_NUMBER: _ClassVar[int]
    chain: str
    tree_size: int
    checkpoint: str
    envelopes: _containers.RepeatedCompositeFieldContainer[StoredEnvelope]
    def __init__(self, chain: _Optional[str] = ..., tree_size: _Optional[int] = ..., checkpoint: _Optional[str] = ..., envelopes: _Optional[_Iterable[_Union[StoredEnvelope, _Mapping]]] = ...) -> None: ...

class StoredEnvelope(_message.Message):
    __slots__ = ("seq", "event_hash", "body", "inclusion")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    EVENT_HASH_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    INCLUSION_FIELD_NUMBER: _ClassVar[int]
    seq: int
    event_hash: str
    body: bytes
    inclusion: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, seq: _Optional[int] = ..., event_hash: _Optional[str] = ..., body: _Optional[bytes] = ..., inclusion: _Optional[_Iterable[str]] = ...) -> None: ...

class Table(_message.Message):
    __slots__ = ("columns", "types", "rows_json", "truncated")
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    ROWS_JSON_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    columns: _containers.RepeatedScalarFieldContainer[str]
    types: _containers.RepeatedScalarFieldContainer[str]
    rows_json: str
    truncated: bool
    def __init__(self, columns: _Optional[_Iterable[str]] = ..., types: _Optional[_Iterable[str]] = ..., rows_json: _Optional[str] = ..., truncated: _Optional[bool] = ...) -> None: ...

class Report(_message.Message):
    __slots__ = ("name", "columns", "types", "rows_json", "truncated")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    ROWS_JSON_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    name: str
    columns: _containers.RepeatedScalarFieldContainer[str]
    types: _containers.RepeatedScalarFieldContainer[str]
    rows_json: str
    truncated: bool
    def __init__(self, name: _Optional[str] = ..., columns: _Optional[_Iterable[str]] = ..., types: _Optional[_Iterable[str]] = ..., rows_json: _Optional[str] = ..., truncated: _Optional[bool] = ...) -> None: ...

class ProjectionStatus(_message.Message):
    __slots__ = ("chains_json",)
    CHAINS_JSON_FIELD_NUMBER: _ClassVar[int]
    chains_json: str
    def __init__(self, chains_json: _Optional[str] = ...) -> None: ...

class Wallet(_message.Message):
    __slots__ = ("wallet_id", "label", "domain", "source", "word_count", "language", "has_passphrase", "master_fingerprint", "purposes", "curves", "gap_limit", "seed_version", "addresses", "used_addresses", "xpub_exports", "backups_json", "created_at")
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    WORD_COUNT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    HAS_PASSPHRASE_FIELD_NUMBER: _ClassVar[int]
    MASTER_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    PURPOSES_FIELD_NUMBER: _ClassVar[int]
    CURVES_FIELD_NUMBER: _ClassVar[int]
    GAP_LIMIT_FIELD_NUMBER: _ClassVar[int]
    SEED_VERSION_FIELD_NUMBER: _ClassVar[int]
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    USED_ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    XPUB_EXPORTS_FIELD_NUMBER: _ClassVar[int]
    BACKUPS_JSON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    wallet_id: str
    label: str
    domain: str
    source: str
    word_count: int
    language: str
    has_passphrase: bool
    master_fingerprint: str
    purposes: _containers.RepeatedScalarFieldContainer[str]
    curves: _containers.RepeatedScalarFieldContainer[str]
    gap_limit: int
    seed_version: int
    addresses: int
    used_addresses: int
    xpub_exports: int
    backups_json: str
    created_at: int
    def __init__(self, wallet_id: _Optional[str] = ..., label: _Optional[str] = ..., domain: _Optional[str] = ..., source: _Optional[str] = ..., word_count: _Optional[int] = ..., language: _Optional[str] = ..., has_passphrase: _Optional[bool] = ..., master_fingerprint: _Optional[str] = ..., purposes: _Optional[_Iterable[str]] = ..., curves: _Optional[_Iterable[str]] = ..., gap_limit: _Optional[int] = ..., seed_version: _Optional[int] = ..., addresses: _Optional[int] = ..., used_addresses: _Optional[int] = ..., xpub_exports: _Optional[int] = ..., backups_json: _Optional[str] = ..., created_at: _Optional[int] = ...) -> None: ...

class WalletAddress(_message.Message):
    __slots__ = ("path", "purpose", "coin", "curve", "account", "change", "index", "public_key", "address", "used", "derived_at")
    PATH_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    COIN_FIELD_NUMBER: _ClassVar[int]
    CURVE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    USED_FIELD_NUMBER: _ClassVar[int]
    DERIVED_AT_FIELD_NUMBER: _ClassVar[int]
    path: str
    purpose: str
    coin: str
    curve: str
    account: int
    change: int
    index: int
    public_key: str
    address: str
    used: bool
    derived_at: int
    def __init__(self, path: _Optional[str] = ..., purpose: _Optional[str] = ..., coin: _Optional[str] = ..., curve: _Optional[str] = ..., account: _Optional[int] = ..., change: _Optional[int] = ..., index: _Optional[int] = ..., public_key: _Optional[str] = ..., address: _Optional[str] = ..., used: _Optional[bool] = ..., derived_at: _Optional[int] = ...) -> None: ...

class LedgerInitialized(_message.Message):
    __slots__ = ("ledger_id",)
    LEDGER_ID_FIELD_NUMBER: _ClassVar[int]
    ledger_id: str
    def __init__(self, ledger_id: _Optional[str] = ...) -> None: ...

class ActorRegistration(_message.Message):
    __slots__ = ("actor_id", "name")
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    actor_id: str
    name: str
    def __init__(self, actor_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ActorRoles(_message.Message):
    __slots__ = ("actor_id", "roles")
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    actor_id: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, actor_id: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ...) -> None: ...

class ActorRevocation(_message.Message):
    __slots__ = ("actor_id", "revoked")
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    actor_id: str
    revoked: bool
    def __init__(self, actor_id: _Optional[str] = ..., revoked: _Optional[bool] = ...) -> None: ...

class KeyCreation(_message.Message):
    __slots__ = ("key_id", "algorithm", "domain", "state", "version")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    algorithm: str
    domain: str
    state: str
    version: int
    def __init__(self, key_id: _Optional[str] = ..., algorithm: _Optional[str] = ..., domain: _Optional[str] = ..., state: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class KeyStatus(_message.Message):
    __slots__ = ("key_id", "state", "version", "destroy_after", "destroyed_at")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DESTROY_AFTER_FIELD_NUMBER: _ClassVar[int]
    DESTROYED_AT_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    state: str
    version: int
    destroy_after: int
    destroyed_at: int
    def __init__(self, key_id: _Optional[str] = ..., state: _Optional[str] = ..., version: _Optional[int] = ..., destroy_after: _Optional[int] = ..., destroyed_at: _Optional[int] = ...) -> None: ...

class KeyPolicy(_message.Message):
    __slots__ = ("key_id", "policy_json")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    POLICY_JSON_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    policy_json: str
    def __init__(self, key_id: _Optional[str] = ..., policy_json: _Optional[str] = ...) -> None: ...

class Signature(_message.Message):
    __slots__ = ("key_id", "signature", "key_version", "algorithm")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    signature: str
    key_version: int
    algorithm: str
    def __init__(self, key_id: _Optional[str] = ..., signature: _Optional[str] = ..., key_version: _Optional[int] = ..., algorithm: _Optional[str] = ...) -> None: ...

class Signatures(_message.Message):
    __slots__ = ("key_id", "signatures", "key_version", "algorithm")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    signatures: _containers.RepeatedScalarFieldContainer[str]
    key_version: int
    algorithm: str
    def __init__(self, key_id: _Optional[str] = ..., signatures: _Optional[_Iterable[str]] = ..., key_version: _Optional[int] = ..., algorithm: _Optional[str] = ...) -> None: ...

class CheckpointPublication(_message.Message):
    __slots__ = ("size", "note", "verifier_key", "ledger_verifier_key")
    SIZE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    VERIFIER_KEY_FIELD_NUMBER: _ClassVar[int]
    LEDGER_VERIFIER_KEY_FIELD_NUMBER: _ClassVar[int]
    size: int
    note: str
    verifier_key: str
    ledger_verifier_key: str
    def __init__(self, size: _Optional[int] = ..., note: _Optional[str] = ..., verifier_key: _Optional[str] = ..., ledger_verifier_key: _Optional[str] = ...) -> None: ...

class Ciphertext(_message.Message):
    __slots__ = ("key_id", "ciphertext", "key_version")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXT_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    ciphertext: bytes
    key_version: int
    def __init__(self, key_id: _Optional[str] = ..., ciphertext: _Optional[bytes] = ..., key_version: _Optional[int] = ...) -> None: ...

class Plaintext(_message.Message):
    __slots__ = ("key_id", "plaintext", "key_version")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PLAINTEXT_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    plaintext: bytes
    key_version: int
    def __init__(self, key_id: _Optional[str] = ..., plaintext: _Optional[bytes] = ..., key_version: _Optional[int] = ...) -> None: ...

class ReEncryption(_message.Message):
    __slots__ = ("key_id", "ciphertext", "key_version", "source_version")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXT_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    ciphertext: bytes
    key_version: int
    source_version: int
    def __init__(self, key_id: _Optional[str] = ..., ciphertext: _Optional[bytes] = ..., key_version: _Optional[int] = ..., source_version: _Optional[int] = ...) -> None: ...

class DataKey(_message.Message):
    __slots__ = ("key_id", "plaintext_key", "wrapped_key", "key_version")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PLAINTEXT_KEY_FIELD_NUMBER: _ClassVar[int]
    WRAPPED_KEY_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    plaintext_key: str
    wrapped_key: str
    key_version: int
    def __init__(self, key_id: _Optional[str] = ..., plaintext_key: _Optional[str] = ..., wrapped_key: _Optional[str] = ..., key_version: _Optional[int] = ...) -> None: ...

class Mac(_message.Message):
    __slots__ = ("key_id", "mac", "key_version")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    MAC_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    mac: str
    key_version: int
    def __init__(self, key_id: _Optional[str] = ..., mac: _Optional[str] = ..., key_version: _Optional[int] = ...) -> None: ...

class MacCheck(_message.Message):
    __slots__ = ("key_id", "valid", "key_version")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    VALID_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    valid: bool
    key_version: int
    def __init__(self, key_id: _Optional[str] = ..., valid: _Optional[bool] = ..., key_version: _Optional[int] = ...) -> None: ...

class DerivedKey(_message.Message):
    __slots__ = ("key_id", "derived_key", "key_version")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    DERIVED_KEY_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    derived_key: str
    key_version: int
    def __init__(self, key_id: _Optional[str] = ..., derived_key: _Optional[str] = ..., key_version: _Optional[int] = ...) -> None: ...

class WalletCreation(_message.Message):
    __slots__ = ("wallet_id", "mnemonic", "word_count", "language", "master_fingerprint")
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    MNEMONIC_FIELD_NUMBER: _ClassVar[int]
    WORD_COUNT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    MASTER_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    wallet_id: str
    mnemonic: str
    word_count: int
    language: str
    master_fingerprint: str
    def __init__(self, wallet_id: _Optional[str] = ..., mnemonic: _Optional[str] = ..., word_count: _Optional[int] = ..., language: _Optional[str] = ..., master_fingerprint: _Optional[str] = ...) -> None: ...

class WalletImport(_message.Message):
    __slots__ = ("wallet_id", "word_count", "language", "master_fingerprint")
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    WORD_COUNT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    MASTER_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    wallet_id: str
    word_count: int
    language: str
    master_fingerprint: str
    def __init__(self, wallet_id: _Optional[str] = ..., word_count: _Optional[int] = ..., language: _Optional[str] = ..., master_fingerprint: _Optional[str] = ...) -> None: ...

class DerivedAddress(_message.Message):
    __slots__ = ("wallet_id", "path", "purpose", "coin", "curve", "account", "change", "index", "public_key", "address")
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    COIN_FIELD_NUMBER: _ClassVar[int]
    CURVE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    wallet_id: str
    path: str
    purpose: str
    coin: str
    curve: str
    account: int
    change: int
    index: int
    public_key: str
    address: str
    def __init__(self, wallet_id: _Optional[str] = ..., path: _Optional[str] = ..., purpose: _Optional[str] = ..., coin: _Optional[str] = ..., curve: _Optional[str] = ..., account: _Optional[int] = ..., change: _Optional[int] = ..., index: _Optional[int] = ..., public_key: _Optional[str] = ..., address: _Optional[str] = ...) -> None: ...

class AddressUse(_message.Message):
    __slots__ = ("wallet_id", "path", "curve", "used")
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    CURVE_FIELD_NUMBER: _ClassVar[int]
    USED_FIELD_NUMBER: _ClassVar[int]
    wallet_id: str
    path: str
    curve: str
    used: bool
    def __init__(self, wallet_id: _Optional[str] = ..., path: _Optional[str] = ..., curve: _Optional[str] = ..., used: _Optional[bool] = ...) -> None: ...

class Xpub(_message.Message):
    __slots__ = ("wallet_id", "purpose", "coin", "account", "account_path", "xpub")
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    COIN_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_PATH_FIELD_NUMBER: _ClassVar[int]
    XPUB_FIELD_NUMBER: _ClassVar[int]
    wallet_id: str
    purpose: str
    coin: str
    account: int
    account_path: str
    xpub: str
    def __init__(self, wallet_id: _Optional[str] = ..., purpose: _Optional[str] = ..., coin: _Optional[str] = ..., account: _Optional[int] = ..., account_path: _Optional[str] = ..., xpub: _Optional[str] = ...) -> None: ...

class WalletBackup(_message.Message):
    __slots__ = ("wallet_id", "split_id", "scheme", "threshold", "share_count", "custodians", "documents_json")
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    SPLIT_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEME_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    SHARE_COUNT_FIELD_NUMBER: _ClassVar[int]
    CUSTODIANS_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_JSON_FIELD_NUMBER: _ClassVar[int]
    wallet_id: str
    split_id: str
    scheme: str
    threshold: int
    share_count: int
    custodians: _containers.RepeatedScalarFieldContainer[str]
    documents_json: str
    def __init__(self, wallet_id: _Optional[str] = ..., split_id: _Optional[str] = ..., scheme: _Optional[str] = ..., threshold: _Optional[int] = ..., share_count: _Optional[int] = ..., custodians: _Optional[_Iterable[str]] = ..., documents_json: _Optional[str] = ...) -> None: ...

class Approval(_message.Message):
    __slots__ = ("approval_id", "chain", "command_type", "requester_id", "subject", "status", "required", "approvals", "approvers", "rules", "request_digest", "execution", "command_args_json", "command", "requested_at", "expires_at", "closed_at", "reason", "executed_command_id")
    APPROVAL_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    COMMAND_TYPE_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_FIELD_NUMBER: _ClassVar[int]
    APPROVERS_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_DIGEST_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_FIELD_NUMBER: _ClassVar[int]
    COMMAND_ARGS_JSON_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EXECUTED_COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    approval_id: str
    chain: str
    command_type: str
    requester_id: str
    subject: str
    status: str
    required: int
    approvals: int
    approvers: _containers.RepeatedScalarFieldContainer[str]
    rules: _containers.RepeatedScalarFieldContainer[str]
    request_digest: str
    execution: str
    command_args_json: str
    command: str
    requested_at: int
    expires_at: int
    closed_at: int
    reason: str
    executed_command_id: str
    def __init__(self, approval_id: _Optional[str] = ..., chain: _Optional[str] = ..., command_type: _Optional[str] = ..., requester_id: _Optional[str] = ..., subject: _Optional[str] = ..., status: _Optional[str] = ..., required: _Optional[int] = ..., approvals: _Optional[int] = ..., approvers: _Optional[_Iterable[str]] = ..., rules: _Optional[_Iterable[str]] = ..., request_digest: _Optional[str] = ..., execution: _Optional[str] = ..., command_args_json: _Optional[str] = ..., command: _Optional[str] = ..., requested_at: _Optional[int] = ..., expires_at: _Optional[int] = ..., closed_at: _Optional[int] = ..., reason: _Optional[str] = ..., executed_command_id: _Optional[str] = ...) -> None: ...

class ApprovalDecision(_message.Message):
    __slots__ = ("approval_id", "status", "approvals", "required", "command_type", "result_json")
    APPROVAL_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    COMMAND_TYPE_FIELD_NUMBER: _ClassVar[int]
    RESULT_JSON_FIELD_NUMBER: _ClassVar[int]
    approval_id: str
    status: str
    approvals: int
    required: int
    command_type: str
    result_json: str
    def __init__(self, approval_id: _Optional[str] = ..., status: _Optional[str] = ..., approvals: _Optional[int] = ..., required: _Optional[int] = ..., command_type: _Optional[str] = ..., result_json: _Optional[str] = ...) -> None: ...

class ThreatPolicy(_message.Message):
    __slots__ = ("scope", "target", "threshold", "action", "lift_approvals")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    LIFT_APPROVALS_FIELD_NUMBER: _ClassVar[int]
    scope: str
    target: str
    threshold: int
    action: str
    lift_approvals: int
    def __init__(self, scope: _Optional[str] = ..., target: _Optional[str] = ..., threshold: _Optional[int] = ..., action: _Optional[str] = ..., lift_approvals: _Optional[int] = ...) -> None: ...

class ThreatFinding(_message.Message):
    __slots__ = ("key_id", "finding_id", "score", "threshold", "action", "suspended")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    FINDING_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    SUSPENDED_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    finding_id: str
    score: int
    threshold: int
    action: str
    suspended: bool
    def __init__(self, key_id: _Optional[str] = ..., finding_id: _Optional[str] = ..., score: _Optional[int] = ..., threshold: _Optional[int] = ..., action: _Optional[str] = ..., suspended: _Optional[bool] = ...) -> None: ...

class KekRotationAuthorization(_message.Message):
    __slots__ = ("authorization_id", "to", "reason", "unused")
    AUTHORIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    UNUSED_FIELD_NUMBER: _ClassVar[int]
    authorization_id: str
    to: str
    reason: str
    unused: int
    def __init__(self, authorization_id: _Optional[str] = ..., to: _Optional[str] = ..., reason: _Optional[str] = ..., unused: _Optional[int] = ...) -> None: ...

class ApprovalRule(_message.Message):
    __slots__ = ("scope", "target", "command", "approvals", "ttl_seconds", "when_above", "value_field", "previous_approvals")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    WHEN_ABOVE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_APPROVALS_FIELD_NUMBER: _ClassVar[int]
    scope: str
    target: str
    command: str
    approvals: int
    ttl_seconds: int
    when_above: str
    value_field: str
    previous_approvals: int
    def __init__(self, scope: _Optional[str] = ..., target: _Optional[str] = ..., command: _Optional[str] = ..., approvals: _Optional[int] = ..., ttl_seconds: _Optional[int] = ..., when_above: _Optional[str] = ..., value_field: _Optional[str] = ..., previous_approvals: _Optional[int] = ...) -> None: ...

class WalletRecovery(_message.Message):
    __slots__ = ("wallet_id", "split_id", "share_indexes", "custodians", "seed_version", "master_fingerprint")
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    SPLIT_ID_FIELD_NUMBER: _ClassVar[int]
    SHARE_INDEXES_FIELD_NUMBER: _ClassVar[int]
    CUSTODIANS_FIELD_NUMBER: _ClassVar[int]
    SEED_VERSION_FIELD_NUMBER: _ClassVar[int]
    MASTER_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    wallet_id: str
    split_id: str
    share_indexes: _containers.RepeatedScalarFieldContainer[int]
    custodians: _containers.RepeatedScalarFieldContainer[str]
    seed_version: int
    master_fingerprint: str
    def __init__(self, wallet_id: _Optional[str] = ..., split_id: _Optional[str] = ..., share_indexes: _Optional[_Iterable[int]] = ..., custodians: _Optional[_Iterable[str]] = ..., seed_version: _Optional[int] = ..., master_fingerprint: _Optional[str] = ...) -> None: ...

class ChainPolicy(_message.Message):
    __slots__ = ("key_id", "allowed_networks", "allowed_recipients", "allowed_sighash")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_NETWORKS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_SIGHASH_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    allowed_networks: _containers.RepeatedScalarFieldContainer[str]
    allowed_recipients: _containers.RepeatedScalarFieldContainer[str]
    allowed_sighash: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key_id: _Optional[str] = ..., allowed_networks: _Optional[_Iterable[str]] = ..., allowed_recipients: _Optional[_Iterable[str]] = ..., allowed_sighash: _Optional[_Iterable[str]] = ...) -> None: ...

class ChainAddress(_message.Message):
    __slots__ = ("key_id", "key_version", "family", "network", "type", "address", "public_key")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    key_version: int
    family: str
    network: str
    type: str
    address: str
    public_key: str
    def __init__(self, key_id: _Optional[str] = ..., key_version: _Optional[int] = ..., family: _Optional[str] = ..., network: _Optional[str] = ..., type: _Optional[str] = ..., address: _Optional[str] = ..., public_key: _Optional[str] = ...) -> None: ...

class WalletChainAddress(_message.Message):
    __slots__ = ("wallet_id", "path", "family", "network", "type", "address", "public_key")
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    wallet_id: str
    path: str
    family: str
    network: str
    type: str
    address: str
    public_key: str
    def __init__(self, wallet_id: _Optional[str] = ..., path: _Optional[str] = ..., family: _Optional[str] = ..., network: _Optional[str] = ..., type: _Optional[str] = ..., address: _Optional[str] = ..., public_key: _Optional[str] = ...) -> None: ...

class EvmTransaction(_message.Message):
    __slots__ = ("key_id", "key_version", "wallet_id", "paths", "raw", "hash", "type", "chain_id", "network", "value")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    PATHS_FIELD_NUMBER: _ClassVar[int]
    RAW_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    key_version: int
    wallet_id: str
    paths: _containers.RepeatedScalarFieldContainer[str]
    raw: str
    hash: str
    type: int
    chain_id: int
    network: str
    value: str
    def __init__(self, key_id: _Optional[str] = ..., key_version: _Optional[int] = ..., wallet_id: _Optional[str] = ..., paths: _Optional[_Iterable[str]] = ..., raw: _Optional[str] = ..., hash: _Optional[str] = ..., type: _Optional[int] = ..., chain_id: _Optional[int] = ..., network: _Optional[str] = ..., value: _Optional[str] = ..., **kwargs) -> None: ...

class EvmSignature(_message.Message):
    __slots__ = ("key_id", "key_version", "wallet_id", "paths", "signature", "hash", "signer")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    PATHS_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    key_version: int
    wallet_id: str
    paths: _containers.RepeatedScalarFieldContainer[str]
    signature: str
    hash: str
    signer: str
    def __init__(self, key_id: _Optional[str] = ..., key_version: _Optional[int] = ..., wallet_id: _Optional[str] = ..., paths: _Optional[_Iterable[str]] = ..., signature: _Optional[str] = ..., hash: _Optional[str] = ..., signer: _Optional[str] = ...) -> None: ...

class SignedPsbtInput(_message.Message):
    __slots__ = ("index", "script_type", "public_key", "sighash", "digest", "amount")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_TYPE_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    SIGHASH_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    index: int
    script_type: str
    public_key: str
    sighash: str
    digest: str
    amount: str
    def __init__(self, index: _Optional[int] = ..., script_type: _Optional[str] = ..., public_key: _Optional[str] = ..., sighash: _Optional[str] = ..., digest: _Optional[str] = ..., amount: _Optional[str] = ...) -> None: ...

class SignedPsbt(_message.Message):
    __slots__ = ("key_id", "key_version", "wallet_id", "paths", "psbt", "signed_inputs", "txid", "value", "fee")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    PATHS_FIELD_NUMBER: _ClassVar[int]
    PSBT_FIELD_NUMBER: _ClassVar[int]
    SIGNED_INPUTS_FIELD_NUMBER: _ClassVar[int]
    TXID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    FEE_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    key_version: int
    wallet_id: str
    paths: _containers.RepeatedScalarFieldContainer[str]
    psbt: str
    signed_inputs: _containers.RepeatedCompositeFieldContainer[SignedPsbtInput]
    txid: str
    value: str
    fee: str
    def __init__(self, key_id: _Optional[str] = ..., key_version: _Optional[int] = ..., wallet_id: _Optional[str] = ..., paths: _Optional[_Iterable[str]] = ..., psbt: _Optional[str] = ..., signed_inputs: _Optional[_Iterable[_Union[SignedPsbtInput, _Mapping]]] = ..., txid: _Optional[str] = ..., value: _Optional[str] = ..., fee: _Optional[str] = ...) -> None: ...

class FinalizedPsbt(_message.Message):
    __slots__ = ("tx", "txid")
    TX_FIELD_NUMBER: _ClassVar[int]
    TXID_FIELD_NUMBER: _ClassVar[int]
    tx: str
    txid: str
    def __init__(self, tx: _Optional[str] = ..., txid: _Optional[str] = ...) -> None: ...

class SolanaTransaction(_message.Message):
    __slots__ = ("key_id", "key_version", "wallet_id", "paths", "transaction", "signature", "value")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    PATHS_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    key_version: int
    wallet_id: str
    paths: _containers.RepeatedScalarFieldContainer[str]
    transaction: str
    signature: str
    value: str
    def __init__(self, key_id: _Optional[str] = ..., key_version: _Optional[int] = ..., wallet_id: _Optional[str] = ..., paths: _Optional[_Iterable[str]] = ..., transaction: _Optional[str] = ..., signature: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class SolanaMessage(_message.Message):
    __slots__ = ("key_id", "key_version", "wallet_id", "paths", "signature", "signer", "message")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    PATHS_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    key_version: int
    wallet_id: str
    paths: _containers.RepeatedScalarFieldContainer[str]
    signature: str
    signer: str
    message: str
    def __init__(self, key_id: _Optional[str] = ..., key_version: _Optional[int] = ..., wallet_id: _Optional[str] = ..., paths: _Optional[_Iterable[str]] = ..., signature: _Optional[str] = ..., signer: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class ThresholdDkgRound1(_message.Message):
    __slots__ = ("group_id", "suite", "threshold", "participants", "identifier", "message_json")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    SUITE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_JSON_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    suite: str
    threshold: int
    participants: int
    identifier: int
    message_json: str
    def __init__(self, group_id: _Optional[str] = ..., suite: _Optional[str] = ..., threshold: _Optional[int] = ..., participants: _Optional[int] = ..., identifier: _Optional[int] = ..., message_json: _Optional[str] = ...) -> None: ...

class ThresholdDkgRound2(_message.Message):
    __slots__ = ("group_id", "identifier", "transcript_digest", "messages_json")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_DIGEST_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_JSON_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    identifier: int
    transcript_digest: str
    messages_json: str
    def __init__(self, group_id: _Optional[str] = ..., identifier: _Optional[int] = ..., transcript_digest: _Optional[str] = ..., messages_json: _Optional[str] = ...) -> None: ...

class ThresholdKey(_message.Message):
    __slots__ = ("group_id", "key_id", "suite", "threshold", "participants", "identifier", "group_public_key", "public_key_package_json", "transcript_digest", "replaces")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SUITE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    GROUP_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_PACKAGE_JSON_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_DIGEST_FIELD_NUMBER: _ClassVar[int]
    REPLACES_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    key_id: str
    suite: str
    threshold: int
    participants: int
    identifier: int
    group_public_key: str
    public_key_package_json: str
    transcript_digest: str
    replaces: str
    def __init__(self, group_id: _Optional[str] = ..., key_id: _Optional[str] = ..., suite: _Optional[str] = ..., threshold: _Optional[int] = ..., participants: _Optional[int] = ..., identifier: _Optional[int] = ..., group_public_key: _Optional[str] = ..., public_key_package_json: _Optional[str] = ..., transcript_digest: _Optional[str] = ..., replaces: _Optional[str] = ...) -> None: ...

class ThresholdDeal(_message.Message):
    __slots__ = ("group_id", "suite", "threshold", "participants", "identifier", "group_public_key", "public_key_package_json", "message_json")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    SUITE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    GROUP_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_PACKAGE_JSON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_JSON_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    suite: str
    threshold: int
    participants: int
    identifier: int
    group_public_key: str
    public_key_package_json: str
    message_json: str
    def __init__(self, group_id: _Optional[str] = ..., suite: _Optional[str] = ..., threshold: _Optional[int] = ..., participants: _Optional[int] = ..., identifier: _Optional[int] = ..., group_public_key: _Optional[str] = ..., public_key_package_json: _Optional[str] = ..., message_json: _Optional[str] = ...) -> None: ...

class ThresholdCommitment(_message.Message):
    __slots__ = ("group_id", "session_id", "identifier", "message_json")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_JSON_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    session_id: str
    identifier: int
    message_json: str
    def __init__(self, group_id: _Optional[str] = ..., session_id: _Optional[str] = ..., identifier: _Optional[int] = ..., message_json: _Optional[str] = ...) -> None: ...

class ThresholdSignatureShare(_message.Message):
    __slots__ = ("group_id", "session_id", "identifier", "message_json")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_JSON_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    session_id: str
    identifier: int
    message_json: str
    def __init__(self, group_id: _Optional[str] = ..., session_id: _Optional[str] = ..., identifier: _Optional[int] = ..., message_json: _Optional[str] = ...) -> None: ...

class ThresholdSignature(_message.Message):
    __slots__ = ("group_id", "session_id", "suite", "signers", "signature", "group_public_key", "psbt")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SUITE_FIELD_NUMBER: _ClassVar[int]
    SIGNERS_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    GROUP_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    PSBT_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    session_id: str
    suite: str
    signers: _containers.RepeatedScalarFieldContainer[int]
    signature: str
    group_public_key: str
    psbt: str
    def __init__(self, group_id: _Optional[str] = ..., session_id: _Optional[str] = ..., suite: _Optional[str] = ..., signers: _Optional[_Iterable[int]] = ..., signature: _Optional[str] = ..., group_public_key: _Optional[str] = ..., psbt: _Optional[str] = ...) -> None: ...

class ThresholdGroup(_message.Message):
    __slots__ = ("group_id", "domain", "suite", "label", "threshold", "participants", "identifier", "stage", "key_id", "replaces", "retired_by", "group_public_key", "public_key_package_json", "transcript_digest", "sessions", "signatures", "created_at")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    SUITE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    REPLACES_FIELD_NUMBER: _ClassVar[int]
    RETIRED_BY_FIELD_NUMBER: _ClassVar[int]
    GROUP_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_PACKAGE_JSON_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_DIGEST_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    domain: str
    suite: str
    label: str
    threshold: int
    participants: int
    identifier: int
    stage: str
    key_id: str
    replaces: str
    retired_by: str
    group_public_key: str
    public_key_package_json: str
    transcript_digest: str
    sessions: int
    signatures: int
    created_at: int
    def __init__(self, group_id: _Optional[str] = ..., domain: _Optional[str] = ..., suite: _Optional[str] = ..., label: _Optional[str] = ..., threshold: _Optional[int] = ..., participants: _Optional[int] = ..., identifier: _Optional[int] = ..., stage: _Optional[str] = ..., key_id: _Optional[str] = ..., replaces: _Optional[str] = ..., retired_by: _Optional[str] = ..., group_public_key: _Optional[str] = ..., public_key_package_json: _Optional[str] = ..., transcript_digest: _Optional[str] = ..., sessions: _Optional[int] = ..., signatures: _Optional[int] = ..., created_at: _Optional[int] = ...) -> None: ...

class ThresholdSession(_message.Message):
    __slots__ = ("session_id", "committed_at", "signed", "message_digest", "signers", "signature")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    SIGNED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_DIGEST_FIELD_NUMBER: _ClassVar[int]
    SIGNERS_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    committed_at: int
    signed: bool
    message_digest: str
    signers: _containers.RepeatedScalarFieldContainer[int]
    signature: str
    def __init__(self, session_id: _Optional[str] = ..., committed_at: _Optional[int] = ..., signed: _Optional[bool] = ..., message_digest: _Optional[str] = ..., signers: _Optional[_Iterable[int]] = ..., signature: _Optional[str] = ...) -> None: ...

class Commitment(_message.Message):
    __slots__ = ("key_id", "key_version", "commitment_id", "commitment", "parts")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_ID_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    key_version: int
    commitment_id: str
    commitment: str
    parts: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key_id: _Optional[str] = ..., key_version: _Optional[int] = ..., commitment_id: _Optional[str] = ..., commitment: _Optional[str] = ..., parts: _Optional[_Iterable[str]] = ...) -> None: ...

class RangeProof(_message.Message):
    __slots__ = ("key_id", "scheme", "bits", "commitment_ids", "commitments", "proof", "proof_digest", "proof_size")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEME_FIELD_NUMBER: _ClassVar[int]
    BITS_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    COMMITMENTS_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    PROOF_DIGEST_FIELD_NUMBER: _ClassVar[int]
    PROOF_SIZE_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    scheme: str
    bits: int
    commitment_ids: _containers.RepeatedScalarFieldContainer[str]
    commitments: _containers.RepeatedScalarFieldContainer[str]
    proof: str
    proof_digest: str
    proof_size: int
    def __init__(self, key_id: _Optional[str] = ..., scheme: _Optional[str] = ..., bits: _Optional[int] = ..., commitment_ids: _Optional[_Iterable[str]] = ..., commitments: _Optional[_Iterable[str]] = ..., proof: _Optional[str] = ..., proof_digest: _Optional[str] = ..., proof_size: _Optional[int] = ...) -> None: ...

class RangeVerification(_message.Message):
    __slots__ = ("valid", "bits", "commitments", "proof_digest")
    VALID_FIELD_NUMBER: _ClassVar[int]
    BITS_FIELD_NUMBER: _ClassVar[int]
    COMMITMENTS_FIELD_NUMBER: _ClassVar[int]
    PROOF_DIGEST_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    bits: int
    commitments: _containers.RepeatedScalarFieldContainer[str]
    proof_digest: str
    def __init__(self, valid: _Optional[bool] = ..., bits: _Optional[int] = ..., commitments: _Optional[_Iterable[str]] = ..., proof_digest: _Optional[str] = ...) -> None: ...

class SnarkVerification(_message.Message):
    __slots__ = ("valid", "n_public", "public_signals", "vkey_digest", "proof_digest", "public_digest")
    VALID_FIELD_NUMBER: _ClassVar[int]
    N_PUBLIC_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_SIGNALS_FIELD_NUMBER: _ClassVar[int]
    VKEY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    PROOF_DIGEST_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_DIGEST_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    n_public: int
    public_signals: _containers.RepeatedScalarFieldContainer[str]
    vkey_digest: str
    proof_digest: str
    public_digest: str
    def __init__(self, valid: _Optional[bool] = ..., n_public: _Optional[int] = ..., public_signals: _Optional[_Iterable[str]] = ..., vkey_digest: _Optional[str] = ..., proof_digest: _Optional[str] = ..., public_digest: _Optional[str] = ...) -> None: ...

class CircuitKey(_message.Message):
    __slots__ = ("key_id", "algorithm", "domain", "state", "version", "circuit", "n_public", "transcript_digest", "vkey_digest")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CIRCUIT_FIELD_NUMBER: _ClassVar[int]
    N_PUBLIC_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_DIGEST_FIELD_NUMBER: _ClassVar[int]
    VKEY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    algorithm: str
    domain: str
    state: str
    version: int
    circuit: str
    n_public: int
    transcript_digest: str
    vkey_digest: str
    def __init__(self, key_id: _Optional[str] = ..., algorithm: _Optional[str] = ..., domain: _Optional[str] = ..., state: _Optional[str] = ..., version: _Optional[int] = ..., circuit: _Optional[str] = ..., n_public: _Optional[int] = ..., transcript_digest: _Optional[str] = ..., vkey_digest: _Optional[str] = ...) -> None: ...

class SnarkProof(_message.Message):
    __slots__ = ("key_id", "key_version", "circuit", "proof_json", "public_json", "proof_digest", "public_digest", "vkey_digest")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    CIRCUIT_FIELD_NUMBER: _ClassVar[int]
    PROOF_JSON_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_JSON_FIELD_NUMBER: _ClassVar[int]
    PROOF_DIGEST_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_DIGEST_FIELD_NUMBER: _ClassVar[int]
    VKEY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    key_version: int
    circuit: str
    proof_json: str
    public_json: str
    proof_digest: str
    public_digest: str
    vkey_digest: str
    def __init__(self, key_id: _Optional[str] = ..., key_version: _Optional[int] = ..., circuit: _Optional[str] = ..., proof_json: _Optional[str] = ..., public_json: _Optional[str] = ..., proof_digest: _Optional[str] = ..., public_digest: _Optional[str] = ..., vkey_digest: _Optional[str] = ...) -> None: ...

class StarkProof(_message.Message):
    __slots__ = ("scheme", "start", "steps", "end", "proof", "proof_digest", "proof_size", "security_bits")
    SCHEME_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    PROOF_DIGEST_FIELD_NUMBER: _ClassVar[int]
    PROOF_SIZE_FIELD_NUMBER: _ClassVar[int]
    SECURITY_BITS_FIELD_NUMBER: _ClassVar[int]
    scheme: str
    start: str
    steps: int
    end: str
    proof: str
    proof_digest: str
    proof_size: int
    security_bits: int
    def __init__(self, scheme: _Optional[str] = ..., start: _Optional[str] = ..., steps: _Optional[int] = ..., end: _Optional[str] = ..., proof: _Optional[str] = ..., proof_digest: _Optional[str] = ..., proof_size: _Optional[int] = ..., security_bits: _Optional[int] = ...) -> None: ...

class StarkVerification(_message.Message):
    __slots__ = ("valid", "start", "steps", "end", "proof_digest", "security_bits")
    VALID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    PROOF_DIGEST_FIELD_NUMBER: _ClassVar[int]
    SECURITY_BITS_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    start: str
    steps: int
    end: str
    proof_digest: str
    security_bits: int
    def __init__(self, valid: _Optional[bool] = ..., start: _Optional[str] = ..., steps: _Optional[int] = ..., end: _Optional[str] = ..., proof_digest: _Optional[str] = ..., security_bits: _Optional[int] = ...) -> None: ...

class ImportParameters(_message.Message):
    __slots__ = ("token", "algorithm", "domain", "wrapping_algorithm", "wrapping_public_key", "expires_at")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    WRAPPING_ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    WRAPPING_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    token: str
    algorithm: str
    domain: str
    wrapping_algorithm: str
    wrapping_public_key: str
    expires_at: int
    def __init__(self, token: _Optional[str] = ..., algorithm: _Optional[str] = ..., domain: _Optional[str] = ..., wrapping_algorithm: _Optional[str] = ..., wrapping_public_key: _Optional[str] = ..., expires_at: _Optional[int] = ...) -> None: ...

class KeyExport(_message.Message):
    __slots__ = ("key_id", "key_version", "algorithm", "material_format", "wrapping_algorithm", "wrapped")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_FORMAT_FIELD_NUMBER: _ClassVar[int]
    WRAPPING_ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    WRAPPED_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    key_version: int
    algorithm: str
    material_format: str
    wrapping_algorithm: str
    wrapped: bytes
    def __init__(self, key_id: _Optional[str] = ..., key_version: _Optional[int] = ..., algorithm: _Optional[str] = ..., material_format: _Optional[str] = ..., wrapping_algorithm: _Optional[str] = ..., wrapped: _Optional[bytes] = ...) -> None: ...

class EscrowAgent(_message.Message):
    __slots__ = ("agent_id", "name", "kem", "public_key_digest")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KEM_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    name: str
    kem: str
    public_key_digest: str
    def __init__(self, agent_id: _Optional[str] = ..., name: _Optional[str] = ..., kem: _Optional[str] = ..., public_key_digest: _Optional[str] = ...) -> None: ...

class EscrowRelease(_message.Message):
    __slots__ = ("key_id", "agent_id", "versions", "package_digest", "package_json")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_DIGEST_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_JSON_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    agent_id: str
    versions: _containers.RepeatedScalarFieldContainer[int]
    package_digest: str
    package_json: str
    def __init__(self, key_id: _Optional[str] = ..., agent_id: _Optional[str] = ..., versions: _Optional[_Iterable[int]] = ..., package_digest: _Optional[str] = ..., package_json: _Optional[str] = ...) -> None: ...

class BackupBundle(_message.Message):
    __slots__ = ("backup_id", "scheme", "threshold", "share_count", "custodians", "key_count", "version_count", "wallet_count", "includes_ledger_key", "identities", "bundle_digest", "bundle_json", "threshold_group_count")
    BACKUP_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEME_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    SHARE_COUNT_FIELD_NUMBER: _ClassVar[int]
    CUSTODIANS_FIELD_NUMBER: _ClassVar[int]
    KEY_COUNT_FIELD_NUMBER: _ClassVar[int]
    VERSION_COUNT_FIELD_NUMBER: _ClassVar[int]
    WALLET_COUNT_FIELD_NUMBER: _ClassVar[int]
    INCLUDES_LEDGER_KEY_FIELD_NUMBER: _ClassVar[int]
    IDENTITIES_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_DIGEST_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_JSON_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_GROUP_COUNT_FIELD_NUMBER: _ClassVar[int]
    backup_id: str
    scheme: str
    threshold: int
    share_count: int
    custodians: _containers.RepeatedScalarFieldContainer[str]
    key_count: int
    version_count: int
    wallet_count: int
    includes_ledger_key: bool
    identities: _containers.RepeatedScalarFieldContainer[str]
    bundle_digest: str
    bundle_json: str
    threshold_group_count: int
    def __init__(self, backup_id: _Optional[str] = ..., scheme: _Optional[str] = ..., threshold: _Optional[int] = ..., share_count: _Optional[int] = ..., custodians: _Optional[_Iterable[str]] = ..., key_count: _Optional[int] = ..., version_count: _Optional[int] = ..., wallet_count: _Optional[int] = ..., includes_ledger_key: _Optional[bool] = ..., identities: _Optional[_Iterable[str]] = ..., bundle_digest: _Optional[str] = ..., bundle_json: _Optional[str] = ..., threshold_group_count: _Optional[int] = ...) -> None: ...

class BackupRestore(_message.Message):
    __slots__ = ("backup_id", "share_indexes", "custodians", "restored_refs", "skipped_refs", "skipped_reasons", "home_secrets")
    BACKUP_ID_FIELD_NUMBER: _ClassVar[int]
    SHARE_INDEXES_FIELD_NUMBER: _ClassVar[int]
    CUSTODIANS_FIELD_NUMBER: _ClassVar[int]
    RESTORED_REFS_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_REFS_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_REASONS_FIELD_NUMBER: _ClassVar[int]
    HOME_SECRETS_FIELD_NUMBER: _ClassVar[int]
    backup_id: str
    share_indexes: _containers.RepeatedScalarFieldContainer[int]
    custodians: _containers.RepeatedScalarFieldContainer[str]
    restored_refs: _containers.RepeatedScalarFieldContainer[str]
    skipped_refs: _containers.RepeatedScalarFieldContainer[str]
    skipped_reasons: _containers.RepeatedScalarFieldContainer[str]
    home_secrets: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, backup_id: _Optional[str] = ..., share_indexes: _Optional[_Iterable[int]] = ..., custodians: _Optional[_Iterable[str]] = ..., restored_refs: _Optional[_Iterable[str]] = ..., skipped_refs: _Optional[_Iterable[str]] = ..., skipped_reasons: _Optional[_Iterable[str]] = ..., home_secrets: _Optional[_Iterable[str]] = ...) -> None: ...

class UnbackedKey(_message.Message):
    __slots__ = ("key_id", "domain", "algorithm", "state", "missing_versions", "last_backup_id", "last_backup_at")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    MISSING_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    LAST_BACKUP_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_BACKUP_AT_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    domain: str
    algorithm: str
    state: str
    missing_versions: _containers.RepeatedScalarFieldContainer[int]
    last_backup_id: str
    last_backup_at: int
    def __init__(self, key_id: _Optional[str] = ..., domain: _Optional[str] = ..., algorithm: _Optional[str] = ..., state: _Optional[str] = ..., missing_versions: _Optional[_Iterable[int]] = ..., last_backup_id: _Optional[str] = ..., last_backup_at: _Optional[int] = ...) -> None: ...

class BlindSignature(_message.Message):
    __slots__ = ("key_id", "key_version", "variant", "blind_signature")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    VARIANT_FIELD_NUMBER: _ClassVar[int]
    BLIND_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    key_version: int
    variant: str
    blind_signature: str
    def __init__(self, key_id: _Optional[str] = ..., key_version: _Optional[int] = ..., variant: _Optional[str] = ..., blind_signature: _Optional[str] = ...) -> None: ...

class HomomorphicCiphertext(_message.Message):
    __slots__ = ("key_id", "key_version", "ciphertext", "ciphertext_digest")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXT_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXT_DIGEST_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    key_version: int
    ciphertext: bytes
    ciphertext_digest: str
    def __init__(self, key_id: _Optional[str] = ..., key_version: _Optional[int] = ..., ciphertext: _Optional[bytes] = ..., ciphertext_digest: _Optional[str] = ...) -> None: ...

class HomomorphicPlaintext(_message.Message):
    __slots__ = ("key_id", "key_version", "plaintext")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    PLAINTEXT_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    key_version: int
    plaintext: str
    def __init__(self, key_id: _Optional[str] = ..., key_version: _Optional[int] = ..., plaintext: _Optional[str] = ...) -> None: ...

class PossessionChallenge(_message.Message):
    __slots__ = ("challenge_id", "actor_id", "service", "purpose", "nonce", "expires_at")
    CHALLENGE_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    challenge_id: str
    actor_id: str
    service: str
    purpose: str
    nonce: str
    expires_at: int
    def __init__(self, challenge_id: _Optional[str] = ..., actor_id: _Optional[str] = ..., service: _Optional[str] = ..., purpose: _Optional[str] = ..., nonce: _Optional[str] = ..., expires_at: _Optional[int] = ...) -> None: ...

class PossessionProof(_message.Message):
    __slots__ = ("actor_id", "challenge_id", "suite", "proof_digest")
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    CHALLENGE_ID_FIELD_NUMBER: _ClassVar[int]
    SUITE_FIELD_NUMBER: _ClassVar[int]
    PROOF_DIGEST_FIELD_NUMBER: _ClassVar[int]
    actor_id: str
    challenge_id: str
    suite: str
    proof_digest: str
    def __init__(self, actor_id: _Optional[str] = ..., challenge_id: _Optional[str] = ..., suite: _Optional[str] = ..., proof_digest: _Optional[str] = ...) -> None: ...

class KeyPossessionProof(_message.Message):
    __slots__ = ("key_id", "key_version", "suite", "user_id", "public_key", "proof")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_VERSION_FIELD_NUMBER: _ClassVar[int]
    SUITE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    key_version: int
    suite: str
    user_id: str
    public_key: str
    proof: str
    def __init__(self, key_id: _Optional[str] = ..., key_version: _Optional[int] = ..., suite: _Optional[str] = ..., user_id: _Optional[str] = ..., public_key: _Optional[str] = ..., proof: _Optional[str] = ...) -> None: ...

class ProposalApprovals(_message.Message):
    __slots__ = ("proposal", "approvals", "approved", "message_digest")
    PROPOSAL_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_FIELD_NUMBER: _ClassVar[int]
    APPROVED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_DIGEST_FIELD_NUMBER: _ClassVar[int]
    proposal: str
    approvals: int
    approved: bool
    message_digest: str
    def __init__(self, proposal: _Optional[str] = ..., approvals: _Optional[int] = ..., approved: _Optional[bool] = ..., message_digest: _Optional[str] = ...) -> None: ...

class ApprovalGroup(_message.Message):
    __slots__ = ("group_id", "domain", "label", "members", "ring", "ring_digest", "quorum", "proposals")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    RING_FIELD_NUMBER: _ClassVar[int]
    RING_DIGEST_FIELD_NUMBER: _ClassVar[int]
    QUORUM_FIELD_NUMBER: _ClassVar[int]
    PROPOSALS_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    domain: str
    label: str
    members: _containers.RepeatedScalarFieldContainer[str]
    ring: _containers.RepeatedScalarFieldContainer[str]
    ring_digest: str
    quorum: int
    proposals: _containers.RepeatedCompositeFieldContainer[ProposalApprovals]
    def __init__(self, group_id: _Optional[str] = ..., domain: _Optional[str] = ..., label: _Optional[str] = ..., members: _Optional[_Iterable[str]] = ..., ring: _Optional[_Iterable[str]] = ..., ring_digest: _Optional[str] = ..., quorum: _Optional[int] = ..., proposals: _Optional[_Iterable[_Union[ProposalApprovals, _Mapping]]] = ...) -> None: ...

class RingApproval(_message.Message):
    __slots__ = ("group_id", "proposal", "key_image", "approvals", "quorum", "approved")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_FIELD_NUMBER: _ClassVar[int]
    KEY_IMAGE_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_FIELD_NUMBER: _ClassVar[int]
    QUORUM_FIELD_NUMBER: _ClassVar[int]
    APPROVED_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    proposal: str
    key_image: str
    approvals: int
    quorum: int
    approved: bool
    def __init__(self, group_id: _Optional[str] = ..., proposal: _Optional[str] = ..., key_image: _Optional[str] = ..., approvals: _Optional[int] = ..., quorum: _Optional[int] = ..., approved: _Optional[bool] = ...) -> None: ...

class RingVerification(_message.Message):
    __slots__ = ("valid", "key_image", "ring_digest")
    VALID_FIELD_NUMBER: _ClassVar[int]
    KEY_IMAGE_FIELD_NUMBER: _ClassVar[int]
    RING_DIGEST_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    key_image: str
    ring_digest: str
    def __init__(self, valid: _Optional[bool] = ..., key_image: _Optional[str] = ..., ring_digest: _Optional[str] = ...) -> None: ...

class BlindedMessage(_message.Message):
    __slots__ = ("prepared_message", "blinded_message", "inverse")
    PREPARED_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    BLINDED_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    INVERSE_FIELD_NUMBER: _ClassVar[int]
    prepared_message: bytes
    blinded_message: bytes
    inverse: str
    def __init__(self, prepared_message: _Optional[bytes] = ..., blinded_message: _Optional[bytes] = ..., inverse: _Optional[str] = ...) -> None: ...

class BlindRsaSignature(_message.Message):
    __slots__ = ("signature", "variant")
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    VARIANT_FIELD_NUMBER: _ClassVar[int]
    signature: str
    variant: str
    def __init__(self, signature: _Optional[str] = ..., variant: _Optional[str] = ...) -> None: ...

class BlindVerification(_message.Message):
    __slots__ = ("valid", "variant", "key_fingerprint")
    VALID_FIELD_NUMBER: _ClassVar[int]
    VARIANT_FIELD_NUMBER: _ClassVar[int]
    KEY_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    variant: str
    key_fingerprint: str
    def __init__(self, valid: _Optional[bool] = ..., variant: _Optional[str] = ..., key_fingerprint: _Optional[str] = ...) -> None: ...

class PaillierEncryption(_message.Message):
    __slots__ = ("ciphertext", "ciphertext_digest", "key_fingerprint")
    CIPHERTEXT_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXT_DIGEST_FIELD_NUMBER: _ClassVar[int]
    KEY_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    ciphertext: bytes
    ciphertext_digest: str
    key_fingerprint: str
    def __init__(self, ciphertext: _Optional[bytes] = ..., ciphertext_digest: _Optional[str] = ..., key_fingerprint: _Optional[str] = ...) -> None: ...

class RequestCheckpointRequest(_message.Message):
    __slots__ = ("command", "chain_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    chain_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., chain_id: _Optional[str] = ...) -> None: ...

class RequestCheckpointReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: CheckpointPublication
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[CheckpointPublication, _Mapping]] = ...) -> None: ...

class RegisterActorRequest(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ...) -> None: ...

class RegisterActorReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ActorRegistration
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ActorRegistration, _Mapping]] = ...) -> None: ...

class ChangeActorRolesRequest(_message.Message):
    __slots__ = ("command", "actor_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    actor_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., actor_id: _Optional[str] = ...) -> None: ...

class ChangeActorRolesReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ActorRoles
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ActorRoles, _Mapping]] = ...) -> None: ...

class RevokeActorRequest(_message.Message):
    __slots__ = ("command", "actor_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    actor_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., actor_id: _Optional[str] = ...) -> None: ...

class RevokeActorReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ActorRevocation
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ActorRevocation, _Mapping]] = ...) -> None: ...

class CreateKeyRequest(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ...) -> None: ...

class CreateKeyReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: KeyCreation
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[KeyCreation, _Mapping]] = ...) -> None: ...

class ActivateKeyRequest(_message.Message):
    __slots__ = ("command", "key_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ...) -> None: ...

class ActivateKeyReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: KeyStatus
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[KeyStatus, _Mapping]] = ...) -> None: ...

class RotateKeyRequest(_message.Message):
    __slots__ = ("command", "key_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ...) -> None: ...

class RotateKeyReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: KeyStatus
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[KeyStatus, _Mapping]] = ...) -> None: ...

class SuspendKeyRequest(_message.Message):
    __slots__ = ("command", "key_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ...) -> None: ...

class SuspendKeyReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: KeyStatus
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[KeyStatus, _Mapping]] = ...) -> None: ...

class ReactivateKeyRequest(_message.Message):
    __slots__ = ("command", "key_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ...) -> None: ...

class ReactivateKeyReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: KeyStatus
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[KeyStatus, _Mapping]] = ...) -> None: ...

class CompromiseKeyRequest(_message.Message):
    __slots__ = ("command", "key_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ...) -> None: ...

class CompromiseKeyReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: KeyStatus
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[KeyStatus, _Mapping]] = ...) -> None: ...

class RevokeKeyRequest(_message.Message):
    __slots__ = ("command", "key_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ...) -> None: ...

class RevokeKeyReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: KeyStatus
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[KeyStatus, _Mapping]] = ...) -> None: ...

class DestroyKeyRequest(_message.Message):
    __slots__ = ("command", "key_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ...) -> None: ...

class DestroyKeyReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: KeyStatus
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[KeyStatus, _Mapping]] = ...) -> None: ...

class CancelDestructionRequest(_message.Message):
    __slots__ = ("command", "key_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ...) -> None: ...

class CancelDestructionReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: KeyStatus
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[KeyStatus, _Mapping]] = ...) -> None: ...

class ChangeKeyPolicyRequest(_message.Message):
    __slots__ = ("command", "key_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ...) -> None: ...

class ChangeKeyPolicyReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: KeyPolicy
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[KeyPolicy, _Mapping]] = ...) -> None: ...

class SignRequest(_message.Message):
    __slots__ = ("command", "key_id", "message")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    message: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., message: _Optional[bytes] = ...) -> None: ...

class SignReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: Signature
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[Signature, _Mapping]] = ...) -> None: ...

class SignBatchRequest(_message.Message):
    __slots__ = ("command", "key_id", "messages")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    messages: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., messages: _Optional[_Iterable[bytes]] = ...) -> None: ...

class SignBatchReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: Signatures
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[Signatures, _Mapping]] = ...) -> None: ...

class EncryptRequest(_message.Message):
    __slots__ = ("command", "key_id", "plaintext", "aad")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PLAINTEXT_FIELD_NUMBER: _ClassVar[int]
    AAD_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    plaintext: bytes
    aad: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., plaintext: _Optional[bytes] = ..., aad: _Optional[bytes] = ...) -> None: ...

class EncryptReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: Ciphertext
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[Ciphertext, _Mapping]] = ...) -> None: ...

class DecryptRequest(_message.Message):
    __slots__ = ("command", "key_id", "ciphertext", "aad")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXT_FIELD_NUMBER: _ClassVar[int]
    AAD_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    ciphertext: bytes
    aad: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., ciphertext: _Optional[bytes] = ..., aad: _Optional[bytes] = ...) -> None: ...

class DecryptReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: Plaintext
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[Plaintext, _Mapping]] = ...) -> None: ...

class ReEncryptRequest(_message.Message):
    __slots__ = ("command", "key_id", "ciphertext", "aad")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXT_FIELD_NUMBER: _ClassVar[int]
    AAD_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    ciphertext: bytes
    aad: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., ciphertext: _Optional[bytes] = ..., aad: _Optional[bytes] = ...) -> None: ...

class ReEncryptReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ReEncryption
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ReEncryption, _Mapping]] = ...) -> None: ...

class GenerateDataKeyRequest(_message.Message):
    __slots__ = ("command", "key_id", "aad")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    AAD_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    aad: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., aad: _Optional[bytes] = ...) -> None: ...

class GenerateDataKeyReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: DataKey
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[DataKey, _Mapping]] = ...) -> None: ...

class GenerateMacRequest(_message.Message):
    __slots__ = ("command", "key_id", "message")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    message: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., message: _Optional[bytes] = ...) -> None: ...

class GenerateMacReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: Mac
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[Mac, _Mapping]] = ...) -> None: ...

class VerifyMacRequest(_message.Message):
    __slots__ = ("command", "key_id", "message", "mac")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    MAC_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    message: bytes
    mac: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., message: _Optional[bytes] = ..., mac: _Optional[bytes] = ...) -> None: ...

class VerifyMacReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: MacCheck
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[MacCheck, _Mapping]] = ...) -> None: ...

class DeriveSharedSecretRequest(_message.Message):
    __slots__ = ("command", "key_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ...) -> None: ...

class DeriveSharedSecretReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: DerivedKey
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[DerivedKey, _Mapping]] = ...) -> None: ...

class CreateWalletRequest(_message.Message):
    __slots__ = ("command", "passphrase")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    PASSPHRASE_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    passphrase: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., passphrase: _Optional[bytes] = ...) -> None: ...

class CreateWalletReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: WalletCreation
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[WalletCreation, _Mapping]] = ...) -> None: ...

class ImportWalletRequest(_message.Message):
    __slots__ = ("command", "mnemonic", "passphrase")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    MNEMONIC_FIELD_NUMBER: _ClassVar[int]
    PASSPHRASE_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    mnemonic: bytes
    passphrase: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., mnemonic: _Optional[bytes] = ..., passphrase: _Optional[bytes] = ...) -> None: ...

class ImportWalletReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: WalletImport
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[WalletImport, _Mapping]] = ...) -> None: ...

class DeriveAddressRequest(_message.Message):
    __slots__ = ("command", "wallet_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    wallet_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., wallet_id: _Optional[str] = ...) -> None: ...

class DeriveAddressReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: DerivedAddress
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[DerivedAddress, _Mapping]] = ...) -> None: ...

class MarkAddressUsedRequest(_message.Message):
    __slots__ = ("command", "wallet_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    wallet_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., wallet_id: _Optional[str] = ...) -> None: ...

class MarkAddressUsedReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: AddressUse
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[AddressUse, _Mapping]] = ...) -> None: ...

class ExportXpubRequest(_message.Message):
    __slots__ = ("command", "wallet_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    wallet_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., wallet_id: _Optional[str] = ...) -> None: ...

class ExportXpubReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: Xpub
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[Xpub, _Mapping]] = ...) -> None: ...

class BackupWalletRequest(_message.Message):
    __slots__ = ("command", "wallet_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    wallet_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., wallet_id: _Optional[str] = ...) -> None: ...

class BackupWalletReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: WalletBackup
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[WalletBackup, _Mapping]] = ...) -> None: ...

class RecoverWalletRequest(_message.Message):
    __slots__ = ("command", "wallet_id", "shares")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    SHARES_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    wallet_id: str
    shares: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., wallet_id: _Optional[str] = ..., shares: _Optional[_Iterable[bytes]] = ...) -> None: ...

class RecoverWalletReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: WalletRecovery
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[WalletRecovery, _Mapping]] = ...) -> None: ...

class SetApprovalPolicyRequest(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ...) -> None: ...

class SetApprovalPolicyReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ApprovalRule
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ApprovalRule, _Mapping]] = ...) -> None: ...

class ApproveRequestRequest(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ...) -> None: ...

class ApproveRequestReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ApprovalDecision
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ApprovalDecision, _Mapping]] = ...) -> None: ...

class RejectRequestRequest(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ...) -> None: ...

class RejectRequestReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ApprovalDecision
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ApprovalDecision, _Mapping]] = ...) -> None: ...

class SignEvmTransactionRequest(_message.Message):
    __slots__ = ("command", "key_id", "tx")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    TX_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    tx: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., tx: _Optional[bytes] = ...) -> None: ...

class SignEvmTransactionReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: EvmTransaction
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[EvmTransaction, _Mapping]] = ...) -> None: ...

class SignEvmMessageRequest(_message.Message):
    __slots__ = ("command", "key_id", "message")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    message: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., message: _Optional[bytes] = ...) -> None: ...

class SignEvmMessageReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: EvmSignature
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[EvmSignature, _Mapping]] = ...) -> None: ...

class SignEvmTypedDataRequest(_message.Message):
    __slots__ = ("command", "key_id", "typed_data")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    TYPED_DATA_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    typed_data: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., typed_data: _Optional[bytes] = ...) -> None: ...

class SignEvmTypedDataReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: EvmSignature
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[EvmSignature, _Mapping]] = ...) -> None: ...

class SignPsbtRequest(_message.Message):
    __slots__ = ("command", "key_id", "psbt")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PSBT_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    psbt: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., psbt: _Optional[bytes] = ...) -> None: ...

class SignPsbtReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: SignedPsbt
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[SignedPsbt, _Mapping]] = ...) -> None: ...

class SignSolanaTransactionRequest(_message.Message):
    __slots__ = ("command", "key_id", "tx")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    TX_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    tx: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., tx: _Optional[bytes] = ...) -> None: ...

class SignSolanaTransactionReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: SolanaTransaction
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[SolanaTransaction, _Mapping]] = ...) -> None: ...

class SignSolanaMessageRequest(_message.Message):
    __slots__ = ("command", "key_id", "message")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    message: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., message: _Optional[bytes] = ...) -> None: ...

class SignSolanaMessageReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: SolanaMessage
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[SolanaMessage, _Mapping]] = ...) -> None: ...

class WalletSignEvmTransactionRequest(_message.Message):
    __slots__ = ("command", "wallet_id", "tx")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    TX_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    wallet_id: str
    tx: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., wallet_id: _Optional[str] = ..., tx: _Optional[bytes] = ...) -> None: ...

class WalletSignEvmTransactionReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: EvmTransaction
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[EvmTransaction, _Mapping]] = ...) -> None: ...

class WalletSignEvmMessageRequest(_message.Message):
    __slots__ = ("command", "wallet_id", "message")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    wallet_id: str
    message: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., wallet_id: _Optional[str] = ..., message: _Optional[bytes] = ...) -> None: ...

class WalletSignEvmMessageReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: EvmSignature
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[EvmSignature, _Mapping]] = ...) -> None: ...

class WalletSignEvmTypedDataRequest(_message.Message):
    __slots__ = ("command", "wallet_id", "typed_data")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    TYPED_DATA_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    wallet_id: str
    typed_data: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., wallet_id: _Optional[str] = ..., typed_data: _Optional[bytes] = ...) -> None: ...

class WalletSignEvmTypedDataReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: EvmSignature
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[EvmSignature, _Mapping]] = ...) -> None: ...

class WalletSignPsbtRequest(_message.Message):
    __slots__ = ("command", "wallet_id", "psbt")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    PSBT_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    wallet_id: str
    psbt: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., wallet_id: _Optional[str] = ..., psbt: _Optional[bytes] = ...) -> None: ...

class WalletSignPsbtReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: SignedPsbt
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[SignedPsbt, _Mapping]] = ...) -> None: ...

class WalletSignSolanaTransactionRequest(_message.Message):
    __slots__ = ("command", "wallet_id", "tx")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    TX_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    wallet_id: str
    tx: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., wallet_id: _Optional[str] = ..., tx: _Optional[bytes] = ...) -> None: ...

class WalletSignSolanaTransactionReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: SolanaTransaction
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[SolanaTransaction, _Mapping]] = ...) -> None: ...

class WalletSignSolanaMessageRequest(_message.Message):
    __slots__ = ("command", "wallet_id", "message")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    wallet_id: str
    message: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., wallet_id: _Optional[str] = ..., message: _Optional[bytes] = ...) -> None: ...

class WalletSignSolanaMessageReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: SolanaMessage
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[SolanaMessage, _Mapping]] = ...) -> None: ...

class WalletEvmAddressRequest(_message.Message):
    __slots__ = ("command", "wallet_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    wallet_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., wallet_id: _Optional[str] = ...) -> None: ...

class WalletEvmAddressReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: WalletChainAddress
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[WalletChainAddress, _Mapping]] = ...) -> None: ...

class WalletBitcoinAddressRequest(_message.Message):
    __slots__ = ("command", "wallet_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    wallet_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., wallet_id: _Optional[str] = ...) -> None: ...

class WalletBitcoinAddressReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: WalletChainAddress
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[WalletChainAddress, _Mapping]] = ...) -> None: ...

class WalletSolanaAddressRequest(_message.Message):
    __slots__ = ("command", "wallet_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    wallet_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., wallet_id: _Optional[str] = ...) -> None: ...

class WalletSolanaAddressReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: WalletChainAddress
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[WalletChainAddress, _Mapping]] = ...) -> None: ...

class SetChainPolicyRequest(_message.Message):
    __slots__ = ("command", "key_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ...) -> None: ...

class SetChainPolicyReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ChainPolicy
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ChainPolicy, _Mapping]] = ...) -> None: ...

class StartThresholdDkgRequest(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ...) -> None: ...

class StartThresholdDkgReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ThresholdDkgRound1
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ThresholdDkgRound1, _Mapping]] = ...) -> None: ...

class RunThresholdDkgRoundRequest(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ...) -> None: ...

class RunThresholdDkgRoundReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ThresholdDkgRound2
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ThresholdDkgRound2, _Mapping]] = ...) -> None: ...

class FinishThresholdDkgRequest(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ...) -> None: ...

class FinishThresholdDkgReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ThresholdKey
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ThresholdKey, _Mapping]] = ...) -> None: ...

class CommitThresholdSigningRequest(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ...) -> None: ...

class CommitThresholdSigningReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ThresholdCommitment
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ThresholdCommitment, _Mapping]] = ...) -> None: ...

class SignThresholdShareRequest(_message.Message):
    __slots__ = ("command", "message")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    message: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., message: _Optional[bytes] = ...) -> None: ...

class SignThresholdShareReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ThresholdSignatureShare
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ThresholdSignatureShare, _Mapping]] = ...) -> None: ...

class AggregateThresholdSignatureRequest(_message.Message):
    __slots__ = ("command", "message")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    message: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., message: _Optional[bytes] = ...) -> None: ...

class AggregateThresholdSignatureReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ThresholdSignature
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ThresholdSignature, _Mapping]] = ...) -> None: ...

class AggregateMusigKeyRequest(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ...) -> None: ...

class AggregateMusigKeyReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ThresholdKey
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ThresholdKey, _Mapping]] = ...) -> None: ...

class DealThresholdKeyRequest(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ...) -> None: ...

class DealThresholdKeyReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ThresholdDeal
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ThresholdDeal, _Mapping]] = ...) -> None: ...

class AcceptThresholdDealRequest(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ...) -> None: ...

class AcceptThresholdDealReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ThresholdKey
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ThresholdKey, _Mapping]] = ...) -> None: ...

class CommitRequest(_message.Message):
    __slots__ = ("command", "key_id", "value")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    value: int
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...

class CommitReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: Commitment
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[Commitment, _Mapping]] = ...) -> None: ...

class ProveRangeRequest(_message.Message):
    __slots__ = ("command", "key_id", "values")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    values: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., values: _Optional[_Iterable[int]] = ...) -> None: ...

class ProveRangeReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: RangeProof
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[RangeProof, _Mapping]] = ...) -> None: ...

class RegisterCircuitRequest(_message.Message):
    __slots__ = ("command", "transcript", "zkey", "wasm", "vkey")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_FIELD_NUMBER: _ClassVar[int]
    ZKEY_FIELD_NUMBER: _ClassVar[int]
    WASM_FIELD_NUMBER: _ClassVar[int]
    VKEY_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    transcript: bytes
    zkey: bytes
    wasm: bytes
    vkey: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., transcript: _Optional[bytes] = ..., zkey: _Optional[bytes] = ..., wasm: _Optional[bytes] = ..., vkey: _Optional[bytes] = ...) -> None: ...

class RegisterCircuitReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: CircuitKey
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[CircuitKey, _Mapping]] = ...) -> None: ...

class ProveSnarkRequest(_message.Message):
    __slots__ = ("command", "key_id", "input")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    input: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., input: _Optional[bytes] = ...) -> None: ...

class ProveSnarkReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: SnarkProof
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[SnarkProof, _Mapping]] = ...) -> None: ...

class ProveStarkRequest(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ...) -> None: ...

class ProveStarkReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: StarkProof
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[StarkProof, _Mapping]] = ...) -> None: ...

class AuthorizeKekRotationRequest(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ...) -> None: ...

class AuthorizeKekRotationReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: KekRotationAuthorization
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[KekRotationAuthorization, _Mapping]] = ...) -> None: ...

class GetImportParametersRequest(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ...) -> None: ...

class GetImportParametersReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ImportParameters
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ImportParameters, _Mapping]] = ...) -> None: ...

class ImportKeyRequest(_message.Message):
    __slots__ = ("command", "wrapped")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    WRAPPED_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    wrapped: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., wrapped: _Optional[bytes] = ...) -> None: ...

class ImportKeyReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: KeyCreation
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[KeyCreation, _Mapping]] = ...) -> None: ...

class ExportKeyRequest(_message.Message):
    __slots__ = ("command", "key_id", "wrapping_public_key")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    WRAPPING_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    wrapping_public_key: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., wrapping_public_key: _Optional[bytes] = ...) -> None: ...

class ExportKeyReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: KeyExport
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[KeyExport, _Mapping]] = ...) -> None: ...

class RegisterEscrowAgentRequest(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ...) -> None: ...

class RegisterEscrowAgentReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: EscrowAgent
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[EscrowAgent, _Mapping]] = ...) -> None: ...

class ReleaseEscrowRequest(_message.Message):
    __slots__ = ("command", "key_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ...) -> None: ...

class ReleaseEscrowReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: EscrowRelease
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[EscrowRelease, _Mapping]] = ...) -> None: ...

class CreateBackupRequest(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ...) -> None: ...

class CreateBackupReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: BackupBundle
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[BackupBundle, _Mapping]] = ...) -> None: ...

class RestoreBackupRequest(_message.Message):
    __slots__ = ("command", "bundle", "shares")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_FIELD_NUMBER: _ClassVar[int]
    SHARES_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    bundle: bytes
    shares: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., bundle: _Optional[bytes] = ..., shares: _Optional[_Iterable[bytes]] = ...) -> None: ...

class RestoreBackupReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: BackupRestore
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[BackupRestore, _Mapping]] = ...) -> None: ...

class BlindSignRequest(_message.Message):
    __slots__ = ("command", "key_id", "blinded_message")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    BLINDED_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    blinded_message: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., blinded_message: _Optional[bytes] = ...) -> None: ...

class BlindSignReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: BlindSignature
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[BlindSignature, _Mapping]] = ...) -> None: ...

class HomomorphicCombineRequest(_message.Message):
    __slots__ = ("command", "key_id", "ciphertexts")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXTS_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    ciphertexts: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., ciphertexts: _Optional[_Iterable[bytes]] = ...) -> None: ...

class HomomorphicCombineReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: HomomorphicCiphertext
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[HomomorphicCiphertext, _Mapping]] = ...) -> None: ...

class HomomorphicDecryptRequest(_message.Message):
    __slots__ = ("command", "key_id", "ciphertext")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXT_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    ciphertext: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ..., ciphertext: _Optional[bytes] = ...) -> None: ...

class HomomorphicDecryptReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: HomomorphicPlaintext
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[HomomorphicPlaintext, _Mapping]] = ...) -> None: ...

class IssuePossessionChallengeRequest(_message.Message):
    __slots__ = ("command", "actor_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    actor_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., actor_id: _Optional[str] = ...) -> None: ...

class IssuePossessionChallengeReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: PossessionChallenge
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[PossessionChallenge, _Mapping]] = ...) -> None: ...

class ProvePossessionRequest(_message.Message):
    __slots__ = ("command", "actor_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    actor_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., actor_id: _Optional[str] = ...) -> None: ...

class ProvePossessionReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: PossessionProof
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[PossessionProof, _Mapping]] = ...) -> None: ...

class ProveKeyPossessionRequest(_message.Message):
    __slots__ = ("command", "key_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    key_id: str
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., key_id: _Optional[str] = ...) -> None: ...

class ProveKeyPossessionReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: KeyPossessionProof
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[KeyPossessionProof, _Mapping]] = ...) -> None: ...

class CreateApprovalGroupRequest(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ...) -> None: ...

class CreateApprovalGroupReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ApprovalGroup
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ApprovalGroup, _Mapping]] = ...) -> None: ...

class RingApproveRequest(_message.Message):
    __slots__ = ("command", "message")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    message: bytes
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ..., message: _Optional[bytes] = ...) -> None: ...

class RingApproveReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: RingApproval
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[RingApproval, _Mapping]] = ...) -> None: ...

class SetThreatPolicyRequest(_message.Message):
    __slots__ = ("command",)
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    command: SignedCommand
    def __init__(self, command: _Optional[_Union[SignedCommand, _Mapping]] = ...) -> None: ...

class SetThreatPolicyReply(_message.Message):
    __slots__ = ("outcome", "result")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    outcome: CommandOutcome
    result: ThreatPolicy
    def __init__(self, outcome: _Optional[_Union[CommandOutcome, _Mapping]] = ..., result: _Optional[_Union[ThreatPolicy, _Mapping]] = ...) -> None: ...

class WhoAmIRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WhoAmIReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: Principal
    def __init__(self, result: _Optional[_Union[Principal, _Mapping]] = ...) -> None: ...

class ListAlgorithmsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAlgorithmsReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[Algorithm]
    def __init__(self, result: _Optional[_Iterable[_Union[Algorithm, _Mapping]]] = ...) -> None: ...

class ListKeysRequest(_message.Message):
    __slots__ = ("domain", "state")
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    domain: str
    state: str
    def __init__(self, domain: _Optional[str] = ..., state: _Optional[str] = ...) -> None: ...

class ListKeysReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[Key]
    def __init__(self, result: _Optional[_Iterable[_Union[Key, _Mapping]]] = ...) -> None: ...

class GetKeyRequest(_message.Message):
    __slots__ = ("key_id",)
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    def __init__(self, key_id: _Optional[str] = ...) -> None: ...

class GetKeyReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: Key
    def __init__(self, result: _Optional[_Union[Key, _Mapping]] = ...) -> None: ...

class KeyHistoryRequest(_message.Message):
    __slots__ = ("key_id",)
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    def __init__(self, key_id: _Optional[str] = ...) -> None: ...

class KeyHistoryReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: Table
    def __init__(self, result: _Optional[_Union[Table, _Mapping]] = ...) -> None: ...

class GetPublicKeyRequest(_message.Message):
    __slots__ = ("key_id", "format", "version")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    format: str
    version: int
    def __init__(self, key_id: _Optional[str] = ..., format: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class GetPublicKeyReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: PublicKey
    def __init__(self, result: _Optional[_Union[PublicKey, _Mapping]] = ...) -> None: ...

class VerifyRequest(_message.Message):
    __slots__ = ("key_id", "message", "signature", "version")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    message: bytes
    signature: str
    version: int
    def __init__(self, key_id: _Optional[str] = ..., message: _Optional[bytes] = ..., signature: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class VerifyReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: Verification
    def __init__(self, result: _Optional[_Union[Verification, _Mapping]] = ...) -> None: ...

class VerifyBatchRequest(_message.Message):
    __slots__ = ("key_id", "items")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    items: _containers.RepeatedCompositeFieldContainer[VerifyItem]
    def __init__(self, key_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[VerifyItem, _Mapping]]] = ...) -> None: ...

class VerifyBatchReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: Verifications
    def __init__(self, result: _Optional[_Union[Verifications, _Mapping]] = ...) -> None: ...

class ListActorsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListActorsReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[Actor]
    def __init__(self, result: _Optional[_Iterable[_Union[Actor, _Mapping]]] = ...) -> None: ...

class GetActorRequest(_message.Message):
    __slots__ = ("actor_id",)
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    actor_id: str
    def __init__(self, actor_id: _Optional[str] = ...) -> None: ...

class GetActorReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: Actor
    def __init__(self, result: _Optional[_Union[Actor, _Mapping]] = ...) -> None: ...

class ListChainsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListChainsReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[Chain]
    def __init__(self, result: _Optional[_Iterable[_Union[Chain, _Mapping]]] = ...) -> None: ...

class GetCheckpointRequest(_message.Message):
    __slots__ = ("chain_id",)
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    def __init__(self, chain_id: _Optional[str] = ...) -> None: ...

class GetCheckpointReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: Checkpoint
    def __init__(self, result: _Optional[_Union[Checkpoint, _Mapping]] = ...) -> None: ...

class InclusionProofRequest(_message.Message):
    __slots__ = ("chain_id", "seq", "size")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    seq: int
    size: int
    def __init__(self, chain_id: _Optional[str] = ..., seq: _Optional[int] = ..., size: _Optional[int] = ...) -> None: ...

class InclusionProofReply(_message.Message):
    __slots__ = ("result_json",)
    RESULT_JSON_FIELD_NUMBER: _ClassVar[int]
    result_json: str
    def __init__(self, result_json: _Optional[str] = ...) -> None: ...

class ConsistencyProofRequest(_message.Message):
    __slots__ = ("chain_id", "old_size", "size")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    OLD_SIZE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    old_size: int
    size: int
    def __init__(self, chain_id: _Optional[str] = ..., old_size: _Optional[int] = ..., size: _Optional[int] = ...) -> None: ...

class ConsistencyProofReply(_message.Message):
    __slots__ = ("result_json",)
    RESULT_JSON_FIELD_NUMBER: _ClassVar[int]
    result_json: str
    def __init__(self, result_json: _Optional[str] = ...) -> None: ...

class ListEnvelopesRequest(_message.Message):
    __slots__ = ("chain_id", "from_seq", "limit", "size")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_SEQ_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    from_seq: int
    limit: int
    size: int
    def __init__(self, chain_id: _Optional[str] = ..., from_seq: _Optional[int] = ..., limit: _Optional[int] = ..., size: _Optional[int] = ...) -> None: ...

class ListEnvelopesReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: EnvelopePage
    def __init__(self, result: _Optional[_Union[EnvelopePage, _Mapping]] = ...) -> None: ...

class VerifyProofRequest(_message.Message):
    __slots__ = ("document_json", "ledger_key", "trusted_checkpoints")
    DOCUMENT_JSON_FIELD_NUMBER: _ClassVar[int]
    LEDGER_KEY_FIELD_NUMBER: _ClassVar[int]
    TRUSTED_CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
    document_json: str
    ledger_key: str
    trusted_checkpoints: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, document_json: _Optional[str] = ..., ledger_key: _Optional[str] = ..., trusted_checkpoints: _Optional[_Iterable[str]] = ...) -> None: ...

class VerifyProofReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: ProofVerification
    def __init__(self, result: _Optional[_Union[ProofVerification, _Mapping]] = ...) -> None: ...

class AuditVerifyRequest(_message.Message):
    __slots__ = ("trusted_checkpoints", "ledger_key")
    TRUSTED_CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
    LEDGER_KEY_FIELD_NUMBER: _ClassVar[int]
    trusted_checkpoints: _containers.RepeatedScalarFieldContainer[str]
    ledger_key: str
    def __init__(self, trusted_checkpoints: _Optional[_Iterable[str]] = ..., ledger_key: _Optional[str] = ...) -> None: ...

class AuditVerifyReply(_message.Message):
    __slots__ = ("result_json",)
    RESULT_JSON_FIELD_NUMBER: _ClassVar[int]
    result_json: str
    def __init__(self, result_json: _Optional[str] = ...) -> None: ...

class ListReportsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListReportsReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[ReportInfo]
    def __init__(self, result: _Optional[_Iterable[_Union[ReportInfo, _Mapping]]] = ...) -> None: ...

class RunReportRequest(_message.Message):
    __slots__ = ("name", "since", "at")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    name: str
    since: str
    at: str
    def __init__(self, name: _Optional[str] = ..., since: _Optional[str] = ..., at: _Optional[str] = ...) -> None: ...

class RunReportReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: Report
    def __init__(self, result: _Optional[_Union[Report, _Mapping]] = ...) -> None: ...

class QueryRequest(_message.Message):
    __slots__ = ("sql", "timeout")
    SQL_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    sql: str
    timeout: int
    def __init__(self, sql: _Optional[str] = ..., timeout: _Optional[int] = ...) -> None: ...

class QueryReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: Table
    def __init__(self, result: _Optional[_Union[Table, _Mapping]] = ...) -> None: ...

class ProjectionStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ProjectionStatusReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: ProjectionStatus
    def __init__(self, result: _Optional[_Union[ProjectionStatus, _Mapping]] = ...) -> None: ...

class ListWalletsRequest(_message.Message):
    __slots__ = ("domain",)
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    domain: str
    def __init__(self, domain: _Optional[str] = ...) -> None: ...

class ListWalletsReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[Wallet]
    def __init__(self, result: _Optional[_Iterable[_Union[Wallet, _Mapping]]] = ...) -> None: ...

class GetWalletRequest(_message.Message):
    __slots__ = ("wallet_id",)
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    wallet_id: str
    def __init__(self, wallet_id: _Optional[str] = ...) -> None: ...

class GetWalletReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: Wallet
    def __init__(self, result: _Optional[_Union[Wallet, _Mapping]] = ...) -> None: ...

class ListWalletAddressesRequest(_message.Message):
    __slots__ = ("wallet_id", "unused")
    WALLET_ID_FIELD_NUMBER: _ClassVar[int]
    UNUSED_FIELD_NUMBER: _ClassVar[int]
    wallet_id: str
    unused: bool
    def __init__(self, wallet_id: _Optional[str] = ..., unused: _Optional[bool] = ...) -> None: ...

class ListWalletAddressesReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[WalletAddress]
    def __init__(self, result: _Optional[_Iterable[_Union[WalletAddress, _Mapping]]] = ...) -> None: ...

class ListKeysWithoutBackupRequest(_message.Message):
    __slots__ = ("domain",)
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    domain: str
    def __init__(self, domain: _Optional[str] = ...) -> None: ...

class ListKeysWithoutBackupReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[UnbackedKey]
    def __init__(self, result: _Optional[_Iterable[_Union[UnbackedKey, _Mapping]]] = ...) -> None: ...

class ListApprovalsRequest(_message.Message):
    __slots__ = ("pending", "domain")
    PENDING_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    pending: bool
    domain: str
    def __init__(self, pending: _Optional[bool] = ..., domain: _Optional[str] = ...) -> None: ...

class ListApprovalsReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[Approval]
    def __init__(self, result: _Optional[_Iterable[_Union[Approval, _Mapping]]] = ...) -> None: ...

class GetApprovalRequest(_message.Message):
    __slots__ = ("approval_id",)
    APPROVAL_ID_FIELD_NUMBER: _ClassVar[int]
    approval_id: str
    def __init__(self, approval_id: _Optional[str] = ...) -> None: ...

class GetApprovalReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: Approval
    def __init__(self, result: _Optional[_Union[Approval, _Mapping]] = ...) -> None: ...

class ListApprovalPoliciesRequest(_message.Message):
    __slots__ = ("domain",)
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    domain: str
    def __init__(self, domain: _Optional[str] = ...) -> None: ...

class ListApprovalPoliciesReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[ApprovalRule]
    def __init__(self, result: _Optional[_Iterable[_Union[ApprovalRule, _Mapping]]] = ...) -> None: ...

class EvmAddressRequest(_message.Message):
    __slots__ = ("key_id",)
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    def __init__(self, key_id: _Optional[str] = ...) -> None: ...

class EvmAddressReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: ChainAddress
    def __init__(self, result: _Optional[_Union[ChainAddress, _Mapping]] = ...) -> None: ...

class BitcoinAddressRequest(_message.Message):
    __slots__ = ("key_id", "type", "network")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    type: str
    network: str
    def __init__(self, key_id: _Optional[str] = ..., type: _Optional[str] = ..., network: _Optional[str] = ...) -> None: ...

class BitcoinAddressReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: ChainAddress
    def __init__(self, result: _Optional[_Union[ChainAddress, _Mapping]] = ...) -> None: ...

class SolanaAddressRequest(_message.Message):
    __slots__ = ("key_id",)
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    def __init__(self, key_id: _Optional[str] = ...) -> None: ...

class SolanaAddressReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: ChainAddress
    def __init__(self, result: _Optional[_Union[ChainAddress, _Mapping]] = ...) -> None: ...

class FinalizePsbtRequest(_message.Message):
    __slots__ = ("psbt",)
    PSBT_FIELD_NUMBER: _ClassVar[int]
    psbt: bytes
    def __init__(self, psbt: _Optional[bytes] = ...) -> None: ...

class FinalizePsbtReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: FinalizedPsbt
    def __init__(self, result: _Optional[_Union[FinalizedPsbt, _Mapping]] = ...) -> None: ...

class GetThresholdGroupRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class GetThresholdGroupReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: ThresholdGroup
    def __init__(self, result: _Optional[_Union[ThresholdGroup, _Mapping]] = ...) -> None: ...

class ListThresholdGroupsRequest(_message.Message):
    __slots__ = ("domain",)
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    domain: str
    def __init__(self, domain: _Optional[str] = ...) -> None: ...

class ListThresholdGroupsReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[ThresholdGroup]
    def __init__(self, result: _Optional[_Iterable[_Union[ThresholdGroup, _Mapping]]] = ...) -> None: ...

class ListThresholdSessionsRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class ListThresholdSessionsReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[ThresholdSession]
    def __init__(self, result: _Optional[_Iterable[_Union[ThresholdSession, _Mapping]]] = ...) -> None: ...

class VerifyRangeRequest(_message.Message):
    __slots__ = ("proof", "context", "commitments", "bits")
    PROOF_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    COMMITMENTS_FIELD_NUMBER: _ClassVar[int]
    BITS_FIELD_NUMBER: _ClassVar[int]
    proof: str
    context: str
    commitments: _containers.RepeatedScalarFieldContainer[str]
    bits: int
    def __init__(self, proof: _Optional[str] = ..., context: _Optional[str] = ..., commitments: _Optional[_Iterable[str]] = ..., bits: _Optional[int] = ...) -> None: ...

class VerifyRangeReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: RangeVerification
    def __init__(self, result: _Optional[_Union[RangeVerification, _Mapping]] = ...) -> None: ...

class VerifySnarkRequest(_message.Message):
    __slots__ = ("vkey_json", "proof_json", "public_json")
    VKEY_JSON_FIELD_NUMBER: _ClassVar[int]
    PROOF_JSON_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_JSON_FIELD_NUMBER: _ClassVar[int]
    vkey_json: str
    proof_json: str
    public_json: str
    def __init__(self, vkey_json: _Optional[str] = ..., proof_json: _Optional[str] = ..., public_json: _Optional[str] = ...) -> None: ...

class VerifySnarkReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: SnarkVerification
    def __init__(self, result: _Optional[_Union[SnarkVerification, _Mapping]] = ...) -> None: ...

class VerifyStarkRequest(_message.Message):
    __slots__ = ("proof", "start", "end", "steps")
    PROOF_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    proof: str
    start: str
    end: str
    steps: int
    def __init__(self, proof: _Optional[str] = ..., start: _Optional[str] = ..., end: _Optional[str] = ..., steps: _Optional[int] = ...) -> None: ...

class VerifyStarkReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: StarkVerification
    def __init__(self, result: _Optional[_Union[StarkVerification, _Mapping]] = ...) -> None: ...

class GetApprovalGroupRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class GetApprovalGroupReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: ApprovalGroup
    def __init__(self, result: _Optional[_Union[ApprovalGroup, _Mapping]] = ...) -> None: ...

class VerifyRingSignatureRequest(_message.Message):
    __slots__ = ("ring", "group_id", "proposal", "message", "signature")
    RING_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    ring: _containers.RepeatedScalarFieldContainer[str]
    group_id: str
    proposal: str
    message: bytes
    signature: str
    def __init__(self, ring: _Optional[_Iterable[str]] = ..., group_id: _Optional[str] = ..., proposal: _Optional[str] = ..., message: _Optional[bytes] = ..., signature: _Optional[str] = ...) -> None: ...

class VerifyRingSignatureReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: RingVerification
    def __init__(self, result: _Optional[_Union[RingVerification, _Mapping]] = ...) -> None: ...

class BlindMessageRequest(_message.Message):
    __slots__ = ("public_key", "variant", "message")
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    VARIANT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    public_key: str
    variant: str
    message: bytes
    def __init__(self, public_key: _Optional[str] = ..., variant: _Optional[str] = ..., message: _Optional[bytes] = ...) -> None: ...

class BlindMessageReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: BlindedMessage
    def __init__(self, result: _Optional[_Union[BlindedMessage, _Mapping]] = ...) -> None: ...

class FinalizeBlindSignatureRequest(_message.Message):
    __slots__ = ("public_key", "variant", "prepared_message", "blind_signature", "inverse")
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    VARIANT_FIELD_NUMBER: _ClassVar[int]
    PREPARED_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    BLIND_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    INVERSE_FIELD_NUMBER: _ClassVar[int]
    public_key: str
    variant: str
    prepared_message: bytes
    blind_signature: str
    inverse: str
    def __init__(self, public_key: _Optional[str] = ..., variant: _Optional[str] = ..., prepared_message: _Optional[bytes] = ..., blind_signature: _Optional[str] = ..., inverse: _Optional[str] = ...) -> None: ...

class FinalizeBlindSignatureReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: BlindRsaSignature
    def __init__(self, result: _Optional[_Union[BlindRsaSignature, _Mapping]] = ...) -> None: ...

class VerifyBlindSignatureRequest(_message.Message):
    __slots__ = ("public_key", "variant", "prepared_message", "signature")
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    VARIANT_FIELD_NUMBER: _ClassVar[int]
    PREPARED_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    public_key: str
    variant: str
    prepared_message: bytes
    signature: str
    def __init__(self, public_key: _Optional[str] = ..., variant: _Optional[str] = ..., prepared_message: _Optional[bytes] = ..., signature: _Optional[str] = ...) -> None: ...

class VerifyBlindSignatureReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: BlindVerification
    def __init__(self, result: _Optional[_Union[BlindVerification, _Mapping]] = ...) -> None: ...

class HomomorphicEncryptRequest(_message.Message):
    __slots__ = ("public_key", "value")
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    public_key: str
    value: str
    def __init__(self, public_key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class HomomorphicEncryptReply(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: PaillierEncryption
    def __init__(self, result: _Optional[_Union[PaillierEncryption, _Mapping]] = ...) -> None: ...
