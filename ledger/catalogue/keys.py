"""Catalogue entries: keys (creation, lifecycle, policy) and signing."""

from __future__ import annotations

import dataclasses

from ledger.catalogue.fields import (
    KEY_ID,
    REASON,
    boolean,
    data,
    hexa,
    integer,
    listing,
    sha256_of,
    text,
    time,
)
from ledger.catalogue.model import (
    ChainRule,
    Cli,
    CliRoute,
    CommandSpec,
    Derived,
    Field,
    Hooks,
    Route,
)
from ledger.catalogue.shapes import SHAPES
from ledger.crypto.algorithms import all_profiles
from ledger.domain.key import USAGES

KEY_MANAGERS = frozenset({"key-manager"})
MAX_MESSAGE = 1 << 20
MAX_BATCH = 1000

ALGORITHMS = tuple(p.algorithm for p in all_profiles())
BACKENDS = ("software", "pkcs11")

POLICY = (
    integer("rotation_period_days", "Rotate after this many days (0: never).",
            required=False, minimum=0, maximum=3650, cli=Cli(option="--rotation-days")),
    integer("destruction_wait_days", "Days between scheduling destruction and destroying.",
            required=False, minimum=0, maximum=3650),
    listing("allowed_signers", "Actors allowed to use the key (empty: any with the role).",
            text("item", "Actor id.", max_length=100), required=False, maximum=1000,
            cli=Cli(option="--allowed-signer", reader="actor")),
    integer("max_signatures_per_day", "A daily signing limit (null: none).",
            required=False, nullable=True, minimum=1, maximum=10**12),
)

VERSION_FLOORS = (
    integer("min_decrypt_version", "Oldest version that may still decrypt (null: keep).",
            required=False, nullable=True, minimum=1, maximum=1_000_000),
    integer("min_verify_version", "Oldest version whose signatures and MACs still verify "
            "(null: keep).", required=False, nullable=True, minimum=1, maximum=1_000_000),
)
EXPORTABLE = boolean("exportable", "Allow wrapped export (skms key export) of this key, "
                     "ever; chosen once, at creation.", required=False, default=False)
ESCROW = text("escrow", "Escrow agent (id or name): every version's material is also "
              "sealed to it, for an approved release.", required=False, nullable=True,
              max_length=100)


def _lifecycle(name: str, verb: str, doc: str, events: set[str], *,
               reason: str | None = None, approval: str | None = None,
               extra: tuple[Field, ...] = (), cli: CliRoute | None = None,
               roles: frozenset[str] = KEY_MANAGERS) -> CommandSpec:
    args: tuple[Field, ...] = (KEY_ID,)
    if reason is not None:
        args += (dataclasses.replace(REASON, default=reason),)
    args += extra
    return CommandSpec(
        name=name, doc=doc, group="keys", roles=roles, chain=ChainRule.KEY,
        events=frozenset(events), args=args, result=SHAPES["KeyStatus"],
        rest=Route("POST", f"/v1/keys/{{key_id}}/{verb}"),
        cli=cli or CliRoute(("key", verb), renderer="key-status"),
        hooks=Hooks(approval=approval))


