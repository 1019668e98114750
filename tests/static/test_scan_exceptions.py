"""The reviewed exceptions of ``make scan`` (``tools/scan/exceptions.toml``) stay honest.

An exception is a claim about SKMS ("this advisory does not reach us because ..."); each
names the test that keeps the claim true. These tests check the file's form, that every
named evidence exists, that an entry covers one advisory of one package (never a package),
and the two import claims made there.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXCEPTIONS = tomllib.loads((ROOT / "tools" / "scan" / "exceptions.toml").read_text())
PRODUCT = [ROOT / "ledger", ROOT / "commands", ROOT / "projections"]


def load_tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / "scan" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


vulns = load_tool("vulns")
licenses = load_tool("licenses")


def _parsed(path: Path) -> ast.AST:
    """``ast.parse``, retried after CPython 3.11's spurious "AST constructor recursion depth
    mismatch" SystemError (python/cpython#106905, seen in threaded processes such as this
    xdist worker once; fixed in later CPython releases); a real syntax error still fails."""
    for attempt in range(3):
        try:
            return ast.parse(path.read_text(), str(path))
        except SystemError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def imported_modules() -> list[tuple[Path, str]]:
    """Every ``import x`` and ``from x import`` of the product, with its file."""
    found = []
    for root in PRODUCT:
        for path in sorted(root.rglob("*.py")):
            if "_generated" in path.parts:
                continue
            for node in ast.walk(_parsed(path)):
                if isinstance(node, ast.Import):
                    found += [(path, alias.name) for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.append((path, node.module))
    return found


ENTRIES = [("vulnerability", e) for e in EXCEPTIONS.get("vulnerability", [])] + \
          [("licence", e) for e in EXCEPTIONS.get("licence", [])]


@pytest.mark.parametrize(("kind", "entry"), ENTRIES, ids=[e["distribution"] for _, e in ENTRIES])
def test_every_exception_is_reasoned_reviewed_and_has_evidence(kind: str,
                                                               entry: dict[str, str]) -> None:
    assert {"distribution", "reason", "evidence", "reviewed"} <= set(entry)
    assert len(entry["reason"].split()) >= 15, "a reason says why, in words"
    if kind == "vulnerability":
        assert entry["advisories"] and all(a for a in entry["advisories"])
    else:
        assert entry["family"] in ("weak-copyleft", "unknown"), \
            "strong copyleft is never accepted"
        if entry["family"] == "unknown":  # metadata missing: the upstream licence is named
            assert licenses.family_of_expression(entry["licence"]) == licenses.PERMISSIVE
    path, _, test_name = entry["evidence"].partition("::")
    assert (ROOT / path).is_file(), entry["evidence"]
    if test_name:
        assert f"def {test_name}(" in (ROOT / path).read_text(), entry["evidence"]


def test_an_entry_covers_one_advisory_of_one_package() -> None:
    minerva = {"id": "GHSA-wj6h-64fc-37mp", "aliases": ["CVE-2024-23342"]}
    assert vulns.is_accepted("ecdsa", minerva)
    assert vulns.is_accepted("ecdsa", {"id": "PYSEC-2099-1", "aliases": ["CVE-2024-23342"]})
    assert not vulns.is_accepted("ecdsa", {"id": "GHSA-aaaa-bbbb-cccc", "aliases": []})
    assert not vulns.is_accepted("fastecdsa", minerva)


def test_no_product_module_imports_python_ecdsa() -> None:
    """The ecdsa entry's first claim (its runtime claim is tests/wallets/
    test_no_python_ecdsa.py)."""
    assert [str(p) for p, m in imported_modules() if m == "ecdsa" or m.startswith("ecdsa.")] \
        == []


def test_pypqc_is_used_for_falcon_only() -> None:
    """The pypqc entry's claim: its Kyber (the advisory) is never imported."""
    uses = {(p.relative_to(ROOT).as_posix(), m) for p, m in imported_modules()
            if m == "pqc" or m.startswith("pqc.")}
    assert uses == {("ledger/crypto/falcon.py", "pqc.sign")}
