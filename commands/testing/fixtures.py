"""Named content an ephemeral server loads after start-up (``--fixture NAME``).

Why through the SDK: a fixture is exactly what a client could have done, so it is recorded as
signed commands of the test actors and audits like any other history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from commands.sdk.client import Client
from ledger.errors import InvalidInput

FixtureLoader = Callable[[Client, Client], dict[str, Any]]


def demo(admin: Client, manager: Client) -> dict[str, Any]:
    """The demo's keys: one per common signature scheme in ``payments``, an AES key and a
    wallet in ``default``; returns their ids by name."""
    del admin  # the key manager holds every right this fixture needs
    keys = {}
    for algorithm in ("ed25519", "ecdsa-secp256k1", "ecdsa-p256"):
        created = manager.create_key(algorithm, label=f"payments-{algorithm}",
                                     domain="payments")
        keys[f"payments-{algorithm}"] = str(created.result["key_id"])
    data_key = manager.create_key("aes-256-gcm", label="records")
    keys["records"] = str(data_key.result["key_id"])
    wallet = manager.create_wallet(label="treasury")
    return {"keys": keys, "wallets": {"treasury": str(wallet.result["wallet_id"])}}


FIXTURES: dict[str, FixtureLoader] = {"demo": demo}


def load_fixture(name: str, *, admin: Client, manager: Client) -> dict[str, Any]:
    """Run fixture ``name``; an unknown name is refused naming the known ones."""
    loader = FIXTURES.get(name)
    if loader is None:
        raise InvalidInput(f"unknown fixture {name!r}; known: {', '.join(sorted(FIXTURES))}",
                           field="fixture")
    return loader(admin, manager)
