"""The compose stack: Docker Compose v2 accepts it (Compose Specification), it holds what
docs/deploy.md says, and the Grafana dashboard charts only series SKMS really exports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.conftest import DEPLOY, run, tool
from tests.service.conftest import start

COMPOSE = DEPLOY / "compose"


def config() -> dict[str, Any]:
    """The file as Compose resolves it (anchors, merges, defaults), in JSON."""
    result = run(tool("docker-compose"), "-f", str(COMPOSE / "compose.yaml"), "config",
                 "--format", "json")
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_compose_validates(tmp_path: Path) -> None:
    assert run(tool("docker-compose"), "-f", str(COMPOSE / "compose.yaml"), "config",
               "-q").returncode == 0
    bad = tmp_path / "compose.yaml"
    bad.write_text((COMPOSE / "compose.yaml").read_text().replace(
        "    read_only: true", "    read_only_root: true", 1))
    refused = run(tool("docker-compose"), "-f", str(bad), "config", "-q")
    assert refused.returncode != 0 and "read_only_root" in refused.stderr, refused.stderr


def test_the_stack_has_skms_a_kraft_quorum_and_the_observability_tools() -> None:
    services = config()["services"]
    assert {"skms", "skms-init", "kafka-1", "kafka-2", "kafka-3", "prometheus", "grafana",
            "jaeger"} <= set(services)
    voters = {services[f"kafka-{n}"]["environment"]["KAFKA_CONTROLLER_QUORUM_VOTERS"]
              for n in (1, 2, 3)}
    assert voters == {"1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"}
    assert {services[f"kafka-{n}"]["environment"]["KAFKA_NODE_ID"] for n in (1, 2, 3)} == \
        {"1", "2", "3"}
    skms = services["skms"]
    assert skms["read_only"] is True and skms["user"] == "10001:10001"
    assert skms["cap_drop"] == ["ALL"]
    assert "--otlp-endpoint" in skms["command"] and "http://jaeger:4317" in skms["command"]
    assert services["skms"]["depends_on"]["skms-init"]["condition"] == \
        "service_completed_successfully"
    # Published ports are bound to loopback only.
    for name, service in services.items():
        for port in service.get("ports", []):
            assert port["host_ip"] == "127.0.0.1", (name, port)


def test_prometheus_scrapes_skms_with_a_client_certificate() -> None:
    scrape = yaml.safe_load((COMPOSE / "prometheus" / "prometheus.yml").read_text())
    job = next(j for j in scrape["scrape_configs"] if j["job_name"] == "skms")
    assert job["scheme"] == "https" and job["metrics_path"] == "/metrics"
    assert job["static_configs"][0]["targets"] == ["skms:8443"]
    assert {"ca_file", "cert_file", "key_file"} <= set(job["tls_config"])
    # skms-init.sh writes them to the home's metrics-client folder, the only part of the
    # home Prometheus mounts (make image runs the script and this scrape for real).
    init = (COMPOSE / "skms-init.sh").read_text()
    assert "OUT=/home/skms/metrics-client" in init
    for produced in ("client.pem", "client.key", "ca.pem"):
        assert f'"$OUT/{produced}"' in init
        assert f"/etc/prometheus/skms/{produced}" in json.dumps(job)
    mounts = config()["services"]["prometheus"]["volumes"]
    certs = next(m for m in mounts if m["target"] == "/etc/prometheus/skms")
    assert certs["source"] == "skms-home" and certs["read_only"] is True
    assert certs["volume"]["subpath"] == "metrics-client"


def dashboard_series() -> set[str]:
    dashboard = json.loads((COMPOSE / "grafana" / "dashboards" / "skms.json").read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert exprs
    return {name for expr in exprs for name in re.findall(r"\bskms_[a-z_]+\b", expr)}


def exported_series(exposition: str) -> set[str]:
    """Every series name the exposition holds, plus those of families with no sample yet."""
    names: set[str] = set()
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"),
                "gauge": ("",)}
    for family in text_string_to_metric_families(exposition):
        names |= {sample.name for sample in family.samples}
        names |= {family.name + suffix for suffix in suffixes.get(family.type, ())}
    return names


def test_the_grafana_dashboard_charts_series_skms_exports(tmp_path: Path) -> None:
    running = start(tmp_path / "home", traced=False)
    try:
        with running.client("key-manager") as client:
            client.create_key("ed25519", label="dashboard")
        exposition = generate_latest(running.server.core.metrics.registry).decode()
    finally:
        running.server.stop()
    exported = exported_series(exposition)
    charted = dashboard_series()
    assert charted - exported == set(), f"not exported by SKMS: {charted - exported}"
    # Every family SKMS exports has a panel (the client library's *_created timestamps of
    # counters are no family of SKMS's own).
    families = {f.name for f in text_string_to_metric_families(exposition)
                if f.name.startswith("skms_") and not f.name.endswith("_created")}
    uncharted = {f for f in families
                 if not any(s == f or s.startswith(f + "_") for s in charted)}
    assert uncharted == set(), f"no panel for {uncharted}"


def test_grafana_is_provisioned_with_the_prometheus_datasource() -> None:
    provisioning = COMPOSE / "grafana" / "provisioning"
    sources = yaml.safe_load((provisioning / "datasources" / "prometheus.yaml").read_text())
    source = sources["datasources"][0]
    assert source["type"] == "prometheus" and source["url"] == "http://prometheus:9090"
    dashboard = json.loads((COMPOSE / "grafana" / "dashboards" / "skms.json").read_text())
    uids = {t["datasource"]["uid"] for p in dashboard["panels"] for t in p["targets"]}
    assert uids == {source["uid"]}
    providers = yaml.safe_load((provisioning / "dashboards" / "skms.yaml").read_text())
    path = providers["providers"][0]["options"]["path"]
    mounts = config()["services"]["grafana"]["volumes"]
    assert any(m["target"] == path and m["source"].endswith("grafana/dashboards")
               for m in mounts), mounts
