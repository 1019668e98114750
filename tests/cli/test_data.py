"""The data commands' CLI contract, through click's runner (JSON read from stdout)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from commands.cli.main import cli

PASS = "symmetric cli passphrase"


def invoke(home: Path, args: tuple[str, ...], code: int) -> Any:
    result = CliRunner().invoke(cli, ["--home", str(home), *args],
                                env={"SKMS_PASSPHRASE": PASS}, catch_exceptions=False)
    assert result.exit_code == code, (args, result.output)
    return result


def run(home: Path, *args: str, code: int = 0) -> str:
    return str(invoke(home, args, code).output)


def run_json(home: Path, *args: str, code: int = 0) -> Any:
    return json.loads(invoke(home, (*args, "--json"), code).stdout)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("symmetric-cli") / "home"
    run(folder, "init", "--name", "cli", "--checkpoint-every", "8")
    run(folder, "actor", "add", "km", "--role", "key-manager")
    run(folder, "actor", "add", "app", "--role", "signer")
    run(folder, "actor", "add", "aud", "--role", "auditor")
    return folder


def create(home: Path, algorithm: str) -> str:
    created = run_json(home, "--as", "km", "key", "create", "--algorithm", algorithm)
    return str(created["key_id"])


@pytest.mark.parametrize("algorithm", ["aes-256-gcm", "mlkem768-x25519"])
def test_encrypt_decrypt_files(home: Path, tmp_path: Path, algorithm: str) -> None:
    key_id = create(home, algorithm)
    source = tmp_path / "report.csv"
    source.write_bytes(b"name,amount\nalice,100\n")
    sealed = tmp_path / "report.enc"
    result = run_json(home, "--as", "app", "encrypt", key_id, "--input", str(source),
                      "--aad", "report:2026", "--output", str(sealed))
    assert result["key_version"] == 1 and result["size"] == sealed.stat().st_size
    assert "ciphertext" not in result and sealed.read_bytes() != source.read_bytes()
    assert sealed.stat().st_mode & 0o777 == 0o600
    restored = tmp_path / "report.out"
    run(home, "--as", "app", "decrypt", key_id, "--input", str(sealed), "--aad", "report:2026",
        "--output", str(restored))
    assert restored.read_bytes() == source.read_bytes()
    # Text mode writes the plaintext itself to stdout; hex and base64 ciphertexts are
    # accepted too (the JSON form of a ciphertext is base64, as REST sends it).
    hex_file = tmp_path / "report.hex"
    hex_file.write_text(sealed.read_bytes().hex())
    shown = run(home, "--as", "app", "decrypt", key_id, "--input", str(hex_file),
                "--input-encoding", "hex", "--aad", "report:2026")
    assert shown.encode() == source.read_bytes()
    printed = tmp_path / "report.b64"
    printed.write_text(run(home, "--as", "app", "encrypt", key_id, "--input", str(source),
                           "--aad", "report:2026"))
    again = run_json(home, "--as", "app", "decrypt", key_id, "--input", str(printed),
                     "--input-encoding", "base64", "--aad", "report:2026")
    assert base64.b64decode(again["plaintext"]) == source.read_bytes()
    refused = run_json(home, "--as", "app", "decrypt", key_id, "--input", str(sealed),
                       "--aad", "wrong", code=1)
    assert refused["error"] == "AuthenticationFailed"
    assert refused["reason_code"] == "authentication-failed"
    assert refused["recorded_seq"] is not None


def test_datakey_and_unwrap_then_use_locally(home: Path, tmp_path: Path) -> None:
    key_id = create(home, "aes-256-gcm")
    issued = run_json(home, "--as", "app", "datakey", key_id, "--aad", "bucket/a")
    clear = bytes.fromhex(issued["plaintext_key"])
    wrapped = tmp_path / "wrapped.hex"
    wrapped.write_text(issued["wrapped_key"])
    unwrapped = run_json(home, "--as", "app", "decrypt", key_id, "--input", str(wrapped),
                         "--input-encoding", "hex", "--aad", "bucket/a")
    assert base64.b64decode(unwrapped["plaintext"]) == clear
    AESGCM(clear).encrypt(b"\x00" * 12, b"bulk data", None)  # a real AES-256 key


def test_mac_and_verify(home: Path, tmp_path: Path) -> None:
    key_id = create(home, "hmac-sha256")
    message = tmp_path / "msg"
    message.write_bytes(b"pay 100 to alice")
    tag = run(home, "--as", "app", "mac", key_id, "--input", str(message)).strip()
    assert len(bytes.fromhex(tag)) == 32
    ok = run_json(home, "--as", "app", "mac", key_id, "--input", str(message), "--verify", tag)
    assert ok["valid"] is True and ok["key_version"] == 1
    message.write_bytes(b"pay 900 to mallory")
    bad = run_json(home, "--as", "app", "mac", key_id, "--input", str(message), "--verify", tag,
                   code=1)
    assert bad["reason_code"] == "mac-mismatch"


@pytest.mark.parametrize("algorithm", ["x25519", "ecdh-p256"])
def test_derive_and_public_key(home: Path, algorithm: str) -> None:
    key_id = create(home, algorithm)
    ours = bytes.fromhex(run(home, "key", "public", key_id, "--format", "hex").strip())
    pem = run(home, "key", "public", key_id)
    assert serialization.load_pem_public_key(pem.encode()) is not None
    if algorithm == "x25519":
        peer: Any = x25519.X25519PrivateKey.generate()
        peer_public = peer.public_key().public_bytes_raw()
        shared = peer.exchange(x25519.X25519PublicKey.from_public_bytes(ours))
    else:
        peer = ec.generate_private_key(ec.SECP256R1())
        peer_public = peer.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
        shared = peer.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), ours))
    derived = run_json(home, "--as", "app", "derive", key_id, "--peer-public",
                       peer_public.hex(), "--salt", "0011", "--info", "tunnel", "--length", "32")
    expected = HKDF(hashes.SHA256(), 32, bytes.fromhex("0011"), b"tunnel").derive(shared)
    assert bytes.fromhex(derived["derived_key"]) == expected


def test_symmetric_keys_have_no_public_key_and_do_not_verify(home: Path, tmp_path: Path) -> None:
    key_id = create(home, "aes-256-gcm")
    refused = run_json(home, "key", "public", key_id, code=2)
    assert refused["field"] == "key_id" and "no public key" in refused["message"]
    message = tmp_path / "m"
    message.write_bytes(b"m")
    wrong = run_json(home, "verify", key_id, "--input", str(message), "--signature", "00",
                     code=2)
    assert "not a signing key" in wrong["message"]
    hybrid = create(home, "mlkem768-x25519")
    assert len(bytes.fromhex(run(home, "key", "public", hybrid, "--format", "hex").strip())) \
        == 1216


def test_usage_option_and_algorithm_listing(home: Path, tmp_path: Path) -> None:
    key_id = run_json(home, "--as", "km", "key", "create", "--algorithm", "aes-256-gcm",
                      "--usage", "decrypt")["key_id"]
    shown = run_json(home, "key", "show", key_id)
    assert shown["usage"] == ["decrypt"] and shown["public_key"] == ""
    plain = tmp_path / "p"
    plain.write_bytes(b"p")
    refused = run_json(home, "--as", "app", "encrypt", key_id, "--input", str(plain), code=2)
    assert refused["reason_code"] == "usage"
    rows = {row["algorithm"]: row for row in run_json(home, "algorithms")}
    assert rows["aes-256-gcm"]["purpose"] == "symmetric-encryption"
    assert rows["aes-256-gcm"]["fips_approved"] is True
    assert rows["x25519"]["fips_approved"] is False
    assert rows["hmac-sha256"]["usages"] == ["mac"]
    assert rows["ed25519"]["signature_size"] == 64
    report = run_json(home, "audit", "verify", "--quiet")
    assert report["ok"] is True
