"""Named compliance reports: fixed SQL over the read models, with a few typed parameters.

Why named SQL instead of analysts' own queries: a report is reviewed once and then means
the same thing in every audit, and its parameters are bound, never spliced into the text.
Each report declares which parameters it takes:

* ``since`` (``--since T``) limits it to activity recorded at or after T, where a time
  window makes sense;
* ``at`` is the evaluation time of time-dependent reports (overdue rotation), a parameter
  so that results are reproducible and testable;
* ``heads`` are the store's chain heads, for the projection lag in ``chain-status``.

All times are UTC. See ``docs/projections.md`` for every report's columns.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb

from ledger.errors import InvalidInput, NotFound
from projections.export import ResultSet

SINCE = "since"
AT = "at"
HEADS = "heads"


_ROTATION_DUE = """
WITH due AS (
    SELECT *, coalesce(rotated_at, created_at) AS last_rotated_at,
           coalesce(rotated_at, created_at) + to_days(rotation_period_days) AS due_at
    FROM keys
    WHERE state = 'active' AND rotation_period_days > 0)"""
"""When each active key with a rotation period is next due: one definition for the
overdue-rotation and rotation-schedule reports, so they can never disagree."""


@dataclass(frozen=True, slots=True)
class Chart:
    """How a report becomes a bar chart: ``y`` summed per ``x`` (rows counted if no ``y``)."""

    x: str
    y: str | None
    title: str


@dataclass(frozen=True, slots=True)
class Report:
    name: str
    description: str
    sql: str
    params: frozenset[str]
    chart: Chart

    @property
    def takes_since(self) -> bool:
        return SINCE in self.params


def _report(name: str, description: str, sql: str, params: set[str], chart: Chart) -> Report:
    return Report(name, description, sql.strip(), frozenset(params), chart)


REPORTS: dict[str, Report] = {r.name: r for r in (
    _report("inventory", "Keys by algorithm, state and domain, with signature counts and FIPS "
            "status (--since: keys created since T).", """
SELECT algorithm, state, domain, count(*) AS keys,
       sum(signature_count)::BIGINT AS signatures, bool_and(fips_approved) AS fips_approved
FROM keys
WHERE $since::TIMESTAMP IS NULL OR created_at >= $since::TIMESTAMP
GROUP BY algorithm, state, domain
ORDER BY algorithm, state, domain""", {SINCE}, Chart("state", "keys", "Keys by state")),

    _report("overdue-rotation", "Active keys whose last rotation (or creation) plus "
            "rotation_period_days lies before the evaluation time.", _ROTATION_DUE + """
SELECT key_id, domain, label, algorithm, current_version, last_rotated_at,
       rotation_period_days, due_at, date_diff('day', due_at, $at::TIMESTAMP) AS days_overdue
FROM due
WHERE due_at < $at::TIMESTAMP
ORDER BY due_at, key_id""", {AT}, Chart("key_id", "days_overdue", "Days overdue per key")),

    _report("rotation-schedule", "Every active key with a rotation period: its next due time "
            "(last rotation or creation plus rotation_period_days) and the days until then "
            "from the evaluation time (negative: overdue, the scheduler's next run rotates "
            "it).", _ROTATION_DUE + """
SELECT key_id, domain, label, algorithm, current_version, last_rotated_at,
       rotation_period_days, due_at AS next_due_at,
       date_diff('day', $at::TIMESTAMP, due_at) AS days_until_due
FROM due
ORDER BY due_at, key_id""", {AT}, Chart("key_id", "days_until_due",
                                              "Days until each key's next rotation")),

    _report("compromised-and-destroyed", "Keys marked compromised or destroyed, with "
            "signatures recorded at or after the compromise time (--since: compromised or "
            "destroyed since T).", """
WITH after AS (
    SELECT s.key_id, count(*) AS signatures_after_compromise
    FROM signatures s JOIN keys k ON k.key_id = s.key_id
    WHERE k.compromised_at IS NOT NULL AND s.recorded_at >= k.compromised_at
    GROUP BY s.key_id)
SELECT k.key_id, k.domain, k.label, k.algorithm, k.state, k.compromised_at, k.destroyed_at,
       k.signature_count, coalesce(a.signatures_after_compromise, 0)::BIGINT
           AS signatures_after_compromise
FROM keys k LEFT JOIN after a ON a.key_id = k.key_id
WHERE (k.compromised_at IS NOT NULL OR k.state = 'destroyed')
  AND ($since::TIMESTAMP IS NULL OR k.compromised_at >= $since::TIMESTAMP
       OR k.destroyed_at >= $since::TIMESTAMP)
