"""The TypeScript client (commands/sdk/ts) against a live ephemeral server.

The generated REST code and the hand-written signing are compiled with the TypeScript
compiler pinned by the committed package-lock.json (``make clients-deps`` runs ``npm ci``)
and run by node's own test runner: create a key, sign, verify with node:crypto, read the
WebSocket feed, and a request with a bad signature refused with 401.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from tests.clients.conftest import REPO_ROOT, doc_block, unavailable

TS = REPO_ROOT / "commands" / "sdk" / "ts"


def test_docs_example_is_the_file_the_tests_run() -> None:
    example = (TS / "examples" / "quickstart.ts").read_text()
    assert doc_block("ts").strip() in example


def test_typescript_client_against_a_live_server(client_inputs: dict[str, str]) -> None:
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        unavailable("node and npm are not installed")
    tsc = TS / "node_modules" / ".bin" / "tsc"
    if not tsc.exists() or not (TS / "node_modules" / "ws").is_dir():
        unavailable("the TypeScript client's npm packages are missing (run 'make clients-deps')")
    built = subprocess.run([str(tsc), "-p", "tsconfig.json"], cwd=TS, capture_output=True,
                           text=True, timeout=900, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    ran = subprocess.run([str(node), "--test", "--test-reporter=spec",
                          "dist/test/client.test.js"], cwd=TS,
                         env={**os.environ, **client_inputs}, capture_output=True,
                         text=True, timeout=600, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "# fail 0" in ran.stdout or "ℹ fail 0" in ran.stdout, ran.stdout
    assert "ℹ pass 9" in ran.stdout, ran.stdout
