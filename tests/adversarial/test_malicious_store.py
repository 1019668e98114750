"""A store that lies is caught by the auditor and by the proof verifier, with the reason.

The class of bug is immudb's GHSA-672p-m5jq-mrh8: a verifier that accepts a proof whose
parts are not all tied to what the client already trusts lets a server show two different
histories. Each test makes a store (or a proof it serves) lie in one way and checks the
exact finding: chain, seq, check name and the words of the reason. Lies that nothing inside
the store can reveal (withholding the tail, a fork by an operator holding every key) are
shown to pass without an outside anchor and to fail with one (a trusted checkpoint).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from commands.cli.main import cli
from commands.errors import answer_for
from ledger.audit import Auditor
from ledger.errors import SkmsError, VerificationError
from ledger.merkle.errors import NoteError, RootMismatchError
from ledger.proofs import build_consistency, build_inclusion, verify_proof_document
from ledger.stores.base import EventStore, StoredCheckpoint
from tests.adversarial.lying_stores import (
    ForgedStore,
    HeadLies,
    HidesTail,
    RewritesCheckpoints,
    SecondReadLies,
    flip_first_bytes_field,
    reseal_from,
)
from tests.sample_ledger import KEY_CHAIN, SampleLedger, build_fork, build_sample

Fork = tuple[SampleLedger, SampleLedger, int]


@pytest.fixture(scope="module")
def sample() -> SampleLedger:
    return build_sample()


@pytest.fixture(scope="module")
def fork() -> Fork:
    """Branches a and b and the first seq of ``default`` where they differ."""
    left, right, fork_size = build_fork()
    first = next(i for i, (x, y) in enumerate(zip(left.chains[KEY_CHAIN],
                                                  right.chains[KEY_CHAIN], strict=False))
                 if x.event_hash != y.event_hash)
    assert first >= fork_size  # the fork checkpoint covers only the shared prefix
    return left, right, first


def fault(store: EventStore, trusted: tuple[str, ...] = ()) -> VerificationError:
    with pytest.raises(VerificationError) as caught:
        Auditor(store, trusted_checkpoints=trusted).verify()
    return caught.value


def assert_fault(error: VerificationError, chain: str, seq: int | None, check: str,
                 words: str) -> None:
    assert (error.chain, error.seq, error.check) == (chain, seq, check), error.message
    assert words in error.message, error.message


def note_at(sample: SampleLedger, size: int, chain: str = KEY_CHAIN) -> str:
    return next(c.note for c in sample.checkpoints[chain] if c.size == size)


@pytest.fixture(scope="module")
def cli_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home of its own: the CLI answers reads (verify-proof among them) through one."""
    home = tmp_path_factory.mktemp("verifier") / "home"
    result = CliRunner().invoke(cli, ["--home", str(home), "init", "--name", "verifier"],
                                env={"SKMS_PASSPHRASE": "adversarial test, not secret"},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return home


def verify_proof_cli(home: Path, tmp_path: Path, document: dict,  # type: ignore[type-arg]
                     *options: str) -> tuple[int, str]:
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(document))
    result = CliRunner().invoke(cli, ["--home", str(home), "audit", "verify-proof", str(path),
                                      *options], catch_exceptions=False)
    return result.exit_code, result.output


# --- a different event at a seq on a second read ---------------------------------------------

@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_second_read_serving_the_other_branch_is_caught(fork: Fork, tmp_path: Path,
                                                        backend: str) -> None:
    left, right, first = fork
    inner = left.memory_store() if backend == "memory" else left.sqlite_store(tmp_path / "l.db")
    store = SecondReadLies(inner, KEY_CHAIN, first, right.chains[KEY_CHAIN][first])
    Auditor(store).verify()  # the first read is honest
    # The lie is a genuine event signed for the same seq, linking to the same predecessor:
    # it passes every check of its own, and the next envelope no longer links to it.
    assert_fault(fault(store), KEY_CHAIN, first + 1, "prev-hash",
                 "does not link to the previous event")


def test_proof_built_from_a_second_read_is_refused(fork: Fork) -> None:
    left, right, first = fork
    size = left.checkpoints[KEY_CHAIN][-1].size
    store = SecondReadLies(left.memory_store(), KEY_CHAIN, first, right.chains[KEY_CHAIN][first])
    document = build_inclusion(store, KEY_CHAIN, first, size)  # tree read 1, event read 2
    with pytest.raises(RootMismatchError) as caught:
        verify_proof_document(document, left.ledger_public_key)
    assert caught.value.check == "merkle.inclusion"
    assert "does not lead to the trusted root" in caught.value.message


def test_head_naming_another_last_event_is_caught(sample: SampleLedger) -> None:
    """Found by this suite: the auditor compared the head's seq, not its hash."""
    last = len(sample.chains[KEY_CHAIN]) - 1
    store = HeadLies(sample.memory_store(), KEY_CHAIN, bytes(32))
    assert_fault(fault(store), KEY_CHAIN, last, "seq", "head names another event")