ORDER BY coalesce(k.destroyed_at, k.compromised_at), k.key_id""", {SINCE},
            Chart("state", None, "Compromised and destroyed keys")),

    _report("signing-activity", "Signatures per day (UTC), actor and key (--since: signed "
            "since T).", """
WITH daily AS (  -- aggregate first: joining a million rows before grouping cost 1.6x
    SELECT CAST(recorded_at AS DATE) AS day, actor_id, key_id, algorithm,
           count(*) AS signatures
    FROM signatures
    WHERE $since::TIMESTAMP IS NULL OR recorded_at >= $since::TIMESTAMP
    GROUP BY ALL)
SELECT d.day, d.actor_id, a.name AS actor_name, d.key_id, k.label AS key_label, d.algorithm,
       d.signatures
FROM daily d
LEFT JOIN actors a ON a.actor_id = d.actor_id
LEFT JOIN keys k ON k.key_id = d.key_id
ORDER BY d.day, actor_name, d.actor_id, d.key_id""", {SINCE},
            Chart("day", "signatures", "Signatures per day")),

    _report("chain-activity", "Blockchain signatures per UTC day, chain family, network, "
            "key or wallet and kind, with the value moved to others in the smallest unit (--since: "
            "signed since T).", """
SELECT CAST(c.recorded_at AS DATE) AS day, c.family, c.network, c.key_id,
       k.label AS key_label, c.wallet_id, c.kind, c.asset, count(*) AS signatures,
       sum(TRY_CAST(c.value AS HUGEINT)) AS value, count(DISTINCT c.actor_id) AS actors
FROM chain_signatures c
LEFT JOIN keys k ON k.key_id = c.key_id
WHERE $since::TIMESTAMP IS NULL OR c.recorded_at >= $since::TIMESTAMP
GROUP BY ALL
ORDER BY day, c.family, c.network, c.key_id, c.wallet_id, c.kind""", {SINCE},
            Chart("day", "signatures", "Chain signatures per day")),

    _report("refused-commands", "Every refused command with its reason (--since: refused "
            "since T).", """
SELECT r.recorded_at, r.chain, r.seq, r.actor_id, a.name AS actor_name, r.command_type,
       r.target, r.reason_code, r.reason
FROM command_rejections r
LEFT JOIN actors a ON a.actor_id = r.actor_id
WHERE $since::TIMESTAMP IS NULL OR r.recorded_at >= $since::TIMESTAMP
ORDER BY r.recorded_at, r.chain, r.seq""", {SINCE},
            Chart("reason_code", None, "Refused commands by reason")),

    _report("non-fips-in-use", "Keys in use (pre-activation, active, suspended) whose "
            "algorithm is not FIPS-approved or unknown, with their signatures (--since: "
            "signatures since T).", """
SELECT k.key_id, k.domain, k.label, k.algorithm, k.state, k.fips_approved, k.created_at,
       count(s.seq) AS signatures, max(s.recorded_at) AS last_signed_at
FROM keys k
LEFT JOIN signatures s ON s.key_id = k.key_id
    AND ($since::TIMESTAMP IS NULL OR s.recorded_at >= $since::TIMESTAMP)
WHERE k.state IN ('pre-activation', 'active', 'suspended')
  AND k.fips_approved IS DISTINCT FROM TRUE
GROUP BY ALL
ORDER BY signatures DESC, k.key_id""", {SINCE},
            Chart("algorithm", "signatures", "Signatures with non-FIPS keys")),

    _report("data-key-usage", "Uses of keys on data (encrypt, decrypt, datakey, mac, "
            "mac-verify, derive) per day (UTC), key, actor and operation, with the bytes "
            "involved (--since: used since T).", """
WITH daily AS (
    SELECT CAST(recorded_at AS DATE) AS day, key_id, algorithm, actor_id, operation,
           count(*) AS operations, sum(plaintext_size)::BIGINT AS plaintext_bytes,
           sum(ciphertext_size)::BIGINT AS ciphertext_bytes,
           sum(output_size)::BIGINT AS output_bytes
    FROM key_operations
    WHERE $since::TIMESTAMP IS NULL OR recorded_at >= $since::TIMESTAMP
    GROUP BY ALL)
SELECT d.day, d.key_id, k.label AS key_label, d.algorithm, d.actor_id, a.name AS actor_name,
       d.operation, d.operations, d.plaintext_bytes, d.ciphertext_bytes, d.output_bytes
