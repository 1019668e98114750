"""``chains/``: the whole sample ledger as a store shows it, its audit, and named forgeries.

``chains/ledger.json`` is the export: for every chain, the stored envelopes and stored
checkpoints exactly as the :class:`~ledger.stores.base.EventStore` interface returns them,
plus the ledger's public facts. ``chains/happy-path.json`` gives the audit report the
auditor must produce for it.

Each ``chains/corrupt/<name>.json`` lists ``edits`` to apply to the export (in order) and
options for the auditor, and names the first fault the auditor must report
(``want_error``: error class, ``chain``, ``seq``, ``check``) or, for the two attacks the
chain alone cannot reveal (tail truncation, a rewrite by a holder of the ledger key), the
report it still produces (``want_report``). Edit operations, on a chain's list of stored
envelopes by position (not seq, which a forgery may change) or on its stored checkpoints:

* ``replace`` / ``insert`` (``position``, ``envelope``), ``delete`` (``position``),
  ``swap`` (``positions``), ``truncate`` (``size``: keep that many), ``drop_chain``;
* ``replace_checkpoint`` (``index``, ``checkpoint``), ``drop_checkpoints``
  (``above_size``: remove stored checkpoints larger than that).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from vectorgen.jsonio import Json, stored_checkpoint, stored_envelope
from vectorgen.mutate import flip_bit, flip_char, reseal, with_columns
from vectorgen.product import (
    SYSTEM_CHAIN,
    Checkpoint,
    MerkleTree,
    StoredCheckpoint,
    StoredEnvelope,
    decode_payload,
    encode_payload,
    hash_leaf,
    open_envelope,
    parse_command,
)
from vectorgen.sample import DEFAULT_DOMAIN, PAYMENTS_DOMAIN, SampleLedger

BASE = "chains/ledger.json"
TARGET = 4
"""Position (and seq) in the payments chain that most forgeries hit: bob's second signature."""
REWRITE_FROM = 8
"""Where the rewrites of history start: bob's signature after the requested checkpoint (a
late start keeps the files small; every later envelope must be sealed again)."""

Chains = dict[str, list[StoredEnvelope]]
Stored = dict[str, list[StoredCheckpoint]]


def chain_vectors(sample: SampleLedger) -> dict[str, Json]:
    chains, checkpoints = sample.chains(), sample.checkpoints()
    files: dict[str, Json] = {BASE: _export(sample, chains, checkpoints)}
    files["chains/happy-path.json"] = {
        "desc": "the untouched export verifies", "base": BASE, "edits": [], "auditor": {},
        "want_report": expected_report(sample, chains, checkpoints), "want_error": None}
    for case in _Corruptions(sample, chains, checkpoints).all():
        name = case.pop("name")
        files[f"chains/corrupt/{name}.json"] = {"base": BASE, **case}
    return files


def _export(sample: SampleLedger, chains: Chains, checkpoints: Stored) -> Json:
    return {
        "desc": "the sample ledger as its store shows it (tools/vectorgen/sample.py)",
        "ledger": {"ledger_id": sample.ledger_id, "origin": sample.origin,
                   "ledger_public_key": sample.ledger_public_key.hex()},
        "actors": {i.name: {"actor_id": i.actor_id, "public_key": i.public_key.hex()}
                   for i in sample.identities.values()},
        "keys": dict(sample.keys),
        "chains": {chain_id: {"envelopes": [stored_envelope(e) for e in envelopes],
                              "checkpoints": [stored_checkpoint(c)
                                              for c in checkpoints.get(chain_id, [])]}
                   for chain_id, envelopes in chains.items()},
    }


