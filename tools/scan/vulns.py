"""Known vulnerabilities of the installed distributions, from what PyPI serves here.

Why not pip-audit: on this machine PyPI's per-release JSON (``/pypi/NAME/VERSION/json``,
what pip-audit's PyPI service asks) answers 404 and OSV (``api.osv.dev``) cannot be
reached, so pip-audit reports every dependency as "not found on PyPI" and checks nothing.
PyPI's per-project JSON (``/pypi/NAME/json``) is served: it lists the known
vulnerabilities (PYSEC/GHSA ids with their CVE aliases) of the project's *latest* release
only. So:

1. a distribution installed at its latest release is checked: any vulnerability listed
   fails the scan, unless a reviewed ``[[vulnerability]]`` entry of
   ``tools/scan/exceptions.toml`` names that distribution and the advisory (its id or an
   alias): an entry covers one advisory of one package, never a package;
2. one installed at an older release cannot be checked this way and is reported as such
   (``make setup`` installs the newest versions the bounds allow, so this is rare).

Needs the network (one PyPI request per installed distribution); never run by the tests.

    python tools/scan/vulns.py [--timeout S] [DISTRIBUTION ...]   # default: every one
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import json
import sys
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

PROJECT_JSON = "https://pypi.org/pypi/{name}/json"

EXCEPTIONS_FILE = Path(__file__).with_name("exceptions.toml")


def accepted_advisories(path: Path = EXCEPTIONS_FILE) -> dict[str, list[dict[str, Any]]]:
    """The reviewed ``[[vulnerability]]`` entries by canonical distribution name."""
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in tomllib.loads(path.read_text()).get("vulnerability", []):
        found.setdefault(canonicalize_name(entry["distribution"]), []).append(entry)
    return found


ACCEPTED = accepted_advisories()


def is_accepted(name: str, advisory: dict[str, Any]) -> bool:
    """Rule 1: an entry for this distribution lists the advisory's id or an alias."""
    ids = {str(advisory.get("id")), *(str(a) for a in advisory.get("aliases") or [])}
    return any(ids & set(entry["advisories"]) for entry in ACCEPTED.get(name, []))


def fetch(name: str, timeout: float) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(PROJECT_JSON.format(name=name),
                                    timeout=timeout) as answer:
            document: dict[str, Any] = json.load(answer)
            return document
    except (urllib.error.URLError, TimeoutError, ValueError):
        return None


def classify(name: str, installed: str, project: dict[str, Any] | None
             ) -> tuple[str, list[str], list[str]]:
    """(status, open advisory ids, accepted advisory ids) of one distribution; rules 1, 2."""
    if project is None:
        return "unreachable", [], []
    latest = str(project.get("info", {}).get("version", ""))
    if latest != installed:
        return f"not checked (latest is {latest})", [], []
    advisories = project.get("vulnerabilities") or []
    open_ids = [str(v.get("id")) for v in advisories if not is_accepted(name, v)]
    accepted = [str(v.get("id")) for v in advisories if is_accepted(name, v)]
    return ("VULNERABLE" if open_ids else "checked"), open_ids, accepted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("distributions", nargs="*", help="only these (default: every one)")
    args = parser.parse_args(argv)
    only = {canonicalize_name(n) for n in args.distributions}
    seen: dict[str, str] = {}
    for dist in metadata.distributions():
        key = canonicalize_name(dist.metadata["Name"])
        if key != "skms" and (not only or key in only):
            seen.setdefault(key, dist.version)
    counts: dict[str, int] = {}
    vulnerable = 0
    for name, version in sorted(seen.items()):
        status, open_ids, accepted = classify(name, version, fetch(name, args.timeout))
        counts[status.split(" (")[0]] = counts.get(status.split(" (")[0], 0) + 1
        vulnerable += bool(open_ids)
        if status != "checked" or accepted:
            print(f"{name:<36} {version:<14} {status} {' '.join(open_ids)}"
                  + (f" (accepted: {' '.join(accepted)})" if accepted else ""))
    for name, entries in sorted(ACCEPTED.items()):
        for entry in entries:
            print(f"accepted for {name}: {'/'.join(entry['advisories'])}: "
                  f"{' '.join(entry['reason'].split())} [evidence: {entry['evidence']}]")
    print("vulns: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
          + f"; {vulnerable} with open known vulnerabilities")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
