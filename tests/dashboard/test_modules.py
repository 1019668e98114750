"""The page's own modules, run in Chromium, against the Python implementations they must
agree with byte for byte: canonical JSON (what an actor signs), the RFC 9162 inclusion
fold, the event hash, and the C2SP note check (on a note the ledger signed, and on
tampered copies of it)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from ledger.canonical import canonical_json
from ledger.crypto.entropy import random_bytes
from ledger.envelope import event_hash_of
from ledger.merkle.hasher import hash_leaf
from ledger.merkle.tree import MerkleTree
from tests.dashboard.test_browser import TIMEOUT_MS
from tests.service.conftest import Running


@pytest.fixture(scope="module")
def page(browser: Browser, dashboard_service: Running) -> Iterator[Page]:
    context = browser.new_context(ignore_https_errors=True)
    opened = context.new_page()
    opened.set_default_timeout(TIMEOUT_MS)
    opened.goto(f"{dashboard_service.url}/ui")
    yield opened
    context.close()


def run(page: Page, module: str, body: str, arg: Any) -> Any:
    return page.evaluate(f"async (arg) => {{ const m = await import('/ui/assets/{module}'); "
                         f"{body} }}", arg)


VALUES = [
    {"type": "CreateKey", "args": {"label": "é ü ß — 😀 \u2028 \x00\x1f \"q\" \\ /",
                                   "usage": ["sign"], "n": -(2**53) + 1, "x": None,
                                   "t": True, "f": False, "nested": {"b": [], "a": {}}}},
    {"z": 0, "a": "\u007f\u0080\uffff", "m": [1, [2, [3]]]},
]


@pytest.mark.parametrize("value", VALUES)
def test_canonical_json_is_the_ledgers(page: Page, value: dict[str, Any]) -> None:
    text = run(page, "canonical.js", "return m.canonicalJson(arg);", value)
    assert text.encode("ascii") == canonical_json(value)


def test_inclusion_paths_fold_to_the_pythons_root(page: Page) -> None:
    leaves = [hash_leaf(bytes([i]) * 32) for i in range(37)]
    tree = MerkleTree(leaves)
    cases = [(index, size) for size in (1, 2, 3, 5, 8, 13, 31, 32, 33, 37)
             for index in range(size)]
    proofs = [[index, size, leaves[index].hex(), [h.hex() for h in tree.inclusion_proof(
        index, size)], tree.root(size).hex()] for index, size in cases]
    results = run(page, "verify.js", """
        const b = await import('/ui/assets/bytes.js');
        const out = [];
        for (const [index, size, leaf, path, root] of arg) {
          const got = await m.rootFromInclusion(index, size, b.fromHex(leaf), path.map(b.fromHex));
          const bad = path.map(b.fromHex);
          if (bad.length) bad[0][0] ^= 1;
          const wrong = bad.length ? await m.rootFromInclusion(index, size, b.fromHex(leaf), bad)
                                   : null;
          out.push([got && b.hex(got) === root, wrong === null || b.hex(wrong) !== root]);
        }
        return out;""", proofs)
    assert results == [[True, True]] * len(cases)


def test_event_hash_is_the_ledgers(page: Page) -> None:
    body = random_bytes(300)
    got = run(page, "verify.js", """
        const b = await import('/ui/assets/bytes.js');
        return b.hex(await m.eventHash(b.fromBase64(arg)));""", base64.b64encode(body).decode())
    assert got == event_hash_of(body).hex()


def test_the_note_check_accepts_the_ledgers_note_and_refuses_tampering(
        page: Page, dashboard_service: Running) -> None:
    with dashboard_service.client("auditor") as client:
        client.request_checkpoint("system")
        info = client.checkpoint("system")
    note, key = info["note"], info["verifier_key"]
    lines = note.split("\n")
    grown = "\n".join([lines[0], str(int(lines[1]) + 1), *lines[2:]])
    other = run(page, "verify.js", "return 1;", None)  # the module loads
    assert other == 1
    outcomes = run(page, "verify.js", """
        const out = [];
        for (const [note, key] of arg) {
          try { const c = await m.openCheckpoint(note, m.parseVerifierKey(key)); out.push(c.size); }
          catch (e) { out.push(e.message); }
        }
        return out;""", [[note, key], [grown, key],
                         [note, key.replace(key.split("+")[0], "example.org/other")]])
    assert outcomes[0] == info["size"]
    assert "does not verify" in outcomes[1]
    assert "id does not match" in outcomes[2]
    assert json.dumps(outcomes)