FROM daily d
LEFT JOIN actors a ON a.actor_id = d.actor_id
LEFT JOIN keys k ON k.key_id = d.key_id
ORDER BY d.day, d.key_id, actor_name, d.actor_id, d.operation""", {SINCE},
            Chart("operation", "operations", "Key uses on data by operation")),

    _report("decrypt-activity", "Every decryption: who opened which ciphertext with which "
            "key version, and which recorded operation made the ciphertext (--since: "
            "decrypted since T).", """
WITH origin AS (  -- the encryption or data key that produced each ciphertext, if recorded
    SELECT key_id, ciphertext_digest_hex, operation, actor_id, recorded_at
    FROM key_operations
    WHERE operation IN ('encrypt', 'datakey')
    QUALIFY row_number() OVER (PARTITION BY key_id, ciphertext_digest_hex
                               ORDER BY recorded_at, chain, seq) = 1)
SELECT d.recorded_at, d.chain, d.seq, d.actor_id, a.name AS actor_name, d.key_id,
       k.label AS key_label, d.algorithm, d.key_version, k.current_version AS key_current_version,
       d.ciphertext_digest_hex, d.aad_digest_hex, d.plaintext_size, d.ciphertext_size,
       o.operation AS origin_operation, o.actor_id AS origin_actor_id,
       o.recorded_at AS origin_recorded_at
FROM key_operations d
LEFT JOIN actors a ON a.actor_id = d.actor_id
LEFT JOIN keys k ON k.key_id = d.key_id
LEFT JOIN origin o ON o.key_id = d.key_id AND o.ciphertext_digest_hex = d.ciphertext_digest_hex
WHERE d.operation = 'decrypt'
  AND ($since::TIMESTAMP IS NULL OR d.recorded_at >= $since::TIMESTAMP)
ORDER BY d.recorded_at, d.chain, d.seq""", {SINCE},
            Chart("actor_name", None, "Decryptions per actor")),

    _report("wallet-activity", "Per HD wallet: addresses derived and marked used, and "
            "account xpubs exported (--since: activity since T; wallets without any are "
            "left out).", """
WITH derived AS (
    SELECT wallet_id, count(*) AS addresses_derived, max(recorded_at) AS last_derived_at
    FROM wallet_addresses
    WHERE $since::TIMESTAMP IS NULL OR recorded_at >= $since::TIMESTAMP
    GROUP BY wallet_id),
used AS (
    SELECT wallet_id, count(*) AS addresses_used, max(recorded_at) AS last_used_at
    FROM wallet_address_uses
    WHERE $since::TIMESTAMP IS NULL OR recorded_at >= $since::TIMESTAMP
    GROUP BY wallet_id),
exported AS (
    SELECT wallet_id, count(*) AS xpub_exports,
           count(DISTINCT account_path) AS exported_accounts,
           max(recorded_at) AS last_exported_at
    FROM wallet_xpub_exports
    WHERE $since::TIMESTAMP IS NULL OR recorded_at >= $since::TIMESTAMP
    GROUP BY wallet_id)
SELECT w.wallet_id, w.domain, w.label, w.source,
       coalesce(d.addresses_derived, 0) AS addresses_derived, d.last_derived_at,
       coalesce(u.addresses_used, 0) AS addresses_used, u.last_used_at,
       coalesce(x.xpub_exports, 0) AS xpub_exports,
       coalesce(x.exported_accounts, 0) AS exported_accounts, x.last_exported_at
FROM wallets w
LEFT JOIN derived d ON d.wallet_id = w.wallet_id
LEFT JOIN used u ON u.wallet_id = w.wallet_id
LEFT JOIN exported x ON x.wallet_id = w.wallet_id
WHERE $since::TIMESTAMP IS NULL OR d.wallet_id IS NOT NULL OR u.wallet_id IS NOT NULL
   OR x.wallet_id IS NOT NULL
ORDER BY w.created_at, w.wallet_id""", {SINCE},
            Chart("wallet_id", "addresses_derived", "Addresses derived per wallet")),

    _report("backups", "Every wallet with each of its seed backups (scheme, threshold, "
            "custodians) and whether it was ever recovered; a wallet without a backup has "
            "one row with status no-backup (--since: wallets created since T).", """
WITH recovered AS (
    SELECT wallet_id, split_id, count(*) AS recoveries, max(recorded_at) AS last_recovered_at,
           arg_max(custodians, seq) AS last_recovery_custodians
    FROM wallet_recoveries
    GROUP BY wallet_id, split_id)
