"""Traces to a real Zipkin server: the service's spans arrive, parented as the OTLP ones are.

Zipkin (its exec jar, in-memory storage) runs on a free loopback port; a service is
configured with ``zipkin_endpoint`` only (no in-memory processor, no OTLP), serves a signed
command, and Zipkin's own query API must then return the trace: the REST span, the handler
span under it and the store span under that, service name ``skms``. Zipkin parses the v2
JSON itself, so a malformed export would show up as a missing trace.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commands.sdk.client import Client
from commands.service.config import ServiceConfig
from commands.service.limits import Limits
from commands.service.server import Server
from ledger.errors import ConfigurationError
from tests.deploy.conftest import missing, tool
from tests.service.conftest import PASSPHRASE, make_home

ZIPKIN_VERSION = "3.5.1"


def zipkin_jar() -> Path:
    configured = os.environ.get("SKMS_ZIPKIN_JAR")
    jar = Path(configured) if configured else (
        Path.home() / ".m2" / "repository" / "io" / "zipkin" / "zipkin-server" / ZIPKIN_VERSION
        / f"zipkin-server-{ZIPKIN_VERSION}-exec.jar")
    if not jar.is_file():
        missing(f"no Zipkin server jar at {jar} (make zipkin-jar)")
    return jar


def free_port() -> int:
    """A port free now on loopback: Zipkin takes its port as a setting, not from a socket."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def zipkin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Zipkin server of this module's own, or the one ``$SKMS_ZIPKIN_URL`` names (a
    loopback Zipkin a developer keeps running: the JVM takes a minute or two to start)."""
    running = os.environ.get("SKMS_ZIPKIN_URL")
    if running:
        yield running.rstrip("/")
        return
    jar = zipkin_jar()
    java = tool("java")
    port = free_port()
    log = tmp_path_factory.mktemp("zipkin") / "zipkin.log"
    env = {**os.environ, "QUERY_PORT": str(port), "STORAGE_TYPE": "mem",
           "JAVA_OPTS": "-Xmx256m"}
    with log.open("wb") as out:
        process = subprocess.Popen([java, "-Xmx256m", "-jar", str(jar)], env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # ~100 s seen for the JVM on a loaded machine
        while True:
            try:
                if get_json(f"{base}/health").get("status") == "UP":
                    break
            except (OSError, urllib.error.URLError, ValueError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Zipkin did not start: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_spans_reach_a_real_zipkin_server(zipkin: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    actors = make_home(home)
    config = ServiceConfig(home=home, rest_port=0, grpc_port=0, limits=Limits(rate=1000),
                           zipkin_endpoint=f"{zipkin}/api/v2/spans")
    server = Server(config, bytearray(PASSPHRASE.encode()))
    server.start()
    try:
        actor = actors["key-manager"]
        with Client(f"https://127.0.0.1:{server.rest_port}", actor.actor_id,
                    actor.private_key, ca=home / "tls" / "ca.pem") as client:
            key_id = client.create_key("ed25519", label="zipkin").result["key_id"]
        assert server.core.provider.force_flush(30_000)
    finally:
        server.stop()

    deadline = time.monotonic() + 30
    spans: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        traces = get_json(f"{zipkin}/api/v2/traces?serviceName=skms&limit=50")
        spans = [span for trace in traces for span in trace
                 if span.get("name", "").startswith("handler")]
        if spans:
            break
        time.sleep(0.5)
    assert spans, "no handler span reached Zipkin"
    handler = spans[0]
    trace = get_json(f"{zipkin}/api/v2/trace/{handler['traceId']}")
    by_id = {span["id"]: span for span in trace}
    assert {span["localEndpoint"]["serviceName"] for span in trace} == {"skms"}
    api = by_id[handler["parentId"]]
    assert api["name"].startswith("post /"), api["name"]
    store = [span for span in trace if span.get("parentId") == handler["id"]]
    assert any(span["name"] == "store.append" for span in store), [s["name"] for s in trace]
    assert key_id  # the command the trace is of succeeded


def test_a_zipkin_endpoint_that_is_not_a_url_is_refused(tmp_path: Path) -> None:
    config = ServiceConfig(home=tmp_path, zipkin_endpoint="zipkin:9411")
    with pytest.raises(ConfigurationError) as refused:
        config.check()
    assert refused.value.field == "zipkin-endpoint"
