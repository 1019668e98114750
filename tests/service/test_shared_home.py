"""A server and a CLI on one home: what one writes, the other reads at once."""

from __future__ import annotations

import json

from click.testing import CliRunner

from commands.cli.main import cli
from tests.service.conftest import PASSPHRASE, Running


def skms(service: Running, *args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(cli, ["--home", str(service.home), "--json", *args],
                                env={"SKMS_PASSPHRASE": PASSPHRASE}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_the_server_reads_what_the_cli_wrote(service: Running) -> None:
    created = skms(service, "--as", "key-manager", "key", "create", "--algorithm", "ed25519")
    with service.client("auditor") as auditor:
        assert auditor.get_key(created["key_id"])["state"] == "active"
        skms(service, "--as", "key-manager", "key", "suspend", created["key_id"])
        assert auditor.get_key(created["key_id"])["state"] == "suspended"
        fresh = skms(service, "--as", "key-manager", "key", "create", "--algorithm",
                     "ed25519", "--domain", "shared-home")
        listed = auditor.list_keys(domain="shared-home")
        assert [k["key_id"] for k in listed] == [fresh["key_id"]]


def test_the_cli_reads_what_the_server_wrote(service: Running) -> None:
    with service.client("key-manager") as manager:
        key_id = manager.create_key("ed25519").key_id
        manager.rotate_key(key_id)
    assert skms(service, "key", "show", key_id)["versions"] == [1, 2]
