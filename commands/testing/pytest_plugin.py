"""pytest fixtures for testing code that talks to SKMS (installed with the package).

``skms_server`` (one server per test session) yields an SDK client acting as ``admin``;
``skms_ephemeral`` yields the :class:`~commands.testing.ephemeral.EphemeralServer` itself, for
clients acting as the other test actors (``skms_ephemeral.client("signer")``) or over gRPC.
Options (command line or ini): ``--skms-seed`` makes the keys reproducible, ``--skms-fixture``
loads named content (``demo``). Registered through the ``pytest11`` entry point, so installing
SKMS is enough; the fixtures cost nothing until a test asks for one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from commands.sdk.client import Client
from commands.testing.ephemeral import EphemeralServer


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("skms", "SKMS ephemeral server")
    group.addoption("--skms-seed", default=None,
                    help="Seed the ephemeral server's keys (reproducible runs).")
    group.addoption("--skms-fixture", default=None,
                    help="Named content the ephemeral server loads (e.g. demo).")
    parser.addini("skms_seed", "Seed of the ephemeral server's keys", default=None)
    parser.addini("skms_fixture", "Named content the ephemeral server loads", default=None)


def _option(config: pytest.Config, name: str) -> str | None:
    value = config.getoption(f"--skms-{name}") or config.getini(f"skms_{name}")
    return str(value) if value else None


@pytest.fixture(scope="session")
def skms_ephemeral(pytestconfig: pytest.Config) -> Iterator[EphemeralServer]:
    """A throw-away SKMS server for this test session, stopped and deleted at its end."""
    with EphemeralServer(seed=_option(pytestconfig, "seed"),
                         fixture=_option(pytestconfig, "fixture")) as server:
        yield server


@pytest.fixture
def skms_server(skms_ephemeral: EphemeralServer) -> Iterator[Client]:
    """An SDK client acting as the ephemeral server's ``admin``."""
    with skms_ephemeral.client("admin") as client:
        yield client