# --- a fork after a checkpoint ----------------------------------------------------------------

def test_fork_passes_alone_and_fails_against_the_other_branch_checkpoint(fork: Fork) -> None:
    left, right, first = fork
    Auditor(right.memory_store()).verify()  # an operator with every key forks cleanly
    later = left.checkpoints[KEY_CHAIN][-1]
    assert later.size > first
    assert_fault(fault(right.memory_store(), (later.note,)), KEY_CHAIN, later.size - 1,
                 "trusted-checkpoint", f"rewritten: the chain's root at size {later.size}")
    shared = max(c.size for c in left.checkpoints[KEY_CHAIN] if c.size <= first)
    report = Auditor(right.memory_store(),
                     trusted_checkpoints=[note_at(left, shared)]).verify()
    assert report.trusted_checkpoints == [{"chain": KEY_CHAIN, "size": shared,
                                           "consistent_with_size": len(right.chains[KEY_CHAIN])}]


def test_fork_served_with_the_other_branch_checkpoints_is_caught(fork: Fork) -> None:
    left, right, _ = fork
    store = ForgedStore(right.chains, left.checkpoints)
    later = left.checkpoints[KEY_CHAIN][-1]
    assert_fault(fault(store), KEY_CHAIN, later.size - 1, "checkpoint",
                 f"checkpoint root at size {later.size} differs from the chain's")


def test_fork_proofs_verify_alone_but_not_from_the_trusted_checkpoint(
        fork: Fork, tmp_path: Path, cli_home: Path) -> None:
    left, right, first = fork
    key = left.ledger_public_key
    trusted = left.checkpoints[KEY_CHAIN][-1]
    store = right.memory_store()
    consistency = build_consistency(store, KEY_CHAIN, trusted.size, None)
    inclusion = build_inclusion(store, KEY_CHAIN, first, trusted.size)
    for document in (consistency, inclusion):
        assert verify_proof_document(document, key)["valid"] is True  # signed, self-consistent
    with pytest.raises(VerificationError) as caught:
        verify_proof_document(consistency, key, trusted.note)
    assert caught.value.check == "trusted-checkpoint"
    assert "old size and root are not those of the checkpoint you trusted" in str(caught.value)
    with pytest.raises(VerificationError, match="tree size and root are not those"):
        verify_proof_document(inclusion, key, trusted.note)
    trusted_file = tmp_path / "trusted.note"
    trusted_file.write_text(trusted.note)
    code, output = verify_proof_cli(cli_home, tmp_path, consistency, "--ledger-key", key.hex(),
                                    "--trusted-checkpoint", str(trusted_file))
    assert code == 1 and "not those of the checkpoint you trusted" in output
    honest = build_consistency(left.memory_store(), KEY_CHAIN, trusted.size, None)
    assert "trusted checkpoint" in verify_proof_document(honest, key, trusted.note)["detail"]


# --- a proof for another tree -------------------------------------------------------------------

def test_proof_of_another_chain_is_refused(sample: SampleLedger, tmp_path: Path,
                                          cli_home: Path) -> None:
    """Found by this suite: the document's chain was not checked against the checkpoint's
    origin, so a proof about the system chain passed for one about ``default``."""
    store = sample.memory_store()
    size = sample.checkpoints["system"][-1].size
    document = dict(build_inclusion(store, "system", 2, size), chain=KEY_CHAIN)
    with pytest.raises(VerificationError) as caught:
        verify_proof_document(document, sample.ledger_public_key)
    assert caught.value.check == "checkpoint"
    assert f"/system', not of chain '{KEY_CHAIN}'" in caught.value.message
    code, output = verify_proof_cli(cli_home, tmp_path, document, "--ledger-key",
                                    sample.ledger_public_key.hex())
    assert code == 1 and "not of chain 'default'" in output


def test_proof_of_another_ledger_is_refused(sample: SampleLedger, fork: Fork) -> None:
    other = fork[0]
    document = build_inclusion(other.memory_store(), KEY_CHAIN, 1, None)
    with pytest.raises(NoteError, match="no trusted key signed this note"):
        verify_proof_document(document, sample.ledger_public_key)


def test_proof_without_a_signed_root_is_refused_when_a_key_is_pinned(
        sample: SampleLedger, tmp_path: Path, cli_home: Path) -> None:
    """Found by this suite: with --ledger-key, a document without a checkpoint was
    'valid', although the pinned key vouched for nothing in it."""
    store = sample.memory_store()
    sizes = {c.size for c in sample.checkpoints[KEY_CHAIN]}
    unsigned = next(n for n in range(5, 30) if n not in sizes)
    document = build_inclusion(store, KEY_CHAIN, 3, unsigned)
    assert document["checkpoint"] is None
    assert "not covered" in verify_proof_document(document, None)["detail"]  # unpinned: said
    with pytest.raises(VerificationError, match="no signed checkpoint covers the proof's root"):
        verify_proof_document(document, sample.ledger_public_key)
    code, _ = verify_proof_cli(cli_home, tmp_path, document, "--ledger-key",
                               sample.ledger_public_key.hex())
    assert code == 1


