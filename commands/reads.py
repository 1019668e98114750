"""The read layer: every catalogue read, answered one way for the CLI and the service.

A read is a function of a :class:`ReadContext` and the read's checked parameters; it
returns JSON-ready data of the read's result field (hex for HEX fields). The caller
decides who may ask (the service checks the read's capability and records a refusal;
the CLI acts for the home's owner), and supplies, through the context, the domains the
caller may see, how a key domain is authorized for it, and the read models.
"""

from __future__ import annotations

import abc
import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from commands.privacy_reads import PRIVACY_READS
from commands.zk_reads import ZK_READS
from ledger.application import Ledger
from ledger.audit import Auditor
from ledger.authorization import SYSTEM_CHAIN
from ledger.catalogue import CATALOGUE
from ledger.catalogue.validation import check_values
from ledger.chains import ethereum, solana
from ledger.chains.bitcoin.addresses import address_for_key
from ledger.chains.bitcoin.finalize import finalize_psbt
from ledger.chains.declared import read_psbt
from ledger.checkpoints import verifier_keys
from ledger.command import parse_command
from ledger.crypto.algorithms import all_profiles, profile, public_key_pem
from ledger.crypto.schemes import get_scheme
from ledger.crypto.threshold.group_keys import is_group_key_kind, verify_group_signature
from ledger.domain.actor import Actor
from ledger.domain.approval import Approval
from ledger.domain.key import Key
from ledger.domain.threshold_group import ThresholdGroup, group_key_id
from ledger.domain.wallet import Wallet
from ledger.errors import CommandRejected, InvalidInput, InvalidSignature, NotFound
from ledger.merkle.hasher import hash_leaf
from ledger.merkle.tree import MerkleTree
from ledger.proofs import build_consistency, build_inclusion, verify_proof_document
from ledger.stores.base import EventStore
from projections.export import ResultSet
from projections.reports import REPORTS, parse_time

ALL = ("*",)


class ReadModels(abc.ABC):
    """The read models as a caller provides them (the service: locked, on its query pool;
    the CLI: its own runner)."""

    @abc.abstractmethod
    def report(self, name: str, since: Any, at: Any) -> ResultSet: ...

    @abc.abstractmethod
    def query(self, sql: str, timeout: float | None) -> ResultSet: ...

    @abc.abstractmethod
    def status(self) -> list[dict[str, Any]]: ...


@dataclass
class ReadContext:
    """What a read needs: the loaded ledger and its store, whom it answers (``principal``,
    for WhoAmI), which domains it may show (``domains``; ``*`` for all), how a refusal
    for one key domain is raised and recorded (``check_domain``), and the read models."""

    ledger: Ledger
    store: EventStore
    principal: Mapping[str, Any] | None = None
    domains: Sequence[str] = ALL
    check_domain: Callable[[str, str], None] = field(default=lambda capability, domain: None)
    read_models: ReadModels | None = None
    audit_options: Mapping[str, Any] = field(default_factory=dict)
    refuse: Callable[[CommandRejected], CommandRejected] = field(
        default=lambda refusal: refusal)
    """Records a refusal the read's own policy decided (a retired key version) and returns
    it to raise; the service and the CLI record it (:mod:`commands.refused_reads`)."""

    def sees(self, domain: str) -> bool:
        return "*" in self.domains or domain in self.domains

    def models(self) -> ReadModels:
        if self.read_models is None:
            raise NotFound("no read models here", hint="run skms projections update first")
        return self.read_models


# --- rows (the catalogue's shapes) -------------------------------------------------------

def key_row(key: Key) -> dict[str, Any]:
    current = key.versions[key.current_version]
    return {"key_id": key.key_id, "label": key.label, "domain": key.domain,
            "algorithm": key.algorithm, "state": key.state.value, "usage": list(key.usage),
            "current_version": key.current_version, "versions": sorted(key.versions),
            "public_key": bytes(current["public_key"]).hex(),
            "policy": {**key.policy, "min_decrypt_version": key.min_decrypt_version,
                       "min_verify_version": key.min_verify_version},
            "created_at": key.created_at, "rotated_at": key.rotated_at,
            "destroy_after": key.destroy_after, "destroyed_at": key.destroyed_at,
            "signatures": key.signature_count, **key_location(current)}