def expected_report(sample: SampleLedger, chains: Chains, checkpoints: Stored) -> Json:
    """The audit report of an intact store, from its documented meaning.

    Per chain, system chain first: its size, the RFC 9162 root over the leaf hashes of its
    event hashes, how many checkpoints were verified (``CheckpointPublished`` events plus
    stored checkpoint notes) and the size of the last stored checkpoint.
    """
    order = [SYSTEM_CHAIN, *sorted(c for c in chains if c != SYSTEM_CHAIN)]
    reports = []
    for chain_id in order:
        envelopes, stored = chains[chain_id], checkpoints.get(chain_id, [])
        events = sum(e.event_type == "CheckpointPublished" for e in envelopes)
        reports.append({
            "chain_id": chain_id, "size": len(envelopes),
            "root": MerkleTree(hash_leaf(e.event_hash) for e in envelopes).root().hex(),
            "checkpoints_verified": events + len(stored),
            "last_checkpoint_size": stored[-1].size if stored else 0})
    return {"ok": True, "ledger_id": sample.ledger_id,
            "ledger_public_key": sample.ledger_public_key.hex(),
            "events": sum(len(e) for e in chains.values()), "chains": reports,
            "trusted_checkpoints": []}


def _other_digest(stored: StoredEnvelope) -> StoredEnvelope:
    """A signature event claiming another (all-zero) message digest, sealed again."""
    envelope = open_envelope(stored)
    record = dict(decode_payload(envelope.event_type, envelope.schema_version,
                                 envelope.payload), message_digest=bytes(32))
    return reseal(stored, payload=encode_payload(envelope.event_type, record)[1])


def _fault(chain: str, seq: int | None, check: str) -> Json:
    return {"error": "VerificationError", "chain": chain, "seq": seq, "check": check}


def _replace(chain: str, position: int, envelope: StoredEnvelope) -> Json:
    return {"op": "replace", "chain": chain, "position": position,
            "envelope": stored_envelope(envelope)}


def _case(name: str, desc: str, edits: Sequence[Json], want: Json | None, *,
          auditor: Json | None = None, report: Json | None = None) -> Json:
    case: Json = {"name": name, "desc": desc, "edits": list(edits), "auditor": auditor or {},
                  "want_error": want}
    if report is not None:
        case["want_report"] = report
    return case