SELECT w.wallet_id, w.domain, w.label,
       CASE WHEN b.split_id IS NULL THEN 'no-backup'
            WHEN r.recoveries IS NULL THEN 'not-recovered'
            ELSE 'recovered' END AS status,
       b.split_id, b.scheme, b.threshold, b.share_count, b.custodians, b.seed_version,
       b.recorded_at AS backed_up_at, coalesce(a.name, b.actor_id) AS backed_up_by,
       coalesce(r.recoveries, 0) AS recoveries, r.last_recovered_at,
       r.last_recovery_custodians
FROM wallets w
LEFT JOIN wallet_backups b ON b.wallet_id = w.wallet_id
LEFT JOIN actors a ON a.actor_id = b.actor_id
LEFT JOIN recovered r ON r.wallet_id = b.wallet_id AND r.split_id = b.split_id
WHERE $since::TIMESTAMP IS NULL OR w.created_at >= $since::TIMESTAMP
ORDER BY w.created_at, w.wallet_id, b.recorded_at, b.split_id""", {SINCE},
            Chart("status", None, "Wallet backups by status")),

    _report("chain-status", "Per chain: last checkpoint, projected position, store head and "
            "projection lag (head and lag are empty with --no-update).", """
WITH heads AS (
    SELECT unnest($head_chains::VARCHAR[]) AS chain_id,
           unnest($head_seqs::BIGINT[]) AS head_seq),
chains AS (
    SELECT chain_id FROM projection_positions UNION SELECT chain_id FROM heads),
last_checkpoint AS (
    SELECT * FROM checkpoints
    QUALIFY row_number() OVER (PARTITION BY chain ORDER BY seq DESC) = 1)
SELECT c.chain_id AS chain, p.last_seq AS position, h.head_seq AS head,
       h.head_seq - coalesce(p.last_seq, -1) AS lag, cp.seq AS last_checkpoint_seq,
       cp.tree_size AS last_checkpoint_size, cp.root_hex AS last_checkpoint_root_hex,
       cp.recorded_at AS last_checkpoint_at,
       coalesce(h.head_seq, p.last_seq) + 1 - coalesce(cp.tree_size, 0)
           AS events_since_checkpoint
FROM chains c
LEFT JOIN projection_positions p ON p.chain_id = c.chain_id
LEFT JOIN heads h ON h.chain_id = c.chain_id
LEFT JOIN last_checkpoint cp ON cp.chain = c.chain_id
ORDER BY c.chain_id""", {HEADS}, Chart("chain", "events_since_checkpoint",
                                        "Events since the last checkpoint")),

    _report("threats", "Recorded threat findings, highest score first: the key, the "
            "scored hour, the score against the policy's threshold, whether the key was "
            "suspended (and is still held) and each feature's points (--since: recorded "
            "since T). docs/threat-detection.md explains the score.", """
SELECT f.recorded_at, f.chain, f.seq, f.finding_id, f.key_id, k.label AS key_label,
       k.state AS key_state, f.window_start, f.window_end, f.score, f.threshold, f.action,
       f.suspended, f.actors, f.features_json
FROM threat_findings f
LEFT JOIN keys k ON k.key_id = f.key_id
WHERE $since::TIMESTAMP IS NULL OR f.recorded_at >= $since::TIMESTAMP
ORDER BY f.score DESC, f.recorded_at, f.chain, f.seq""", {SINCE},
            Chart("key_id", "score", "Summed threat scores per key")),

    _report("threshold-groups", "Per threshold group seat of this ledger (FROST, BLS, "
            "MuSig2): suite, t-of-n, "
            "its participant identifier, stage, group key, signing sessions, shares issued "
            "and signatures aggregated (--since: groups with activity since T).", """
WITH started AS (
    SELECT group_id, chain AS domain, suite, threshold, participants, identifier,
           recorded_at AS started_at
    FROM threshold_events
    WHERE event_type IN ('ThresholdDkgStarted', 'MusigKeyAggregated', 'ThresholdKeyDealt')),
activity AS (
    SELECT group_id,
           max(CASE WHEN event_type IN ('ThresholdKeyCreated', 'MusigKeyAggregated',
                                        'ThresholdKeyDealt', 'ThresholdDealAccepted')
                    THEN public_value_hex END) AS group_public_key_hex,
           bool_or(event_type = 'ThresholdKeyDealt') AS dealt,
           bool_or(event_type = 'ThresholdDkgShared') AS shared,
           bool_or(event_type IN ('ThresholdKeyCreated', 'MusigKeyAggregated',
                                  'ThresholdDealAccepted')) AS created,
           bool_or(event_type = 'ThresholdGroupRetired') AS retired,
           count(DISTINCT session_id) AS sessions,
           count(*) FILTER (WHERE event_type = 'ThresholdShareIssued') AS shares_issued,
           count(*) FILTER (WHERE event_type = 'ThresholdSignatureAggregated') AS signatures,
           max(recorded_at) AS last_activity_at
    FROM threshold_events GROUP BY group_id)
