"""Catalogue entries: threshold group keys (FROST RFC 9591, threshold BLS) across ledgers.

Each participant of a group is its own SKMS home; each runs these commands on its own
ledger and passes the round messages the results hold to the others (over their REST
services, or as files: ``--out FILE`` writes a result's message, repeated ``--in FILE``
reads the others'). Round messages are public values and travel as signed arguments, so
the command that consumed them is in the log beside the event that records them and the
auditor can replay every DKG and signing session. Secrets (polynomials, transport keys,
signing shares, nonces) never leave the ledger that made them, except sealed to a
recipient's transport key.

Every entry acts in the group's key domain (the command's chain: ``--domain``, default
``default``); a command naming a group of another domain is refused.
"""

from __future__ import annotations

from ledger.catalogue.fields import (
    boolean,
    data,
    document,
    hexa,
    in_path,
    in_query,
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
from ledger.chains.bitcoin.addresses import NETWORKS
from ledger.domain.threshold_group import SUITES

KEY_MANAGERS = frozenset({"key-manager"})
SIGNERS = frozenset({"key-manager", "signer"})
READERS = frozenset({"admin", "auditor", "analyst", "key-manager", "signer"})
MAX_PARTICIPANTS = 255
MAX_MESSAGE = 1 << 20

GROUP_ID = text("group_id", "The group's id (a UUID; the same on every participant's "
                "ledger).", max_length=100, cli=Cli(positional=True))
SESSION_ID = text("session_id", "The signing session's id (the same for every signer).",
                  max_length=100)
MESSAGE = data("message", "The message (a PSBT, binary or base64, with message_kind psbt).",
               maximum=MAX_MESSAGE, cli=Cli(option="--input", reader="file"))
MESSAGE_KIND = text("message_kind", "message: sign the input's bytes; psbt (MuSig2 groups): "
                    "the input is a PSBT and the signed message is the BIP-341 key-path "
                    "sighash of its one input paying the group key, computed by this ledger.",
                    required=False, default="message", choices=("message", "psbt"),
                    max_length=10)


def _messages(name: str, doc: str, *, option: str, minimum: int = 1) -> Field:
    return listing(name, doc, document("item", "One round message (JSON)."), minimum=minimum,
                   maximum=MAX_PARTICIPANTS, cli=Cli(option=option, reader="json-files"))


COMMITMENTS = _messages("commitments", "Every signer's round 1 commitments, this "
                        "participant's included (FROST; none for BLS).", option="--commitment",
                        minimum=0)
CHAIN = ChainRule.DOMAIN
GROUP_KEY_EVENTS = ("KeyGenerated", "KeyHeldByThresholdGroup", "KeyActivated",
                    "KeyDeactivated")
"""A seat that becomes active records its group key as a ledger key (generated without
material, held by the group, activated); the group it replaces has its key deactivated."""


def _group(name: str, doc: str, verb: str, event: set[str], result: str, *,
           args: tuple[Field, ...], inputs: tuple[Field, ...] = (),
           roles: frozenset[str] = SIGNERS, cli: tuple[str, ...],
           renderer: str = "threshold-message") -> CommandSpec:
    return CommandSpec(
        name=name, doc=doc, group="threshold", roles=roles, chain=CHAIN,
        events=frozenset(event), args=(GROUP_ID, *args), inputs=inputs,
        result=SHAPES[result], rest=Route("POST", f"/v1/threshold/groups/{{group_id}}/{verb}"),
        cli=CliRoute(("threshold", *cli), renderer=renderer))


MUSIG = CommandSpec(
    name="AggregateMusigKey", doc="Take a seat in a MuSig2 (BIP-327) n-of-n group: aggregate "
                                  "the participants' secp256k1 public keys, this ledger's key "
                                  "among them, and (by default) apply the BIP-341 taproot "
                                  "tweak. Every participant runs it with the same keys on its "
                                  "own ledger and gets the same group id and key.",
    group="threshold", roles=KEY_MANAGERS, chain=CHAIN,
    events=frozenset({"MusigKeyAggregated"}),
    args=(text("key_id", "This ledger's ecdsa-secp256k1 key (its current version) that "
               "signs for the seat.", max_length=100),
          listing("public_keys", "The participants' compressed public keys (hex; this "
                  "ledger's own may be left out).",
                  hexa("item", "A compressed secp256k1 public key.", size=33),
                  minimum=1, maximum=MAX_PARTICIPANTS, cli=Cli(option="--public-key")),
          boolean("taproot", "Apply the BIP-341 TapTweak (x-only, BIP-327) so the group key "
                  "is a P2TR output key whose internal key is the aggregate.",
                  required=False, default=True, cli=Cli(option="--taproot/--no-taproot")),
          hexa("merkle_root", "A taproot script tree's root the output key commits to "
               "(default: key path only, as BIP-86).", size=32, required=False,
               nullable=True),
          text("group_id", "The group id (default: derived from the sorted keys and tweaks, "
               "the same on every ledger).", required=False, nullable=True, max_length=100),
          text("label", "A label.", required=False, nullable=True, max_length=200)),
    result=SHAPES["ThresholdKey"], rest=Route("POST", "/v1/threshold/musig"),
    cli=CliRoute(("threshold", "musig", "aggregate"), renderer="threshold-key"))

DEAL = CommandSpec(
    name="DealThresholdKey", doc="Act as a trusted dealer (RFC 9591 appendix C): split a "
                                 "ledger key (ed25519 or ecdsa-secp256k1, exportable; FROST "
                                 "suites) or a fresh secret (every suite, threshold BLS "
                                 "too) into t-of-n shares with Feldman commitments, each "
                                 "sealed to its seat's transport key (the seats' "
                                 "StartThresholdDkg messages); the polynomial is wiped. The "
                                 "dealer knows the secret: prefer the DKG unless an existing "
                                 "key must become a group key.",
    group="threshold", roles=KEY_MANAGERS, chain=CHAIN,
    events=frozenset({"ThresholdKeyDealt"}),
    args=(text("suite", "frost-ed25519, frost-secp256k1 or bls12381-min-pk.", max_length=32,
               choices=SUITES),
          integer("threshold", "Participants needed to sign (t).", minimum=2,
                  maximum=MAX_PARTICIPANTS),
          integer("participants", "Participants holding a share (n).", minimum=2,
                  maximum=MAX_PARTICIPANTS),
          text("group_id", "The group the seats started (StartThresholdDkg).",
               max_length=100),
          _messages("participant_messages", "Every seat's round 1 message (its identifier "
                    "and transport public key), 1..n.", option="--in"),
          text("key_id", "A ledger key of this domain to split (its current version; "
               "FROST suites only; default: a fresh secret).", required=False, nullable=True,
               max_length=100),
          text("label", "A label.", required=False, nullable=True, max_length=200)),
    result=SHAPES["ThresholdDeal"], rest=Route("POST", "/v1/threshold/deals"),
    cli=CliRoute(("threshold", "deal", "split"), renderer="threshold-message"))

COMMANDS = (
    CommandSpec(
        name="StartThresholdDkg", doc="Take a seat in a new threshold group key: round 1 "
                                      "of the distributed key generation. Without a group "
                                      "id a new group is started; with one, this ledger "
                                      "joins it.",
        group="threshold", roles=KEY_MANAGERS, chain=CHAIN,
        events=frozenset({"ThresholdDkgStarted"}),
        args=(text("suite", "frost-ed25519, frost-secp256k1 or bls12381-min-pk.", max_length=32,
                   choices=SUITES),
              integer("threshold", "Participants needed to sign (t).", minimum=2,
                      maximum=MAX_PARTICIPANTS),
              integer("participants", "Participants holding a share (n).", minimum=2,
                      maximum=MAX_PARTICIPANTS),
              integer("identifier", "This ledger's participant identifier (1..n).",
                      minimum=1, maximum=MAX_PARTICIPANTS),
              text("group_id", "The group to join (default: start a new one).",
                   required=False, nullable=True, max_length=100),
              text("replaces", "An active group of this ledger the new key replaces "
                   "(rotation by a new DKG).", required=False, nullable=True,
                   max_length=100),
              text("label", "A label.", required=False, nullable=True, max_length=200)),
        result=SHAPES["ThresholdDkgRound1"], rest=Route("POST", "/v1/threshold/groups"),
        cli=CliRoute(("threshold", "dkg", "start"), renderer="threshold-message")),
    _group("RunThresholdDkgRound", "DKG round 2: check every other participant's round 1 "
           "message (a bad proof names its sender) and seal one share to each.", "dkg/round",
           {"ThresholdDkgShared"}, "ThresholdDkgRound2", roles=KEY_MANAGERS,
           args=(_messages("round1_messages", "The other participants' round 1 messages.",
                           option="--in"),),
           cli=("dkg", "round")),
    _group("FinishThresholdDkg", "Finish the DKG: open and check the shares sent to this "
           "participant (a bad share names its sender) and seal the signing share.",
           "dkg/finish", {"ThresholdKeyCreated", *GROUP_KEY_EVENTS, "ThresholdGroupRetired"},
           "ThresholdKey",
           roles=KEY_MANAGERS,
           args=(_messages("round2_messages", "The round 2 messages the others addressed to "
                           "this participant (others are ignored).", option="--in"),),
           cli=("dkg", "finish"), renderer="threshold-key"),
    _group("CommitThresholdSigning", "Round 1 (FROST, MuSig2): fresh single-use nonces, "
           "sealed; their commitments (MuSig2: the public nonce) go to the session's "
           "signers.", "sign/commit",
           {"ThresholdNoncesCommitted"}, "ThresholdCommitment",
           args=(SESSION_ID,), cli=("sign", "commit")),
    _group("SignThresholdShare", "Round 2 (FROST, MuSig2 partial signature) or a BLS "
           "partial signature: this participant's share of the message; the session's "
           "nonces are consumed (a second share is a recorded nonce-reuse refusal).",
           "sign/share", {"ThresholdShareIssued"}, "ThresholdSignatureShare",
           args=(SESSION_ID, sha256_of("message_digest", "message", "SHA-256 of the "
                                       "message."), COMMITMENTS, MESSAGE_KIND,
                 text("network", "MuSig2 with message_kind psbt: the Bitcoin network the "
                                 "seat key's chain policy is checked for (and the PSBT's "
                                 "recipients named in).", required=False,
                      default="mainnet", max_length=16, choices=tuple(NETWORKS))),
           inputs=(MESSAGE,), cli=("sign", "share")),
    _group("AggregateThresholdSignature", "Verify every signature share (a bad share names "
           "its signer) and assemble the group signature (MuSig2 with message_kind psbt: and "
           "the PSBT carrying it as the input's key-path signature).", "sign/aggregate",
           {"ThresholdSignatureAggregated"}, "ThresholdSignature",
           args=(SESSION_ID, sha256_of("message_digest", "message", "SHA-256 of the "
                                       "message."), COMMITMENTS,
                 _messages("shares", "The signature shares of the signing set.",
                           option="--share"), MESSAGE_KIND),
           inputs=(MESSAGE,), cli=("sign", "aggregate"), renderer="threshold-signature"),
    MUSIG,
    DEAL,
    _group("AcceptThresholdDeal", "Take the share a trusted dealer sealed to this seat "
           "instead of running the DKG: open it with the seat's transport key, check it "
           "against the dealer's commitments (a bad share names the dealer) and seal it.",
           "deal/accept", {"ThresholdDealAccepted", *GROUP_KEY_EVENTS, "ThresholdGroupRetired"},
           "ThresholdKey",
           roles=KEY_MANAGERS,
           args=(document("deal", "The dealer's message (DealThresholdKey's result).",
                          cli=Cli(option="--in", reader="json-file")),),
           cli=("deal", "accept"), renderer="threshold-key"),
)

READS = (
    ReadSpec("GetThresholdGroup", "This ledger's seat in a threshold group: suite, "
                                  "threshold, stage, group key, verifying shares, sessions "
                                  "(never a secret).",
             "threshold", "keys.read", READERS, (in_path(GROUP_ID),),
             shaped("result", "The group.", "ThresholdGroup"),
             rest=Route("GET", "/v1/threshold/groups/{group_id}"),
             cli=CliRoute(("threshold", "key", "show"), renderer="threshold-group")),
    ReadSpec("ListThresholdGroups", "This ledger's seats in threshold groups, in the "
                                    "caller's domains, oldest first (never a secret).",
             "threshold", "keys.read", READERS,
             (in_query(text("domain", "Only this key domain.", required=False,
                            nullable=True, max_length=64)),),
             listing("result", "Seats.", shaped("item", "One seat.", "ThresholdGroup")),
             rest=Route("GET", "/v1/threshold/groups"), sdk="threshold_groups",
             cli=CliRoute(("threshold", "key", "list"), renderer="threshold-groups")),
    ReadSpec("ListThresholdSessions", "The signing sessions this seat took part in: when "
                                      "it committed, the message digest it signed, the "
                                      "signing set and the group signature if this "
                                      "ledger aggregated one (never a nonce).",
             "threshold", "keys.read", READERS, (in_path(GROUP_ID),),
             listing("result", "Sessions.", shaped("item", "One session.",
                                                  "ThresholdSession")),
             rest=Route("GET", "/v1/threshold/groups/{group_id}/sessions"),
             sdk="threshold_sessions",
             cli=CliRoute(("threshold", "sign", "list"), renderer="threshold-sessions")),
)
