"""Catalogue entries: privacy services (proofs of possession, anonymous ring approvals, RFC
9474 blind signatures, Paillier homomorphic encryption; docs/privacy.md).

What the ledger records for each is public values only: digests of what was blind-signed
or combined, key images, proof digests, never the message a blind signature hides, the
integers a Paillier ciphertext hides or a secret scalar. The client-side steps whose
inputs must not reach an issuer (blinding, finalizing) or that need no ledger (verifying,
Paillier encryption under a public key) are offline reads: the CLI answers them locally;
an SDK user who must keep the message from the service calls
:mod:`ledger.crypto.privacy` in-process instead of the REST route.

Requirements:

1. ``BlindSign`` signs only with a ``rsabssa-sha384-*`` issuer key and records the blinded
   message's digest and the blind signature's digest (``BlindSignatureIssued``), counted
   against the key's daily signature limit.
2. ``HomomorphicCombine`` computes ``multiplier * (c_1 + ... + c_k) + offset`` under a
   Paillier key's public key, re-randomised, and records the digests in and out;
   ``HomomorphicDecrypt`` is a decryption (the ``decrypt`` approval policy applies).
3. ``IssuePossessionChallenge`` / ``ProvePossession``: a one-time, expiring RFC 8235 proof
   of an actor's Ed25519 identity key, which any relying actor may ask for and submit;
   ``ProveKeyPossession``: the ledger proves it holds a managed key to an outside verifier.
4. ``CreateApprovalGroup`` fixes a ring of members' identity keys; ``RingApprove`` counts a
   member's LSAG signature once per proposal by its key image, and refuses a submitter who
   is in the ring (the submission would name the member).
"""

from __future__ import annotations

from ledger.catalogue.fields import (
    ACTOR_ID,
    KEY_ID,
    boolean,
    data,
    hexa,
    in_path,
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
    Derived,
    Hooks,
    ReadSpec,
    Route,
)
from ledger.catalogue.shapes import SHAPES
from ledger.domain.actor import ROLES

USERS = frozenset({"signer"})
MANAGERS = frozenset({"admin", "key-manager"})
ANYONE = frozenset(ROLES)

MAX_CIPHERTEXT = 2100          # 01 || key id (16) || c, c < n^2 of an 8192-bit n
MAX_CIPHERTEXTS = 1000
MAX_INTEGER_DIGITS = 2500      # a decimal integer modulo an 8192-bit n
MAX_BLINDED = 1024             # an 8192-bit modulus
MAX_SPKI = 1100
MAX_PREPARED = 1 << 20
BLIND_VARIANTS = ("RSABSSA-SHA384-PSS-Randomized", "RSABSSA-SHA384-PSSZERO-Randomized",
                  "RSABSSA-SHA384-PSS-Deterministic", "RSABSSA-SHA384-PSSZERO-Deterministic")
RING_MEMBERS_MAX = 1024
MAX_RING_SIGNATURE = 3 + 32 * (2 + RING_MEMBERS_MAX)  # version, size, image, c0, responses

GROUP_ID = text("group_id", "The approval group's id (a UUID).", max_length=100,
                cli=Cli(positional=True))
PROPOSAL = text("proposal", "The proposal approved (the linking scope of the signature).",
                max_length=200)
CHALLENGE_ID = text("challenge_id", "The challenge's id (a UUID).", max_length=100,
                    cli=Cli(positional=True))
PURPOSE = text("purpose", "What the proof is for (bound into it).", max_length=200)
ISSUER_KEY = hexa("public_key", "The issuer's public key (DER SubjectPublicKeyInfo, "
                  "GetPublicKey --format hex).", maximum=MAX_SPKI)
VARIANT = text("variant", "The RFC 9474 variant of the issuer key.", max_length=64,
               choices=BLIND_VARIANTS)
PAILLIER_KEY = hexa("public_key", "The Paillier public key (GetPublicKey --format hex).",
                    maximum=MAX_CIPHERTEXT)


