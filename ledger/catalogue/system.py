"""Catalogue entries: the ledger's own commands (genesis, checkpoints, refusals)."""

from __future__ import annotations

from ledger.catalogue.fields import boolean, hexa, integer, text
from ledger.catalogue.model import ChainRule, CliRoute, CommandSpec, Route
from ledger.catalogue.shapes import SHAPES

NOBODY: frozenset[str] = frozenset()

COMMANDS = (
    CommandSpec(
        name="InitializeLedger", doc="Genesis: the ledger's identity key and checkpoint "
                                     "policy (``skms init``; never over the network).",
        group="ledger", roles=NOBODY, chain=ChainRule.SYSTEM,
        events=frozenset({"LedgerInitialized"}),
        args=(text("ledger_id", "The ledger's id (a UUID).", max_length=100),
              text("ledger_name", "A name.", max_length=200),
              hexa("ledger_public_key", "The ledger's Ed25519 key.", size=32),
              text("origin", "The checkpoints' origin line prefix.", max_length=200),
              boolean("fips_mode", "Refuse algorithms that are not FIPS-approved.",
                      required=False, default=False),
              integer("checkpoint_every_events", "Checkpoint every N events.",
                      required=False, default=64, minimum=1, maximum=10**6),
              integer("checkpoint_every_seconds", "...and at least every T seconds.",
                      required=False, default=60, minimum=1, maximum=86400),
              text("kek_provider", "Which KEK protects the data keys.", max_length=100)),
        result=SHAPES["LedgerInitialized"], system=True),
    CommandSpec(
        name="PublishCheckpoint", doc="The ledger's own checkpoint of a chain.",
        group="ledger", roles=NOBODY, chain=ChainRule.ANY,
        events=frozenset({"CheckpointPublished"}),
        args=(integer("tree_size", "The chain's size.", minimum=1),), system=True),
    CommandSpec(
        name="RecordRejection", doc="The ledger's record of a refused command (or of a "
                                    "window's refusals of one actor, summed up).",
        group="ledger", roles=NOBODY, chain=ChainRule.ANY,
        events=frozenset({"CommandRejected"}),
        args=(text("rejected_command_id", "The refused command's id.", max_length=100),
              text("rejected_actor_id", "A summary's actor.", required=False,
                   max_length=200),
              integer("rejected_count", "A summary's count.", required=False, minimum=1)),
        system=True),
    CommandSpec(
        name="RequestCheckpoint", doc="Publish a checkpoint of a chain now.",
        group="audit", roles=frozenset({"auditor", "admin"}), chain=ChainRule.ANY,
        events=frozenset({"CheckpointPublished"}), args=(),
        result=SHAPES["CheckpointPublication"],
        rest=Route("POST", "/v1/chains/{chain_id}/checkpoints"),
        cli=CliRoute(("audit", "checkpoint"), selector="--publish", renderer="checkpoint")),
)
