"""The dashboard's built front end (issue 19 §1): the committed bundle under
``commands/service/dashboard/assets`` is exactly what the locked esbuild makes of
``commands/service/dashboard/ui/src`` (so the wheel serves reviewed code without Node), and
the Chart.js charts it carries draw the report's figures under the page's own strict CSP.

The build check needs Node and the locked npm packages (``make dashboard-deps``): without
them it skips on a developer machine and FAILS under ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from commands.service.dashboard.routes import assets_folder, shipped_assets
from tests.dashboard.test_browser import signed_in
from tests.service.conftest import Running

UI = Path(__file__).parents[2] / "commands" / "service" / "dashboard" / "ui"
BUILD = UI / "build.mjs"


def need_build_tools() -> str:
    node = shutil.which("node")
    missing = None if node else "no node on PATH"
    if not (UI / "node_modules" / "esbuild" / "package.json").is_file():
        missing = f"the dashboard's npm packages are not installed in {UI} (make dashboard-deps)"
    if missing is None and node is not None:
        return node
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(str(missing))
    pytest.skip(str(missing))


def check(node: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([node, str(BUILD), "--check", *extra], capture_output=True, text=True,
                          timeout=120, check=False)


def test_the_committed_bundle_is_what_the_sources_build() -> None:
    node = need_build_tools()
    done = check(node)
    assert done.returncode == 0, done.stderr
    assert "dashboard bundle up to date" in done.stdout


def test_the_check_fails_on_a_changed_missing_or_stray_file(tmp_path: Path) -> None:
    node = need_build_tools()
    copy = tmp_path / "assets"
    shutil.copytree(assets_folder(), copy)
    assert check(node, "--assets", str(copy)).returncode == 0
    (copy / "app.js").write_bytes((copy / "app.js").read_bytes() + b"\n")
    (copy / "licenses.txt").unlink()
    (copy / "old.js").write_text("export {};\n", encoding="utf-8")
    done = check(node, "--assets", str(copy))
    assert done.returncode == 1
    assert "differs: app.js" in done.stderr
    assert "missing licenses.txt" in done.stderr
    assert "not built by this source: old.js" in done.stderr


def test_every_served_script_is_from_this_origin_and_names_its_licences() -> None:
    served = shipped_assets()
    scripts = {name: body for name, body in served.items() if name.endswith(".js")}
    # Every module of the sources keeps its URL; the shared code is in hashed chunks.
    sources = {p.name for p in (UI / "src").glob("*.js")}
    assert sources <= set(scripts)
    assert any(name.startswith("chunk-") for name in scripts)
    for name, body in scripts.items():
        assert b"https://" not in body and b"http://" not in body, name
        assert b"innerHTML" not in body and b"eval(" not in body, name
        assert b"/work/" not in body and b"node_modules/.pnpm" not in body, name
    assert any(b"node_modules/chart.js/" in body for body in scripts.values())
    licences = served["licenses.txt"].decode()
    assert "chart.js 4.6.1 (MIT)" in licences and "@kurkle/color" in licences


def _aggregate(result: dict[str, Any], x: str, y: str | None) -> dict[str, float]:
    """What the chart must show, computed here from the report the SDK reads."""
    totals: dict[str, float] = {}
    for row in result["rows"]:
        value = row[x]
        label = "(none)" if value is None else str(value)
        label = label if len(label) <= 30 else label[:29] + "…"
        totals[label] = totals.get(label, 0) + (1 if y is None else float(row[y] or 0))
    return totals


def _drawn(page: Page, selector: str) -> dict[str, float]:
    data = page.evaluate(
        "async (selector) => { const c = await import('/ui/assets/charts.js');"
        " return c.chartData(document.querySelector(selector)); }", selector)
    assert data is not None, f"no chart drawn on {selector}"
    return dict(zip(data["labels"], (float(v) for v in data["values"]), strict=True))


def test_charts_draw_the_figures_under_the_strict_policy(browser: Browser,
                                                        dashboard_service: Running) -> None:
    with dashboard_service.client("key-manager") as client:
        client.create_key("ed25519", label="chart-a")
        client.create_key("ed25519", label="chart-b")
    page = signed_in(browser, dashboard_service, "auditor")
    refused: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and ("Content Security Policy" in message.text
                                        or "Trusted Type" in message.text):
            refused.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: refused.append(str(error)))
    try:
        page.goto(f"{dashboard_service.url}/ui#/reports")
        canvas = page.locator("#report canvas")
        expect(canvas).to_be_visible()
        with dashboard_service.client("auditor") as client:
            spec = client.reports()[0]
            expected = _aggregate(client.report(spec["name"]), spec["chart"]["x"],
                                  spec["chart"]["y"])
            chains = client.chains()
        assert expected, "the first report has rows once keys exist"
        assert _drawn(page, "#report canvas") == expected
        # The text alternative names every bar; the canvas really has pixels drawn.
        label = canvas.get_attribute("aria-label") or ""
        assert label.startswith(spec["chart"]["title"] + ":")
        assert all(f"{name}: " in label for name in expected)
        assert page.evaluate("() => { const c = document.querySelector('#report canvas');"
                             " const px = c.getContext('2d').getImageData(0, 0, c.width, c.height)"
                             ".data; return px.some((v, i) => i % 4 === 3 && v > 0); }")
        page.goto(f"{dashboard_service.url}/ui#/chains")
        expect(page.locator("main canvas")).to_be_visible()
        assert _drawn(page, "main canvas") == {c["chain_id"]: float(c["head_seq"] + 1)
                                                for c in chains}
        assert refused == []
        # The listener does see a refusal: an inline style attribute breaks the policy.
        page.evaluate("document.body.setAttribute('style', 'color: red')")
        for _ in range(50):
            if refused:
                break
            page.wait_for_timeout(100)
        assert any("Content Security Policy" in text for text in refused)
    finally:
        page.context.close()