COMMANDS = (
    CommandSpec(
        name="BlindSign", doc="RFC 9474 blind signature of a blinded message by an issuer "
        "key (rsabssa-sha384-*); the issuer never sees the message, and the ledger records "
        "the blinded message's digest only.",
        group="privacy", roles=USERS, chain=ChainRule.KEY,
        events=frozenset({"BlindSignatureIssued"}),
        args=(KEY_ID, sha256_of("blinded_message_digest", "blinded_message",
                                "SHA-256 of the blinded message.")),
        inputs=(data("blinded_message", "The blinded message (from BlindMessage).",
                     maximum=MAX_BLINDED, cli=Cli(option="--input", reader="file")),),
        result=SHAPES["BlindSignature"], rest=Route("POST", "/v1/keys/{key_id}/blind-sign"),
        cli=CliRoute(("zk", "blind-sign"), renderer="blind-signature")),
    CommandSpec(
        name="HomomorphicCombine", doc="Combine Paillier ciphertexts of one key without "
        "decrypting: multiplier * (sum of the ciphertexts) + offset, re-randomised; the "
        "digests in and out are recorded.",
        group="privacy", roles=USERS, chain=ChainRule.KEY,
        events=frozenset({"HomomorphicCombined"}),
        args=(KEY_ID,
              listing("ciphertext_digests", "SHA-256 of each ciphertext, in order.",
                      hexa("item", "A digest.", size=32), maximum=MAX_CIPHERTEXTS,
                      derived=Derived("sha256-each", ("ciphertexts",)), cli=Cli(hidden=True)),
              text("multiplier", "Multiply the sum by this constant (decimal; default 1).",
                   required=False, nullable=True, max_length=MAX_INTEGER_DIGITS),
              text("offset", "Then add this constant (decimal; default 0).",
                   required=False, nullable=True, max_length=MAX_INTEGER_DIGITS)),
        inputs=(listing("ciphertexts", "The ciphertexts (HomomorphicEncrypt's).",
                        data("item", "A ciphertext.", maximum=MAX_CIPHERTEXT), minimum=1,
                        maximum=MAX_CIPHERTEXTS,
                        cli=Cli(option="--input", reader="files")),),
        result=SHAPES["HomomorphicCiphertext"],
        rest=Route("POST", "/v1/keys/{key_id}/homomorphic/combine"),
        cli=CliRoute(("zk", "he-combine"), renderer="ciphertext")),
    CommandSpec(
        name="HomomorphicDecrypt", doc="Decrypt a Paillier ciphertext (audited; the decrypt "
        "approval policy applies). The ledger records the ciphertext's digest, never the "
        "plaintext.",
        group="privacy", roles=USERS, chain=ChainRule.KEY,
        events=frozenset({"HomomorphicDecrypted"}),
        args=(KEY_ID, sha256_of("ciphertext_digest", "ciphertext", "SHA-256 of the "
                                "ciphertext."),
              boolean("signed", "Read the upper half of Z_n as negative numbers.",
                      required=False, default=False)),
        inputs=(data("ciphertext", "The ciphertext.", maximum=MAX_CIPHERTEXT,
                     cli=Cli(option="--input", reader="file")),),
        result=SHAPES["HomomorphicPlaintext"],
        rest=Route("POST", "/v1/keys/{key_id}/homomorphic/decrypt"),
        cli=CliRoute(("zk", "he-decrypt"), renderer="homomorphic-plaintext"),
        hooks=Hooks(approval="decrypt", reveals_secret=True)),
    CommandSpec(
        name="IssuePossessionChallenge", doc="A one-time challenge an actor answers with an "
        "RFC 8235 proof of knowledge of its identity key (ProvePossession): the actor proves "
        "possession without producing a reusable signature.",
        group="privacy", roles=ANYONE, chain=ChainRule.SYSTEM,
        events=frozenset({"PossessionChallengeIssued"}),
        args=(ACTOR_ID, PURPOSE,
              integer("ttl_seconds", "Seconds the challenge stays open.", required=False,
                      default=120, minimum=10, maximum=600)),
        result=SHAPES["PossessionChallenge"],
        rest=Route("POST", "/v1/actors/{actor_id}/challenges"),
        cli=CliRoute(("zk", "pok-challenge"), renderer="possession-challenge")),
    CommandSpec(
        name="ProvePossession", doc="Answer a possession challenge with the actor's RFC 8235 "
        "Schnorr proof (made by the actor; any actor may submit it); verified, recorded "
        "once, and the challenge closed.",
        group="privacy", roles=ANYONE, chain=ChainRule.SYSTEM,
        events=frozenset({"PossessionProven"}),
        args=(ACTOR_ID, text("challenge_id", "The challenge's id.", max_length=100),
              hexa("proof", "The proof (66 bytes; the CLI makes it from the --as actor's "
                   "identity key when omitted).", size=66, required=False, nullable=True)),
        result=SHAPES["PossessionProof"],
        rest=Route("POST", "/v1/actors/{actor_id}/possession"),
        cli=CliRoute(("zk", "pok-prove"), renderer="possession-proof")),
    CommandSpec(
        name="ProveKeyPossession", doc="The ledger proves to an outside verifier that it "
        "holds a managed Ed25519 or secp256k1 key (RFC 8235, bound to the verifier's nonce), "
        "without signing anything reusable.",
        group="privacy", roles=USERS, chain=ChainRule.KEY,
        events=frozenset({"KeyPossessionProven"}),
        args=(KEY_ID, text("service", "The verifier's name (bound into the proof).",
                           max_length=200), PURPOSE,
              hexa("nonce", "The verifier's fresh 32-byte nonce.", size=32),
              text("user_id", "The prover's name in the proof (default: the key id).",
                   required=False, nullable=True, max_length=200)),
        result=SHAPES["KeyPossessionProof"],
        rest=Route("POST", "/v1/keys/{key_id}/possession"),
        cli=CliRoute(("zk", "key-pok"), renderer="key-possession-proof")),
    CommandSpec(
        name="CreateApprovalGroup", doc="A group whose members approve proposals "
        "anonymously with linkable ring signatures over their identity keys; only the count "
        "of approvals is learnt.",
        group="privacy", roles=MANAGERS, chain=ChainRule.DOMAIN,
        events=frozenset({"ApprovalGroupCreated"}),
        args=(listing("members", "The members (actor ids; the CLI also takes names).",
                      text("item", "Actor id.", max_length=100), minimum=2,
                      maximum=RING_MEMBERS_MAX, cli=Cli(option="--member", reader="actor")),
              integer("quorum", "Approvals a proposal needs.", minimum=1,
                      maximum=RING_MEMBERS_MAX),
              text("label", "A label.", required=False, nullable=True, max_length=200)),
        result=SHAPES["ApprovalGroup"], rest=Route("POST", "/v1/approval-groups"),
        cli=CliRoute(("zk", "ring-group"), renderer="approval-group")),
    CommandSpec(
        name="RingApprove", doc="Record one anonymous approval: a member's LSAG ring "
        "signature, counted once per proposal by its key image. Submit it as an actor "
        "outside the ring (a relay): a member's own submission would name it.",
        group="privacy", roles=ANYONE, chain=ChainRule.DOMAIN,
        events=frozenset({"RingApprovalRecorded"}),
        args=(text("group_id", "The approval group.", max_length=100), PROPOSAL,
              sha256_of("message_digest", "message", "SHA-256 of what is approved."),
              hexa("signature", "The ring signature (skms zk ring-sign, or "
                   "ledger.crypto.privacy.ring).", maximum=MAX_RING_SIGNATURE)),
        inputs=(data("message", "What is approved.", maximum=1 << 16,
                     cli=Cli(option="--input", reader="file")),),
        result=SHAPES["RingApproval"],
        rest=Route("POST", "/v1/approval-groups/{group_id}/approvals"),
        cli=CliRoute(("zk", "ring-approve"), renderer="ring-approval")),
)