# --- an old checkpoint ----------------------------------------------------------------------------

def test_old_checkpoint_with_the_tail_withheld(sample: SampleLedger) -> None:
    old, latest = sample.checkpoints[KEY_CHAIN][1], sample.checkpoints[KEY_CHAIN][-1]
    store = HidesTail(sample.memory_store(), KEY_CHAIN, old.size)
    assert store.latest_checkpoint(KEY_CHAIN) == old
    report = Auditor(store).verify()  # nothing inside the store shows what was withheld
    assert {c.chain_id: c.size for c in report.chains}[KEY_CHAIN] == old.size
    assert_fault(fault(store, (latest.note,)), KEY_CHAIN, old.size, "trusted-checkpoint",
                 f"truncated: the trusted checkpoint covers {latest.size} events, the chain "
                 f"has {old.size}")


def test_old_note_relabelled_as_the_latest_checkpoint(sample: SampleLedger) -> None:
    old, latest = sample.checkpoints[KEY_CHAIN][0], sample.checkpoints[KEY_CHAIN][-1]
    store = RewritesCheckpoints(sample.memory_store(), lambda chain, found: [
        StoredCheckpoint(chain, latest.size, old.note)] if chain == KEY_CHAIN else found)
    assert_fault(fault(store), KEY_CHAIN, None, "checkpoint",
                 "stored checkpoint size differs from its note")


def test_proof_carrying_an_old_checkpoint_is_refused(sample: SampleLedger) -> None:
    store = sample.memory_store()
    old, latest = sample.checkpoints[KEY_CHAIN][0], sample.checkpoints[KEY_CHAIN][-1]
    document = dict(build_inclusion(store, KEY_CHAIN, 1, latest.size), checkpoint=old.note)
    with pytest.raises(VerificationError, match="the signed checkpoint names another size"):
        verify_proof_document(document, sample.ledger_public_key)
    stale = dict(build_consistency(store, KEY_CHAIN, old.size, latest.size),
                 old_checkpoint=latest.note)
    with pytest.raises(VerificationError, match="old checkpoint names another size or root"):
        verify_proof_document(stale, sample.ledger_public_key)


# --- truncation and re-extension ------------------------------------------------------------------

def test_truncated_and_extended_with_the_other_branch(fork: Fork) -> None:
    left, right, first = fork
    cut = first + 2
    chains = {**left.chains, KEY_CHAIN: left.chains[KEY_CHAIN][:cut]
              + right.chains[KEY_CHAIN][cut:]}
    assert_fault(fault(ForgedStore(chains, left.checkpoints)), KEY_CHAIN, cut, "prev-hash",
                 "does not link to the previous event")


def test_truncated_and_extended_with_relinked_forgeries(sample: SampleLedger) -> None:
    """Without any key the store rewrites an event and re-links every later hash; the
    first signed checkpoint after the rewrite (as event) is where it shows."""
    envelopes = sample.chains[KEY_CHAIN]
    target = next(e.seq for e in envelopes if e.event_type == "SignatureIssued")
    forged = reseal_from(envelopes, target, flip_first_bytes_field)
    assert forged[-1].event_hash != envelopes[-1].event_hash
    checkpoint_seq = next(e.seq for e in forged[target:] if e.event_type == "CheckpointPublished")
    store = ForgedStore({**sample.chains, KEY_CHAIN: forged}, sample.checkpoints)
    assert_fault(fault(store), KEY_CHAIN, checkpoint_seq, "checkpoint", "differs from the chain's")


def test_a_tail_past_the_last_checkpoint_is_only_as_good_as_the_trusted_one(
        sample: SampleLedger) -> None:
    """The limit, stated by a test: events after the last checkpoint are covered by the
    hash chain alone, which a store can re-link; only a later trusted checkpoint (or a
    witness) pins them."""
    envelopes = sample.chains[KEY_CHAIN]
    last_checkpointed = sample.checkpoints[KEY_CHAIN][-1].size
    tail = next(e.seq for e in envelopes[last_checkpointed:] if e.event_type == "SignatureIssued")
    forged = reseal_from(envelopes, tail, flip_first_bytes_field)
    Auditor(ForgedStore({**sample.chains, KEY_CHAIN: forged}, sample.checkpoints)).verify()


def test_every_lie_raises_a_user_facing_error(sample: SampleLedger) -> None:
    """The verdicts above are SkmsError subclasses (exit code 1 in the CLI), never crashes."""
    store = HeadLies(sample.memory_store(), KEY_CHAIN, bytes(32))
    with pytest.raises(SkmsError) as caught:
        Auditor(store).verify()
    assert answer_for(caught.value).exit == 1
