"""Fuzz targets: one per parser of untrusted input, with the exceptions each may raise.

Every target takes the raw bytes a fuzzer (or a corpus file) hands it and feeds them to the
product parser the way the product receives them from outside. A target may raise only the
exception classes listed in its :class:`Harness` ``expected`` tuple (``ledger.errors``
classes, or the module's own documented refusal classes where the module has them); any other
exception, including an ``AssertionError`` from a property checked here, is a finding.

Properties checked beside "no unexpected exception":

1. Parsers that promise one canonical spelling (envelope bodies, commands, checkpoints,
   signature headers) give back exactly the input when what they parsed is serialised again.
2. A proof document that verifies with the pinned key proves what it says (re-checked
   against the document's own fields); a wallet backup that recovers gives the original seed.
3. Refusals of secret-bearing input (mnemonics, share documents) never quote the input.

All imports of product modules for fuzzing are in this file, so a refactoring of the
product has one place to adapt. Nothing here imports atheris: the same targets replay the
committed corpus under pytest (``tests/fuzz/test_corpus.py``) on machines without it.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pydantic
from cryptography.hazmat.primitives import hashes, keywrap
from cryptography.hazmat.primitives.asymmetric import padding
from eth_account import Account
from eth_account.messages import encode_typed_data

from commands import zk_reads
from commands.sdk import httpsig
from commands.service.core import parse_signed
from commands.service.feed import MAX_SEQ, parse_from_seq
from commands.service.models import command_body, read_body
from commands.wire import from_json
from ledger.application import checked
from ledger.catalogue import CATALOGUE, CommandSpec, ReadSpec
from ledger.catalogue.keys import ALGORITHMS
from ledger.catalogue.model import Source
from ledger.catalogue.validation import check_values
from ledger.chains import declared, ethereum, solana
from ledger.chains.bitcoin.addresses import NETWORKS
from ledger.chains.bitcoin.finalize import finalize_psbt
from ledger.chains.bitcoin.inputs import plan_input, sighash, spent_outputs
from ledger.chains.bitcoin.psbt import Psbt, describe
from ledger.chains.bitcoin.sighash import taproot_hashes
from ledger.chains.bitcoin.signer import SigningKey, sign_psbt, wanted_origins
from ledger.command import parse_command, verify_command_signature
from ledger.crypto import hd
from ledger.crypto.privacy import blind_rsa
from ledger.crypto.privacy.fuzz_targets import (
    paillier_ciphertext_target,
    pok_proof_target,
    ring_signature_target,
)
from ledger.crypto.privacy.paillier import PaillierPublicKey
from ledger.crypto.privacy.ring import parse_ring
from ledger.crypto.schemes import get_scheme
from ledger.crypto.zk.ceremony import CeremonyTranscript
from ledger.crypto.zk.snarkjs import parse_inputs
from ledger.envelope import event_hash_of, open_envelope
from ledger.errors import (
    InvalidCiphertext,
    InvalidInput,
    InvalidSignature,
    SkmsError,
    Unauthorized,
    UnsupportedAlgorithm,
    VerificationError,
)
from ledger.events.codec import (
    decode_envelope_body,
    decode_payload,
    encode_envelope_body,
    event_types,
)
from ledger.merkle.checkpoint import (
    Checkpoint,
    open_checkpoint,
    parse_verifier_key,
    sign_checkpoint,
    verifier_key_string,
)
from ledger.merkle.errors import CheckpointError, NoteError
from ledger.proofs import verify_proof_document
from ledger.recipes import byok
from ledger.recipes.wallet_backup import SCHEMES, make_backup, recover_seed
from ledger.stores.base import StoredEnvelope

FUZZ_KEY_SEED = hashlib.sha256(b"skms fuzzing key, public on purpose").digest()
"""The Ed25519 seed of the key fuzz inputs are signed with: public, so seeds can be made."""

FUZZ_KEY_NAME = "fuzz.example/ledger"
FUZZ_WALLET_SEED = bytes(range(64))
FUZZ_WALLET_ID = "wallet-fuzz"
FUZZ_SPLIT_ID = "split-fuzz"
FUZZ_PATH_VALUE = "key-fuzz"
"""What a read's path parameters (``key_id``) hold: the URL, not the body, carries them."""


