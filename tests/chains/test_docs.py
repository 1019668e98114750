"""Every python example in docs/chains.md runs (in order, in one namespace) and prints what
the page says it prints."""

from __future__ import annotations

import re

import pytest

from tests.vectors import REPO_ROOT

DOC = REPO_ROOT / "docs" / "chains.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def test_python_examples_run(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert len(blocks) == 4
    namespace: dict[str, object] = {}
    for index, code in enumerate(blocks):
        exec(compile(code, f"{DOC}:python-block-{index}", "exec"), namespace)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F 0x")
    assert lines[1].startswith("tb1q") and " tb1p" in lines[1]
    assert lines[2] == "[(0, 'p2wpkh', 'ALL'), (1, 'p2tr', 'DEFAULT')]"
    assert lines[-3:-1] == ["allow", "refuse"]
    assert lines[-1].startswith("needs_approval ('value 1000000000000000000 exceeds")


def test_every_module_is_in_the_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    modules = sorted(p.relative_to(REPO_ROOT / "ledger" / "chains").as_posix()
                     for p in (REPO_ROOT / "ledger" / "chains").rglob("*.py")
                     if p.name != "__init__.py")
    for module in modules:
        name = module.removeprefix("bitcoin/")
        assert f"`{module}`" in text or f"`{name}`" in text, module