SELECT s.group_id, s.domain, s.suite, s.threshold, s.participants, s.identifier,
       CASE WHEN a.retired THEN 'retired' WHEN a.dealt THEN 'dealt'
            WHEN a.created THEN 'active'
            WHEN a.shared THEN 'round2' ELSE 'round1' END AS stage,
       a.group_public_key_hex, a.sessions, a.shares_issued, a.signatures, s.started_at,
       a.last_activity_at
FROM started s JOIN activity a ON a.group_id = s.group_id
WHERE $since::TIMESTAMP IS NULL OR a.last_activity_at >= $since::TIMESTAMP
ORDER BY s.started_at, s.group_id""", {SINCE},
            Chart("group_id", "signatures", "Group signatures per threshold group")),

    _report("threshold-aborts", "Refused threshold steps: cheating DKG participants and bad "
            "signature shares (named in the reason), sessions below the threshold, nonce "
            "reuse or replay and out-of-order rounds (--since: refused since T).", """
SELECT r.recorded_at, r.chain, r.seq, r.command_type, r.target, r.reason_code, r.reason,
       r.actor_id
FROM command_rejections r
WHERE r.command_type IN ('StartThresholdDkg', 'RunThresholdDkgRound', 'FinishThresholdDkg',
                         'CommitThresholdSigning', 'SignThresholdShare',
                         'AggregateThresholdSignature', 'AggregateMusigKey')
  AND ($since::TIMESTAMP IS NULL OR r.recorded_at >= $since::TIMESTAMP)
ORDER BY r.recorded_at, r.chain, r.seq""", {SINCE},
            Chart("reason_code", None, "Threshold refusals by reason")),
)}


def get_report(name: str) -> Report:
    try:
        return REPORTS[name]
    except KeyError:
        raise NotFound(f"no report named {name!r}", field="name",
                       hint=f"choose one of: {', '.join(REPORTS)}") from None


def utc_now() -> dt.datetime:
    """Now as a naive UTC datetime, the form DuckDB TIMESTAMP columns hold."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


_AGO = re.compile(r"(\d{1,6})([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_time(text: str, *, field: str, now: dt.datetime | None = None) -> dt.datetime:
    """An ISO date or date-time, or a span back from ``now`` (``7d``, ``24h``, ``30m``); a
    time with an offset is converted to UTC, one without is taken as UTC already."""
    ago = _AGO.fullmatch(text.strip())
    if ago is not None:
        span = dt.timedelta(**{_UNITS[ago.group(2)]: int(ago.group(1))})
        return (now or utc_now()) - span
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{text!r} is not an ISO date or date-time, nor a span like 7d, "
                           "24h or 30m", field=field,
                           hint="e.g. 2025-01-31, 2025-01-31T12:00:00Z or 7d") from None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def check_arguments(name: str, *, since: dt.datetime | None,
                    at: dt.datetime | None = None) -> Report:
    """The named report, if it exists and takes the given arguments (checked before any
    work, so a typo does not first cost a catch-up with the store)."""
    report = get_report(name)
    for value, param in ((since, SINCE), (at, AT)):
        if value is not None and param not in report.params:
            raise InvalidInput(f"report {name} does not take --{param}", field=param,
                               hint=f"reports that take --{param}: " + ", ".join(
                                   r.name for r in REPORTS.values() if param in r.params))
    return report


def run_report(con: duckdb.DuckDBPyConnection, name: str, *, since: dt.datetime | None = None,
               at: dt.datetime | None = None,
               heads: Mapping[str, int] | None = None) -> ResultSet:
    """Run one named report and fetch its result."""
    report = check_arguments(name, since=since, at=at)
    params: dict[str, object] = {}
    if SINCE in report.params:
        params["since"] = since
    if AT in report.params:
        params["at"] = at if at is not None else utc_now()
    if HEADS in report.params:
        known = dict(heads or {})
        params["head_chains"] = list(known)
        params["head_seqs"] = [known[c] for c in known]
    return ResultSet.fetch(con.sql(report.sql, params=params))