@functools.cache
def fuzz_public_key() -> bytes:
    """The public half of :data:`FUZZ_KEY_SEED` (through the product's own scheme)."""
    return get_scheme("ed25519").public_key(bytearray(FUZZ_KEY_SEED))


def text_of(data: bytes) -> str:
    """Bytes as the str a service or CLI would hold: invalid UTF-8 becomes lone surrogates
    (JSON can carry those too, as ``\\udc80``), so both paths are reached."""
    return data.decode("utf-8", "surrogateescape")


def json_of(data: bytes) -> Any:
    """The JSON value the front ends would have parsed, or ``None`` when they would refuse
    the text before any of our parsers see it."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


@dataclass(frozen=True)
class Harness:
    """One fuzz target: what it feeds, and which exceptions are a refusal, not a crash."""

    name: str
    target: Callable[[bytes], None]
    expected: tuple[type[BaseException], ...]
    max_len: int
    describes: str

    def run_one(self, data: bytes) -> None:
        """Run the target; swallow expected refusals, let everything else out."""
        try:
            self.target(data)
        except self.expected:
            return


# --- envelope and Avro codec ---------------------------------------------------------------

def envelope_target(data: bytes) -> None:
    """Envelope body bytes as a store returns them, and every event payload schema."""
    types = event_types()
    if data[:1] == b"P" and len(data) >= 3:  # a bare payload for one event type and version
        event_type = types[data[1] % len(types)]
        record = decode_payload(event_type, 1 + data[2] % 3, data[3:])
        assert isinstance(record, dict)
        return
    record = decode_envelope_body(data)
    assert encode_envelope_body(record) == data, "a decoded body did not re-encode canonically"
    stored = StoredEnvelope(chain_id=record["chain_id"], seq=record["seq"],
                            event_hash=event_hash_of(data), body=data,
                            event_type=record["event_type"],
                            aggregate_id=record["aggregate_id"],
                            aggregate_version=record["aggregate_version"],
                            command_id=record["command_id"])
    envelope = open_envelope(stored)
    assert envelope.body_record() == record
    envelope.event()


# --- canonical command JSON ----------------------------------------------------------------

def command_target(data: bytes) -> None:
    """Command bytes from an envelope or a request, then the actor-signature check."""
    command = parse_command(data)
    assert command.canonical() == data
    verify_command_signature(data, bytes(64), fuzz_public_key())
    raise AssertionError("an all-zero signature verified")


# --- RFC 9421 signature headers and RFC 9530 content digest -------------------------------

def _split3(data: bytes) -> tuple[str, str, str, bytes]:
    parts = data.split(b"\n", 3) + [b""] * 4
    return (parts[0].decode("latin-1"), parts[1].decode("latin-1"),
            parts[2].decode("latin-1"), parts[3])


def httpsig_target(data: bytes) -> None:
    """``Signature-Input``, ``Signature`` and ``Content-Digest`` headers (latin-1, as the
    ASGI server hands them over) separated by newlines, then the body."""
    signature_input, signature, digest, body = _split3(data)
    with contextlib.suppress(httpsig.SignatureFormatError):
        httpsig.check_content_digest(digest, body)
    params = httpsig.parse_signature_input(signature_input)
    assert httpsig.parse_signature_input(f"{httpsig.LABEL}={params.serialize()}") == params
    raw = httpsig.parse_signature(signature)
    assert len(raw) == 64
    values = {"@method": "POST", "@target-uri": "https://skms.test/v1/keys",
              "@path": "/v1/keys", "content-digest": httpsig.content_digest(body)}
    httpsig.verify(fuzz_public_key(), params, values, raw)  # the seed is really signed


# --- C2SP signed notes and checkpoints -----------------------------------------------------

def checkpoint_target(data: bytes) -> None:
    """A signed checkpoint note (file or JSON string), a bare body, a verifier key."""
    text = text_of(data)
    with contextlib.suppress(InvalidInput):
        parse_verifier_key(text.strip())
    try:
        body = Checkpoint.parse_body(text)
        assert body.body() == text, "a checkpoint body parsed from a non-canonical spelling"
    except CheckpointError:
        pass
    checkpoint = open_checkpoint(text, {FUZZ_KEY_NAME: fuzz_public_key()})
    assert text.startswith(checkpoint.body())
    again = sign_checkpoint(checkpoint, FUZZ_KEY_NAME, bytearray(FUZZ_KEY_SEED))
    assert open_checkpoint(again, {FUZZ_KEY_NAME: fuzz_public_key()}) == checkpoint


# --- proof documents -----------------------------------------------------------------------

def proofs_target(data: bytes) -> None:
    """An ``skms-proof-v1`` document as ``skms audit verify-proof`` reads it, unpinned and
    pinned to the fuzz key; a document that verifies pinned must be internally coherent."""
    document = json_of(data)
    if document is None:
        return
    with contextlib.suppress(VerificationError, InvalidInput):
        verify_proof_document(document, None)
    result = verify_proof_document(document, fuzz_public_key())
    assert result["valid"] is True and result["type"] in ("inclusion", "consistency")
    note = document.get("checkpoint")
    if note is not None:
        checkpoint = open_checkpoint(note, {FUZZ_KEY_NAME: fuzz_public_key()})
        assert checkpoint.size == document["tree_size"]
        assert checkpoint.root_hash == base64.b64decode(document["root"])


# --- WebSocket feed resume -----------------------------------------------------------------

def feed_target(data: bytes) -> None:
    """The ``from_seq`` query parameter of a feed handshake (resume point)."""
    value = parse_from_seq(text_of(data))
    assert value is not None and 0 <= value <= MAX_SEQ
    assert str(value) == text_of(data).lstrip("0") or value == 0


# --- wallet share documents, mnemonics, extended keys --------------------------------------

_BACKUPS: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}


def _backup(scheme: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A real 2-of-3 backup of :data:`FUZZ_WALLET_SEED` and the split record it leaves."""
    if scheme not in _BACKUPS:
        backup = make_backup(FUZZ_WALLET_SEED, wallet_id=FUZZ_WALLET_ID,
                             split_id=FUZZ_SPLIT_ID, scheme=scheme, threshold=2,
                             custodians=["ann", "ben", "cat"],
                             master_fingerprint=hd.master_fingerprint(FUZZ_WALLET_SEED))
        split = {"split_id": FUZZ_SPLIT_ID, "scheme": backup.scheme_id, "threshold": 2,
                 "share_count": 3, "commitment_digests": backup.commitment_digests,
                 "ciphertext_digest": backup.ciphertext_digest}
        _BACKUPS[scheme] = (split, backup.documents)
    return _BACKUPS[scheme]