def key_location(version: Mapping[str, Any]) -> dict[str, Any]:
    """``backend`` and ``location`` of a key version (public values only)."""
    seat = version.get("threshold")
    if seat is not None:
        return {"backend": "threshold", "location": dict(seat)}
    held = version.get("hsm")
    if held is None:
        return {"backend": "software", "location": None}
    location = {name: value for name, value in held.items() if name != "object_id"}
    location["object_id"] = bytes(held["object_id"]).hex()
    return {"backend": held["backend"], "location": location}


def actor_row(actor: Actor) -> dict[str, Any]:
    return {"actor_id": actor.actor_id, "name": actor.name, "roles": list(actor.roles),
            "domains": list(actor.domains), "revoked": bool(actor.revoked),
            "public_key": bytes(actor.public_key).hex()}


def wallet_row(wallet: Wallet) -> dict[str, Any]:
    """Everything public about a wallet (never the sealed seed or its key-ring reference)."""
    return {"wallet_id": wallet.wallet_id, "label": wallet.label, "domain": wallet.domain,
            "source": wallet.source, "word_count": wallet.word_count,
            "language": wallet.language, "has_passphrase": wallet.has_passphrase,
            "master_fingerprint": wallet.master_fingerprint.hex(),
            "purposes": list(wallet.purposes), "curves": list(wallet.curves),
            "gap_limit": wallet.gap_limit, "seed_version": wallet.seed_version,
            "addresses": len(wallet.addresses),
            "used_addresses": sum(1 for a in wallet.addresses.values() if a["used"]),
            "xpub_exports": len(wallet.xpub_exports),
            "backups": [{"split_id": s["split_id"], "scheme": s["scheme"],
                         "threshold": s["threshold"], "share_count": s["share_count"],
                         "custodians": list(s["custodians"]), "recovered": s["recovered"]}
                        for s in wallet.splits.values()],
            "created_at": wallet.created_at}


def address_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"path": row["path"], "purpose": row["purpose"], "coin": row["coin"],
            "curve": row["curve"], "account": row["account"], "change": row["change"],
            "index": row["index"], "public_key": bytes(row["public_key"]).hex(),
            "address": row["address"], "used": bool(row["used"]),
            "derived_at": row["derived_at"]}


def table(result: ResultSet) -> dict[str, Any]:
    """A result set as columns, DuckDB types and JSON rows; ``truncated`` when rows past
    the service's row or byte cap were left out."""
    return {"columns": list(result.columns), "types": list(result.types),
            "rows": result.records(), "truncated": result.truncated}


def algorithm_rows() -> list[dict[str, Any]]:
    return [{"algorithm": p.algorithm, "family": p.family, "purpose": p.purpose,
             "security_bits": p.security_bits,
             "public_key_size": p.public_key_size or None,
             "signature_size": p.output_size if p.purpose == "signature" else None,
             "output_size": p.output_size, "fips_approved": p.fips_approved,
             "usages": sorted(p.usages), "message_handling": p.description}
            for p in all_profiles()]


# --- reads --------------------------------------------------------------------------------

def _key(ctx: ReadContext, key_id: str, capability: str = "keys.read") -> Key:
    key = ctx.ledger.key(key_id)
    ctx.check_domain(capability, key.domain)
    return key


def _wallet(ctx: ReadContext, wallet_id: str) -> Wallet:
    wallet = ctx.ledger.wallet(wallet_id)
    ctx.check_domain("keys.read", wallet.domain)
    return wallet


def whoami(ctx: ReadContext) -> dict[str, Any]:
    if ctx.principal is None:
        raise NotFound("no registered actor is asking", field="as",
                       hint="act as an identity registered in the ledger")
    return dict(ctx.principal)


def list_algorithms(ctx: ReadContext) -> list[dict[str, Any]]:
    return algorithm_rows()


