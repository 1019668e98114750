"""The license of every installed distribution, checked against SKMS's allow-list.

SKMS is Apache-2.0, so what it ships with must not impose copyleft on it:

1. Each distribution's license comes from, in order: its ``License-Expression`` (SPDX),
   its ``License`` field, its ``License ::`` classifiers, the first words of its license
   file. It is classed as *permissive* (MIT, BSD, Apache, ISC, PSF, Zlib, public domain,
   MPL-2.0's file-level copyleft ...), *weak copyleft* (LGPL), *strong copyleft* (GPL,
   AGPL, SSPL, EUPL) or *unknown*. An SPDX ``OR`` takes the most permissive choice, ``AND``
   the least.
2. *Runtime* distributions are the closure of SKMS's own ``dependencies`` (no extras):
   what a user installs. A runtime distribution must be permissive, or have a reviewed
   ``[[licence]]`` entry of its family in ``tools/scan/exceptions.toml`` (weak copyleft,
   or an *unknown* one whose entry names the permissive licence its upstream declares,
   e.g. a release published without licence metadata). Strong copyleft, or unknown
   without such an entry, fails the check.
3. Development tools (the ``dev`` and ``fuzz`` extras and their dependencies) are listed
   too; copyleft there is reported but does not fail the check (they are not shipped).

    python tools/scan/licenses.py [--json]
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import json
import re
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT = "skms"
PERMISSIVE, WEAK, STRONG, UNKNOWN = "permissive", "weak-copyleft", "strong-copyleft", "unknown"
RANK = {PERMISSIVE: 0, WEAK: 1, UNKNOWN: 2, STRONG: 3}

EXCEPTIONS_FILE = Path(__file__).with_name("exceptions.toml")


def licence_exceptions(path: Path = EXCEPTIONS_FILE) -> dict[str, dict[str, str]]:
    """The reviewed ``[[licence]]`` entries by canonical distribution name."""
    entries = tomllib.loads(path.read_text()).get("licence", [])
    return {canonicalize_name(e["distribution"]): e for e in entries}


EXCEPTIONS = licence_exceptions()
"""Runtime distributions accepted though not permissive, each for one family, with why."""

_FAMILIES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bAGPL|AFFERO", re.I), STRONG),
    (re.compile(r"\bLGPL|LESSER GENERAL PUBLIC|LIBRARY GENERAL PUBLIC", re.I), WEAK),
    (re.compile(r"\bGPL|GENERAL PUBLIC LICEN[CS]E|\bSSPL|\bEUPL", re.I), STRONG),
    (re.compile(r"\bMPL|MOZILLA PUBLIC", re.I), PERMISSIVE),
    (re.compile(r"\bMIT\b|\bX11\b|PERMISSION IS HEREBY GRANTED, FREE OF CHARGE", re.I),
     PERMISSIVE),
    (re.compile(r"\bBSD|REDISTRIBUTION AND USE IN SOURCE AND BINARY", re.I), PERMISSIVE),
    (re.compile(r"APACHE", re.I), PERMISSIVE),
    (re.compile(r"\bISC\b|\bPSF|PYTHON SOFTWARE FOUNDATION|\bPSFL\b|\bZLIB\b|\b0BSD\b|"
                r"\bCC0|PUBLIC DOMAIN|UNLICENSE|\bHPND\b|MIT-CMU|\bBSL-1\.0\b|BOOST|"
                r"\bCNRI-PYTHON\b", re.I),
     PERMISSIVE),
]


def family_of(text: str) -> str:
    """The family of one license name or text (rule 1); ``unknown`` when nothing matches."""
    for pattern, family in _FAMILIES:
        if pattern.search(text):
            return family
    return UNKNOWN


def family_of_expression(expression: str) -> str:
    """An SPDX expression: ``OR`` takes the best choice, ``AND`` the worst part."""
    alternatives = re.split(r"\s+OR\s+", expression.strip("() "))
    worsts = []
    for alternative in alternatives:
        parts = [p.strip("() ") for p in re.split(r"\s+AND\s+", alternative)]
        worsts.append(max((family_of(p) for p in parts), key=RANK.__getitem__))
    return min(worsts, key=RANK.__getitem__)


@dataclass(frozen=True)
class Licensed:
    name: str
    version: str
    license: str
    source: str
    family: str
    runtime: bool
    verdict: str


def license_of(dist: metadata.Distribution) -> tuple[str, str, str]:
    """(license text, where it came from, family) by the order of rule 1."""
    meta = dist.metadata
    expression = meta.get("License-Expression") or ""
    if expression.strip():
        return expression.strip(), "License-Expression", family_of_expression(expression)
    field = (meta.get("License") or "").strip()
    first_line = field.split("\n")[0].strip()
    if first_line and first_line.upper() != "UNKNOWN" and family_of(first_line) != UNKNOWN:
        return first_line[:60], "License", family_of(first_line)
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::")]
    if classifiers:
        family = min((family_of(c) for c in classifiers), key=RANK.__getitem__)
        return " / ".join(classifiers)[:60], "classifier", family
    for file in dist.files or []:
        if re.search(r"LICEN[CS]E|COPYING", str(file), re.I):
            try:
                text = " ".join((file.read_text() or "").split()[:40])
            except (OSError, UnicodeDecodeError):
                continue
            spdx = re.search(r"SPDX-License-Identifier:\s*(\(?[A-Za-z0-9.\- ()]+?\)?)\s+\S+://",
                             text)
            if spdx:
                return spdx.group(1), "license file (SPDX)", family_of_expression(spdx.group(1))
            return " ".join(text.split()[:5]), "license file", family_of(text)
    return "(none found)", "-", UNKNOWN


def runtime_closure(project: str = PROJECT) -> set[str]:
    """Canonical names of the project's runtime dependencies, transitively (rule 2)."""
    seen: set[str] = set()
    pending = [project]
    while pending:
        name = pending.pop()
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            requirement = Requirement(text)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            key = canonicalize_name(requirement.name)
            if key not in seen:
                seen.add(key)
                pending.append(requirement.name)
    return seen