def backup_documents(scheme: str) -> list[dict[str, Any]]:
    """The share documents of the fuzz backup (for the seed corpus)."""
    return _backup(scheme)[1]


def _genuine_secrets() -> list[str]:
    """Pieces of the real backup's secret fields (share hex, SLIP-39 words): a refusal
    must never quote them, however the fuzzer rearranged the documents around them."""
    pieces = []
    for scheme in SCHEMES:
        for document in backup_documents(scheme):
            for name in ("share", "mnemonic"):
                value = document.get(name)
                if isinstance(value, str):
                    pieces += [value[:24], value[-24:]]
    return pieces


def wallet_backup_target(data: bytes) -> None:
    """Share documents presented for recovery (a JSON list of objects, as the handler
    passes them), checked against a real backup's record; first byte picks the scheme."""
    schemes = sorted(SCHEMES)
    scheme = schemes[data[0] % len(schemes)] if data else schemes[0]
    documents = json_of(data[1:])
    if not isinstance(documents, list) or not all(isinstance(d, dict) for d in documents):
        return
    split, _ = _backup(scheme)
    try:
        seed, indexes = recover_seed(documents, wallet_id=FUZZ_WALLET_ID, split=split)
    except InvalidInput as refusal:
        for secret in _genuine_secrets():
            assert secret not in refusal.message and secret not in refusal.hint
        raise
    assert bytes(seed) == FUZZ_WALLET_SEED, "recovery returned a different seed"
    assert len(indexes) >= 2


