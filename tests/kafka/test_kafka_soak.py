"""The short soak on the Kafka store (the serial Kafka pass, about 3 minutes of load): the mixed
workload against ``skms serve`` on the 3-broker cluster while the harness SIGKILLs and
restarts the server, fills and slows the disk of the server's home, and kills broker 3 of
the cluster (``tools/kafka/kafka.sh kill-broker``), restarting it after the hold.

Why here and not in tests/soak: stopping a broker of the CI cluster is only safe in this
serial pass, where the other fault tests do the same; the cluster is restored afterwards
whatever happened (``restore_cluster``). The figures are ``tools/soak/soak.py``'s; the
test also checks them (docs/assurance.md, "Soak").
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.kafka.kafka_ledger import NODES, require_three_brokers, restore_cluster
from tests.soak.test_soak_short import require_disk_faults, run_soak


def test_short_soak_on_kafka_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    bootstrap = require_three_brokers()
    require_disk_faults()
    try:
        result = run_soak(tmp_path, "--store", "kafka", "--kafka-bootstrap", bootstrap,
                          "--kafka-nodes", str(NODES), "--broker", str(NODES),
                          "--clients", "3", "--feeds", "1", "--fault-seconds", "8",
                          "--quiet-seconds", "12", "--disk-mib", "256",
                          minutes=os.environ.get("SKMS_SOAK_MINUTES", "3"))
    finally:
        restore_cluster()
    assert result["lost"] == 0 and result["duplicated"] == 0 and result["bad_5xx"] == 0
    assert result["audit_verify"] == "ok"
    faults = result["faults"]
    assert isinstance(faults, dict)
    assert set(faults) == {"sigkill", "disk-full", "slow-fsync", "broker-stop"}
    acknowledged = result["acknowledged"]
    assert isinstance(acknowledged, int) and acknowledged >= 20
    assert float(str(result["max_rss_mib"])) <= float(str(result["rss_bound_mib"]))
