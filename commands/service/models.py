"""Request and response bodies of the REST API (they are the OpenAPI schemas).

Binary values travel as base64 (messages) or hex (signatures, public keys, hashes), the same
choices as the CLI's ``--json`` output, so a signature printed by ``skms sign --json`` can be
pasted into ``POST /v1/keys/{key_id}/verify`` unchanged.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_STRICT = ConfigDict(extra="forbid")


class SignedCommandIn(BaseModel):
    """A command signed by the requesting actor (built and signed by the SDK)."""

    model_config = _STRICT
    command: str = Field(description="The canonical command JSON exactly as signed (ASCII).",
                         max_length=262_144)
    signature: str = Field(description="Base64 Ed25519 signature by the actor over "
                                       "'SKMS-COMMAND-v1\\0' || command.", max_length=128)


class SignIn(SignedCommandIn):
    message: str = Field(description="Base64 message; its SHA-256 must equal the command's "
                                     "message_digest.")


class SignBatchIn(SignedCommandIn):
    messages: list[str] = Field(description="Base64 messages, in the order of the command's "
                                            "message_digests.")


class CommandOut(BaseModel):
    command_id: str
    chain: str
    seqs: list[int] = Field(description="Seqs of the events the command appended.")
    seq: int | None = Field(description="The last of seqs.")
    replayed: bool = Field(description="True when this answers a retry of an earlier command.")
    correlation_id: str
    result: Any = Field(description="What the command produced (key id, new version, "
                                    "signature, ...); null for a replay past the cache.")


class VerifyIn(BaseModel):
    model_config = _STRICT
    message: str = Field(description="Base64 message.")
    signature: str = Field(description="Hex signature.", max_length=131_072)
    version: int | None = Field(default=None, ge=1, le=1_000_000,
                                description="Only try this key version.")


class VerifyBatchIn(BaseModel):
    model_config = _STRICT
    items: list[VerifyIn]


class VerifyOut(BaseModel):
    valid: bool
    key_id: str
    version: int | None
    state: str | None


class VerifyBatchOut(BaseModel):
    results: list[VerifyOut]


class KeyOut(BaseModel):
    key_id: str
    label: str | None
    domain: str
    algorithm: str
    state: str
    usage: list[str]
    current_version: int
    versions: list[int]
    public_key: str
    policy: dict[str, Any]
    created_at: int
    rotated_at: int | None
    destroy_after: int | None
    destroyed_at: int | None
    signatures: int


class PublicKeyOut(BaseModel):
    key_id: str
    version: int
    format: str
    public_key: str


class ActorOut(BaseModel):
    actor_id: str
    name: str
    roles: list[str]
    domains: list[str]
    revoked: bool
    public_key: str


class PrincipalOut(BaseModel):
    actor_id: str
    name: str
    roles: list[str]
    domains: list[str]
    authenticated_by: str = Field(description="'signature' (RFC 9421) or 'mtls'.")


class AlgorithmOut(BaseModel):
    algorithm: str
    family: str
    security_bits: int
    public_key_size: int
    signature_size: int | None
    fips_approved: bool
    message_handling: str


class ChainOut(BaseModel):
    chain_id: str
    head_seq: int
    head_hash: str
    checkpoint_size: int


class CheckpointOut(BaseModel):
    chain: str
    size: int
    note: str = Field(description="C2SP signed note.")


class ProofVerifyIn(BaseModel):
    model_config = _STRICT
    document: dict[str, Any] = Field(description="An skms-proof-v1 document.")
    ledger_key: str | None = Field(default=None, max_length=64,
                                   description="Pin the ledger's Ed25519 public key (hex).")


class ProofVerifyOut(BaseModel):
    valid: bool
    type: str
    detail: str


class AuditVerifyIn(BaseModel):
    model_config = _STRICT
    trusted_checkpoints: list[str] = Field(default_factory=list, max_length=64,
                                           description="Signed checkpoints trusted earlier.")
    ledger_key: str | None = Field(default=None, max_length=64,
                                   description="Pin the ledger's Ed25519 public key (hex).")


class ReportInfoOut(BaseModel):
    name: str
    since: bool
    description: str


class TableOut(BaseModel):
    columns: list[str]
    types: list[str]
    rows: list[dict[str, Any]]
    truncated: bool = Field(False, description="Rows past the service's row or byte cap "
                                               "(skms serve --max-query-rows, "
                                               "--max-query-bytes) were left out.")


class ReportOut(TableOut):
    name: str


class QueryIn(BaseModel):
    model_config = _STRICT
    sql: str = Field(max_length=20_000, description="One read-only SELECT over the read "
                                                    "models.")
    timeout: float | None = Field(default=None, gt=0, le=3600,
                                  description="Seconds (capped by the server).")


class ChainStatusOut(BaseModel):
    chain_id: str
    position: int
    head: int
    lag: int


class ProjectionStatusOut(BaseModel):
    chains: list[ChainStatusOut]


class HealthOut(BaseModel):
    status: str


class Problem(BaseModel):
    """RFC 9457 problem details, with SKMS extensions."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    error: str | None = Field(default=None, description="The SkmsError class.")
    field: str | None = None
    hint: str | None = None
    reason_code: str | None = None
    recorded_seq: int | None = Field(default=None, description="Seq of the CommandRejected "
                                                               "event recording the refusal.")
    correlation_id: str | None = None
    retry_after: int | None = None
