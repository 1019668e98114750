"""``skms serve`` on a home whose KEK is on the token: no passphrase, and a key created over
REST with ``backend="pkcs11"`` signs on the token (verified by pyca/cryptography)."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from commands.sdk.client import Client
from commands.service.config import ServiceConfig
from commands.service.server import Server
from ledger.home import Home
from tests.hsm.conftest import SoftToken
from tests.hsm.test_hsm_ledger import hsm_home


def test_the_service_opens_the_token_kek_and_signs_on_the_token(tmp_path: Path,
                                                                token: SoftToken) -> None:
    home_path = hsm_home(tmp_path, token)
    home = Home(home_path)
    kek = home.open_kek(None)
    try:
        keys = {identity.name: (identity.actor_id, bytes(home.identity_key(identity.name, kek)))
                for identity in home.identities()}
    finally:
        kek.close()
    server = Server(ServiceConfig(home=home_path, rest_port=0, grpc_port=0, tls=False,
                                  client_auth="none"), bytearray())
    server.start()
    try:
        url = f"http://127.0.0.1:{server.rest_port}"
        with Client(url, *keys["km"]) as manager:
            created = manager.create_key("ecdsa-p256", backend="pkcs11").result
            shown = manager.get_key(created["key_id"])
        assert shown["backend"] == "pkcs11" and shown["location"]["token_label"] == token.label
        with Client(url, *keys["app"]) as signer:
            signature = bytes.fromhex(signer.sign(created["key_id"], b"over REST").result[
                "signature"])
    finally:
        server.stop()
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(),
                                                          bytes.fromhex(shown["public_key"]))
    public.verify(signature, b"over REST", ec.ECDSA(hashes.SHA256()))