def verdict(name: str, family: str, runtime: bool) -> str:
    if not runtime:
        return "ok (dev)" if family == PERMISSIVE else f"reported (dev tool, {family})"
    if family == PERMISSIVE:
        return "ok"
    accepted = EXCEPTIONS.get(canonicalize_name(name))
    if family == WEAK and accepted is not None and accepted["family"] == family:
        return "ok (exception)"
    if family == UNKNOWN and accepted is not None and accepted["family"] == family \
            and family_of_expression(accepted["licence"]) == PERMISSIVE:
        return "ok (exception)"
    return "FAIL"


def survey(distributions: Iterable[metadata.Distribution] | None = None) -> list[Licensed]:
    runtime = runtime_closure()
    rows: dict[str, Licensed] = {}
    for dist in distributions if distributions is not None else metadata.distributions():
        name = dist.metadata["Name"]
        key = canonicalize_name(name)
        if key == PROJECT or key in rows:
            continue
        text, source, family = license_of(dist)
        is_runtime = key in runtime
        rows[key] = Licensed(name, dist.version, text, source, family, is_runtime,
                             verdict(name, family, is_runtime))
    return sorted(rows.values(), key=lambda r: (not r.runtime, r.name.lower()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = survey()
    failed = [r for r in rows if r.verdict == "FAIL"]
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
    else:
        for row in rows:
            scope = "runtime" if row.runtime else "dev"
            print(f"{row.name:<36} {row.version:<14} {scope:<8} {row.family:<16} "
                  f"{row.verdict:<30} {row.license} [{row.source}]")
        for name, entry in EXCEPTIONS.items():
            print(f"exception {name} ({entry['licence']}): {' '.join(entry['reason'].split())}")
    runtime = [r for r in rows if r.runtime]
    print(f"licenses: {len(rows)} distributions ({len(runtime)} runtime), "
          f"{sum(r.family == PERMISSIVE for r in rows)} permissive, "
          f"{sum(r.verdict == 'ok (exception)' for r in rows)} accepted exceptions, "
          f"{sum(r.verdict.startswith('reported') for r in rows)} dev tools reported, "
          f"{len(failed)} failing", file=sys.stderr if args.json else sys.stdout)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
