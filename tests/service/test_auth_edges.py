"""Request signatures outside the profile, answered 401 with the reason by the real service;
the nonce cache's bounds; client certificates that hold no Ed25519 key; the TLS helpers'
refusals."""

from __future__ import annotations

import base64
import datetime as dt
import ssl
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from commands.sdk import httpsig
from commands.service.auth import NonceCache
from commands.service.errors import RateLimited
from commands.service.tls import (
    CA_FILE,
    CA_KEY_FILE,
    TLSFiles,
    certificate_public_key,
    ensure_server_files,
    issue_client_certificate,
    server_context,
    transport_certificate,
)
from ledger.errors import ConfigurationError, InvalidInput, StoreUnavailable
from tests.service.conftest import Running

NONCE = "n" * 22


def _headers(running: Running, name: str, url: str, body: bytes = b"",
             **options: object) -> dict[str, str]:
    actor = running.actors[name]
    return httpsig.sign_http(actor.private_key, actor.actor_id, "GET", url, body,
                             **options)  # type: ignore[arg-type]


def _get(running: Running, headers: dict[str, str], path: str = "/v1/whoami") -> httpx.Response:
    with httpx.Client(verify=ssl.create_default_context(cafile=str(running.ca))) as http:
        return http.get(running.url + path, headers=headers)


def _refused(response: httpx.Response, reason: str) -> str:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["reason_code"] == reason, body
    assert body["error"] == "NotAuthenticated"
    return str(body["detail"])


def _input(running: Running, name: str = "auditor", *, label: str = "sig1",
           components: str = '"@method" "@target-uri" "content-digest"',
           params: str | None = None) -> str:
    actor = running.actors[name]
    if params is None:
        params = (f';created={int(time.time())};nonce="{NONCE}{time.time_ns()}";'
                  f'keyid="{actor.actor_id}";alg="ed25519"')
    return f"{label}=({components}){params}"


def _with_input(running: Running, signature_input: str) -> dict[str, str]:
    url = running.url + "/v1/whoami"
    headers = _headers(running, "auditor", url)
    headers["signature-input"] = signature_input
    return headers


@pytest.mark.parametrize(("make", "detail"), [
    (lambda r: _input(r, label="sig2"), "the signature label must be 'sig1'"),
    (lambda r: _input(r, params=';created=1;created=2;nonce="' + NONCE + '"'),
     "parameter 'created' appears twice"),
    (lambda r: _input(r, params=';created=1;tag="x"'), "unsupported parameter(s): tag"),
    (lambda r: _input(r, params=';created=1;nonce=abc'), "a Signature-Input parameter is "
     "malformed"),
    (lambda r: _input(r, params=f';nonce="{NONCE}";keyid="a";alg="ed25519"'),
     "the created parameter (integer) is required"),
    (lambda r: _input(r, params=';created=1;nonce="short";keyid="a";alg="ed25519"'),
     "the nonce parameter must be 16-64 URL-safe characters"),
    (lambda r: _input(r, params=f';created=1;nonce="{NONCE}";keyid="a b";alg="ed25519"'),
     "the keyid parameter (the actor id) is required"),
    (lambda r: _input(r, params=f';created=1;nonce="{NONCE}";keyid="a";alg="rsa"'),
     'alg must be "ed25519"'),
    (lambda r: "sig1=(@method);created=1", "Signature-Input is not one member "
     "label=(...);params"),
])
def test_signature_input_outside_the_profile_is_malformed(service: Running, make: object,
                                                          detail: str) -> None:
    response = _get(service, _with_input(service, make(service)))  # type: ignore[operator]
    assert _refused(response, "malformed") == detail


def test_signature_header_missing_or_outside_the_profile(service: Running) -> None:
    url = service.url + "/v1/whoami"
    cases = {
        "the Signature header is missing": None,
        "Signature must be sig1=:BASE64:": "sig2=:AAAA:",
        "the signature is not base64": "sig1=:AAA:",
        "an Ed25519 signature has 64 bytes": "sig1=:" + base64.b64encode(bytes(32)).decode()
                                             + ":",
    }
    for detail, value in cases.items():
        headers = _headers(service, "auditor", url)
        if value is None:
            del headers["signature"]
        else:
            headers["signature"] = value
        assert _refused(_get(service, headers), "malformed") == detail
    headers = _headers(service, "auditor", url)
    del headers["signature-input"]
    assert _refused(_get(service, headers), "malformed") == \
        "the Signature-Input header is missing"


def test_content_digest_missing_or_not_base64(service: Running) -> None:
    url = service.url + "/v1/whoami"
    headers = _headers(service, "auditor", url)
    del headers["content-digest"]
    assert _refused(_get(service, headers), "content-digest") == \
        "the Content-Digest header is missing"
    headers = _headers(service, "auditor", url)
    headers["content-digest"] = "sha-256=:AAA:"
    assert _refused(_get(service, headers), "content-digest") == "Content-Digest is not base64"
    headers = _headers(service, "auditor", url)
    headers["content-digest"] = "md5=:AAAA:"
    assert _refused(_get(service, headers), "content-digest") == \
        "Content-Digest must be sha-256=:BASE64:"