def mnemonic_target(data: bytes) -> None:
    """A BIP-39 mnemonic (optionally with a wordlist name before a tab) and a BIP-32
    extended key, both as typed by a user."""
    text = text_of(data)
    language: str | None = None
    if "\t" in text:
        language, text = text.split("\t", 1)
    try:
        hd.check_extended_key(text)
    except InvalidInput as refusal:
        if len(text.strip()) >= 12:
            assert text.strip() not in refusal.message
    try:
        mnemonic = hd.parse_mnemonic(text, language)
    except InvalidInput as refusal:
        words = [w for w in text.split() if len(w) >= 3]
        if len(words) >= 2:
            assert " ".join(words[:2]) not in refusal.message, "a refusal quoted the mnemonic"
        raise
    assert mnemonic.word_count in hd.WORD_COUNTS


# --- HTTP bodies ---------------------------------------------------------------------------

BODY_ENTRIES: tuple[CommandSpec | ReadSpec, ...] = (
    *(spec for spec in CATALOGUE.commands if spec.rest is not None),
    *(spec for spec in CATALOGUE.reads if spec.rest is not None and read_body(spec) is not None))
"""Every catalogue entry the REST service takes a JSON body for, in catalogue order (the
seed corpus names them by index: rerun ``tools/fuzz/make_corpus.py`` after a change)."""


def body_model(spec: CommandSpec | ReadSpec) -> type[pydantic.BaseModel]:
    """The pydantic model FastAPI validates ``spec``'s body with."""
    model = command_body(spec) if isinstance(spec, CommandSpec) else read_body(spec)
    assert model is not None
    return model


def http_bodies_target(data: bytes) -> None:
    """A JSON request body for one catalogue entry (first byte picks it), validated as
    FastAPI does, then decoded and checked as the route and the ledger do (signed command,
    inputs and arguments against the catalogue; read parameters, and the proof and note
    parsers of the two reads that take documents)."""
    if not data:
        return
    spec = BODY_ENTRIES[data[0] % len(BODY_ENTRIES)]
    body = body_model(spec).model_validate_json(data[1:])
    if isinstance(spec, CommandSpec):
        fields = body.model_dump()
        signed = parse_signed(fields.pop("command"), fields.pop("signature"))
        inputs = {f.name: from_json(f, fields.get(f.name)) for f in spec.inputs
                  if fields.get(f.name) is not None}
        checked(signed, inputs)
        with contextlib.suppress(Unauthorized):
            verify_command_signature(signed.canonical_bytes, signed.signature,
                                     fuzz_public_key())
        return
    params = body.model_dump(exclude_none=True)
    given = {f.name: from_json(f, params[f.name]) for f in spec.params
             if params.get(f.name) is not None}
    in_path = {f.name: FUZZ_PATH_VALUE for f in spec.params if f.source is Source.PATH}
    values = check_values(spec.params, {**given, **in_path}, what="parameter")
    pinned = bytes.fromhex(values["ledger_key"]) if values.get("ledger_key") else None
    if spec.name == "VerifyProof":
        trusted = values.get("trusted_checkpoints") or [None]
        verify_proof_document(values["document"], pinned, trusted[0])
    elif spec.name == "AuditVerify":
        for note in values.get("trusted_checkpoints") or []:
            open_checkpoint(note, {FUZZ_KEY_NAME: fuzz_public_key()})


# --- zero-knowledge proofs ----------------------------------------------------------------

ZK_PARSERS = ("range", "stark", "snark", "transcript", "input")
"""What the first byte of a ``zk_proofs`` input picks (modulo their number)."""


def zk_proofs_target(data: bytes) -> None:
    """A proof or file a caller hands the zero-knowledge commands and reads, through the
    product's own entry points: a range proof and a STARK proof (their bytes, verified), a
    snarkjs ``{"vkey", "proof", "public"}`` triple (verified), a ceremony transcript, a
    circuit's input file."""
    if not data:
        return
    kind, body = ZK_PARSERS[data[0] % len(ZK_PARSERS)], data[1:]
    if kind == "range":
        zk_reads.verify_range(None, body.hex())
    elif kind == "stark":
        zk_reads.verify_stark(None, body.hex())
    elif kind == "snark":
        document = json_of(body)
        if isinstance(document, dict):
            zk_reads.verify_snark(None, document.get("vkey"), document.get("proof"),
                                  document.get("public"))
    elif kind == "transcript":
        CeremonyTranscript.from_bytes(body)
    else:
        parse_inputs(body)
