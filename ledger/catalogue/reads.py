"""Catalogue entries: reads (identity, algorithms, keys, actors, audit, read models, wallets).

A read changes nothing; a refused read is recorded like a refused command. ``capability``
names the row of the read-permission table (``READ_PERMISSIONS`` is derived from these
entries); ``roles`` None means any actor, whatever its roles (a revoked one reads nothing).
"""

from __future__ import annotations

import dataclasses

from ledger.catalogue.fields import (
    ACTOR_ID,
    CHAIN_ID,
    KEY_ID,
    WALLET_ID,
    boolean,
    data,
    document,
    hexa,
    in_path,
    in_query,
    integer,
    listing,
    shaped,
    text,
)
from ledger.catalogue.model import Cli, CliRoute, Field, ReadSpec, Route
from ledger.domain.actor import ROLES
from ledger.domain.key import KeyState

EVERY_ROLE = frozenset(ROLES)
WATCHERS = frozenset({"admin", "auditor"})
ANALYSTS = frozenset({"admin", "auditor", "analyst"})
MAX_SEQ = 2**62
MAX_BATCH = 1000
MAX_ENVELOPES = 500

CHAIN_PARAM = in_path(dataclasses.replace(CHAIN_ID, cli=Cli(option="--chain",
                                                            default="default")))
LEDGER_KEY = hexa("ledger_key", "Pin the ledger's public key (else the genesis' key is "
                  "trusted).", required=False, nullable=True, size=32)
VERIFY_ITEM_FIELDS = (
    data("message", "The signed message.", maximum=1 << 20,
         cli=Cli(option="--input", reader="file")),
    hexa("signature", "The signature.", maximum=100_000),
    integer("version", "Only try this key version.", required=False, nullable=True,
            minimum=1, maximum=2**31 - 1),
)


def _list(name: str, doc: str, shape: str) -> Field:
    return listing(name, doc, shaped("item", f"One {shape}.", shape))