def test_a_signature_over_the_grpc_components_is_refused_over_http(service: Running) -> None:
    actor = service.actors["auditor"]
    digest = httpsig.content_digest(b"")
    values = {"@method": "GET", "@path": "/v1/whoami", "content-digest": digest}
    headers = {"content-digest": digest,
               **httpsig.sign(actor.private_key, actor.actor_id, values,
                              components=httpsig.GRPC_COMPONENTS)}
    detail = _refused(_get(service, headers), "components")
    assert detail == 'the signature must cover exactly "@method" "@target-uri" "content-digest"'


def test_signature_base_refuses_values_it_cannot_sign() -> None:
    key = bytes(range(32))
    digest = httpsig.content_digest(b"")
    good = {"@method": "GET", "@target-uri": "https://localhost/v1/whoami",
            "content-digest": digest}
    assert set(httpsig.sign(key, "actor", good)) == {"signature-input", "signature"}
    for values, detail in (
            ({**good, "@target-uri": "https://localhost/x\r\nHost: evil"},
             "component '@target-uri' contains a line break"),
            ({"@method": "GET", "content-digest": digest},
             "covered component '@target-uri' has no value"),
            ({**good, "@target-uri": "https://localhost/caf\u00e9"},
             "covered values must be ASCII")):
        with pytest.raises(httpsig.SignatureFormatError) as refused:
            httpsig.sign(key, "actor", values)
        assert str(refused.value) == detail


# --- the nonce cache ------------------------------------------------------------------


def test_a_full_nonce_cache_refuses_new_nonces_until_they_expire() -> None:
    cache = NonceCache(capacity=2, per_actor=2)
    assert cache.add("a", "n1", expires_at=100.0, now=0.0)
    assert cache.add("b", "n1", expires_at=101.0, now=1.0)
    assert len(cache) == 2
    with pytest.raises(StoreUnavailable) as full:
        cache.add("c", "n1", expires_at=102.0, now=2.0)
    assert full.value.message == "too many signed requests within the freshness window"
    assert full.value.hint == "retry in a few seconds"
    assert not cache.add("a", "n1", expires_at=103.0, now=3.0)  # still a replay
    assert cache.add("c", "n1", expires_at=200.0, now=100.5)  # a's nonce expired
    assert len(cache) == 2


def test_one_actor_over_its_share_is_rate_limited() -> None:
    cache = NonceCache(capacity=10, per_actor=1)
    assert cache.add("a", "n1", 100.0, 0.0)
    with pytest.raises(RateLimited) as limited:
        cache.add("a", "n2", 100.0, 0.0)
    assert limited.value.retry_after == 1
    assert cache.add("b", "n1", 100.0, 0.0)


# --- certificates ---------------------------------------------------------------------


def _ec_client_certificate(home: Path, folder: Path) -> tuple[Path, Path]:
    """A client certificate signed by the home's CA whose key is ECDSA P-256."""
    tls = home / "tls"
    ca_cert = x509.load_pem_x509_certificate((tls / CA_FILE).read_bytes())
    ca_key = serialization.load_pem_private_key((tls / CA_KEY_FILE).read_bytes(), None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ec client")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    cert_path, key_path = folder / "ec.pem", folder / "ec.key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_a_client_certificate_without_an_ed25519_key_is_refused(service: Running,
                                                                 tmp_path: Path) -> None:
    cert_path, key_path = _ec_client_certificate(service.home, tmp_path)
    context = ssl.create_default_context(cafile=str(service.ca))
    context.load_cert_chain(str(cert_path), str(key_path))
    with httpx.Client(verify=context) as http:
        response = http.get(service.url + "/v1/whoami")
    assert _refused(response, "certificate") == ("the client certificate does not hold an "
                                                 "Ed25519 identity key")
    der = x509.load_pem_x509_certificate(cert_path.read_bytes()).public_bytes(
        serialization.Encoding.DER)
    assert certificate_public_key(der) is None


def test_certificate_public_key_of_garbage_and_of_an_actor(tmp_path: Path) -> None:
    assert certificate_public_key(b"not a certificate") is None
    public = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    pem = issue_client_certificate(tmp_path, public, "actor-1", "one")
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    assert certificate_public_key(der) == public


def test_a_client_certificate_needs_a_32_byte_key(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as refused:
        issue_client_certificate(tmp_path, bytes(33), "actor-1", "one")
    assert refused.value.field == "public_key"
    assert not (tmp_path / "tls").exists()  # refused before a CA was made


def test_a_development_ca_key_that_is_not_ec_is_refused(tmp_path: Path) -> None:
    ensure_server_files(tmp_path)
    ca_key = tmp_path / "tls" / CA_KEY_FILE
    ca_key.write_bytes(ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    with pytest.raises(ConfigurationError) as refused:
        issue_client_certificate(tmp_path, bytes(32), "actor-1", "one")
    assert refused.value.message == "the development CA key is not an EC key"
    assert refused.value.field == str(ca_key)


def test_mutual_tls_without_a_client_ca_is_refused(tmp_path: Path) -> None:
    files = ensure_server_files(tmp_path)
    bare = TLSFiles(files.cert, files.key, files.ca, client_ca=None)
    assert server_context(bare, "none").verify_mode == ssl.CERT_NONE
    for mode in ("optional", "required"):
        with pytest.raises(ConfigurationError) as refused:
            server_context(bare, mode)
        assert refused.value.field == "client-ca"
    assert server_context(files, "required").verify_mode == ssl.CERT_REQUIRED


def test_a_transport_without_extra_info_has_no_certificate() -> None:
    assert transport_certificate(object()) is None
