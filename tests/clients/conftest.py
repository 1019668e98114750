"""A live ephemeral server for the TypeScript and Go clients, and what their tests read.

The clients run in their own processes (node, go test) against one ``EphemeralServer`` of
the module; they get its ``--json`` bootstrap (URL, CA, actors' ids and private keys) as a
file; canonical-JSON cases encoded here by ledger/canonical.py, the one encoder the
ledger uses; and a request and a command signed here by the Python SDK's code with a fixed
key, so each client's encoder and signatures are checked against the ledger's own and not
against themselves. Without node/npm or go the tests skip on a developer machine and FAIL under
``CI=true``.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commands.sdk import httpsig
from commands.testing.ephemeral import EphemeralServer
from ledger.canonical import canonical_json
from ledger.command import Command

REPO_ROOT = Path(__file__).resolve().parents[2]

CANONICAL_VALUES: list[dict[str, Any]] = [
    {"b": 1, "a": 2, "c": {"z": [], "y": {}}},
    {"text": "quote \" backslash \\ slash / tab \t newline \n nul \x00 del \x7f"},
    {"unicode": "é ü € 中文 \u2028 \U0001f600", "emoji-key-\U0001f511": True},
    {"\U0001f600": 1, "\uffff": 2, "z": 3, "": 4},
    {"ints": [0, -1, 2**53 - 1, -(2**53 - 1), 1796193349872520], "n": None, "f": False},
    {"type": "CreateKey", "actor_id": "a", "chain_id": "payments",
     "args": {"algorithm": "ed25519", "usage": ["sign", "verify"], "label": None},
     "issued_at": 1796193349872520, "command_id": "c", "nonce": "00ff",
     "correlation_id": ""},
]


SIGNING_SEED = bytes(range(32))
"""A fixed test key: Ed25519 is deterministic, so its signatures are exact expectations."""


def signing_cases() -> dict[str, Any]:
    """A request signature and a command signature made by the Python SDK's own code with a
    fixed key, nonce and time: a client must produce the very same headers and bytes."""
    body = b'{"command":"{}","signature":"x"}'
    request = {"keyid": "actor-1", "method": "post",
               "target_uri": "https://127.0.0.1:8443/v1/keys?domain=payments&x=%2F",
               "body": body.decode(), "created": 1796193349, "nonce": "AbCd-_0123456789xyz"}
    headers = httpsig.sign_http(SIGNING_SEED, request["keyid"], request["method"],
                                request["target_uri"], body, created=request["created"],
                                nonce=request["nonce"])
    command = Command("Sign", "actor-1", "payments",
                      {"key_id": "k-1", "message_digest": "00" * 32, "note": "caf\u00e9"},
                      1796193349872520, command_id="c-1", nonce="ab" * 16,
                      correlation_id="cd" * 16)
    signed = command.sign(SIGNING_SEED)
    return {"seed": SIGNING_SEED.hex(), "request": request, "headers": headers,
            "command": {"type": command.command_type, "actor_id": command.actor_id,
                        "chain_id": command.chain_id, "args": dict(command.args),
                        "issued_at": command.issued_at, "command_id": command.command_id,
                        "nonce": command.nonce, "correlation_id": command.correlation_id},
            "canonical": signed.canonical_bytes.decode(),
            "signature": base64.b64encode(signed.signature).decode()}


def unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}: the client tests must run in CI")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def ephemeral() -> Iterator[EphemeralServer]:
    with EphemeralServer() as server:
        yield server


@pytest.fixture(scope="module")
def client_inputs(ephemeral: EphemeralServer,
                  tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment a client test needs: bootstrap and canonical cases, as files."""
    folder = tmp_path_factory.mktemp("client-inputs")
    bootstrap = folder / "bootstrap.json"
    assert ephemeral.bootstrap is not None
    bootstrap.write_text(json.dumps(ephemeral.bootstrap.as_dict()))
    bootstrap.chmod(0o600)  # it holds the (throw-away) actors' private keys
    cases = folder / "canonical.json"
    cases.write_text(json.dumps([{"value": value, "canonical": canonical_json(value).decode()}
                                 for value in CANONICAL_VALUES]))
    signing = folder / "signing.json"
    signing.write_text(json.dumps(signing_cases()))
    return {"SKMS_BOOTSTRAP": str(bootstrap), "SKMS_CANONICAL_CASES": str(cases),
            "SKMS_SIGNING_CASES": str(signing)}


def doc_block(language: str) -> str:
    """The one ``language`` code block of docs/clients.md."""
    text = (REPO_ROOT / "docs" / "clients.md").read_text()
    blocks = text.split(f"```{language}\n")[1:]
    assert len(blocks) == 1, f"docs/clients.md should have one {language} example"
    return blocks[0].split("```", 1)[0]