READS = (
    ReadSpec("WhoAmI", "The authenticated actor, its roles and domains as the ledger holds "
             "them.", "actors", "whoami", EVERY_ROLE, (),
             shaped("result", "The actor.", "Principal"),
             rest=Route("GET", "/v1/whoami"), sdk="whoami",
             cli=CliRoute(("whoami",), renderer="principal")),
    ReadSpec("ListAlgorithms", "Every key algorithm (signature, encryption, MAC, key "
             "agreement) with its metadata.", "keys", "algorithms", EVERY_ROLE, (),
             _list("result", "Algorithms.", "Algorithm"),
             rest=Route("GET", "/v1/algorithms"), sdk="algorithms",
             cli=CliRoute(("algorithms",), renderer="algorithms"), offline=True),
    ReadSpec("ListKeys", "Keys in the caller's domains, oldest first.", "keys", "keys.read",
             EVERY_ROLE,
             (in_query(text("domain", "Only this domain.", required=False, nullable=True,
                            max_length=64)),
              in_query(text("state", "Only keys in this state.", required=False,
                            nullable=True, max_length=32,
                            choices=tuple(s.value for s in KeyState)))),
             _list("result", "Keys.", "Key"),
             rest=Route("GET", "/v1/keys"), cli=CliRoute(("key", "list"), renderer="keys")),
    ReadSpec("GetKey", "One key's state, versions and policy.", "keys", "keys.read",
             EVERY_ROLE, (in_path(KEY_ID),), shaped("result", "The key.", "Key"),
             rest=Route("GET", "/v1/keys/{key_id}"),
             cli=CliRoute(("key", "show"), renderer="key")),
    ReadSpec("KeyHistory", "One key's lifecycle events in order (from the read models: "
             "every Key* event with who caused it and its public details; signatures are "
             "counted in the key, listed by the signing-activity report).", "keys",
             "keys.read", EVERY_ROLE, (in_path(KEY_ID),),
             shaped("result", "The events.", "Table"),
             rest=Route("GET", "/v1/keys/{key_id}/history"),
             cli=CliRoute(("key", "history"), renderer="table"), read_models=True),
    ReadSpec("GetPublicKey", "A public key (any kind that has one): PEM "
             "SubjectPublicKeyInfo or hex.", "keys", "keys.read", EVERY_ROLE,
             (in_path(KEY_ID),
              in_query(text("format", "pem or hex.", required=False, default="pem",
                            max_length=8, choices=("pem", "hex"))),
              in_query(integer("version", "Key version (default: the current one).",
                               required=False, nullable=True, minimum=1,
                               maximum=2**31 - 1))),
             shaped("result", "The public key.", "PublicKey"),
             rest=Route("GET", "/v1/keys/{key_id}/public"), sdk="public_key",
             cli=CliRoute(("key", "public"), renderer="public-key")),
    ReadSpec("Verify", "Verify a signature with the key's public versions (valid: false if "
             "none verifies; the CLI exits 1 then).", "signing", "keys.verify", EVERY_ROLE,
             (in_path(KEY_ID), *VERIFY_ITEM_FIELDS),
             shaped("result", "The verdict.", "Verification"),
             rest=Route("POST", "/v1/keys/{key_id}/verify"),
             cli=CliRoute(("verify",), renderer="verification")),
    ReadSpec("VerifyBatch", "Verify many signatures; one result per item, in order.",
             "signing", "keys.verify", EVERY_ROLE,
             (in_path(KEY_ID),
              listing("items", "Messages and signatures.",
                      shaped("item", "A message and its signature.", "VerifyItem"),
                      minimum=1, maximum=MAX_BATCH, cli=Cli(option="--items",
                                                             reader="json-file"))),
             shaped("result", "The verdicts.", "Verifications"),
             rest=Route("POST", "/v1/keys/{key_id}/verify-batch"),
             cli=CliRoute(("verify-batch",), renderer="verifications")),
    ReadSpec("ListActors", "Registered actors.", "actors", "actors.read", WATCHERS, (),
             _list("result", "Actors.", "Actor"),
             rest=Route("GET", "/v1/actors"), cli=CliRoute(("actor", "list"),
                                                            renderer="actors")),
    ReadSpec("GetActor", "One actor (any actor may read itself).", "actors", "actors.read",
             WATCHERS, (in_path(ACTOR_ID),), shaped("result", "The actor.", "Actor"),
             rest=Route("GET", "/v1/actors/{actor_id}"),
             cli=CliRoute(("actor", "show"), renderer="actor"),
             self_capability="actors.self"),
    ReadSpec("ListChains", "Every chain with its head and latest checkpoint size.", "audit",
             "audit.read", WATCHERS, (), _list("result", "Chains.", "Chain"),
             rest=Route("GET", "/v1/chains"), sdk="chains", cli=CliRoute(("audit", "chains"),
                                                            renderer="chains")),
    ReadSpec("GetCheckpoint", "The latest signed checkpoint (C2SP signed note) of a chain.",
             "audit", "audit.read", WATCHERS, (CHAIN_PARAM,),
             shaped("result", "The checkpoint.", "Checkpoint"),
             rest=Route("GET", "/v1/chains/{chain_id}/checkpoint"), sdk="checkpoint",
             cli=CliRoute(("audit", "checkpoint"), renderer="checkpoint")),
    ReadSpec("InclusionProof", "An inclusion proof document of one event (skms-proof-v1).",
             "audit", "audit.read", WATCHERS,
             (CHAIN_PARAM,
              in_query(integer("seq", "The event's seq.", minimum=0, maximum=MAX_SEQ,
                               cli=Cli(positional=True))),
              in_query(integer("size", "The tree size (default: the latest checkpoint's).",
                               required=False, nullable=True, minimum=1, maximum=MAX_SEQ))),
             document("result", "The proof document."),
             rest=Route("GET", "/v1/chains/{chain_id}/proofs/inclusion"),
             cli=CliRoute(("audit", "proof"), renderer="json")),
    ReadSpec("ConsistencyProof", "A consistency proof document between two tree sizes.",
             "audit", "audit.read", WATCHERS,
             (CHAIN_PARAM,
              in_query(integer("old_size", "The older tree size.", minimum=1,
                               maximum=MAX_SEQ, cli=Cli(positional=True))),
              in_query(integer("size", "The newer size (default: the latest checkpoint's).",
                               required=False, nullable=True, minimum=1, maximum=MAX_SEQ))),
             document("result", "The proof document."),
             rest=Route("GET", "/v1/chains/{chain_id}/proofs/consistency"),
             cli=CliRoute(("audit", "consistency"), renderer="json")),
    ReadSpec("ListEnvelopes", "Stored envelopes of a chain from a seq, byte for byte, each "
             "with its inclusion proof under the latest checkpoint (or the one of the size "
             "named), so a client recomputes every hash itself (the dashboard's badge).",
             "audit", "audit.read", WATCHERS,
             (CHAIN_PARAM,
              in_query(integer("from_seq", "The first seq.", required=False, default=0,
                               minimum=0, maximum=MAX_SEQ)),
              in_query(integer("limit", "At most this many envelopes.", required=False,
                               default=100, minimum=1, maximum=MAX_ENVELOPES)),
              in_query(integer("size", "Prove under the checkpoint of this size (default: "
                               "the latest).", required=False, nullable=True, minimum=1,
                               maximum=MAX_SEQ))),
             shaped("result", "The envelopes.", "EnvelopePage"),
             rest=Route("GET", "/v1/chains/{chain_id}/envelopes"), sdk="envelopes",
             cli=CliRoute(("audit", "envelopes"), renderer="json")),
    ReadSpec("VerifyProof", "Check an inclusion or consistency proof document (a 422 "
             "problem when it does not verify).", "audit", "proofs.verify", EVERY_ROLE,
             (document("document", "The proof document.",
                       cli=Cli(positional=True, reader="json-file")), LEDGER_KEY,
              listing("trusted_checkpoints", "A checkpoint note you trusted earlier (at most "
                      "one): a consistency proof must start from it, an inclusion proof be "
                      "at its size; needs the ledger key (pinned or the document's).",
                      text("item", "A signed note.", max_length=100_000), required=False,
                      default=[], maximum=1,
                      cli=Cli(option="--trusted-checkpoint", reader="text-files"))),
             shaped("result", "The verdict.", "ProofVerification"),
             rest=Route("POST", "/v1/proofs/verify"),
             cli=CliRoute(("audit", "verify-proof"), renderer="proof-verification"),
             offline=True),
    ReadSpec("AuditVerify", "Verify every chain of the store (the offline auditor).",
             "audit", "audit.read", WATCHERS,
             (listing("trusted_checkpoints", "Checkpoint notes trusted earlier.",
                      text("item", "A signed note.", max_length=100_000), required=False,
                      default=[], maximum=1000,
                      cli=Cli(option="--trusted-checkpoint", reader="text-files")),
              LEDGER_KEY),
             document("result", "The audit report."), rest=Route("POST", "/v1/audit/verify"),
             cli=CliRoute(("audit", "verify"), renderer="audit")),
    ReadSpec("ListReports", "The named compliance reports.", "reports", "reports.read",
             ANALYSTS, (), _list("result", "Reports.", "ReportInfo"),
             rest=Route("GET", "/v1/reports"), sdk="reports",
             cli=CliRoute(("report",), selector="--list", renderer="reports")),
    ReadSpec("RunReport", "Run one report on freshly updated read models.", "reports",
             "reports.read", ANALYSTS,
             (in_path(text("name", "The report.", max_length=64, cli=Cli(positional=True))),
              in_query(text("since", "Only since this time (ISO 8601, or 7d/24h/30m).",
                            required=False, nullable=True, max_length=64)),
              in_query(text("at", "As of this time.", required=False, nullable=True,
                            max_length=64))),
             shaped("result", "The rows.", "Report"), rest=Route("GET", "/v1/reports/{name}"),
             sdk="report",
             cli=CliRoute(("report",), renderer="table"), read_models=True),
    ReadSpec("Query", "One read-only SQL SELECT in the sandbox (no file or network access).",
             "reports", "query", frozenset({"auditor", "analyst"}),
             (text("sql", "One SELECT over the read models.", max_length=20_000,
                   cli=Cli(positional=True)),
              integer("timeout", "Seconds (capped by the server).", required=False,
                      nullable=True, minimum=1, maximum=3600)),
             shaped("result", "The rows.", "Table"), rest=Route("POST", "/v1/query"),
             cli=CliRoute(("query",), renderer="table"), read_models=True),
    ReadSpec("ProjectionStatus", "Per chain: projected position, store head and lag.",
             "reports", "projections.read", ANALYSTS, (),
             shaped("result", "The status.", "ProjectionStatus"),
             rest=Route("GET", "/v1/projections/status"),
             cli=CliRoute(("projections", "status"), renderer="projection-status"),
             read_models=True),
    ReadSpec("ListWallets", "Wallets in the caller's domains.", "wallets", "keys.read",
             EVERY_ROLE,
             (in_query(text("domain", "Only this domain.", required=False, nullable=True,
                            max_length=64)),),
             _list("result", "Wallets.", "Wallet"),
             rest=Route("GET", "/v1/wallets"),
             cli=CliRoute(("wallet", "list"), renderer="wallets")),
    ReadSpec("GetWallet", "One wallet (never its seed).", "wallets", "keys.read", EVERY_ROLE,
             (in_path(WALLET_ID),), shaped("result", "The wallet.", "Wallet"),
             rest=Route("GET", "/v1/wallets/{wallet_id}"),
             cli=CliRoute(("wallet", "show"), renderer="wallet")),
    ReadSpec("ListWalletAddresses", "The addresses a wallet handed out, in order.",
             "wallets", "keys.read", EVERY_ROLE,
             (in_path(WALLET_ID),
              in_query(boolean("unused", "Only those not marked used.", required=False,
                               default=False))),
             _list("result", "Addresses.", "WalletAddress"),
             rest=Route("GET", "/v1/wallets/{wallet_id}/addresses"),
             cli=CliRoute(("wallet", "address"), renderer="addresses")),
    # custody: what a disaster would lose
    ReadSpec("ListKeysWithoutBackup", "Keys not destroyed that have a version no backup "
             "holds (restoring every backup would not bring it back), with the last backup "
             "that holds any version of them.", "backup", "backups.read",
             frozenset({"admin", "auditor", "key-manager"}),
             (in_query(text("domain", "Only this domain.", required=False, nullable=True,
                            max_length=64)),),
             _list("result", "Keys.", "UnbackedKey"),
             rest=Route("GET", "/v1/backups/missing"),
             cli=CliRoute(("backup", "missing"), renderer="unbacked-keys")),
)
