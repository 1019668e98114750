"""The Helm chart: `helm lint`, `helm template` for both modes and both KEKs, every rendered
manifest valid against the committed Kubernetes schemas (kubeconform, strict), and the
properties the deployment promises read back from the rendered objects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.conftest import CHART, DEPLOY, run, tool

SCHEMAS = DEPLOY / "schemas" / "v1.35.0-local-strict"
EMBEDDED = ["--set", "passphrase.value=not-a-real-passphrase"]
KAFKA_PKCS11 = ["--set", "mode=kafka", "--set", "kek=pkcs11", "--set", "pkcs11.pin=1234",
                "--set", "kafka.url=kafka://kafka-0.kafka:9092?prefix=skms",
                "--set", "kafka.homeSecret=skms-home", "--set", "tls.secretName=skms-tls",
                "--set", "tracing.zipkinEndpoint=http://zipkin:9411/api/v2/spans",
                "--set", "tracing.collectorSelector.app=zipkin"]


def render(*values: str) -> str:
    result = run(tool("helm"), "template", "demo", str(CHART), *values)
    assert result.returncode == 0, result.stderr
    return result.stdout


def objects(text: str) -> dict[str, dict[str, Any]]:
    return {f"{doc['kind']}/{doc['metadata']['name']}": doc
            for doc in yaml.safe_load_all(text) if doc}


def kubeconform(manifests: Path) -> Any:
    return run(tool("kubeconform"), "-strict", "-summary", "-schema-location",
               f"{SCHEMAS}/{{{{.ResourceKind}}}}{{{{.KindSuffix}}}}.json", str(manifests))


@pytest.mark.parametrize("values", [EMBEDDED, KAFKA_PKCS11], ids=["embedded", "kafka-pkcs11"])
def test_helm_lint(values: list[str]) -> None:
    result = run(tool("helm"), "lint", "--strict", str(CHART), *values)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("values", [EMBEDDED, KAFKA_PKCS11], ids=["embedded", "kafka-pkcs11"])
def test_rendered_manifests_pass_kubeconform(values: list[str], tmp_path: Path) -> None:
    manifests = tmp_path / "manifests.yaml"
    manifests.write_text(render(*values))
    result = kubeconform(manifests)
    assert result.returncode == 0, result.stdout + result.stderr
    count = len(objects(manifests.read_text()))
    assert f"Valid: {count}, Invalid: 0, Errors: 0, Skipped: 0" in result.stdout, result.stdout


def test_kubeconform_refuses_what_kubernetes_would(tmp_path: Path) -> None:
    """The validator really reads the schemas: a misspelt field and a kind it has no schema
    for are both errors (not skipped)."""
    text = render(*EMBEDDED).replace("readOnlyRootFilesystem", "readOnlyRootFilesytem")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text + "---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\n")
    result = kubeconform(bad)
    assert result.returncode != 0
    assert "readOnlyRootFilesytem" in result.stdout and "could not find schema for Job" in \
        result.stdout, result.stdout


def pod_spec(rendered: dict[str, dict[str, Any]], kind: str) -> dict[str, Any]:
    workload = rendered[f"{kind}/demo-skms"]
    assert workload["spec"]["replicas"] == 1  # one writer per home / per chain
    return dict(workload["spec"]["template"]["spec"])


def assert_restricted(spec: dict[str, Any]) -> None:
    """The Restricted Pod Security Standard, container by container."""
    pod = spec["securityContext"]
    assert pod["runAsNonRoot"] is True and pod["runAsUser"] != 0
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["automountServiceAccountToken"] is False
    for container in spec["containers"] + spec["initContainers"]:
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False, container["name"]
        assert context["readOnlyRootFilesystem"] is True, container["name"]
        assert context["capabilities"] == {"drop": ["ALL"]}, container["name"]
        assert context["runAsNonRoot"] is True, container["name"]


def test_embedded_mode_statefulset() -> None:
    rendered = objects(render(*EMBEDDED))
    assert "Deployment/demo-skms" not in rendered
    spec = pod_spec(rendered, "StatefulSet")
    assert_restricted(spec)
    claim = rendered["StatefulSet/demo-skms"]["spec"]["volumeClaimTemplates"][0]
    assert claim["metadata"]["name"] == "home"
    skms = spec["containers"][0]
    assert {"name": "home", "mountPath": "/home/skms"} in skms["volumeMounts"]
    assert skms["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "rest",
                                                "scheme": "HTTPS"}
    assert skms["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert skms["args"][:2] == ["--passphrase-file", "/run/secrets/skms/passphrase"]
    # The passphrase is a Secret mounted as a file, never an environment variable.
    secret = rendered["Secret/demo-skms-passphrase"]
    assert set(secret["data"]) == {"passphrase"}
    assert all("passphrase" not in str(env) for env in skms["env"])
    init = spec["initContainers"][0]
    assert init["name"] == "init" and 'test -f "$SKMS_HOME/config.json" ||' in \
        init["command"][2]


def test_kafka_mode_deployment_with_an_hsm_pin() -> None:
    rendered = objects(render(*KAFKA_PKCS11))
    assert "StatefulSet/demo-skms" not in rendered
    deployment = rendered["Deployment/demo-skms"]
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    spec = pod_spec(rendered, "Deployment")
    assert_restricted(spec)
    skms = spec["containers"][0]
    assert skms["args"][:2] == ["--store", "kafka://kafka-0.kafka:9092?prefix=skms"]
    assert "--zipkin-endpoint" in skms["args"] and "--tls-cert" in skms["args"]
    assert {"name": "SKMS_PKCS11_PIN_FILE", "value": "/run/skms-pin/pin"} in skms["env"]
    # The PIN reaches the pod as a 0600 copy in memory (a group-readable file is refused).
    pin = next(c for c in spec["initContainers"] if c["name"] == "pin")
    assert pin["command"][:3] == ["/usr/bin/install", "-m", "0600"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["pin"]["emptyDir"]["medium"] == "Memory"
    assert set(rendered["Secret/demo-skms-pkcs11-pin"]["data"]) == {"pin"}


def test_network_policy_denies_by_default_and_opens_what_is_needed() -> None:
    policy = objects(render(*KAFKA_PKCS11))["NetworkPolicy/demo-skms"]["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    egress_ports = [port["port"] for rule in policy["egress"] for port in rule["ports"]]
    assert 53 in egress_ports and 9092 in egress_ports and 9411 in egress_ports
    ingress_ports = [port["port"] for rule in policy["ingress"] for port in rule["ports"]]
    assert set(ingress_ports) == {"rest", "grpc"}
    embedded = objects(render(*EMBEDDED))["NetworkPolicy/demo-skms"]["spec"]
    assert 9092 not in [p["port"] for rule in embedded["egress"] for p in rule["ports"]]


@pytest.mark.parametrize(("values", "message"), [
    ([], "kek=passphrase needs passphrase.existingSecret or passphrase.value"),
    (["--set", "mode=kafka", "--set", "passphrase.existingSecret=s"], "mode=kafka needs kafka.url"),
    (["--set", "mode=sqlite", *EMBEDDED], "mode must be embedded or kafka"),
])
def test_incomplete_values_are_refused(values: list[str], message: str) -> None:
    result = run(tool("helm"), "template", "demo", str(CHART), *values)
    assert result.returncode != 0 and message in result.stderr, result.stderr


def test_committed_schemas_match_the_locked_package() -> None:
    result = run(tool("python"), str(DEPLOY / "k8s_schemas.py"), "--check")
    assert result.returncode == 0, result.stderr