def list_keys(ctx: ReadContext, domain: str | None = None,
              state: str | None = None) -> list[dict[str, Any]]:
    keys = sorted(ctx.ledger.keys.values(), key=lambda k: (k.created_at, k.key_id))
    return [key_row(k) for k in keys if ctx.sees(k.domain)
            and (domain is None or k.domain == domain)
            and (state is None or k.state.value == state)]


def get_key(ctx: ReadContext, key_id: str) -> dict[str, Any]:
    return key_row(_key(ctx, key_id))


def get_public_key(ctx: ReadContext, key_id: str, format: str = "pem",
                   version: int | None = None) -> dict[str, Any]:
    """Any key kind that has a public key (signature keys, X25519/P-256, ML-KEM hybrids)."""
    key = _key(ctx, key_id)
    chosen = key.current_version if version is None else version
    if chosen not in key.versions:
        raise InvalidInput(f"key has versions {sorted(key.versions)}", field="version")
    if not profile(key.algorithm).has_public_key:
        raise InvalidInput(f"key {key_id} is a symmetric {key.algorithm} key: it has no "
                           "public key", field="key_id",
                           hint="symmetric keys never leave the ledger; use encrypt/mac")
    raw = bytes(key.versions[chosen]["public_key"])
    text = public_key_pem(key.algorithm, raw) if format == "pem" else raw.hex()
    return {"key_id": key_id, "version": chosen, "format": format, "public_key": text}


def verify_with_versions(key: Key, message: bytes, signature: bytes, version: int | None,
                         refuse: Callable[[CommandRejected], CommandRejected]
                         ) -> dict[str, Any]:
    """Check a signature against one version, or every version newest first; a version
    below the policy's verify floor is refused through ``refuse`` (recorded)."""
    if profile(key.algorithm).purpose not in ("signature", "threshold-signature"):
        raise InvalidInput(f"key {key.key_id} is a {key.algorithm} key, not a signing key",
                           field="key_id", hint="MACs are checked with mac --verify")
    if version is not None and version not in key.versions:
        raise InvalidInput(f"key has versions {sorted(key.versions)}", field="version")
    if version is not None:
        try:
            key.check_version_floor("verify", version)
        except CommandRejected as retired:
            raise refuse(retired) from None
    check: Callable[[bytes, bytes, bytes], None]
    if is_group_key_kind(key.algorithm):  # a threshold group key verifies like any key
        check = functools.partial(verify_group_signature, key.algorithm)
    else:
        check = get_scheme(key.algorithm).verify
    candidates = [version] if version is not None else key.verifiable_versions()
    for candidate in candidates:
        try:
            check(bytes(key.versions[candidate]["public_key"]), message, signature)
        except InvalidSignature:
            continue
        except InvalidInput:
            break
        return {"valid": True, "key_id": key.key_id, "version": candidate,
                "state": key.state.value}
    return {"valid": False, "key_id": key.key_id, "version": None, "state": None}


def verify(ctx: ReadContext, key_id: str, message: bytes, signature: str,
           version: int | None = None) -> dict[str, Any]:
    return verify_with_versions(_key(ctx, key_id, "keys.verify"), message,
                                bytes.fromhex(signature), version, ctx.refuse)


