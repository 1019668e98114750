"""No mnemonic, seed, share or passphrase ever reaches the log, the key-ring or an error.

One ledger goes through every wallet command (refusals included); then every stored
envelope body, and every file of the home, is searched for each secret in raw, hex,
base64 and text forms, and for every three-word window of each mnemonic (single words are
too common: "coin" is a BIP-39 word and a substring of "bitcoin").
"""

from __future__ import annotations

import base64
import unicodedata
from pathlib import Path

import pytest

from commands.session import Session
from ledger.crypto import hd
from ledger.errors import SkmsError
from tests.wallets.ledger_fixture import VECTOR_MNEMONIC


def _byte_forms(secret: bytes) -> list[bytes]:
    hexed = secret.hex()
    forms = [secret, hexed.encode(), hexed.upper().encode(), base64.b64encode(secret)]
    forms += [hexed[i:i + 16].encode() for i in range(0, len(hexed) - 15, 8)]
    if len(secret) >= 8:
        forms += [secret[i:i + 8] for i in range(0, len(secret) - 7, 4)]
    return forms


def _text_forms(text: str) -> list[bytes]:
    forms = []
    for normal in ("NFKD", "NFC"):
        words = unicodedata.normalize(normal, text).split()
        forms.append(" ".join(words).encode())
        forms += [" ".join(words[i:i + 3]).encode() for i in range(len(words) - 2)]
    return forms


def _assert_absent(blob: bytes, needles: list[bytes], where: str) -> None:
    for needle in needles:
        assert needle not in blob, f"secret material found in {where}"


def test_no_secret_in_any_stored_byte(session: Session, tmp_path: Path) -> None:
    secrets: list[bytes] = []
    errors: list[SkmsError] = []

    def attempt(action: object) -> None:
        try:
            action()  # type: ignore[operator]
        except SkmsError as error:
            errors.append(error)

    created = session.create_wallet("alice", word_count=24, passphrase="pass phrase 42",
                                    purposes=["44", "84", "86", "slip10"],
                                    curves=["secp256k1", "ed25519"]).result
    created_mnemonic = hd.parse_mnemonic(created["mnemonic"])
    secrets += _text_forms(created["mnemonic"])
    secrets += _byte_forms(bytes(hd.seed_from_mnemonic(created_mnemonic, "pass phrase 42")))
    secrets += _byte_forms(bytes(hd.mnemonic_entropy(created_mnemonic)))
    secrets += [b"pass phrase 42"]
    imported = session.import_wallet("alice", VECTOR_MNEMONIC, allow_weak=True).result
    vector = hd.parse_mnemonic(VECTOR_MNEMONIC)
    secrets += _byte_forms(bytes(hd.seed_from_mnemonic(vector)))
    for wallet_id in (created["wallet_id"], imported["wallet_id"]):
        for purpose in ("44", "84", "86"):
            session.derive_address("bob", wallet_id, purpose=purpose)
        session.export_xpub("alice", wallet_id)
        for scheme in ("feldman", "slip39"):
            backup = session.backup_wallet("alice", wallet_id, threshold=2,
                                           custodians=["ann", "ben", "cy"],
                                           scheme=scheme).result
            for document in backup["documents"]:
                if scheme == "feldman":
                    secrets += _byte_forms(bytes.fromhex(document["share"]))
                else:
                    secrets += _text_forms(document["mnemonic"])
            broken = dict(backup["documents"][0])
            if scheme == "feldman":
                broken["share"] = "00" * 31 + "01"
            else:
                words = broken["mnemonic"].split()
                broken["mnemonic"] = " ".join([*words[:-1], words[0]])
            attempt(lambda b=broken, d=backup["documents"]: session.recover_wallet(
                "alice", [b, d[1]]))
            session.recover_wallet("alice", backup["documents"][1:])
    session.derive_address("bob", created["wallet_id"], purpose="slip10", curve="ed25519")
    attempt(lambda: session.import_wallet("alice", created["mnemonic"],
                                          passphrase="pass phrase 42"))
    attempt(lambda: session.import_wallet("alice", VECTOR_MNEMONIC))
    attempt(lambda: session.create_wallet("carol"))
    assert len(errors) == 7

    store, _ = session.store()
    bodies = [(chain, envelope.seq, envelope.body)
              for chain in store.chains() for envelope in store.read(chain)]
    assert len(bodies) > 30
    # Positive control: the scan sees real bytes (the vector's first address is public).
    assert any(b"bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu" in body for _, _, body in bodies)
    for chain, seq, body in bodies:
        _assert_absent(body, secrets, f"envelope {chain}/{seq}")
    files = [p for p in session.home.path.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".db") for p in files)
    for path in files:
        _assert_absent(path.read_bytes(), secrets, str(path))
    for error in errors:
        text = f"{error.diagnostics()} {error!r} {error.args!r}".encode()
        _assert_absent(text, secrets, f"error {type(error).__name__}")


def test_results_repr_and_sealed_forms_hide_secrets() -> None:
    mnemonic = hd.new_mnemonic(12)
    assert mnemonic.text not in repr(mnemonic)
    node = hd.derive_node(bytes(32), "secp256k1", "m/0")
    assert node.private_key.hex() not in repr(node)


@pytest.mark.parametrize("language", ["english", "korean", "czech"])
def test_parse_errors_never_echo_words(language: str) -> None:
    # The drawn words must not occur in the error's fixed text: a short word such as "put"
    # is part of "InvalidInput" and would fail the check below without anything echoed.
    fixed = f"word(s) at position 2 are not in the {language} wordlist"
    while True:
        words = hd.new_mnemonic(12, language).text.split()
        words[0], words[1] = words[1], words[0] + "x"
        if not any(word in f"mnemonic: {fixed} InvalidInput" for word in words):
            break
    with pytest.raises(SkmsError) as info:
        hd.parse_mnemonic(" ".join(words), language)
    assert info.value.message == fixed
    rendered = f"{info.value.diagnostics()} {info.value!r}"
    for word in words:
        assert word not in rendered
    assert info.value.__context__ is None