COMMANDS = (
    CommandSpec(
        name="CreateKey", doc="Generate a key; its private material is sealed and never "
                              "leaves the ledger.",
        group="keys", roles=KEY_MANAGERS, chain=ChainRule.DOMAIN,
        events=frozenset({"KeyGenerated", "KeyProvenanceRecorded", "KeyActivated",
                          "KeyHeldOnToken", "KeyEscrowed"}),
        args=(text("algorithm", "Algorithm id (see ListAlgorithms).", max_length=64,
                   choices=ALGORITHMS),
              text("backend", "Where the private key lives: sealed by the ledger "
                   "(software) or generated on the home's PKCS#11 token, non-extractable "
                   "(pkcs11: ecdsa-p256, ecdsa-p384, ed25519; signing only).",
                   required=False, default="software", max_length=16,
                   choices=BACKENDS),
              text("label", "A label.", required=False, nullable=True, max_length=200),
              listing("usage", "Usages (default: the algorithm's usual ones).",
                      text("item", "A usage.", max_length=16, choices=tuple(sorted(USAGES))),
                      required=False, minimum=1, maximum=len(USAGES)),
              boolean("activate", "Activate at once.", required=False, default=True,
                      cli=Cli(option="--activate/--no-activate")),
              *POLICY, EXPORTABLE, ESCROW),
        result=SHAPES["KeyCreation"], rest=Route("POST", "/v1/keys"),
        cli=CliRoute(("key", "create"), renderer="key-created")),
    _lifecycle("ActivateKey", "activate", "Activate a pre-activation key.", {"KeyActivated"}),
    _lifecycle("RotateKey", "rotate", "Create a new key version; older versions only verify "
               "or decrypt. A key on an HSM gets its new version on the same token.",
               {"KeyRotated", "KeyHeldOnToken", "KeyEscrowed"}),
    _lifecycle("SuspendKey", "suspend", "Suspend an active key (a hold: nothing until "
               "reactivated).", {"KeySuspended"}, reason="suspended"),
    _lifecycle("ReactivateKey", "reactivate", "Reactivate a suspended key (one the "
               "scheduler suspended for a threat finding needs the threat policy's lift "
               "quorum).", {"KeyReactivated"}, reason="reactivated", approval="reactivate"),
    _lifecycle("CompromiseKey", "compromise", "Mark a key compromised.", {"KeyCompromised"},
               reason="compromised", approval="compromise",
               roles=frozenset({"key-manager", "admin"}),
               extra=(time("compromise_time", "When it was compromised (default: now).",
                           required=False, minimum=0),)),
    _lifecycle("RevokeKey", "revoke", "Deactivate a key for good (it still verifies and "
               "decrypts).", {"KeyDeactivated"}, reason="revoked"),
    _lifecycle("DestroyKey", "destroy", "Schedule destruction (after the policy's waiting "
               "period), or destroy when due: its data keys are shredded and its material "
               "is then unrecoverable from any copy of the log.",
               {"KeyDestructionScheduled", "KeyDestroyed"}, approval="destroy"),
    _lifecycle("CancelDestruction", "cancel-destruction", "Cancel a scheduled destruction.",
               {"KeyDestructionCancelled"}, reason="cancelled",
               cli=CliRoute(("key", "destroy"), selector="--cancel", renderer="key-status")),
    CommandSpec(
        name="ChangeKeyPolicy", doc="Change a key's policy; the version floors retire old "
        "versions: below min_decrypt_version nothing decrypts, below min_verify_version no "
        "signature or MAC verifies (refusals recorded).", group="keys",
        roles=frozenset({"key-manager", "admin"}), chain=ChainRule.KEY,
        events=frozenset({"KeyPolicyChanged", "KeyVersionFloorsSet"}),
        args=(KEY_ID, *POLICY, *VERSION_FLOORS),
        result=SHAPES["KeyPolicy"], rest=Route("POST", "/v1/keys/{key_id}/policy"),
        cli=CliRoute(("key", "policy", "set"), renderer="key-policy"),
        hooks=Hooks(approval="policy")),
    CommandSpec(
        name="Sign", doc="Sign a message; the signature is returned after its event "
                         "commits. ECDSA signs SHA-256 of the message (DER, low-S); "
                         "Ed25519 signs the message itself.",
        group="signing", roles=frozenset({"signer"}), chain=ChainRule.KEY,
        events=frozenset({"SignatureIssued"}),
        args=(KEY_ID, sha256_of("message_digest", "message", "SHA-256 of the message.")),
        inputs=(data("message", "The message.", maximum=MAX_MESSAGE,
                     cli=Cli(option="--input", reader="file")),),
        result=SHAPES["Signature"], rest=Route("POST", "/v1/keys/{key_id}/sign"),
        cli=CliRoute(("sign",), renderer="signature")),
    CommandSpec(
        name="SignBatch", doc="Sign many messages under one command and one event.",
        group="signing", roles=frozenset({"signer"}), chain=ChainRule.KEY,
        events=frozenset({"SignatureBatchIssued"}),
        args=(KEY_ID,
              listing("message_digests", "SHA-256 of each message, in order.",
                      hexa("item", "A digest.", size=32), minimum=1, maximum=MAX_BATCH,
                      derived=Derived("sha256-each", ("messages",)), cli=Cli(hidden=True))),
        inputs=(listing("messages", "The messages.",
                        data("item", "A message.", maximum=MAX_MESSAGE),
                        minimum=1, maximum=MAX_BATCH,
                        cli=Cli(option="--input", reader="files")),),
        result=SHAPES["Signatures"], rest=Route("POST", "/v1/keys/{key_id}/sign-batch"),
        cli=CliRoute(("sign",), selector="many:messages", renderer="signatures")),
)
