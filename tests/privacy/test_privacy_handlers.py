"""The privacy services through the ledger (Session -> handler -> aggregate -> event ->
SQLite), the auditor re-checking every chain afterwards: RFC 9474 blind signatures that
verify as plain RSA-PSS with cryptography, Paillier sums of integers encrypted by textbook
arithmetic, RFC 8235 possession proofs re-checked by independent arithmetic, and anonymous
ring approvals counted once per member and proposal."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature as LibraryInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from py_ecc.secp256k1 import secp256k1 as ref_k1

from commands.privacy_reads import (
    blind_message,
    finalize_blind_signature,
    homomorphic_encrypt,
    verify_blind_signature,
    verify_ring_signature,
)
from commands.session import Session
from ledger.audit import Auditor
from ledger.crypto.privacy import paillier, pok, ring
from ledger.domain.approval_group import approval_scope, approval_statement
from ledger.envelope import open_envelope
from ledger.errors import (
    CommandRejected,
    IllegalTransition,
    InvalidInput,
    InvalidSignature,
    MaterialDestroyed,
    Unauthorized,
    UnsupportedAlgorithm,
)
from tests.ledger.conftest import new_session
from tests.privacy import reference as ref
from tests.privacy.test_pok import expected_challenge

VARIANTS = {"RSABSSA-SHA384-PSS-Randomized": 48, "RSABSSA-SHA384-PSSZERO-Randomized": 0,
            "RSABSSA-SHA384-PSS-Deterministic": 48, "RSABSSA-SHA384-PSSZERO-Deterministic": 0}


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    """alice (key-manager), bob (signer), carol (auditor), dave and erin (approvers)."""
    current = new_session(tmp_path / "home")
    current.initialize(name="privacy", checkpoint_every_events=8)
    for name, role in (("alice", "key-manager"), ("bob", "signer"), ("carol", "auditor"),
                       ("dave", "approver"), ("erin", "approver")):
        current.add_actor("admin", name, [role], ["*"])
    yield current
    current.close()


def create(session: Session, algorithm: str) -> str:
    return str(session.act("alice", "CreateKey", "default",
                           {"algorithm": algorithm}).result["key_id"])


def public_key(session: Session, key_id: str, version: int = 1) -> bytes:
    return bytes(session.ledger().key(key_id).versions[version]["public_key"])


def stored(session: Session, chain: str = "default") -> list[tuple[str, dict[str, Any], bytes]]:
    store, _ = session.store()
    out = []
    for raw in store.read(chain):
        envelope = open_envelope(raw)
        out.append((envelope.event_type, envelope.event(), bytes(raw.body)))
    return out


def events(session: Session, event_type: str, chain: str = "default") -> list[dict[str, Any]]:
    return [record for kind, record, _ in stored(session, chain) if kind == event_type]


def audit(session: Session) -> None:
    Auditor(session.store()[0]).verify()


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def actor_id(session: Session, name: str) -> str:
    return str(session.home.identity(name).actor_id)


# --- RFC 9474 blind signatures --------------------------------------------------------------

@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_blind_signature_verifies_as_rsa_pss_with_cryptography(session: Session,
                                                               variant: str) -> None:
    key_id = create(session, f"{variant.lower()}-3072")
    issuer = public_key(session, key_id)
    message = b"one anonymous voting token"
    blinded = blind_message(None, issuer.hex(), variant, message)
    answer = session.run("bob", "BlindSign", key_id=key_id,
                         blinded_message=blinded["blinded_message"]).result
    assert answer["variant"] == variant and answer["key_version"] == 1
    finished = finalize_blind_signature(None, issuer.hex(), variant,
                                        blinded["prepared_message"], answer["blind_signature"],
                                        blinded["inverse"])
    signature = bytes.fromhex(finished["signature"])
    # independent check: pyca/cryptography's own RSASSA-PSS-SHA384 verification
    verifier = serialization.load_der_public_key(issuer)
    assert isinstance(verifier, rsa.RSAPublicKey) and verifier.key_size == 3072
    verifier.verify(signature, blinded["prepared_message"],
                    padding.PSS(mgf=padding.MGF1(hashes.SHA384()),
                                salt_length=VARIANTS[variant]), hashes.SHA384())
    with pytest.raises(LibraryInvalidSignature):
        verifier.verify(signature, blinded["prepared_message"] + b"x",
                        padding.PSS(mgf=padding.MGF1(hashes.SHA384()),
                                    salt_length=VARIANTS[variant]), hashes.SHA384())
    verdict = verify_blind_signature(None, issuer.hex(), variant, blinded["prepared_message"],
                                     finished["signature"])
    assert verdict["key_fingerprint"] == hashlib.sha256(issuer).hexdigest()
    assert blinded["prepared_message"].endswith(message)
    assert len(blinded["prepared_message"]) == len(message) + (
        32 if variant.endswith("Randomized") else 0)
    (issued,) = events(session, "BlindSignatureIssued")
    assert issued["blinded_message_digest"] == sha(blinded["blinded_message"])
    assert issued["blind_signature_digest"] == sha(bytes.fromhex(answer["blind_signature"]))
    assert issued["variant"] == variant and issued["actor_id"] == actor_id(session, "bob")
    for _, _, body in stored(session):  # the issuer never saw the message: neither did the log
        assert message not in body and signature not in body
    assert session.ledger().key(key_id).signature_count == 1
    audit(session)


def test_finalize_refuses_a_wrong_inverse_and_verify_a_changed_message(
        session: Session) -> None:
    variant = "RSABSSA-SHA384-PSS-Randomized"
    key_id = create(session, "rsabssa-sha384-pss-randomized-3072")
    issuer = public_key(session, key_id).hex()
    blinded = blind_message(None, issuer, variant, b"token")
    blind = session.run("bob", "BlindSign", key_id=key_id,
                        blinded_message=blinded["blinded_message"]).result["blind_signature"]
    other = blind_message(None, issuer, variant, b"token")
    with pytest.raises(InvalidSignature):
        finalize_blind_signature(None, issuer, variant, blinded["prepared_message"], blind,
                                 other["inverse"])
    good = finalize_blind_signature(None, issuer, variant, blinded["prepared_message"], blind,
                                    blinded["inverse"])["signature"]
    with pytest.raises(InvalidSignature):
        verify_blind_signature(None, issuer, variant, blinded["prepared_message"][:-1] + b"!",
                               good)
    with pytest.raises(InvalidSignature):  # the other variant's salt length
        verify_blind_signature(None, issuer, "RSABSSA-SHA384-PSSZERO-Randomized",
                               blinded["prepared_message"], good)


def test_blind_sign_refusals(session: Session) -> None:
    key_id = create(session, "rsabssa-sha384-pss-randomized-3072")
    issuer = public_key(session, key_id).hex()
    blinded = blind_message(None, issuer, "RSABSSA-SHA384-PSS-Randomized", b"m")["blinded_message"]
    with pytest.raises(InvalidInput) as short:
        session.run("bob", "BlindSign", key_id=key_id, blinded_message=blinded[1:])
    assert short.value.field == "blinded_message"
    with pytest.raises(InvalidInput) as mismatch:
        session.act("bob", "BlindSign", "default", {"key_id": key_id,
                    "blinded_message_digest": sha(b"other").hex()},
                    inputs={"blinded_message": blinded})
    assert mismatch.value.field == "blinded_message_digest"
    with pytest.raises(Unauthorized):  # a key-manager is not a signer
        session.run("alice", "BlindSign", key_id=key_id, blinded_message=blinded)
    with pytest.raises(UnsupportedAlgorithm):  # a plain signing key is no blind issuer
        session.run("bob", "BlindSign", key_id=create(session, "ed25519"),
                    blinded_message=blinded)
    with pytest.raises(UnsupportedAlgorithm):  # and an issuer key signs nothing else
        session.run("bob", "Sign", key_id=key_id, message=b"plain message")
    session.act("alice", "ChangeKeyPolicy", "default",
                {"key_id": key_id, "max_signatures_per_day": 1})
    session.run("bob", "BlindSign", key_id=key_id, blinded_message=blinded)
    with pytest.raises(IllegalTransition) as limit:
        session.run("bob", "BlindSign", key_id=key_id, blinded_message=blinded)
    assert limit.value.reason_code == "policy-limit"
    assert len(events(session, "BlindSignatureIssued")) == 1
    audit(session)


# --- Paillier -------------------------------------------------------------------------------

def textbook_encrypt(public: paillier.PaillierPublicKey, value: int) -> bytes:
    """Paillier's g^m r^n mod n^2 with g = n + 1, by Python's pow (not the module's code),
    in the module's documented wire format (01 || key id || c)."""
    n, n2 = public.n, public.n * public.n
    r = secrets.randbelow(n - 2) + 2
    c = pow(n + 1, value % n, n2) * pow(r, n, n2) % n2
    return bytes([1]) + public.key_id + c.to_bytes(public.ciphertext_length, "big")


def test_private_sum_of_tenant_counters(session: Session) -> None:
    key_id = create(session, "paillier-3072")
    public = paillier.PaillierPublicKey.from_bytes(public_key(session, key_id))
    counts = {"tenant-a": 1_204, "tenant-b": 87, "tenant-c": 40_311}
    submitted = [textbook_encrypt(public, counts["tenant-a"]),
                 textbook_encrypt(public, counts["tenant-b"]),
                 homomorphic_encrypt(None, public.to_bytes().hex(),
                                     str(counts["tenant-c"]))["ciphertext"]]
    total = session.run("bob", "HomomorphicCombine", key_id=key_id,
                        ciphertexts=submitted).result
    assert total["ciphertext"] not in submitted
    assert total["ciphertext_digest"] == sha(total["ciphertext"]).hex()
    opened = session.run("bob", "HomomorphicDecrypt", key_id=key_id,
                         ciphertext=total["ciphertext"]).result
    assert opened["plaintext"] == str(sum(counts.values()))
    scaled = session.run("bob", "HomomorphicCombine", key_id=key_id, ciphertexts=submitted[:2],
                         multiplier="3", offset="-5000").result
    signed = session.run("bob", "HomomorphicDecrypt", key_id=key_id, signed=True,
                         ciphertext=scaled["ciphertext"]).result
    assert signed["plaintext"] == str(3 * (1_204 + 87) - 5000)
    (first, second) = events(session, "HomomorphicCombined")
    assert first["ciphertext_digests"] == [sha(c) for c in submitted]
    assert first["result_digest"] == sha(total["ciphertext"])
    assert (second["multiplier"], second["offset"]) == ("3", "-5000")
    decrypted = events(session, "HomomorphicDecrypted")
    assert [d["ciphertext_digest"] for d in decrypted] == [sha(total["ciphertext"]),
                                                           sha(scaled["ciphertext"])]
    for _, record, _ in stored(session):  # no plaintext integer in any event
        assert str(sum(counts.values())) not in repr(record)
    audit(session)


def test_paillier_refusals(session: Session) -> None:
    key_id = create(session, "paillier-3072")
    public = paillier.PaillierPublicKey.from_bytes(public_key(session, key_id))
    blob = textbook_encrypt(public, 7)
    other = paillier.generate_keypair(2048).public_key
    with pytest.raises(InvalidInput) as foreign:
        session.run("bob", "HomomorphicDecrypt", key_id=key_id,
                    ciphertext=textbook_encrypt(other, 7))
    assert foreign.value.field == "ciphertext"
    out_of_range = blob[:17] + (public.n * public.n + 1).to_bytes(public.ciphertext_length,
                                                                   "big")
    with pytest.raises(InvalidInput):
        session.run("bob", "HomomorphicCombine", key_id=key_id, ciphertexts=[blob, out_of_range])
    with pytest.raises(InvalidInput) as bad_constant:
        session.run("bob", "HomomorphicCombine", key_id=key_id, ciphertexts=[blob],
                    multiplier="0x10")
    assert bad_constant.value.field == "multiplier"
    with pytest.raises(Unauthorized):
        session.run("alice", "HomomorphicDecrypt", key_id=key_id, ciphertext=blob)
    with pytest.raises(UnsupportedAlgorithm):
        session.run("bob", "HomomorphicDecrypt", key_id=create(session, "aes-256-gcm"),
                    ciphertext=blob)
    session.act("alice", "RotateKey", "default", {"key_id": key_id})
    fresh = textbook_encrypt(paillier.PaillierPublicKey.from_bytes(
        public_key(session, key_id, 2)), 5)
    old = session.run("bob", "HomomorphicDecrypt", key_id=key_id, ciphertext=blob).result
    assert (old["plaintext"], old["key_version"]) == ("7", 1)  # the version it names
    with pytest.raises(InvalidInput):  # two versions cannot be added
        session.run("bob", "HomomorphicCombine", key_id=key_id, ciphertexts=[blob, fresh])
    assert len(events(session, "HomomorphicDecrypted")) == 1
    audit(session)


@pytest.mark.parametrize("algorithm", ["rsabssa-sha384-pss-randomized-3072", "paillier-3072"])
def test_privacy_keys_rotate_and_are_crypto_shredded_like_every_key(session: Session,
                                                                   algorithm: str) -> None:
    """A rotated issuer or Paillier key works under its new version (the old one still
    names its own); once destroyed, neither version works and a log copy's sealed material
    cannot be opened with the KEK."""
    key_id = str(session.act("alice", "CreateKey", "default", {
        "algorithm": algorithm, "destruction_wait_days": 0}).result["key_id"])
    session.act("alice", "RotateKey", "default", {"key_id": key_id})
    key = session.ledger().key(key_id)
    assert key.current_version == 2 and public_key(session, key_id, 2) != public_key(
        session, key_id, 1)

    def use() -> None:
        if algorithm.startswith("rsabssa"):
            variant = "RSABSSA-SHA384-PSS-Randomized"
            issuer = public_key(session, key_id, 2)
            blinded = blind_message(None, issuer.hex(), variant, b"token")
            answer = session.run("bob", "BlindSign", key_id=key_id,
                                 blinded_message=blinded["blinded_message"]).result
            assert answer["key_version"] == 2
            finished = finalize_blind_signature(None, issuer.hex(), variant,
                                                blinded["prepared_message"],
                                                answer["blind_signature"], blinded["inverse"])
            verify_blind_signature(None, issuer.hex(), variant, blinded["prepared_message"],
                                   finished["signature"])
        else:
            for version, value in ((1, 11), (2, 12)):
                blob = textbook_encrypt(paillier.PaillierPublicKey.from_bytes(
                    public_key(session, key_id, version)), value)
                answer = session.run("bob", "HomomorphicDecrypt", key_id=key_id,
                                     ciphertext=blob).result
                assert (answer["plaintext"], answer["key_version"]) == (str(value), version)

    use()
    material = session.ledger().material
    versions = dict(key.versions)
    session.act("alice", "RevokeKey", "default", {"key_id": key_id})
    session.act("alice", "DestroyKey", "default", {"key_id": key_id})
    assert session.ledger().key(key_id).state.value == "destroyed"
    with pytest.raises((IllegalTransition, MaterialDestroyed)):
        use()
    for version, record in versions.items():  # the key-ring entries are gone
        assert material.keyring.get(record["data_key_ref"]) is None, version
    audit(session)


# --- proofs of possession --------------------------------------------------------------------

def test_actor_proves_possession_of_its_identity_key(session: Session) -> None:
    bob = actor_id(session, "bob")
    issued = session.run("carol", "IssuePossessionChallenge", actor_id=bob,
                         purpose="vpn login").result
    assert issued["service"] == f"skms:{session.ledger().ledger_id}"
    challenge = pok.PoKChallenge(issued["service"], "vpn login", bytes.fromhex(issued["nonce"]))
    key = session.home.identity_key("bob", session.kek())
    try:
        proof = pok.prove("ed25519", key, user_id=bob, challenge=challenge)
    finally:
        key[:] = bytes(len(key))
    identity = bytes(session.ledger().actor(bob).public_key)
    # independent check of the equation and RFC 8235's hash layout (naive edwards25519)
    c = expected_challenge("ed25519", ref.encode(ref.BASE), identity, proof, bob, challenge,
                           ref.L)
    a_point = ref.decode(identity)
    assert a_point is not None
    v = ref.add(ref.mul(int.from_bytes(proof.response, "little"), ref.BASE),
                ref.mul(c, a_point))
    assert ref.encode(v) == proof.commitment
    wrong = pok.prove("ed25519", bytearray(32), user_id=bob, challenge=challenge)
    with pytest.raises(InvalidSignature):  # someone else's key
        session.run("carol", "ProvePossession", actor_id=bob,
                    challenge_id=issued["challenge_id"], proof=wrong.to_bytes().hex())
    proven = session.run("carol", "ProvePossession", actor_id=bob,
                         challenge_id=issued["challenge_id"],
                         proof=proof.to_bytes().hex()).result
    assert proven["proof_digest"] == sha(proof.to_bytes()).hex()
    with pytest.raises(IllegalTransition) as replay:  # a challenge is answered once
        session.run("carol", "ProvePossession", actor_id=bob,
                    challenge_id=issued["challenge_id"], proof=proof.to_bytes().hex())
    assert replay.value.reason_code == "unknown-challenge"
    (record,) = events(session, "PossessionProven", "system")
    assert record["proof"] == proof.to_bytes() and record["submitted_by"] == actor_id(
        session, "carol")
    (asked,) = events(session, "PossessionChallengeIssued", "system")
    assert asked["nonce"] == challenge.nonce and asked["actor_id"] == bob
    audit(session)


def test_possession_challenges_expire_and_are_bounded(session: Session) -> None:
    bob = actor_id(session, "bob")
    ledger = session.ledger()
    issued = session.run("carol", "IssuePossessionChallenge", actor_id=bob, purpose="p",
                         ttl_seconds=10).result
    real_clock = ledger.clock
    ledger.clock = lambda: real_clock() + 20_000_000  # within the command skew window
    try:
        with pytest.raises(IllegalTransition) as expired:
            session.run("carol", "ProvePossession", actor_id=bob,
                        challenge_id=issued["challenge_id"], proof="00" * 66)
    finally:
        ledger.clock = real_clock
    assert expired.value.reason_code == "challenge-expired"
    for _ in range(7):
        session.run("carol", "IssuePossessionChallenge", actor_id=bob, purpose="p")
    with pytest.raises(IllegalTransition) as bounded:
        session.run("carol", "IssuePossessionChallenge", actor_id=bob, purpose="p")
    assert bounded.value.reason_code == "too-many-challenges"
    with pytest.raises(InvalidInput) as missing:
        session.run("carol", "ProvePossession", actor_id=bob,
                    challenge_id=issued["challenge_id"])
    assert missing.value.field in ("proof", "challenge_id")
    dave = actor_id(session, "dave")
    opened = session.run("carol", "IssuePossessionChallenge", actor_id=dave, purpose="p",
                         ttl_seconds=600).result
    session.act("admin", "RevokeActor", "system", {"actor_id": dave, "reason": "left"})
    with pytest.raises(IllegalTransition) as revoked:
        session.run("carol", "ProvePossession", actor_id=dave,
                    challenge_id=opened["challenge_id"], proof="00" * 66)
    assert revoked.value.reason_code == "revoked"


@pytest.mark.parametrize("algorithm", ["ed25519", "ecdsa-secp256k1"])
def test_ledger_proves_possession_of_a_managed_key(session: Session, algorithm: str) -> None:
    key_id = create(session, algorithm)
    nonce = secrets.token_bytes(32)
    answer = session.run("bob", "ProveKeyPossession", key_id=key_id, service="auditor.example",
                         purpose="reserve attestation", nonce=nonce.hex()).result
    assert answer["public_key"] == public_key(session, key_id).hex()
    challenge = pok.PoKChallenge("auditor.example", "reserve attestation", nonce)
    proof = pok.SchnorrProof.from_bytes(bytes.fromhex(answer["proof"]))
    pok.verify(answer["suite"], public_key(session, key_id), proof, user_id=key_id,
               challenge=challenge)
    if algorithm == "ecdsa-secp256k1":  # independent arithmetic: py_ecc
        g = b"\x02" + ref_k1.G[0].to_bytes(32, "big")
        c = expected_challenge("secp256k1", g, public_key(session, key_id), proof, key_id,
                               challenge, ref_k1.N)
        x = int.from_bytes(public_key(session, key_id)[1:], "big")
        y_squared = (pow(x, 3, ref_k1.P) + 7) % ref_k1.P
        y = pow(y_squared, (ref_k1.P + 1) // 4, ref_k1.P)
        if y % 2 != public_key(session, key_id)[0] % 2:
            y = ref_k1.P - y
        v = ref_k1.add(ref_k1.multiply(ref_k1.G, int.from_bytes(proof.response, "big")),
                       ref_k1.multiply((x, y), c))
        assert bytes([2 + v[1] % 2]) + v[0].to_bytes(32, "big") == proof.commitment
    with pytest.raises(InvalidSignature):
        pok.verify(answer["suite"], public_key(session, key_id), proof, user_id=key_id,
                   challenge=pok.PoKChallenge("auditor.example", "reserve attestation",
                                              bytes(32)))
    (record,) = events(session, "KeyPossessionProven")
    assert record["proof_digest"] == sha(proof.to_bytes())
    with pytest.raises(UnsupportedAlgorithm):
        session.run("bob", "ProveKeyPossession", key_id=create(session, "ecdsa-p256"),
                    service="s", purpose="p", nonce=nonce.hex())
    audit(session)


# --- anonymous ring approvals ---------------------------------------------------------------

def ring_signature(session: Session, member: str, group_id: str, proposal: str,
                   message: bytes) -> str:
    group = session.ledger().group(group_id)
    key = session.home.identity_key(member, session.kek())
    try:
        return ring.sign(group.ring, group.members.index(actor_id(session, member)), key,
                         approval_statement(group_id, proposal, sha(message)),
                         scope=approval_scope(group_id, proposal)).to_bytes().hex()
    finally:
        key[:] = bytes(len(key))


def test_anonymous_approvals_are_counted_once_per_member(session: Session) -> None:
    members = [actor_id(session, n) for n in ("bob", "dave", "erin")]
    group = session.run("alice", "CreateApprovalGroup", members=members, quorum=2,
                        label="change board").result
    group_id = group["group_id"]
    assert group["ring"] == [bytes(session.ledger().actor(m).public_key).hex() for m in members]
    message = b"deploy release 7.2 to production"
    first = ring_signature(session, "dave", group_id, "CR-1042", message)
    counted = session.run("carol", "RingApprove", group_id=group_id, proposal="CR-1042",
                          message=message, signature=first).result
    assert (counted["approvals"], counted["approved"]) == (1, False)
    again = ring_signature(session, "dave", group_id, "CR-1042", message)
    assert again != first  # a fresh signature, the same key image
    with pytest.raises(IllegalTransition) as twice:
        session.run("carol", "RingApprove", group_id=group_id, proposal="CR-1042",
                    message=message, signature=again)
    assert twice.value.reason_code == "key-image-reused"
    with pytest.raises(CommandRejected) as own:  # a member's own submission would name it
        session.run("erin", "RingApprove", group_id=group_id, proposal="CR-1042",
                    message=message,
                    signature=ring_signature(session, "erin", group_id, "CR-1042", message))
    assert own.value.reason_code == "submitter-in-ring"
    with pytest.raises(InvalidSignature):  # signed for another proposal
        session.run("carol", "RingApprove", group_id=group_id, proposal="CR-1042",
                    message=message,
                    signature=ring_signature(session, "bob", group_id, "CR-9", message))
    done = session.run("carol", "RingApprove", group_id=group_id, proposal="CR-1042",
                       message=message,
                       signature=ring_signature(session, "bob", group_id, "CR-1042",
                                                message)).result
    assert (done["approvals"], done["approved"]) == (2, True)
    verdict = verify_ring_signature(None, group["ring"], "CR-1042", message, first,
                                    group_id=group_id)
    assert verdict["key_image"] == counted["key_image"]
    recorded = events(session, "RingApprovalRecorded")
    assert [r["approvals"] for r in recorded] == [1, 2]
    for record in recorded:  # neither event names a member
        assert not {m for m in members if m in repr(record)}
        ring.verify([bytes.fromhex(k) for k in group["ring"]],
                    approval_statement(group_id, "CR-1042", sha(message)),
                    record["signature"], scope=approval_scope(group_id, "CR-1042"))
    shown = session.ledger().group(group_id)
    assert shown.approvals("CR-1042") == 2
    audit(session)


def test_approval_group_refusals(session: Session) -> None:
    bob, dave = actor_id(session, "bob"), actor_id(session, "dave")
    with pytest.raises(InvalidInput) as quorum:
        session.run("alice", "CreateApprovalGroup", members=[bob, dave], quorum=3)
    assert quorum.value.field == "quorum"
    with pytest.raises(InvalidInput):
        session.run("alice", "CreateApprovalGroup", members=[bob, bob], quorum=1)
    with pytest.raises(Unauthorized):
        session.run("bob", "CreateApprovalGroup", members=[bob, dave], quorum=1)
    group_id = session.run("alice", "CreateApprovalGroup", members=[bob, dave],
                           quorum=1).result["group_id"]
    signature = ring_signature(session, "bob", group_id, "p", b"m")
    with pytest.raises(InvalidInput):  # the message is not the one signed for
        session.act("carol", "RingApprove", "default",
                    {"group_id": group_id, "proposal": "p", "signature": signature,
                     "message_digest": sha(b"other").hex()}, inputs={"message": b"m"})
    flipped = bytearray(bytes.fromhex(signature))
    flipped[-1] ^= 1
    with pytest.raises((InvalidSignature, InvalidInput)):
        session.run("carol", "RingApprove", group_id=group_id, proposal="p", message=b"m",
                    signature=bytes(flipped).hex())
    assert not events(session, "RingApprovalRecorded")


def test_paillier_decryption_can_require_an_approval_quorum(session: Session) -> None:
    key_id = create(session, "paillier-3072")
    public = paillier.PaillierPublicKey.from_bytes(public_key(session, key_id))
    total = textbook_encrypt(public, 41_602)
    session.run("admin", "SetApprovalPolicy", command="HomomorphicDecrypt", approvals=2,
                key_id=key_id)
    held = session.run("bob", "HomomorphicDecrypt", key_id=key_id, ciphertext=total)
    assert held.status == "pending" and "plaintext" not in (held.result or {})
    assert not events(session, "HomomorphicDecrypted")
    session.run("dave", "ApproveRequest", approval_id=held.approval_id)
    early = session.run("bob", "HomomorphicDecrypt", key_id=key_id, ciphertext=total)
    assert early.status == "pending"  # one approval of two: still held
    session.run("erin", "ApproveRequest", approval_id=held.approval_id)
    opened = session.run("bob", "HomomorphicDecrypt", key_id=key_id, ciphertext=total)
    assert opened.status == "done" and opened.result["plaintext"] == "41602"
    (decrypted,) = events(session, "HomomorphicDecrypted")
    assert decrypted["ciphertext_digest"] == sha(total)
    audit(session)
