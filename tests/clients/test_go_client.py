"""The Go client (commands/sdk/go) against a live ephemeral server.

``go test`` runs the package's tests (the generated REST code, the hand-written signing,
the feed over github.com/coder/websocket): create a key, sign, verify with crypto/ed25519,
read the WebSocket feed, and a request with a bad signature refused with 401. The build is
offline (``GOPROXY=off``, ``-mod=readonly``) from the module cache, which ``make
clients-deps`` fills from the Go module proxy (hashes pinned by the committed go.sum).
"""

from __future__ import annotations

import os
import shutil
import subprocess

from tests.clients.conftest import REPO_ROOT, doc_block, unavailable

GO = REPO_ROOT / "commands" / "sdk" / "go"
OFFLINE = {"GOPROXY": "off", "GOFLAGS": "-mod=readonly -buildvcs=false",
           "GOTOOLCHAIN": "local"}
"""How the build runs here: from the module cache only, never the network."""


def test_docs_example_is_the_file_the_tests_run() -> None:
    example = (GO / "example_test.go").read_text()
    assert doc_block("go").strip() in example


def test_go_client_against_a_live_server(client_inputs: dict[str, str]) -> None:
    go = shutil.which("go")
    if go is None:
        unavailable("go is not installed")
    assert go is not None
    ran = subprocess.run([go, "test", "-count=1", "-v", "."], cwd=GO,
                         env={**os.environ, **OFFLINE, **client_inputs}, capture_output=True,
                         text=True, timeout=1200, check=False)
    if ran.returncode != 0 and "GOPROXY=off" in ran.stderr + ran.stdout:
        unavailable("the Go modules are not in the module cache (run 'make clients-deps')")
    assert ran.returncode == 0, ran.stdout[-8000:] + ran.stderr[-4000:]
    passed = [line for line in ran.stdout.splitlines() if line.startswith("--- PASS")]
    assert len(passed) == 9, ran.stdout
    assert "--- FAIL" not in ran.stdout
