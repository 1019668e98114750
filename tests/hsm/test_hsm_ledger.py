"""The HSM in the product, on a real SoftHSM2 token, through the ``skms`` CLI.

* ``skms init --kek pkcs11``: the KEK is a non-extractable AES key on the token, data keys
  are wrapped there; no passphrase is needed (or used), the PIN comes from the PIN file.
* ``skms key create --backend pkcs11``: the key is generated on the token; its events record
  the token, the object and the attributes proving it cannot leave; signatures are made by
  the token and verify with ``cryptography`` (independent of python-pkcs11 and SoftHSM);
  ``key show`` says where it lives; rotation stays on the token; destruction removes the
  objects from the token; the auditor accepts all of it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import pkcs11
import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature
from pkcs11 import Attribute, ObjectClass

from commands.cli.main import cli
from ledger.crypto.ecdsa_p256 import P256_ORDER
from ledger.crypto.ecdsa_p384 import P384_ORDER
from ledger.domain.key import DEFAULT_POLICY, Key
from ledger.envelope import open_envelope
from ledger.errors import IllegalTransition
from ledger.home import Home
from ledger.hsm.token import open_token
from ledger.stores.url import open_store
from tests.hsm.conftest import SoftToken

PASS = "hsm ledger passphrase"


def invoke(home: Path, *args: str, code: int = 0, passphrase: str | None = None,
           env: dict[str, str | None] | None = None) -> Result:
    environment: dict[str, str | None] = {"SKMS_PASSPHRASE": passphrase,
                                          "SKMS_PKCS11_PIN_FILE": None, **(env or {})}
    result = CliRunner().invoke(cli, ["--home", str(home), *args], env=environment,
                                catch_exceptions=False)
    assert result.exit_code == code, (args, result.output)
    return result


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)


def hsm_options(token: SoftToken) -> tuple[str, ...]:
    return ("--pkcs11-module", token.module, "--token-label", token.label,
            "--pin-file", str(token.pin_file))


def hsm_home(tmp_path: Path, token: SoftToken) -> Path:
    """A home whose KEK is on the token, with a key manager and a signer."""
    home = tmp_path / "home"
    invoke(home, "init", "--kek", "pkcs11", *hsm_options(token))
    invoke(home, "actor", "add", "km", "--role", "key-manager")
    invoke(home, "actor", "add", "app", "--role", "signer")
    return home


def logged(home: Path, event_type: str) -> list[dict[str, Any]]:
    store, keyring = Home(home).open_store()
    try:
        return [open_envelope(stored).event() for chain in store.chains()
                for stored in store.read(chain) if stored.event_type == event_type]
    finally:
        store.close()
        keyring.close()


def token_objects(token: SoftToken, object_class: ObjectClass) -> list[Any]:
    pin = token.pin()
    with open_token(token.module, token.label, pin) as session:
        return session.call("listing", lambda s: [
            (bytes(o[Attribute.ID]), o[Attribute.LABEL])
            for o in s.get_objects({Attribute.CLASS: object_class})])


def sign(home: Path, key_id: str, message: bytes, tmp_path: Path) -> bytes:
    path = tmp_path / "message.bin"
    path.write_bytes(message)
    signed = as_json(invoke(home, "--as", "app", "sign", key_id, "--input", str(path),
                            "--json"))
    return bytes.fromhex(signed["signature"])


# --- the KEK on the token ------------------------------------------------------------------


def test_init_with_the_kek_on_the_token_needs_no_passphrase(tmp_path: Path,
                                                            token: SoftToken) -> None:
    home = hsm_home(tmp_path, token)
    config = json.loads((home / "config.json").read_text())
    assert config["kek"]["provider"] == "pkcs11"
    assert config["kek"]["token_serial"] == config["pkcs11"]["token_serial"]
    assert config["pkcs11"]["pin_file"] == str(token.pin_file)
    assert token.pin_file.read_text() not in (home / "config.json").read_text()
    genesis = logged(home, "LedgerInitialized")[0]
    assert genesis["kek_provider"].startswith("pkcs11-aes-kwp:skms-test/")
    # The KEK is a secret key on the token, not extractable.
    secret_keys = token_objects(token, ObjectClass.SECRET_KEY)
    assert [label for _, label in secret_keys] == [config["kek"]["key_label"]]
    # A software key sealed under the token's KEK works across processes (fresh sessions).
    key_id = as_json(invoke(home, "--as", "km", "key", "create", "--algorithm", "ed25519",
                            "--json"))["key_id"]
    signature = sign(home, key_id, b"under the HSM KEK", tmp_path)
    public = bytes.fromhex(as_json(invoke(home, "key", "show", key_id, "--json"))["public_key"])
    Ed25519PublicKey.from_public_bytes(public).verify(signature, b"under the HSM KEK")
    assert "OK:" in invoke(home, "audit", "verify", "--quiet").stdout


def test_the_wrapped_data_keys_open_only_on_the_token(tmp_path: Path, token: SoftToken) -> None:
    home = hsm_home(tmp_path, token)
    invoke(home, "--as", "km", "key", "create", "--algorithm", "aes-256-gcm")
    store, keyring = open_store("sqlite:///ledger.db", base=home)
    blobs = [keyring.get(ref) for ref in keyring.refs()]
    store.close()
    keyring.close()
    # sealing version 1, KWP format 1, RFC 5649 of 32-byte data key + 32-byte binding.
    assert len(blobs) == 1 and blobs[0] is not None
    assert blobs[0][:2] == b"\x01\x01" and len(blobs[0]) == 2 + 64 + 8
    # A passphrase KEK cannot open what the token wrapped (the KEK never left the token).
    config = json.loads((home / "config.json").read_text())
    wrapped = bytes.fromhex(config["kek"]["check"])
    assert wrapped[0] == 0x01 and len(wrapped) == 1 + 32 + 32 + 8


def test_a_wrong_pin_file_is_refused_without_the_pin(tmp_path: Path, token: SoftToken) -> None:
    home = hsm_home(tmp_path, token)
    wrong = tmp_path / "wrong.pin"
    wrong.write_text("0000")
    wrong.chmod(0o600)
    refused = invoke(home, "--as", "km", "key", "create", "--algorithm", "ed25519", code=2,
                     env={"SKMS_PKCS11_PIN_FILE": str(wrong)})
    assert "wrong PIN" in refused.stderr and "0000" not in refused.output
    loose = tmp_path / "loose.pin"
    loose.write_bytes(token.pin_file.read_bytes())
    loose.chmod(0o644)
    refused = invoke(home, "--as", "km", "key", "create", "--algorithm", "ed25519", code=2,
                     env={"SKMS_PKCS11_PIN_FILE": str(loose)})
    assert "chmod 600" in refused.stderr


def test_init_refuses_half_an_hsm_and_a_wrong_label(tmp_path: Path, token: SoftToken) -> None:
    half = invoke(tmp_path / "a", "init", "--kek", "pkcs11", "--pkcs11-module", token.module,
                  code=2)
    assert "--token-label" in half.stderr
    none = invoke(tmp_path / "b", "init", "--kek", "pkcs11", code=2)
    assert "--pkcs11-module" in none.stderr
    other = invoke(tmp_path / "c", "init", "--kek", "pkcs11", "--pkcs11-module", token.module,
                   "--token-label", "no-such-token", "--pin-file", str(token.pin_file), code=2)
    assert "no-such-token" in other.stderr
    for name in ("a", "b", "c"):
        assert not (tmp_path / name / "config.json").exists()


# --- keys on the token ---------------------------------------------------------------------


@pytest.mark.parametrize(("algorithm", "curve", "digest", "order"), [
    ("ecdsa-p256", ec.SECP256R1(), hashes.SHA256(), P256_ORDER),
    ("ecdsa-p384", ec.SECP384R1(), hashes.SHA384(), P384_ORDER),
])
def test_an_ecdsa_key_on_the_token_signs_there(tmp_path: Path, token: SoftToken, algorithm: str,
                                               curve: ec.EllipticCurve,
                                               digest: hashes.HashAlgorithm,
                                               order: int) -> None:
    home = hsm_home(tmp_path, token)
    created = as_json(invoke(home, "--as", "km", "key", "create", "--algorithm", algorithm,
                             "--backend", "pkcs11", "--json"))
    key_id = created["key_id"]
    shown = as_json(invoke(home, "key", "show", key_id, "--json"))
    assert shown["backend"] == "pkcs11"
    location = shown["location"]
    assert location["token_label"] == token.label and location["mechanism"] == "CKM_ECDSA"
    assert location["attributes"] == {
        "extractable": False, "sensitive": True, "never_extractable": True,
        "always_sensitive": True, "local": True, "login_required": True, "token": True,
        "modifiable": False}
    object_id = bytes.fromhex(location["object_id"])
    assert (object_id, location["object_label"]) in token_objects(token,
                                                                  ObjectClass.PRIVATE_KEY)
    # The log: no sealed material, no data key; the token's record beside it.
    generated = next(e for e in logged(home, "KeyGenerated") if e["key_id"] == key_id)
    assert generated["sealed_material"] == b"" and generated["data_key_ref"] == ""
    held = logged(home, "KeyHeldOnToken")[0]
    assert held["key_id"] == key_id and held["object_id"] == object_id
    assert held["token_serial"] == json.loads((home / "config.json").read_text())[
        "pkcs11"]["token_serial"]
    # Signatures from the token, in the software scheme's form, checked by pyca.
    public = ec.EllipticCurvePublicKey.from_encoded_point(
        curve, bytes.fromhex(shown["public_key"]))
    for message in (b"first", b"second" * 1000):
        signature = sign(home, key_id, message, tmp_path)
        public.verify(signature, message, ec.ECDSA(digest))
        assert decode_dss_signature(signature)[1] <= order // 2  # low-S
    assert "OK:" in invoke(home, "audit", "verify", "--quiet").stdout


def test_an_ed25519_key_on_the_token_with_a_passphrase_kek(tmp_path: Path,
                                                          token: SoftToken) -> None:
    home = tmp_path / "home"
    invoke(home, "init", *hsm_options(token), passphrase=PASS)
    assert "provider" not in json.loads((home / "config.json").read_text())["kek"]
    invoke(home, "actor", "add", "km", "--role", "key-manager", passphrase=PASS)
    invoke(home, "actor", "add", "app", "--role", "signer", passphrase=PASS)
    key_id = as_json(invoke(home, "--as", "km", "key", "create", "--algorithm", "ed25519",
                            "--backend", "pkcs11", "--json", passphrase=PASS))["key_id"]
    path = tmp_path / "m"
    path.write_bytes(b"pure eddsa on the token")
    signature = bytes.fromhex(as_json(invoke(
        home, "--as", "app", "sign", key_id, "--input", str(path), "--json",
        passphrase=PASS))["signature"])
    public = bytes.fromhex(as_json(invoke(home, "key", "show", key_id, "--json"))["public_key"])
    Ed25519PublicKey.from_public_bytes(public).verify(signature, b"pure eddsa on the token")
    verified = as_json(invoke(home, "verify", key_id, "--input", str(path), "--signature",
                              signature.hex(), "--json"))
    assert verified["valid"] is True


def test_rotation_stays_on_the_token_and_destruction_removes_the_objects(
        tmp_path: Path, token: SoftToken) -> None:
    home = hsm_home(tmp_path, token)
    key_id = as_json(invoke(home, "--as", "km", "key", "create", "--algorithm", "ecdsa-p256",
                            "--backend", "pkcs11", "--destruction-wait-days", "0",
                            "--json"))["key_id"]
    first = sign(home, key_id, b"v1", tmp_path)
    invoke(home, "--as", "km", "key", "rotate", key_id)
    shown = as_json(invoke(home, "key", "show", key_id, "--json"))
    assert shown["current_version"] == 2 and shown["backend"] == "pkcs11"
    held = logged(home, "KeyHeldOnToken")
    assert [e["version"] for e in held] == [1, 2]
    assert len({e["object_id"] for e in held}) == 2
    second = sign(home, key_id, b"v2", tmp_path)
    assert first != second
    assert len(token_objects(token, ObjectClass.PRIVATE_KEY)) == 2
    invoke(home, "--as", "km", "key", "revoke", key_id)
    invoke(home, "--as", "km", "key", "destroy", key_id)
    assert as_json(invoke(home, "key", "show", key_id, "--json"))["state"] == "destroyed"
    assert token_objects(token, ObjectClass.PRIVATE_KEY) == []
    assert token_objects(token, ObjectClass.PUBLIC_KEY) == []
    assert logged(home, "KeyDestroyed")[0]["shredded_refs"] == []
    assert "OK:" in invoke(home, "audit", "verify", "--quiet").stdout


def test_token_keys_refuse_what_a_token_key_cannot_be(tmp_path: Path, token: SoftToken) -> None:
    home = hsm_home(tmp_path, token)
    rsa = invoke(home, "--as", "km", "key", "create", "--algorithm", "rsa-pss-3072",
                 "--backend", "pkcs11", code=2)
    assert "algorithm" in rsa.stderr and "ecdsa-p256" in rsa.stderr
    usage = invoke(home, "--as", "km", "key", "create", "--algorithm", "ecdsa-p256",
                   "--backend", "pkcs11", "--usage", "derive", code=2)
    assert "usage" in usage.stderr
    assert token_objects(token, ObjectClass.PRIVATE_KEY) == []


def test_a_home_without_an_hsm_says_so(tmp_path: Path) -> None:
    home = tmp_path / "plain"
    invoke(home, "init", passphrase=PASS)
    invoke(home, "actor", "add", "km", "--role", "key-manager", passphrase=PASS)
    refused = invoke(home, "--as", "km", "key", "create", "--algorithm", "ecdsa-p256",
                     "--backend", "pkcs11", code=2, passphrase=PASS)
    assert "no HSM" in refused.stderr and "--pkcs11-module" in refused.stderr
    software = as_json(invoke(home, "--as", "km", "key", "create", "--algorithm", "ecdsa-p256",
                              "--json", passphrase=PASS))
    shown = as_json(invoke(home, "key", "show", software["key_id"], "--json"))
    assert shown["backend"] == "software" and shown["location"] is None


def test_the_projection_lists_token_objects(tmp_path: Path, token: SoftToken) -> None:
    home = hsm_home(tmp_path, token)
    key_id = as_json(invoke(home, "--as", "km", "key", "create", "--algorithm", "ecdsa-p256",
                            "--backend", "pkcs11", "--json"))["key_id"]
    invoke(home, "projections", "update")
    rows = as_json(invoke(home, "query", "SELECT key_id, version, token_label, mechanism, "
                          "non_extractable FROM key_token_objects", "--json"))["rows"]
    assert rows == [{"key_id": key_id, "version": 1, "token_label": token.label,
                     "mechanism": "CKM_ECDSA", "non_extractable": True}]


def test_the_message_digest_is_what_the_token_signed(tmp_path: Path, token: SoftToken) -> None:
    """ECDSA hashes outside (SoftHSM has no CKM_ECDSA_SHA256): the signature must verify as
    a signature over SHA-256(message), prehashed, too."""
    home = hsm_home(tmp_path, token)
    created = as_json(invoke(home, "--as", "km", "key", "create", "--algorithm", "ecdsa-p256",
                             "--backend", "pkcs11", "--json"))
    signature = sign(home, created["key_id"], b"prehashed", tmp_path)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), bytes.fromhex(
        as_json(invoke(home, "key", "show", created["key_id"], "--json"))["public_key"]))
    public.verify(signature, hashlib.sha256(b"prehashed").digest(),
                  ec.ECDSA(Prehashed(hashes.SHA256())))
    with open_token(token.module, token.label, token.pin()) as session:
        assert int(pkcs11.Mechanism.ECDSA) in session.mechanisms
        assert int(pkcs11.Mechanism.ECDSA_SHA256) not in session.mechanisms


# --- what the log may say about a token key (the auditor's fold applies the same event) ----


def _token_fields(**attributes: bool) -> dict[str, Any]:
    proof = {"extractable": False, "sensitive": True, "never_extractable": True,
             "always_sensitive": True, "local": True, "login_required": True, "token": True,
             "modifiable": False}
    return {"backend": "pkcs11", "token_label": "t", "token_serial": "1",
            "token_manufacturer": "m", "token_model": "x", "object_id": bytes(16),
            "object_label": "l", "mechanism": "CKM_ECDSA",
            "attributes": {**proof, **attributes}}


def _new_key(sealed: bytes) -> Key:
    return Key.create(Key.Generated, aggregate_id=uuid.uuid4(), at=1, key_id="k", domain="d",
                      label=None, algorithm="ecdsa-p256", usage=["sign", "verify"], version=1,
                      public_key=b"\x02" + bytes(32), sealed_material=sealed,
                      data_key_ref="k/v1" if sealed else "", policy=dict(DEFAULT_POLICY))


@pytest.mark.parametrize("attribute", ["extractable", "sensitive", "never_extractable",
                                       "always_sensitive", "local", "token"])
def test_a_token_key_whose_attributes_prove_nothing_is_refused(attribute: str) -> None:
    wrong = {attribute: attribute == "extractable"}
    with pytest.raises(IllegalTransition, match=attribute):
        _new_key(b"").hold_on_token(1, _token_fields(**wrong), at=2)
    key = _new_key(b"")
    key.hold_on_token(1, _token_fields(), at=2)
    assert key.held_on_token()


def test_a_sealed_version_cannot_claim_to_be_on_a_token() -> None:
    with pytest.raises(IllegalTransition, match="sealed by the ledger"):
        _new_key(b"sealed").hold_on_token(1, _token_fields(), at=2)


def test_a_backup_of_every_key_leaves_token_keys_to_the_token(tmp_path: Path,
                                                              token: SoftToken) -> None:
    """Token-resident keys have no data key to back up (the token never lets them out):
    ``--all`` and ``--whole-ledger`` back up everything else; naming one is refused."""
    from ledger.recipes import custody_keys

    home = tmp_path / "home"
    invoke(home, "init", *hsm_options(token), passphrase=PASS)
    invoke(home, "actor", "add", "km", "--role", "key-manager", passphrase=PASS)
    on_token = as_json(invoke(home, "--as", "km", "key", "create", "--algorithm",
                              "ecdsa-p256", "--backend", "pkcs11", "--json",
                              passphrase=PASS))["key_id"]
    software = as_json(invoke(home, "--as", "km", "key", "create", "--algorithm", "ed25519",
                              "--json", passphrase=PASS))["key_id"]
    custodians = tmp_path / "custodians.json"
    custodians.write_text(json.dumps([custody_keys.generate("ann")[0]]))
    made = as_json(invoke(home, "backup", "create", "--all", "--whole-ledger", "--custodians",
                          str(custodians), "--threshold", "1", "--json", passphrase=PASS))
    assert (made["key_count"], made["version_count"]) == (1, 1)
    (created,) = logged(home, "BackupCreated")
    assert [k["key_id"] for k in created["keys"]] == [software]
    refused = invoke(home, "backup", "create", "--key", on_token, "--custodians",
                     str(custodians), "--threshold", "1", code=2, passphrase=PASS)
    assert "--keys: " in refused.output and "lives on the HSM token" in refused.output
