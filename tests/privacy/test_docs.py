"""Every python block of docs/privacy.md runs, in order, in one namespace.

The blocks carry their own assertions (a refused double approval, the tenant total); this
test also checks afterwards that the namespace holds what the page says it computed.
"""

from __future__ import annotations

import re

from tests.vectors import REPO_ROOT

DOC = REPO_ROOT / "docs" / "privacy.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def test_python_examples_run() -> None:
    blocks = [body for lang, body in BLOCK.findall(DOC.read_text()) if lang == "python"]
    assert len(blocks) == 4
    namespace: dict[str, object] = {}
    for index, code in enumerate(blocks):
        exec(compile(code, f"{DOC}:python-block-{index}", "exec"), namespace)
    assert len(namespace["approvals"]) == 3  # type: ignore[arg-type]
    assert namespace["aggregator"].decrypt(namespace["result"]) == 41_602  # type: ignore[attr-defined]
