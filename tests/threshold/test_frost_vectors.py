"""RFC 9591 appendix E vectors for the two implemented ciphersuites, value by value."""

from __future__ import annotations

from typing import Any

import nacl.signing
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.crypto.threshold.ciphersuite import Ciphersuite
from ledger.crypto.threshold.dealer import split_with_coefficients, verify_dealer_share
from ledger.crypto.threshold.frost import (
    aggregate,
    binding_factor_inputs,
    commit_with_randomness,
    compute_binding_factors,
    sign,
    verify_signature,
)
from ledger.crypto.threshold.messages import SigningPackage
from ledger.crypto.threshold.suites import FROST_ED25519, FROST_SECP256K1
from tests.vectors import load_json

FILES = {FROST_ED25519.name: ("frost/frost-ed25519-sha512.json", FROST_ED25519),
         FROST_SECP256K1.name: ("frost/frost-secp256k1-sha256.json", FROST_SECP256K1)}


def _vector(name: str) -> tuple[dict[str, Any], Ciphersuite]:
    path, suite = FILES[name]
    return load_json(path), suite


def _run(name: str) -> dict[str, Any]:
    """Replay one vector end to end and return every intermediate value (hex)."""
    data, suite = _vector(name)
    inputs = data["inputs"]
    max_signers = int(data["config"]["MAX_PARTICIPANTS"])
    split = split_with_coefficients(
        suite, bytes.fromhex(inputs["group_secret_key"]),
        [bytes.fromhex(c) for c in inputs["share_polynomial_coefficients"]], max_signers)
    shares = {share.identifier: share for share in split.shares}
    for share in split.shares:
        verify_dealer_share(share, split.commitments)
    outputs = {o["identifier"]: o for o in data["round_one_outputs"]["outputs"]}
    nonces = {
        i: commit_with_randomness(shares[i], bytes.fromhex(outputs[i]["hiding_nonce_randomness"]),
                                  bytes.fromhex(outputs[i]["binding_nonce_randomness"]))
        for i in inputs["participant_list"]}
    # The secret nonces are checked before signing consumes them.
    secret_nonces = {}
    for i, n in nonces.items():
        hiding, binding = n.to_dict()["hiding"], n.to_dict()["binding"]
        secret_nonces[i] = (hiding, binding)
    message = bytes.fromhex(inputs["message"])
    package = SigningPackage(suite, message, tuple(nonces[i].commitments
                                                   for i in inputs["participant_list"]))
    group_key = split.public_key_package.group_public_key
    sig_shares = [sign(shares[i], nonces[i], package) for i in inputs["participant_list"]]
    signature = aggregate(split.public_key_package, package, sig_shares)
    return {
        "group_public_key": group_key.hex(),
        "shares": {i: bytes(s.signing_share).hex() for i, s in shares.items()},
        "nonces": secret_nonces,
        "commitments": {i: (n.commitments.hiding.hex(), n.commitments.binding.hex())
                        for i, n in nonces.items()},
        "rho_inputs": {i: v.hex() for i, v in binding_factor_inputs(group_key, package).items()},
        "rhos": {i: v.hex() for i, v in compute_binding_factors(group_key, package).items()},
        "sig_shares": {s.identifier: s.share.hex() for s in sig_shares},
        "signature": signature.hex(),
        "package": package,
    }


@pytest.fixture(scope="module", params=sorted(FILES))
def replay(request: pytest.FixtureRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    data, _ = _vector(request.param)
    return data, _run(request.param)


def test_group_key_and_shares(replay: tuple[dict[str, Any], dict[str, Any]]) -> None:
    data, got = replay
    assert got["group_public_key"] == data["inputs"]["group_public_key"]
    for share in data["inputs"]["participant_shares"]:
        assert got["shares"][share["identifier"]] == share["participant_share"]


def test_round_one(replay: tuple[dict[str, Any], dict[str, Any]]) -> None:
    data, got = replay
    for output in data["round_one_outputs"]["outputs"]:
        i = output["identifier"]
        assert got["nonces"][i] == (output["hiding_nonce"], output["binding_nonce"])
        assert got["commitments"][i] == (output["hiding_nonce_commitment"],
                                         output["binding_nonce_commitment"])
        assert got["rho_inputs"][i] == output["binding_factor_input"]
        assert got["rhos"][i] == output["binding_factor"]


def test_round_two_and_signature(replay: tuple[dict[str, Any], dict[str, Any]]) -> None:
    data, got = replay
    for output in data["round_two_outputs"]["outputs"]:
        assert got["sig_shares"][output["identifier"]] == output["sig_share"]
    assert got["signature"] == data["final_output"]["sig"]
    suite = got["package"].suite
    public_key = bytes.fromhex(data["inputs"]["group_public_key"])
    message = bytes.fromhex(data["inputs"]["message"])
    signature = bytes.fromhex(data["final_output"]["sig"])
    verify_signature(suite, public_key, message, signature)
    if suite is FROST_ED25519:  # a plain RFC 8032 signature, for independent verifiers too
        nacl.signing.VerifyKey(public_key).verify(message, signature)
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