class _Corruptions:
    """Builds every named corruption of the export; each states the fault it must cause."""

    def __init__(self, sample: SampleLedger, chains: Chains, checkpoints: Stored) -> None:
        self.sample, self.chains, self.checkpoints = sample, chains, checkpoints
        self.payments = chains[PAYMENTS_DOMAIN]
        self.target = self.payments[TARGET]

    def all(self) -> list[Json]:
        return [*self.columns(), *self.order(), *self.truncations(), *self.forgeries(),
                *self.checkpoint_forgeries(), *self.rewrites(), *self.trust()]

    # --- damage to stored columns ------------------------------------------------------------

    def columns(self) -> list[Json]:
        target, p = self.target, PAYMENTS_DOMAIN
        flips: list[tuple[str, dict[str, Any], str]] = [
            ("chain-id", {"chain_id": flip_char(target.chain_id)}, "index"),
            ("seq", {"seq": target.seq ^ 1}, "seq"),
            ("event-hash", {"event_hash": flip_bit(target.event_hash, 7)}, "event-hash"),
            ("body", {"body": flip_bit(target.body, len(target.body) // 2)}, "event-hash"),
            ("event-type", {"event_type": flip_char(target.event_type)}, "index"),
            ("aggregate-id", {"aggregate_id": flip_char(target.aggregate_id)}, "index"),
            ("aggregate-version", {"aggregate_version": target.aggregate_version ^ 1},
             "index"),
            ("command-id", {"command_id": flip_char(target.command_id)}, "index"),
        ]
        return [_case(f"byte-flip-{column}", f"one byte of the stored {column} column of "
                      f"{p} seq {TARGET} changed", [_replace(p, TARGET, with_columns(
                          target, **change))], _fault(p, TARGET, check))
                for column, change, check in flips]

    # --- deletion, duplication, reorder, missing chain ---------------------------------------

    def order(self) -> list[Json]:
        p = PAYMENTS_DOMAIN
        return [
            _case("deleted-envelope", f"{p} seq {TARGET} deleted: a gap",
                  [{"op": "delete", "chain": p, "position": TARGET}],
                  _fault(p, TARGET, "seq")),
            _case("duplicated-envelope", f"{p} seq {TARGET} stored twice",
                  [{"op": "insert", "chain": p, "position": TARGET + 1,
                    "envelope": stored_envelope(self.target)}],
                  _fault(p, TARGET + 1, "seq")),
            _case("reordered-envelopes", f"{p} seqs {TARGET} and {TARGET + 1} swapped",
                  [{"op": "swap", "chain": p, "positions": [TARGET, TARGET + 1]}],
                  _fault(p, TARGET, "seq")),
            _case("no-system-chain", "the system chain (genesis, actors) is missing",
                  [{"op": "drop_chain", "chain": SYSTEM_CHAIN}], _fault(SYSTEM_CHAIN, 0, "seq")),
        ]

    # --- truncation ----------------------------------------------------------------------------

    def truncations(self) -> list[Json]:
        p, stored = PAYMENTS_DOMAIN, self.checkpoints[PAYMENTS_DOMAIN]
        last = stored[-1]
        keep = stored[-2].size + 1  # the envelopes up to the event recording the middle one
        cut = [{"op": "truncate", "chain": p, "size": keep}]
        dropped = [*cut, {"op": "drop_checkpoints", "chain": p, "above_size": keep}]
        chains = {**self.chains, p: self.payments[:keep]}
        checkpoints = {**self.checkpoints, p: [c for c in stored if c.size <= keep]}
        return [
            _case("truncated-below-checkpoint", f"{p} cut to {keep} envelopes while its "
                  f"stored checkpoint of size {last.size} stays", cut,
                  _fault(p, keep, "checkpoint")),
            _case("truncated-caught-by-trusted-checkpoint", f"{p} cut to {keep} envelopes "
                  f"and the checkpoints above removed; the auditor kept the note of size "
                  f"{last.size}", dropped, _fault(p, keep, "trusted-checkpoint"),
                  auditor={"trusted_checkpoints": [last.note]}),
            _case("truncated-tail-undetected", f"{p} cut to {keep} envelopes and the "
                  "checkpoints above removed: the store alone cannot show it (see "
                  "docs/threat-model.md); the report is that of the shorter chain", dropped,
                  None, report=expected_report(self.sample, chains, checkpoints)),
        ]

    # --- forged envelopes ----------------------------------------------------------------------

    def forgeries(self) -> list[Json]:
        p, d, target = PAYMENTS_DOMAIN, DEFAULT_DOMAIN, self.target
        envelope = open_envelope(target)
        system = self.chains[SYSTEM_CHAIN]
        registration = 3  # alice registered by admin: identity checked in the auditor's loop
        transplanted = self.chains[d][TARGET]
        return [
            _case("forged-actor-signature", f"{p} seq {TARGET}: the actor signature has one "
                  "bit flipped and the envelope is sealed again", [_replace(p, TARGET, reseal(
                      target, actor_signature=flip_bit(envelope.actor_signature, 0)))],
                  _fault(p, TARGET, "signature")),
            _case("forged-actor-signature-system-chain", f"system seq {registration} (an "
                  "actor registration): the admin's signature has one bit flipped, sealed "
                  "again", [_replace(SYSTEM_CHAIN, registration, reseal(
                      system[registration], actor_signature=flip_bit(
                          open_envelope(system[registration]).actor_signature, 0)))],
                  _fault(SYSTEM_CHAIN, registration, "signature")),
            _case("transplanted-envelope", f"{d} seq {TARGET} copied verbatim over {p} seq "
                  f"{TARGET}", [_replace(p, TARGET, transplanted)],
                  _fault(p, TARGET, "prev-hash")),
            _case("transplanted-envelope-resealed", f"{d} seq {TARGET} sealed again as {p} "
                  f"seq {TARGET}, linked to its predecessor: its command names {d}",
                  [_replace(p, TARGET, reseal(transplanted, chain_id=p,
                                              prev_hash=self.payments[TARGET - 1].event_hash))],
                  _fault(p, TARGET, "command")),
            _case("resealed-changed-payload", f"{p} seq {TARGET}: the signed message digest "
                  "in the payload replaced and the envelope sealed again (hash valid, next "
                  "link broken)", [_replace(p, TARGET, _other_digest(target))],
                  _fault(p, TARGET + 1, "prev-hash")),
            _case("replayed-nonce", f"{p} seq {TARGET}: bob's earlier command sent again "
                  "under a new command id (same nonce), signed by bob", [_replace(
                      p, TARGET, self._replayed())], _fault(p, TARGET, "command")),
            _case("unauthorized-actor", f"{d} seq {TARGET}: the rotation re-signed by bob "
                  "(a signer) as if he had asked for it", [_replace(d, TARGET, self._as_bob(
                      self.chains[d][TARGET]))],
                  _fault(d, TARGET, "authorization")),
            _case("aggregate-version-skips", f"{p} seq {TARGET}: the key's aggregate version "
                  "jumps by 10, sealed again", [_replace(p, TARGET, reseal(
                      target, aggregate_version=envelope.aggregate_version + 10))],
                  _fault(p, TARGET, "aggregate")),
            _case("payload-invalid", f"{p} seq {TARGET}: the Avro payload loses its last "
                  "byte, sealed again", [_replace(p, TARGET, reseal(
                      target, payload=envelope.payload[:-1]))], _fault(p, TARGET, "payload")),
        ]

    def _replayed(self) -> StoredEnvelope:
        """The target with the command of the envelope before it (same nonce), renamed to
        the target's command id and signed again by its actor."""
        earlier = parse_command(open_envelope(self.payments[TARGET - 1]).command)
        again = dataclasses.replace(earlier, command_id=self.target.command_id)
        canonical = again.canonical()
        return reseal(self.target, command=canonical,
                      actor_signature=self.sample.sign_command_as("bob", canonical))

    def _as_bob(self, stored: StoredEnvelope) -> StoredEnvelope:
        """The envelope's command re-issued and signed by bob, sealed again."""
        bob = self.sample.identities["bob"].actor_id
        forged = dataclasses.replace(parse_command(open_envelope(stored).command), actor_id=bob)
        canonical = forged.canonical()
        return reseal(stored, actor_id=bob, command=canonical,
                      actor_signature=self.sample.sign_command_as("bob", canonical))

    # --- forged checkpoints --------------------------------------------------------------------

    def checkpoint_forgeries(self) -> list[Json]:
        p = PAYMENTS_DOMAIN
        stored = self.checkpoints[p]
        index = 1
        middle = stored[index]
        body = self._body(p, middle.size)
        leaves = [hash_leaf(e.event_hash) for e in self.payments]
        wrong_root = Checkpoint(f"{self.sample.origin}/{p}", middle.size,
                                MerkleTree(leaves).root(middle.size - 1)).body()
        event_position = middle.size  # the event recording a checkpoint of size N is seq N
        event = open_envelope(self.payments[event_position])
        record = dict(decode_payload(event.event_type, event.schema_version, event.payload))
        recorded = Checkpoint(f"{self.sample.origin}/{p}", record["tree_size"],
                              bytes(record["root_hash"])).body()
        record["note"] = self.sample.sign_with_foreign_key(recorded, self.sample.origin)

        def replaced(note: str, size: int = middle.size) -> Json:
            return {"op": "replace_checkpoint", "chain": p, "index": index,
                    "checkpoint": stored_checkpoint(StoredCheckpoint(p, size, note))}

        return [
            _case("stored-checkpoint-foreign-key", f"the stored {p} checkpoint of size "
                  f"{middle.size} signed by another key under the ledger's key name",
                  [replaced(self.sample.sign_with_foreign_key(body, self.sample.origin))],
                  _fault(p, None, "checkpoint")),
            _case("stored-checkpoint-wrong-root", f"the stored {p} checkpoint of size "
                  f"{middle.size} re-signed with the ledger key over the root of size "
                  f"{middle.size - 1}", [replaced(self.sample.sign_with_ledger_key(wrong_root))],
                  _fault(p, middle.size - 1, "checkpoint")),
            _case("stored-checkpoint-size-column", f"the stored {p} checkpoint of size "
                  f"{middle.size} filed under size {middle.size - 1}",
                  [replaced(middle.note, middle.size - 1)], _fault(p, None, "checkpoint")),
            _case("checkpoint-event-foreign-key", f"{p} seq {event_position} "
                  "(CheckpointPublished): its note signed by another key, sealed again",
                  [_replace(p, event_position, reseal(
                      self.payments[event_position],
                      payload=encode_payload(event.event_type, record)[1]))],
                  _fault(p, event_position, "checkpoint")),
        ]

    def _body(self, chain_id: str, size: int) -> str:
        leaves = [hash_leaf(e.event_hash) for e in self.chains[chain_id]]
        return Checkpoint(f"{self.sample.origin}/{chain_id}", size,
                          MerkleTree(leaves).root(size)).body()

    # --- rewritten history ---------------------------------------------------------------------

    def rewrites(self) -> list[Json]:
        p = PAYMENTS_DOMAIN
        relinked = self._rewritten(resign_checkpoints=False)
        first_checkpoint_event = next(
            i for i in range(REWRITE_FROM, len(relinked))
            if relinked[i].event_type == "CheckpointPublished")
        return [_case(
            "rewritten-history-relinked", f"{p} seq {REWRITE_FROM} changed and every later "
            "envelope sealed again to keep the links: the next checkpoint event's root "
            "differs", [_replace(p, i, relinked[i])
                        for i in range(REWRITE_FROM, len(relinked))],
            _fault(p, first_checkpoint_event, "checkpoint"))]

    def trust(self) -> list[Json]:
        """A rewrite by someone holding the ledger key: only a trusted checkpoint shows it."""
        p, sample = PAYMENTS_DOMAIN, self.sample
        rewritten = self._rewritten(resign_checkpoints=True)
        new_stored = [StoredCheckpoint(p, c.size, self._note(rewritten, c.size))
                      for c in self.checkpoints[p]]
        edits = [_replace(p, i, rewritten[i]) for i in range(REWRITE_FROM, len(rewritten))]
        edits += [{"op": "replace_checkpoint", "chain": p, "index": i,
                   "checkpoint": stored_checkpoint(c)} for i, c in enumerate(new_stored)
                  if c.size > REWRITE_FROM]
        trusted = next(c for c in self.checkpoints[p] if c.size > REWRITE_FROM)
        chains = {**self.chains, p: rewritten}
        checkpoints = {**self.checkpoints, p: new_stored}
        return [
            _case("insider-rewrite-caught-by-trusted-checkpoint", f"{p} rewritten from seq "
                  f"{REWRITE_FROM} with the ledger key (links, checkpoint events and stored notes "
                  f"all redone); the auditor kept the old note of size {trusted.size}",
                  edits, _fault(p, trusted.size - 1, "trusted-checkpoint"),
                  auditor={"trusted_checkpoints": [trusted.note]}),
            _case("insider-rewrite-undetected", f"the same rewrite of {p} without a trusted "
                  "checkpoint: the store alone cannot show it (see docs/threat-model.md)",
                  edits, None, report=expected_report(sample, chains, checkpoints)),
            _case("pinned-other-ledger-key", "the auditor pins a ledger key that is not the "
                  "one named by genesis", [], _fault(SYSTEM_CHAIN, 0, "signature"),
                  auditor={"ledger_public_key": sample.foreign_key.hex()}),
        ]

    def _rewritten(self, *, resign_checkpoints: bool) -> list[StoredEnvelope]:
        """Payments with seq REWRITE_FROM's payload changed and every later envelope
        relinked; with ``resign_checkpoints``, checkpoint events carry new notes over the
        new roots."""
        chain = list(self.payments[:REWRITE_FROM])
        chain.append(_other_digest(self.payments[REWRITE_FROM]))
        for stored in self.payments[REWRITE_FROM + 1:]:
            changes: dict[str, Any] = {"prev_hash": chain[-1].event_hash}
            if resign_checkpoints and stored.event_type == "CheckpointPublished":
                event = open_envelope(stored)
                old = decode_payload(event.event_type, event.schema_version, event.payload)
                size = old["tree_size"]
                root = MerkleTree(hash_leaf(e.event_hash) for e in chain[:size]).root()
                new = {"tree_size": size, "root_hash": root, "note": self._note(chain, size)}
                changes["payload"] = encode_payload(event.event_type, new)[1]
            chain.append(reseal(stored, **changes))
        return chain

    def _note(self, chain: Sequence[StoredEnvelope], size: int) -> str:
        root = MerkleTree(hash_leaf(e.event_hash) for e in chain[:size]).root()
        body = Checkpoint(f"{self.sample.origin}/{PAYMENTS_DOMAIN}", size, root).body()
        return self.sample.sign_with_ledger_key(body)
