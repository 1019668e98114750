"""Catalogue entries: custody of key material (bring your own key, wrapped export, escrow,
threshold backups of the key-ring).

Approval hooks: ``ExportKey`` names the ``export`` approval policy and ``ReleaseEscrow``
the ``escrow-release`` one (a quorum decides them where a policy asks for one; the
approvals capability keys on the command name and this hook); both are marked
``exports_material``. ``CreateBackup`` and ``RestoreBackup`` name ``backup`` and
``restore``, as the wallet backups do.
"""

from __future__ import annotations

from ledger.catalogue.fields import (
    KEY_ID,
    KEY_VERSION,
    boolean,
    data,
    document,
    integer,
    listing,
    sha256_of,
    text,
)
from ledger.catalogue.keys import ALGORITHMS, EXPORTABLE, KEY_MANAGERS, POLICY
from ledger.catalogue.model import ChainRule, Cli, CliRoute, CommandSpec, Hooks, Route
from ledger.catalogue.shapes import SHAPES
from ledger.domain.key import USAGES

MAX_WRAPPED = 20_000
MAX_PUBLIC_KEY = 4_096
ADMINS = frozenset({"admin"})
MAX_CUSTODIANS = 16
MAX_BUNDLE = 32 << 20

COMMANDS = (
    CommandSpec(
        name="GetImportParameters",
        doc="A one-time RSA-3072 wrapping public key and an import token for bringing one "
            "key of the given algorithm into the domain (BYOK). Wrap the key material with "
            "RSA-OAEP-SHA256 + AES-KWP (RFC 5649; AWS KMS's RSA_AES_KEY_WRAP_SHA_256) and "
            "run ImportKey before the token expires; the token is good for one import.",
        group="keys", roles=KEY_MANAGERS, chain=ChainRule.DOMAIN,
        events=frozenset({"ImportTokenIssued"}),
        args=(text("algorithm", "Algorithm of the key to import (see ListAlgorithms).",
                   max_length=64, choices=ALGORITHMS),
              integer("valid_hours", "Hours the token may be used.", required=False,
                      default=24, minimum=1, maximum=168)),
        result=SHAPES["ImportParameters"], rest=Route("POST", "/v1/keys/import-params"),
        cli=CliRoute(("key", "import-params"), renderer="import-params")),
    CommandSpec(
        name="ImportKey",
        doc="Import a key wrapped for an import token's public key; its events say it "
            "came from outside (origin external). The token is spent and its wrapping "
            "key shredded.",
        group="keys", roles=KEY_MANAGERS, chain=ChainRule.DOMAIN,
        events=frozenset({"KeyGenerated", "KeyProvenanceRecorded", "KeyActivated",
                          "ImportTokenRedeemed"}),
        args=(text("token", "The import token (GetImportParameters).", max_length=100),
              sha256_of("wrapped_digest", "wrapped", "SHA-256 of the wrapped material."),
              text("label", "A label.", required=False, nullable=True, max_length=200),
              listing("usage", "Usages (default: the algorithm's usual ones).",
                      text("item", "A usage.", max_length=16, choices=tuple(sorted(USAGES))),
                      required=False, minimum=1, maximum=len(USAGES)),
              boolean("activate", "Activate at once.", required=False, default=True,
                      cli=Cli(option="--activate/--no-activate")),
              EXPORTABLE, *POLICY),
        inputs=(data("wrapped", "RSA-OAEP-SHA256(AES key) || AES-KWP(AES key, material); "
                                "material: PKCS#8 DER (EC, Ed25519, X25519, RSA), 32 raw "
                                "bytes (AES, HMAC), else the scheme's own encoding.",
                     maximum=MAX_WRAPPED, cli=Cli(option="--wrapped", reader="file")),),
        result=SHAPES["KeyCreation"], rest=Route("POST", "/v1/keys/import"),
        cli=CliRoute(("key", "import"), renderer="key-created")),
    CommandSpec(
        name="ExportKey",
        doc="A key version's material wrapped for an RSA public key (RSA-OAEP-SHA256 + "
            "AES-KWP, the import format); only keys created exportable. Recorded with the "
            "digests of the recipient's key and of the wrapped bytes.",
        group="keys", roles=KEY_MANAGERS, chain=ChainRule.KEY,
        events=frozenset({"KeyExported"}),
        args=(KEY_ID, KEY_VERSION,
              sha256_of("wrapping_key_digest", "wrapping_public_key",
                        "SHA-256 of the recipient's RSA public key, as given.")),
        inputs=(data("wrapping_public_key", "The recipient's RSA public key, 2048 to 4096 "
                                            "bits (PEM or DER SubjectPublicKeyInfo).",
                     maximum=MAX_PUBLIC_KEY, cli=Cli(option="--to", reader="file")),),
        result=SHAPES["KeyExport"], rest=Route("POST", "/v1/keys/{key_id}/export"),
        cli=CliRoute(("key", "export"), renderer="key-exported"),
        hooks=Hooks(approval="export", exports_material=True)),
    CommandSpec(
        name="RegisterEscrowAgent",
        doc="Register an escrow agent by its ML-KEM-768+X25519 public key document "
            "(skms escrow keygen makes the pair; the private half stays with the agent, "
            "offline). Keys created with --escrow AGENT are also sealed to it.",
        group="escrow", roles=ADMINS, chain=ChainRule.SYSTEM,
        events=frozenset({"EscrowAgentRegistered"}),
        args=(document("agent_key", "The agent's public key document.",
                       cli=Cli(option="--public-key", reader="json-file")),),
        result=SHAPES["EscrowAgent"], rest=Route("POST", "/v1/escrow/agents"),
        cli=CliRoute(("escrow", "register"), renderer="escrow-agent")),
    CommandSpec(
        name="ReleaseEscrow",
        doc="Hand an escrowed key's sealed copies to its escrow agent in a release package "
            "signed by the ledger; only the agent's private key opens it (skms escrow "
            "open, offline). A destroyed key has nothing left to release.",
        group="escrow", roles=ADMINS, chain=ChainRule.KEY,
        events=frozenset({"EscrowReleased"}),
        args=(KEY_ID,
              text("agent", "The escrow agent (id or name; default: the key's only one).",
                   required=False, nullable=True, max_length=100),
              text("reason", "Why (recorded in the event).", max_length=500)),
        result=SHAPES["EscrowRelease"], rest=Route("POST", "/v1/keys/{key_id}/escrow-release"),
        cli=CliRoute(("escrow", "release"), renderer="escrow-release"),
        hooks=Hooks(approval="escrow-release", exports_material=True)),
    CommandSpec(
        name="CreateBackup",
        doc="Back up keys' and wallets' data keys (with all_keys also every active "
            "threshold seat's signing share) in one bundle for custodians: sealed "
            "under a fresh bundle key split threshold-of-n (Shamir with Feldman commitments, "
            "or SLIP-39), each share sealed to its custodian's public key (HPKE: "
            "ML-KEM-768+X25519 or X25519). With whole_ledger it also holds the ledger's "
            "signing key and the home's registered identity keys, so that a new home is "
            "rebuilt from the bundle and a copy of the log (skms backup restore-home). The "
            "bundle goes only to the caller; the log records what it holds, to whom, the "
            "threshold and digests.",
        group="backup", roles=ADMINS, chain=ChainRule.SYSTEM,
        events=frozenset({"BackupCreated"}),
        args=(listing("key_ids", "Keys to back up (every live version of each).",
                      text("item", "A key id.", max_length=100), required=False, default=[],
                      maximum=100_000, cli=Cli(option="--keys", aliases=("--key",))),
              listing("wallet_ids", "HD wallets to back up (every seed version of each).",
                      text("item", "A wallet id.", max_length=100), required=False,
                      default=[], maximum=100_000, cli=Cli(option="--wallet")),
              boolean("all_keys", "Back up every key that is not destroyed, every "
                                  "wallet and every active threshold seat's signing "
                                  "share.",
                      required=False, default=False, cli=Cli(option="--all")),
              boolean("whole_ledger", "Also hold the ledger's signing key and this home's "
                                      "registered identity keys (a disaster-recovery "
                                      "bundle).",
                      required=False, default=False, cli=Cli(option="--whole-ledger")),
              listing("custodians", "The custodians' public key documents (skms backup "
                                    "custodian-keygen), one share each.",
                      document("item", "A public key document."), minimum=1,
                      maximum=MAX_CUSTODIANS,
                      cli=Cli(option="--to", reader="json-files",
                              aliases=("--custodians",))),
              integer("threshold", "Shares needed to restore.", minimum=1,
                      maximum=MAX_CUSTODIANS),
              text("scheme", "feldman (Shamir with Feldman commitments) or slip39.",
                   required=False, default="feldman", max_length=16,
                   choices=("feldman", "slip39"))),
        result=SHAPES["BackupBundle"], rest=Route("POST", "/v1/backups"),
        cli=CliRoute(("backup", "create"), renderer="backup-bundle"),
        hooks=Hooks(approval="backup")),
    CommandSpec(
        name="RestoreBackup",
        doc="Put a backup's data keys back into this home's key-ring (wrapped under its "
            "KEK) from threshold custodians' opened shares. The bundle must be the one the "
            "log recorded; versions destroyed since, threshold seats retired or re-shared "
            "since, or anything not in the log, are never restored.",
        group="backup", roles=ADMINS, chain=ChainRule.SYSTEM,
        events=frozenset({"BackupRestored"}),
        args=(text("backup_id", "The backup (its BackupCreated).", max_length=100),),
        inputs=(data("bundle", "The bundle file (JSON), as CreateBackup returned it.",
                     maximum=MAX_BUNDLE, cli=Cli(option="--bundle", reader="file")),
                listing("shares", "Opened share documents (skms backup open-share).",
                        data("item", "A share document (JSON).", maximum=65536),
                        minimum=1, maximum=MAX_CUSTODIANS,
                        cli=Cli(positional=True, reader="files"))),
        result=SHAPES["BackupRestore"], rest=Route("POST", "/v1/backups/{backup_id}/restore"),
        cli=CliRoute(("backup", "restore"), renderer="backup-restored"),
        hooks=Hooks(approval="restore")),
)