# --- privacy proofs, signatures and ciphertexts (ledger/crypto/privacy) ----------------------

PRIVACY_PARSERS = ("ring", "pok", "paillier", "blind-key", "blind-signature", "paillier-key",
                   "ring-members", "blind-finalize")
"""What the first byte of a ``privacy`` input picks (modulo their number)."""


@functools.cache
def fuzz_issuer_key() -> bytes:
    """A fixed RFC 9474 issuer public key (SPKI) that fuzzed signatures are checked against."""
    return blind_rsa.issuer_public_key(blind_rsa.generate_issuer_key(2048))


def privacy_target(data: bytes) -> None:
    """An LSAG ring signature, an RFC 8235 proof or a Paillier ciphertext (each parsed, then
    verified or range-checked: ledger/crypto/privacy/fuzz_targets.py), an issuer public key
    as BlindMessage and VerifyBlindSignature take it, or signature bytes verified as RFC 9474
    signatures of the fixed issuer."""
    if not data:
        raise InvalidInput("no input", field="data")
    kind, body = PRIVACY_PARSERS[data[0] % len(PRIVACY_PARSERS)], data[1:]
    if kind == "ring":
        ring_signature_target(body)
    elif kind == "pok":
        pok_proof_target(body)
    elif kind == "paillier":
        paillier_ciphertext_target(body)
    elif kind == "blind-key":
        key = blind_rsa.BlindRsaPublicKey.from_spki(body)
        assert key.to_spki() == body, "an issuer key parsed from a non-canonical encoding"
    elif kind == "paillier-key":
        public = PaillierPublicKey.from_bytes(body)
        assert public.to_bytes() == body, "a Paillier key parsed from a non-canonical encoding"
    elif kind == "ring-members":
        ring_members_target(body)
    elif kind == "blind-finalize":
        blind_finalize_target(body)
    else:
        variant = list(blind_rsa.VARIANTS.values())[len(body) % len(blind_rsa.VARIANTS)]
        blind_rsa.verify(variant, fuzz_issuer_key(), b"fuzz", body)


def ring_members_target(body: bytes) -> None:
    """The public keys of a ring as ring-sign and ring-verify take them (32-byte points,
    each checked to be canonical and in the prime-order subgroup, none repeated)."""
    members = tuple(body[i:i + 32] for i in range(0, len(body), 32))
    keys = parse_ring(members)
    assert keys == members, "ring members parsed from bytes that are not their encoding"


def blind_finalize_target(body: bytes) -> None:
    """FinalizeBlindSignature's inputs for the fixed issuer: the blind signature and the
    blinding inverse (the body's two halves), unblinded and verified."""
    half = len(body) // 2
    variant = list(blind_rsa.VARIANTS.values())[len(body) % len(blind_rsa.VARIANTS)]
    blind_rsa.finalize(variant, fuzz_issuer_key(), b"fuzz", body[:half],
                       bytearray(body[half:]))


# --- chain transactions: PSBTs, EVM transactions and typed data, Solana wire transactions --

FUZZ_CHAIN_SEED = hashlib.sha256(b"skms fuzzing chain key, public on purpose").digest()
"""The secp256k1 scalar (Bitcoin, EVM) fuzz transactions are signed with; its Ed25519 twin
(Solana) is :data:`FUZZ_KEY_SEED`. Public, so the seed corpus can pay them."""

FUZZ_FINGERPRINT = bytes.fromhex("d90c6a4f")
"""The master fingerprint the seed PSBTs' key origins name (a wallet asks for those)."""

CHAIN_PARSERS = ("psbt", "evm-tx", "evm-typed", "solana")
"""What the first byte of a ``chains`` input picks (modulo their number)."""

CHAIN_FIELDS = ("psbt", "tx", "typed_data", "value", "chain", "network", "cluster")
"""The fields a chain refusal may name: the input's own (and its parts, ``psbt.inputs[0]``,
``tx.value``), or the argument the input was checked against."""


def fuzz_chain_public_key() -> bytes:
    """The compressed SEC1 public key of :data:`FUZZ_CHAIN_SEED`."""
    return SigningKey.from_private(bytearray(FUZZ_CHAIN_SEED)).public_key


