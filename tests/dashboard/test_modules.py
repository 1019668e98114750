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
from ledger.envelope import event_hash_of, open_envelope
from ledger.events.codec import decode_envelope_body, encode_envelope_body
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


def test_envelope_bodies_decode_as_the_ledger_reads_them(page: Page,
                                                         dashboard_service: Running) -> None:
    stored = list(dashboard_service.server.core.store.read("system", 0, 5))
    decoded = run(page, "verify.js", """
        const b = await import('/ui/assets/bytes.js');
        const schemas = (await (await fetch('/ui/schemas.json')).json()).schemas;
        return arg.map((body) => {
          const r = m.decodeRecord(schemas['EnvelopeBody.v1'], b.fromBase64(body));
          return [r.chain_id, r.seq, b.hex(r.prev_hash), r.event_type, r.actor_id,
                  r.recorded_at, b.hex(r.command), b.hex(r.actor_signature), b.hex(r.payload)];
        });""", [base64.b64encode(e.body).decode() for e in stored])
    expected = []
    for envelope in map(open_envelope, stored):
        expected.append([envelope.chain_id, envelope.seq, envelope.prev_hash.hex(),
                         envelope.event_type, envelope.actor_id, envelope.recorded_at,
                         envelope.command.hex(), envelope.actor_signature.hex(),
                         envelope.payload.hex()])
    assert decoded == expected
    truncated = run(page, "verify.js", """
        const b = await import('/ui/assets/bytes.js');
        const schemas = (await (await fetch('/ui/schemas.json')).json()).schemas;
        const out = [];
        for (const body of arg) {
          try { m.decodeRecord(schemas['EnvelopeBody.v1'], b.fromBase64(body)); out.push('ok'); }
          catch (e) { out.push(e.message); }
        }
        return out;""", [base64.b64encode(stored[1].body[:-1]).decode(),
                         base64.b64encode(stored[1].body + b"\\x00").decode()])
    assert "truncated" in truncated[0] and "trailing" in truncated[1]


CHECK_PAGE = """
    const b = await import('/ui/assets/bytes.js');
    const schemas = (await (await fetch('/ui/schemas.json')).json()).schemas;
    const context = {chain: 'system', schema: schemas['EnvelopeBody.v1'],
                     previous: new Uint8Array(32), ledgerKey: b.fromHex(arg.ledger_key),
                     actorKeys: new Map(Object.entries(arg.actors)
                                          .map(([k, v]) => [k, b.fromHex(v)]))};
    const verified = new Map();
    try {
      await m.checkEnvelopes({envelopes: arg.envelopes},
                             {size: arg.size, root: b.fromHex(arg.root)}, context, verified);
      return 'verified ' + verified.size;
    } catch (e) { return e.message; }"""


def check_page(page: Page, service: Running, bodies: list[bytes],
               actors: dict[str, bytes] | None = None) -> str:
    """checkEnvelopes over ``bodies`` with a tree built here over their own hashes, so the
    hashes and inclusion paths are right and only what is inside a body can be wrong."""
    hashes = [event_hash_of(body) for body in bodies]
    tree = MerkleTree(hash_leaf(h) for h in hashes)
    envelopes = [{"seq": seq, "body": base64.b64encode(body).decode(), "event_hash": h.hex(),
                  "inclusion": [p.hex() for p in tree.inclusion_proof(seq, len(bodies))]}
                 for seq, (body, h) in enumerate(zip(bodies, hashes, strict=True))]
    known = actors if actors is not None else {
        a.actor_id: a.public_key for a in service.actors.values()}
    meta = service.server.core.ledger.meta
    assert meta is not None
    result: str = run(page, "verify.js", CHECK_PAGE, {
        "envelopes": envelopes, "size": len(bodies), "root": tree.root().hex(),
        "ledger_key": meta.ledger_public_key.hex(),
        "actors": {k: v.hex() for k, v in known.items()}})
    return result


def rewritten(body: bytes, **changes: Any) -> bytes:
    return encode_envelope_body({**decode_envelope_body(body), **changes})


def test_a_broken_link_or_a_forged_command_fails_at_its_seq(page: Page,
                                                            dashboard_service: Running
                                                            ) -> None:
    bodies = [e.body for e in dashboard_service.server.core.store.read("system", 0, 4)]
    assert check_page(page, dashboard_service, bodies) == "verified 4"
    linked = [*bodies[:2], rewritten(bodies[2], prev_hash=b"\xff" * 32), *bodies[3:]]
    assert check_page(page, dashboard_service, linked) == \
        "seq 2: its prev_hash is not the hash of the entry before it"
    signed = next(seq for seq, body in enumerate(bodies)
                  if seq > 0 and decode_envelope_body(body)["command"]
                  and decode_envelope_body(body)["actor_id"] != "ledger")
    record = decode_envelope_body(bodies[signed])
    forged_signature = bytes([record["actor_signature"][0] ^ 1]) + record["actor_signature"][1:]
    forged = list(bodies)
    forged[signed] = rewritten(bodies[signed], actor_signature=forged_signature)
    forged[signed + 1:] = []
    assert check_page(page, dashboard_service, forged) == (
        f"seq {signed}: the command's signature by {record['actor_id']} does not verify")
    unknown = check_page(page, dashboard_service, bodies[:signed + 1], actors={})
    assert unknown.startswith(f"seq {signed}: its command is signed by ")
    moved = [bodies[0], rewritten(bodies[1], seq=7)]
    assert check_page(page, dashboard_service, moved) == \
        "seq 1: the body says it is seq 7 of system"