READS = (
    ReadSpec("GetApprovalGroup", "An approval group: its ring and the approvals counted per "
             "proposal.", "privacy", "groups.read", ANYONE,
             (in_path(GROUP_ID),), shaped("result", "The group.", "ApprovalGroup"),
             rest=Route("GET", "/v1/approval-groups/{group_id}"),
             cli=CliRoute(("zk", "ring-group-show"), renderer="approval-group")),
    ReadSpec("VerifyRingSignature", "Check a ring signature offline, of an approval group's "
             "proposal or of an ad-hoc ring (a 422 problem when it does not verify); answers "
             "its key image.",
             "privacy", "privacy.compute", ANYONE,
             (listing("ring", "The ring, in order.", hexa("item", "A public key.", size=32),
                      minimum=2, maximum=RING_MEMBERS_MAX,
                      cli=Cli(option="--ring", aliases=("--ring-key",))),
              text("group_id", "The approval group; empty for an ad-hoc ring (skms zk "
                   "ring-sign --ring KEY ...).", required=False, default="", max_length=100),
              PROPOSAL,
              data("message", "What was approved.", maximum=1 << 16,
                   cli=Cli(option="--input", reader="file")),
              hexa("signature", "The ring signature.",
                   maximum=MAX_RING_SIGNATURE)),
             shaped("result", "The verdict.", "RingVerification"),
             rest=Route("POST", "/v1/privacy/ring/verify"),
             cli=CliRoute(("zk", "ring-verify"), renderer="ring-verification"), offline=True),
    ReadSpec("BlindMessage", "RFC 9474 prepare and blind (client-side: the CLI computes it "
             "locally; keep the inverse secret until FinalizeBlindSignature).",
             "privacy", "privacy.compute", ANYONE,
             (ISSUER_KEY, VARIANT,
              data("message", "The message to have signed.", maximum=MAX_PREPARED - 32,
                   cli=Cli(option="--input", reader="file"))),
             shaped("result", "What to send and what to keep.", "BlindedMessage"),
             rest=Route("POST", "/v1/privacy/blind"),
             cli=CliRoute(("zk", "blind"), renderer="blinded-message"), offline=True),
    ReadSpec("FinalizeBlindSignature", "RFC 9474 finalize: unblind the issuer's blind "
             "signature and check it (client-side).", "privacy", "privacy.compute", ANYONE,
             (ISSUER_KEY, VARIANT,
              data("prepared_message", "The prepared message (BlindMessage's).",
                   maximum=MAX_PREPARED, cli=Cli(option="--prepared", reader="file")),
              hexa("blind_signature", "The issuer's blind signature.", maximum=MAX_BLINDED),
              hexa("inverse", "The blinding inverse (BlindMessage's).", maximum=MAX_BLINDED)),
             shaped("result", "The signature.", "BlindRsaSignature"),
             rest=Route("POST", "/v1/privacy/blind/finalize"),
             cli=CliRoute(("zk", "finalize"), renderer="blind-rsa-signature"), offline=True),
    ReadSpec("VerifyBlindSignature", "Check a finalized RFC 9474 signature (a standard "
             "RSASSA-PSS-SHA384 signature of the prepared message; a 422 problem when it "
             "does not verify).", "privacy", "privacy.compute", ANYONE,
             (ISSUER_KEY, VARIANT,
              data("prepared_message", "The prepared message.", maximum=MAX_PREPARED,
                   cli=Cli(option="--prepared", reader="file")),
              hexa("signature", "The finalized signature.", maximum=MAX_BLINDED)),
             shaped("result", "The verdict.", "BlindVerification"),
             rest=Route("POST", "/v1/privacy/blind/verify"),
             cli=CliRoute(("zk", "blind-verify"), renderer="blind-verification"),
             offline=True),
    ReadSpec("HomomorphicEncrypt", "Encrypt an integer under a Paillier public key "
             "(client-side: the CLI computes it locally).", "privacy", "privacy.compute",
             ANYONE,
             (PAILLIER_KEY,
              text("value", "The integer (decimal, -n/2 < value < n).",
                   max_length=MAX_INTEGER_DIGITS, cli=Cli(option="--value"))),
             shaped("result", "The ciphertext.", "PaillierEncryption"),
             rest=Route("POST", "/v1/privacy/paillier/encrypt"),
             cli=CliRoute(("zk", "he-encrypt"), renderer="paillier-encryption"),
             offline=True),
)