CHAIN_REFUSALS = (InvalidInput, InvalidSignature, UnsupportedAlgorithm)
"""``InvalidSignature``: FinalizePsbt meeting a signature that does not verify;
``UnsupportedAlgorithm``: EVM transaction types 3 and 4."""


def _names_its_field(refusal: SkmsError) -> None:
    field = refusal.field or ""
    assert field.split(".")[0].split("[")[0] in CHAIN_FIELDS, \
        f"a refusal names no input field: {field!r} ({refusal.message})"


@contextlib.contextmanager
def _refusal_names_a_field() -> Iterator[None]:
    """Swallow a chain refusal of one step (the next steps still run), after checking it
    names its field."""
    try:
        yield
    except CHAIN_REFUSALS as refusal:
        _names_its_field(refusal)


def _psbt(body: bytes, network_name: str) -> None:
    """What SignPsbt, WalletSignPsbt and FinalizePsbt do with a PSBT before and around the
    key: parse (binary or base64), the declared and outgoing values, the origins a wallet
    would derive, every input's plan and sighash, the finalizer, and the signer with the
    fuzz key (it signs only inputs that pay that key)."""
    psbt = declared.read_psbt(body)
    serialized = psbt.serialize()
    again = Psbt.from_bytes(serialized)
    assert again == psbt and again.serialize() == serialized, "serialise is not canonical"
    raw = body if body.startswith(b"psbt\xff") else None
    if raw is not None:  # canonical but for the order of its records: no length may change
        assert len(serialized) == len(raw), "a parsed PSBT re-serialised to another length"
        if serialized != raw:
            assert Psbt.from_bytes(raw) == psbt
    describe(psbt)
    declared.psbt_declared_value(body)
    declared.psbt_outgoing_value(psbt, [fuzz_chain_public_key()])
    wanted_origins(psbt, FUZZ_FINGERPRINT)
    spent = spent_outputs(psbt)
    hashes = taproot_hashes(psbt.tx, spent) if spent is not None else None
    for index in range(len(psbt.inputs)):
        with _refusal_names_a_field():
            plan = plan_input(psbt, index)
            sighash(psbt.tx, index, plan, 0 if plan.is_taproot else 1, spent, hashes)
    with _refusal_names_a_field():
        finalize_psbt(psbt)
    signed = sign_psbt(psbt, SigningKey.from_private(bytearray(FUZZ_CHAIN_SEED)),
                       network_name=network_name, rng=bytearray)
    assert Psbt.from_base64(signed.psbt.to_base64()) == signed.psbt
    assert psbt == declared.read_psbt(body), "the signer changed the caller's PSBT"


def _evm_transaction(body: bytes) -> None:
    """SignEvmTransaction's input: an optional ``network`` argument on the first line, then
    the transaction JSON. A signed transaction must recover (eth-account, independently) to
    the fuzz key's address and carry the value the handler declared."""
    network_line, _, raw_tx = body.partition(b"\n")
    network_name = text_of(network_line).strip() or None
    tx = declared.json_document(raw_tx, "tx")
    value = ethereum.transaction_value(tx)
    signed = ethereum.sign_transaction(bytearray(FUZZ_CHAIN_SEED), tx, chain=network_name)
    assert Account.recover_transaction(signed.raw) == signed.sender
    assert value == sum(t.value for t in signed.facts.transfers) or not signed.facts.transfers


def _evm_typed_data(body: bytes) -> None:
    """SignEvmTypedData's input (eth_signTypedData_v4 JSON); a signature must recover."""
    typed = declared.json_document(body, "typed_data")
    signed = ethereum.sign_typed_data(bytearray(FUZZ_CHAIN_SEED), typed)
    signable = encode_typed_data(full_message=typed)
    assert Account.recover_message(signable, signature=signed.signature) == signed.signer


def _solana(body: bytes, cluster: str) -> None:
    """SignSolanaTransaction's input (base64 text of the wire bytes): the declared value,
    then the signer with the fuzz Ed25519 key; what it returns parses to the same transfers."""
    text = declared.solana_text(body)
    value = declared.solana_value(body)
    transfers = solana.transaction_transfers(text)
    signed = solana.sign_transaction(bytearray(FUZZ_KEY_SEED), text, cluster=cluster)
    again = solana.transaction_transfers(base64.b64encode(signed.transaction).decode())
    assert again == transfers == signed.facts.transfers and value == sum(
        t.value for t in transfers)


