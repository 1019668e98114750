"""Catalogue entries: using keys on data (encrypt, decrypt, data keys, MACs, key agreement).

The data travels beside the signed command as inputs (the command bytes are stored for
ever); the command carries what the actor vouches for: digests, and for Encrypt the
plaintext's size only (a digest would confirm guesses of low-entropy plaintexts).
"""

from __future__ import annotations

from ledger.catalogue.fields import KEY_ID, KEY_VERSION, data, hexa, integer, sha256_of
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

USERS = frozenset({"signer"})
MAX_DATA = 1 << 20
MAX_AAD = 8192
MAX_HKDF_INPUT = 1024

AAD = data("aad", "Associated data the ciphertext is bound to (decrypting needs the same).",
           required=False, default=b"", maximum=MAX_AAD, cli=Cli(reader="text"))
AAD_DIGEST = sha256_of("aad_digest", "aad", "SHA-256 of the associated data.")


def _data_command(name: str, verb: str, doc: str, event: str, result: str, *,
                  args: tuple[Field, ...], inputs: tuple[Field, ...],
                  renderer: str, cli: CliRoute | None = None,
                  hooks: Hooks | None = None, events: set[str] | None = None) -> CommandSpec:
    return CommandSpec(
        name=name, doc=doc, group="data", roles=USERS, chain=ChainRule.KEY,
        events=frozenset({event, *(events or ())}), args=(KEY_ID, *args), inputs=inputs,
        result=SHAPES[result], rest=Route("POST", f"/v1/keys/{{key_id}}/{verb}"),
        cli=cli or CliRoute((verb,), renderer=renderer), hooks=hooks or Hooks())


COMMANDS = (
    _data_command(
        "Encrypt", "encrypt", "Encrypt data (AES-256-GCM, or HPKE to an ML-KEM-768+X25519 "
        "key); the ciphertext names the key version, so it decrypts after rotations.",
        "DataEncrypted", "Ciphertext",
        args=(integer("plaintext_size", "The plaintext's size in bytes.", minimum=0,
                      maximum=MAX_DATA, derived=Derived("size", ("plaintext",)),
                      cli=Cli(hidden=True)), AAD_DIGEST),
        inputs=(data("plaintext", "The plaintext.", maximum=MAX_DATA,
                     cli=Cli(option="--input", reader="file")), AAD),
        renderer="ciphertext"),
    _data_command(
        "Decrypt", "decrypt", "Decrypt with the key version the ciphertext names; the "
        "plaintext is released only after its DataDecrypted event is committed.",
        "DataDecrypted", "Plaintext",
        args=(sha256_of("ciphertext_digest", "ciphertext", "SHA-256 of the ciphertext."),
              AAD_DIGEST),
        inputs=(data("ciphertext", "The ciphertext.", maximum=2 * MAX_DATA,
                     cli=Cli(option="--input", reader="file")), AAD),
        renderer="plaintext", hooks=Hooks(approval="decrypt", reveals_secret=True)),
    _data_command(
        "ReEncrypt", "reencrypt", "Rewrap a ciphertext under the key's current version (after "
        "a rotation) without the plaintext leaving the ledger; recorded as the decryption "
        "and the encryption it is.", "DataDecrypted", "ReEncryption",
        args=(sha256_of("ciphertext_digest", "ciphertext", "SHA-256 of the ciphertext."),
              AAD_DIGEST),
        inputs=(data("ciphertext", "The ciphertext (any version of the key).",
                     maximum=2 * MAX_DATA, cli=Cli(option="--input", reader="file")), AAD),
        renderer="ciphertext", events={"DataEncrypted"}),
    _data_command(
        "GenerateDataKey", "datakey", "A data key for envelope encryption: shown once in "
        "clear, plus wrapped under the key.", "DataKeyGenerated", "DataKey",
        args=(AAD_DIGEST,), inputs=(AAD,), renderer="data-key",
        hooks=Hooks(reveals_secret=True)),
    _data_command(
        "GenerateMac", "mac", "An HMAC-SHA256 tag of a message.", "MacGenerated", "Mac",
        args=(sha256_of("message_digest", "message", "SHA-256 of the message."),),
        inputs=(data("message", "The message.", maximum=MAX_DATA,
                     cli=Cli(option="--input", reader="file")),),
        renderer="mac"),
    _data_command(
        "VerifyMac", "mac-verify", "Check a tag against a key version (default: every "
        "version, newest first); a tag that verifies under none is refused and recorded.",
        "MacVerified", "MacCheck",
        args=(sha256_of("message_digest", "message", "SHA-256 of the message."),
              sha256_of("mac_digest", "mac", "SHA-256 of the tag."), KEY_VERSION),
        inputs=(data("message", "The message.", maximum=MAX_DATA,
                     cli=Cli(option="--input", reader="file")),
                data("mac", "The tag (hex on the CLI).", maximum=64,
                     cli=Cli(option="--verify", reader="hex"))),
        renderer="mac-check",
        cli=CliRoute(("mac",), selector="--verify", renderer="mac-check")),
    _data_command(
        "DeriveSharedSecret", "derive", "Derive a key with a peer: HKDF-SHA256 over X25519 "
        "or P-256 ECDH (the raw shared secret never leaves the ledger).",
        "SharedSecretDerived", "DerivedKey",
        args=(hexa("peer_public_key", "The peer's public key (X25519: 32 bytes; P-256: a "
                   "SEC1 point).", maximum=133, cli=Cli(option="--peer-public")),
              hexa("salt", "HKDF salt.", required=False, default="", maximum=MAX_HKDF_INPUT),
              hexa("info", "HKDF info: bind it to the purpose (text on the CLI).",
                   required=False, default="", maximum=MAX_HKDF_INPUT,
                   cli=Cli(reader="text")),
              integer("length", "Bytes of key to derive.", required=False, default=32,
                      minimum=16, maximum=64),
              KEY_VERSION),
        inputs=(), renderer="derived-key", hooks=Hooks(reveals_secret=True)),
)