def verify_batch(ctx: ReadContext, key_id: str,
                 items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    key = _key(ctx, key_id, "keys.verify")
    return {"results": [verify_with_versions(key, item["message"],
                                             bytes.fromhex(item["signature"]),
                                             item.get("version"), ctx.refuse)
                        for item in items]}


def list_actors(ctx: ReadContext) -> list[dict[str, Any]]:
    return [actor_row(a) for a in sorted(ctx.ledger.actors.values(), key=lambda a: a.name)]


def get_actor(ctx: ReadContext, actor_id: str) -> dict[str, Any]:
    return actor_row(ctx.ledger.actor(actor_id))


def list_chains(ctx: ReadContext) -> list[dict[str, Any]]:
    rows = []
    for chain_id in ctx.store.chains():
        head = ctx.store.head(chain_id)
        latest = ctx.store.latest_checkpoint(chain_id)
        rows.append({"chain_id": chain_id, "head_seq": head.seq if head else -1,
                     "head_hash": head.event_hash.hex() if head else "",
                     "checkpoint_size": latest.size if latest else 0})
    return rows


def get_checkpoint(ctx: ReadContext, chain_id: str) -> dict[str, Any]:
    latest = ctx.store.latest_checkpoint(chain_id)
    if latest is None:
        raise NotFound(f"chain {chain_id!r} has no checkpoint yet", field="chain",
                       hint="publish one (RequestCheckpoint: skms audit checkpoint --publish)")
    meta = ctx.ledger.meta
    if meta is None:
        raise NotFound("the ledger is not initialized", hint="run 'skms init'")
    return {"chain": chain_id, "size": latest.size, "note": latest.note,
            **verifier_keys(meta.origin, chain_id, meta.ledger_public_key)}


def inclusion_proof(ctx: ReadContext, chain_id: str, seq: int,
                    size: int | None = None) -> dict[str, Any]:
    return build_inclusion(ctx.store, chain_id, seq, size)


def consistency_proof(ctx: ReadContext, chain_id: str, old_size: int,
                      size: int | None = None) -> dict[str, Any]:
    return build_consistency(ctx.store, chain_id, old_size, size)


def verify_proof(ctx: ReadContext, document: Any, ledger_key: str | None = None,
                 trusted_checkpoints: Sequence[str] = ()) -> dict[str, Any]:
    pinned = bytes.fromhex(ledger_key) if ledger_key else None
    trusted = trusted_checkpoints[0] if trusted_checkpoints else None
    try:
        return verify_proof_document(document, pinned, trusted)
    except (ValueError, TypeError, KeyError):
        raise InvalidInput("the proof document is malformed", field="document") from None


def audit_verify(ctx: ReadContext, trusted_checkpoints: Sequence[str] = (),
                 ledger_key: str | None = None) -> dict[str, Any]:
    pinned = bytes.fromhex(ledger_key) if ledger_key else None
    report = Auditor(ctx.store, ledger_public_key=pinned,
                     trusted_checkpoints=list(trusted_checkpoints),
                     **dict(ctx.audit_options)).verify()
    return report.as_dict()


def list_reports(ctx: ReadContext) -> list[dict[str, Any]]:
    return [{"name": r.name, "since": r.takes_since, "description": r.description,
             "chart": {"x": r.chart.x, "y": r.chart.y, "title": r.chart.title}}
            for r in REPORTS.values()]


def run_report(ctx: ReadContext, name: str, since: str | None = None,
               at: str | None = None) -> dict[str, Any]:
    if name not in REPORTS:
        raise NotFound(f"no report named {name!r}", field="name",
                       hint=f"choose one of: {', '.join(REPORTS)}")
    since_value = parse_time(since, field="since") if since else None
    at_value = parse_time(at, field="at") if at else None
    return {"name": name, **table(ctx.models().report(name, since_value, at_value))}


def query(ctx: ReadContext, sql: str, timeout: int | None = None) -> dict[str, Any]:
    return table(ctx.models().query(sql, float(timeout) if timeout else None))


def projection_status(ctx: ReadContext) -> dict[str, Any]:
    return {"chains": ctx.models().status()}


def list_wallets(ctx: ReadContext, domain: str | None = None) -> list[dict[str, Any]]:
    wallets = sorted(ctx.ledger.wallets.values(), key=lambda w: (w.created_at, w.wallet_id))
    return [wallet_row(w) for w in wallets if ctx.sees(w.domain)
            and (domain is None or w.domain == domain)]


def get_wallet(ctx: ReadContext, wallet_id: str) -> dict[str, Any]:
    return wallet_row(_wallet(ctx, wallet_id))


def list_wallet_addresses(ctx: ReadContext, wallet_id: str,
                          unused: bool = False) -> list[dict[str, Any]]:
    wallet = _wallet(ctx, wallet_id)
    rows = sorted(wallet.addresses.values(), key=lambda r: (r["chain"], r["index"]))
    return [address_row(r) for r in rows if not (unused and r["used"])]


# --- approvals --------------------------------------------------------------------------

def approval_row(approval: Approval, now: int) -> dict[str, Any]:
    """A request as approvers review it: the held command's arguments, its digest, the
    rules that set its quorum, who decided and when it expires."""
    held = parse_command(approval.command)
    return {"approval_id": approval.approval_id, "chain": approval.chain_id,
            "command_type": approval.command_type, "requester_id": approval.requester_id,
            "subject": approval.subject, "status": approval.status_at(now),
            "required": approval.required, "approvals": len(approval.approvers),
            "approvers": list(approval.approvers), "rules": list(approval.rules),
            "request_digest": approval.request_digest.hex(), "execution": approval.execution,
            "command_args": dict(held.args), "command": approval.command.decode("ascii"),
            "requested_at": approval.requested_at,
            "expires_at": approval.expires_at, "closed_at": approval.closed_at,
            "reason": approval.reason, "executed_command_id": approval.executed_command_id}


def _visible_chain(ctx: ReadContext, chain_id: str) -> bool:
    return chain_id == SYSTEM_CHAIN or ctx.sees(chain_id)


def list_approvals(ctx: ReadContext, pending: bool = False,
                   domain: str | None = None) -> list[dict[str, Any]]:
    now = ctx.ledger.clock()
    found = sorted(ctx.ledger.state.approvals.values(),
                   key=lambda a: (a.requested_at, a.approval_id))
    return [approval_row(a, now) for a in found if _visible_chain(ctx, a.chain_id)
            and (domain is None or a.chain_id == domain)
            and (not pending or a.status_at(now) == "pending")]


def get_approval(ctx: ReadContext, approval_id: str) -> dict[str, Any]:
    approval = ctx.ledger.state.approval(approval_id)
    if approval.chain_id != SYSTEM_CHAIN:
        ctx.check_domain("approvals.read", approval.chain_id)
    return approval_row(approval, ctx.ledger.clock())


def list_approval_policies(ctx: ReadContext, domain: str | None = None
                           ) -> list[dict[str, Any]]:
    rows = []
    for chain_id, book in sorted(ctx.ledger.state.policy_books.items()):
        if not _visible_chain(ctx, chain_id) or (
                domain is not None and chain_id not in (SYSTEM_CHAIN, domain)):
            continue
        for rule in sorted(book.rules.values(), key=lambda r: r.key):
            rows.append({"scope": rule.scope, "target": rule.target,
                         "command": rule.command_type, "approvals": rule.approvals,
                         "ttl_seconds": rule.ttl_seconds, "when_above": rule.when_above,
                         "value_field": rule.value_field, "previous_approvals": 0})
    return rows
# --- chains: addresses of a key's current version, and the PSBT finalizer ---------------

def _chain_key(ctx: ReadContext, key_id: str, algorithm: str, chain: str) -> tuple[Key, bytes]:
    key = _key(ctx, key_id)
    if key.algorithm != algorithm:
        raise InvalidInput(f"{chain} addresses are of {algorithm} keys; key {key_id} is "
                           f"{key.algorithm}", field="key_id")
    return key, bytes(key.versions[key.current_version]["public_key"])


def _address_row(key: Key, public_key: bytes, family: str, network: str, kind: str,
                 address: str) -> dict[str, Any]:
    return {"key_id": key.key_id, "key_version": key.current_version, "family": family,
            "network": network, "type": kind, "address": address,
            "public_key": public_key.hex()}


def evm_address(ctx: ReadContext, key_id: str) -> dict[str, Any]:
    key, public = _chain_key(ctx, key_id, "ecdsa-secp256k1", "EVM")
    return _address_row(key, public, "evm", "any", "eip55",
                        ethereum.address_from_public_key(public))


def bitcoin_address(ctx: ReadContext, key_id: str, type: str = "p2wpkh",
                    network: str = "mainnet") -> dict[str, Any]:
    key, public = _chain_key(ctx, key_id, "ecdsa-secp256k1", "Bitcoin")
    return _address_row(key, public, "bitcoin", network, type,
                        address_for_key(public, type, network))


def solana_address(ctx: ReadContext, key_id: str) -> dict[str, Any]:
    key, public = _chain_key(ctx, key_id, "ed25519", "Solana")
    return _address_row(key, public, "solana", "any", "base58",
                        solana.address_from_public_key(public))


def finalize_psbt_(ctx: ReadContext, psbt: bytes) -> dict[str, Any]:
    done = finalize_psbt(read_psbt(psbt))
    return {"tx": done.tx_hex, "txid": done.txid}


CHAIN_READS: dict[str, Callable[..., Any]] = {
    "EvmAddress": evm_address, "BitcoinAddress": bitcoin_address,
    "SolanaAddress": solana_address, "FinalizePsbt": finalize_psbt_,
}
def threshold_group_row(group: ThresholdGroup, keys: Mapping[str, Key]) -> dict[str, Any]:
    """Everything public about a threshold seat (never a sealed state or its reference),
    with the ledger key that is its group key, if it has one (``keys``: the ledger's)."""
    key_id = group_key_id(group.group_id)
    return {"group_id": group.group_id, "key_id": key_id if key_id in keys else None,
            "domain": group.domain, "suite": group.suite,
            "label": group.label, "threshold": group.threshold,
            "participants": group.participants, "identifier": group.identifier,
            "stage": group.stage, "replaces": group.replaces, "retired_by": group.retired_by,
            "group_public_key": group.group_public_key.hex(),
            "public_key_package": (json.loads(group.public_key_package)
                                   if group.public_key_package else None),
            "transcript_digest": group.transcript_digest.hex(),
            "sessions": len(group.sessions), "signatures": group.signatures,
            "created_at": group.created_at}


def get_threshold_group(ctx: ReadContext, group_id: str) -> dict[str, Any]:
    group = ctx.ledger.threshold_group(group_id)
    ctx.check_domain("keys.read", group.domain)
    return threshold_group_row(group, ctx.ledger.keys)


def list_threshold_groups(ctx: ReadContext, domain: str | None = None
                          ) -> list[dict[str, Any]]:
    """Every seat of this ledger the caller may see (its domains), oldest first."""
    seats = sorted(ctx.ledger.state.threshold_groups.values(),
                   key=lambda g: (g.created_at, g.group_id))
    return [threshold_group_row(g, ctx.ledger.keys) for g in seats if ctx.sees(g.domain)
            and (domain is None or g.domain == domain)]


def threshold_session_row(session: Mapping[str, Any]) -> dict[str, Any]:
    """A session as a reader sees it: never its sealed nonces or their data key's name."""
    digest, signature = session.get("message_digest"), session.get("signature")
    return {"session_id": session["session_id"], "committed_at": session["committed_at"],
            "signed": bool(session.get("used")),
            "message_digest": bytes(digest).hex() if digest else None,
            "signers": list(session.get("signers") or []),
            "signature": bytes(signature).hex() if signature else None}


def list_threshold_sessions(ctx: ReadContext, group_id: str) -> list[dict[str, Any]]:
    group = ctx.ledger.threshold_group(group_id)
    ctx.check_domain("keys.read", group.domain)
    return [threshold_session_row(s) for s in sorted(
        group.sessions.values(), key=lambda s: (s["committed_at"], s["session_id"]))]


def key_history(ctx: ReadContext, key_id: str) -> dict[str, Any]:
    """The key's timeline from the ``key_events`` read model, after the same domain check
    as GetKey (so an actor never learns of a key outside its domains)."""
    key = _key(ctx, key_id)
    # The id is a registered key's (the ledger made it), quoted all the same.
    quoted = key.key_id.replace("'", "''")
    sql = ("SELECT chain, seq, event_type, actor_id, recorded_at, details_json "  # noqa: S608
           f"FROM key_events WHERE key_id = '{quoted}' ORDER BY chain, seq")
    return table(ctx.models().query(sql, None))


def list_envelopes(ctx: ReadContext, chain_id: str, from_seq: int = 0, limit: int = 100,
                   size: int | None = None) -> dict[str, Any]:
    """Stored envelopes as the store holds them (never opened: a tampered body must reach
    the verifier as it is), each with its inclusion path under the checkpoint of ``size``
    (default the latest), built over the event hashes the store recorded."""
    checkpoints = {c.size: c for c in ctx.store.checkpoints(chain_id)}
    if size is not None and size not in checkpoints:
        raise NotFound(f"chain {chain_id!r} has no checkpoint of size {size}", field="size")
    tree_size = size if size is not None else max(checkpoints, default=0)
    page = list(ctx.store.read(chain_id, from_seq, from_seq + limit))
    leaves = [hash_leaf(e.event_hash) for e in ctx.store.read(chain_id, 0, tree_size)]
    tree = MerkleTree(leaves) if tree_size else None
    return {"chain": chain_id, "tree_size": tree_size,
            "checkpoint": checkpoints[tree_size].note if tree_size else None,
            "envelopes": [{"seq": e.seq, "event_hash": e.event_hash.hex(), "body": e.body,
                           "inclusion": [h.hex() for h in tree.inclusion_proof(e.seq,
                                                                               tree_size)]
                           if tree is not None and e.seq < tree_size else []}
                          for e in page]}


READS: dict[str, Callable[..., Any]] = {
    "WhoAmI": whoami, "ListAlgorithms": list_algorithms, "ListKeys": list_keys,
    "GetKey": get_key, "GetPublicKey": get_public_key, "Verify": verify,
    "VerifyBatch": verify_batch, "ListActors": list_actors, "GetActor": get_actor,
    "ListChains": list_chains, "GetCheckpoint": get_checkpoint,
    "InclusionProof": inclusion_proof, "ConsistencyProof": consistency_proof,
    "VerifyProof": verify_proof, "AuditVerify": audit_verify, "ListReports": list_reports,
    "RunReport": run_report, "Query": query, "ProjectionStatus": projection_status,
    "ListWallets": list_wallets, "GetWallet": get_wallet,
    "ListWalletAddresses": list_wallet_addresses,
    "ListApprovals": list_approvals, "GetApproval": get_approval,
    "ListApprovalPolicies": list_approval_policies,
    **CHAIN_READS,
    "GetThresholdGroup": get_threshold_group, "ListThresholdGroups": list_threshold_groups,
    "ListThresholdSessions": list_threshold_sessions,
    **ZK_READS,
    "KeyHistory": key_history, "ListEnvelopes": list_envelopes,
    **PRIVACY_READS,
}
"""Catalogue read name -> its function (a test checks this covers the catalogue)."""


def list_keys_without_backup(ctx: ReadContext, domain: str | None = None
                             ) -> list[dict[str, Any]]:
    """Keys a disaster would lose: a live version no BackupCreated holds."""
    backups = sorted(ctx.ledger.state.backups.values(), key=lambda b: b.created_at)
    found = []
    for key in sorted(ctx.ledger.keys.values(), key=lambda k: (k.created_at, k.key_id)):
        if key.state.value == "destroyed" or not ctx.sees(key.domain) or (
                domain is not None and key.domain != domain):
            continue
        seat = key.threshold_seat()
        if seat is not None:  # a group key: a backup of its seat's share holds it
            holding = [b for b in backups if any(
                g["group_id"] == seat["group_id"] for g in b.threshold_groups)]
            held = set(key.versions) if holding else set()
        else:
            holding = [b for b in backups if key.key_id in b.covers()]
            held = set().union(*(b.covers()[key.key_id] for b in holding))
        missing = sorted(set(key.versions) - held)
        if missing:
            last = holding[-1] if holding else None
            found.append({"key_id": key.key_id, "domain": key.domain,
                          "algorithm": key.algorithm, "state": key.state.value,
                          "missing_versions": missing,
                          "last_backup_id": None if last is None else last.backup_id,
                          "last_backup_at": None if last is None else last.created_at})
    return found


READS["ListKeysWithoutBackup"] = list_keys_without_backup  # custody (backups)


def answer(name: str, ctx: ReadContext, params: Mapping[str, Any]) -> Any:
    """Check a read's parameters against the catalogue and answer it."""
    spec = CATALOGUE.read(name)
    return READS[name](ctx, **check_values(spec.params, params, what="parameter"))
