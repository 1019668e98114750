"""Threat detection on a live server (REST, real TLS on loopback): the scheduler's tick
scans the read models, records the finding as a ledger event that the WebSocket feed
carries (without secrets), suspends the key under a suspend policy, and the last scan's
scores are on /metrics as ``skms_threat_score``."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commands.sdk.results import ApiError
from tests.service.conftest import Running, start


@pytest.fixture
def scanning(tmp_path: Path) -> Iterator[Running]:
    running = start(tmp_path / "home", client_auth="optional", scheduler_interval_s=0.2)
    yield running
    running.server.stop()


def events_until(feed: Any, event_type: str, deadline: float) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        event = feed.recv(timeout=max(0.1, deadline - time.monotonic()))
        seen.append(event)
        if event["event_type"] == event_type:
            return seen
    raise AssertionError(f"no {event_type} within the time: {[e['event_type'] for e in seen]}")


def test_a_burst_on_a_fresh_key_is_recorded_fed_suspended_and_scored_on_metrics(
        scanning: Running) -> None:
    with scanning.client("key-manager") as km, scanning.client("admin") as admin, \
            scanning.client("signer") as signer, scanning.client("auditor") as auditor, \
            scanning.client("analyst") as analyst:
        key_id = str(km.create_key("ed25519", label="hot").result["key_id"])
        admin.set_threat_policy(20, "suspend", lift_approvals=1, key_id=key_id)
        with auditor.feed("default", from_seq=0) as feed:
            signed = 0
            for i in range(40):
                try:
                    signer.sign(key_id, f"burst {i}".encode())
                except ApiError:  # suspended by the scheduler meanwhile
                    break
                signed += 1
            seen = events_until(feed, "KeySuspended", time.monotonic() + 30)
        detected = next(e for e in seen if e["event_type"] == "ThreatDetected")
        assert detected["actor_id"] == "scheduler"
        record = detected["event"]
        assert record["key_id"] == key_id and record["score"] >= 20 and record["suspends"]
        assert {f["name"] for f in record["features"]} >= {"rate", "hour_of_day"}
        assert set(record) == {"key_id", "finding_id", "window_start", "window_end", "score",
                               "threshold", "action", "lift_approvals", "suspends",
                               "actors", "features"}  # counts and ids, nothing else
        assert seen[-1]["event"]["reason"].startswith(f"threat finding {record['finding_id']}")
        assert signed > 0
        with pytest.raises(ApiError, match="suspended"):  # held until the lift quorum
            signer.sign(key_id, b"after the suspension")
        metrics = analyst.metrics()
        line = re.search(rf'^skms_threat_score\{{kind="key",subject="{key_id}"\}} (\S+)$',
                         metrics, re.M)
        assert line is not None and float(line.group(1)) >= 20, metrics[-2000:]
        assert re.search(r"^skms_threat_findings_total (\S+)$", metrics, re.M)