def chains_target(data: bytes) -> None:
    """A chain input as the chain signing commands and FinalizePsbt receive it: first byte
    picks the parser, second the Bitcoin network or Solana cluster argument. Every refusal
    must be one of :data:`CHAIN_REFUSALS` naming the input's field."""
    if len(data) < 2:
        return
    kind = CHAIN_PARSERS[data[0] % len(CHAIN_PARSERS)]
    body = data[2:]
    try:
        if kind == "psbt":
            networks = sorted(NETWORKS)
            _psbt(body, networks[data[1] % len(networks)])
        elif kind == "evm-tx":
            _evm_transaction(body)
        elif kind == "evm-typed":
            _evm_typed_data(body)
        else:
            _solana(body, solana.CLUSTERS[data[1] % len(solana.CLUSTERS)])
    except CHAIN_REFUSALS as refusal:
        _names_its_field(refusal)
        raise


# --- key import (BYOK) blobs and the key material they carry ------------------------------

IMPORT_ALGORITHMS: tuple[str, ...] = ALGORITHMS
"""What GetImportParameters accepts (the first byte of a ``key_import`` input picks one)."""

KEY_IMPORT_MODES = ("blob", "kwp", "material")
"""What the second byte of a ``key_import`` input picks: the whole wrapped blob; the
AES-KWP part behind a real RSA-OAEP head; key material the harness wraps itself."""

FUZZ_IMPORT_AES_KEY = hashlib.sha256(b"skms fuzzing import AES key, public on purpose").digest()


@functools.cache
def fuzz_wrapping_key() -> byok.WrappingKey:
    """One import token's RSA-3072 wrapping key, made once per process (as
    GetImportParameters makes it)."""
    return byok.new_wrapping_key()


@functools.cache
def fuzz_oaep_head() -> bytes:
    """RSA-OAEP-SHA256 of :data:`FUZZ_IMPORT_AES_KEY` for the fuzz wrapping key, made
    with ``cryptography`` as a client's tooling makes it."""
    recipient = byok.load_recipient(fuzz_wrapping_key().public_der)
    return recipient.encrypt(FUZZ_IMPORT_AES_KEY, padding.OAEP(
        mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))


def wrap_for_fuzz(material: bytes) -> bytes:
    """A wrapped import blob of ``material`` for the fuzz wrapping key (for seeds)."""
    return fuzz_oaep_head() + keywrap.aes_key_wrap_with_padding(FUZZ_IMPORT_AES_KEY, material)


def _quotes(refusal: SkmsError, secrets: tuple[bytes, ...]) -> bool:
    """Whether the refusal (message, hint, field, and what it was raised from) shows a
    piece of a secret: 8 bytes or more of it, as hex, base64 or text."""
    shown = []
    error: BaseException | None = refusal
    while error is not None:
        shown.append(str(error))
        if isinstance(error, SkmsError):
            shown += [error.hint, error.field or ""]
        error = error.__cause__ or error.__context__
    text = "\n".join(shown).lower()
    for secret in secrets:
        for start in range(0, max(len(secret) - 8, 0) + 1, 8):
            piece = secret[start:start + 8]
            if len(piece) < 8:
                continue
            spellings = (piece.hex(), base64.b64encode(piece).decode().rstrip("=").lower(),
                         repr(piece)[2:-1].lower())
            if any(s in text for s in spellings):
                return True
    return False


KEY_IMPORT_REFUSALS = (InvalidInput, InvalidCiphertext, UnsupportedAlgorithm)
"""Bad blob or material (``field: wrapped``), or an algorithm no blob can import
(``field: algorithm``; GetImportParameters refuses it already)."""


def key_import_target(data: bytes) -> None:
    """ImportKey's path from the wrapped input to the native key: first byte picks the
    token's algorithm (every ListAlgorithms entry), second the mode. The unwrap must give
    back exactly what was wrapped, an imported key must re-export and re-import to the same
    material and public key, and no refusal may quote the blob or the material."""
    if len(data) < 2:
        return
    algorithm = IMPORT_ALGORITHMS[data[0] % len(IMPORT_ALGORITHMS)]
    mode = KEY_IMPORT_MODES[data[1] % len(KEY_IMPORT_MODES)]
    body = data[2:]
    if mode == "material" and not body:
        return  # AES-KWP wraps 1 byte or more: no client can send empty material
    wrapped = {"blob": body, "kwp": fuzz_oaep_head() + body}.get(mode)
    secrets: tuple[bytes, ...] = (body,)
    try:
        if wrapped is None:
            wrapped = wrap_for_fuzz(body)
        material = byok.unwrap(fuzz_wrapping_key().private_der, wrapped)
        assert mode != "material" or bytes(material) == body, "unwrap changed the material"
        secrets = (body, bytes(material))
        native, public_key = byok.to_native(algorithm, material)
        exported = byok.to_export(algorithm, native)
        assert byok.to_native(algorithm, exported) == (native, public_key)
    except KEY_IMPORT_REFUSALS as refusal:
        expected = "algorithm" if isinstance(refusal, UnsupportedAlgorithm) else "wrapped"
        assert refusal.field == expected, f"refusal names {refusal.field!r}"
        assert not _quotes(refusal, secrets), "a refusal quoted the wrapped key material"
        raise


HARNESSES: dict[str, Harness] = {h.name: h for h in (
    Harness("envelope", envelope_target, (VerificationError,), 4096,
            "envelope bodies and event payloads (ledger/envelope.py, ledger/events/codec.py)"),
    Harness("command", command_target, (InvalidInput, Unauthorized), 4096,
            "canonical command JSON (ledger/command.py parse_command)"),
    Harness("httpsig", httpsig_target,
            (httpsig.SignatureFormatError, httpsig.SignatureMismatch), 2048,
            "RFC 9421 Signature-Input/Signature, RFC 9530 Content-Digest "
            "(commands/sdk/httpsig.py)"),
    Harness("checkpoint", checkpoint_target, (NoteError, CheckpointError, InvalidInput), 2048,
            "C2SP signed notes, checkpoints, verifier keys (ledger/merkle/checkpoint.py)"),
    Harness("proofs", proofs_target, (VerificationError, InvalidInput), 8192,
            "skms-proof-v1 documents (ledger/proofs.py verify_proof_document)"),
    Harness("feed", feed_target, (InvalidInput,), 64,
            "the feed's from_seq (commands/service/feed.py parse_from_seq)"),
    Harness("wallet_backup", wallet_backup_target, (InvalidInput,), 8192,
            "wallet share documents (ledger/recipes/wallet_backup.py recover_seed)"),
    Harness("mnemonic", mnemonic_target, (InvalidInput,), 1024,
            "BIP-39 mnemonics and BIP-32 extended keys (ledger/crypto/hd.py)"),
    Harness("http_bodies", http_bodies_target, (pydantic.ValidationError, SkmsError), 8192,
            "REST request bodies of every catalogue entry (commands/service/models.py, the "
            "routes' decoding, catalogue validation)"),
    Harness("zk_proofs", zk_proofs_target, (InvalidInput, InvalidSignature), 65536,
            "range proofs, STARK proofs, snarkjs Groth16 documents, ceremony transcripts, "
            "circuit inputs (commands/zk_reads.py, ledger/crypto/zk/)"),
    Harness("privacy", privacy_target, (InvalidInput, InvalidSignature), 4096,
            "ring signatures and ring members, Schnorr proofs, Paillier public keys and "
            "ciphertexts, RFC 9474 keys, signatures and finalize inputs "
            "(ledger/crypto/privacy)"),
    Harness("chains", chains_target, CHAIN_REFUSALS, 16384,
            "PSBTs, EVM transactions and EIP-712 typed data, Solana wire transactions "
            "(ledger/chains: psbt, signer, finalize, declared, ethereum, solana)"),
    Harness("key_import", key_import_target, KEY_IMPORT_REFUSALS, 16384,
            "BYOK import blobs and the key material inside (ledger/recipes/byok.py unwrap, "
            "to_native)"),
)}
"""Every harness by name; ``tools/fuzz/run.py`` and the corpus replay test use this table."""


def fuzz_verifier_key() -> str:
    """The C2SP verifier key of the fuzz key (for people reading the corpus)."""
    return verifier_key_string(FUZZ_KEY_NAME, fuzz_public_key())
