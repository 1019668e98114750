"""Cut the Kubernetes JSON schemas kubeconform needs from the locked ``kubernetes-validate``.

Why committed and cut: nothing can be fetched at test time, and the package's schema folder
for one Kubernetes version is ~700 files and a 1.5 MB definitions file. This keeps the kinds
the chart renders plus only the definitions they reach, with the package's absolute
``$id``/``$ref`` (``/api/_definitions.json#/$defs/...`` under kubernetes.io) rewritten to
local, relative ones so a validator resolves them from the folder itself.

    python tools/deploy/k8s_schemas.py            # write tools/deploy/schemas/<version>/
    python tools/deploy/k8s_schemas.py --check    # exit 1 if the committed ones differ
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

KUBERNETES_VERSION = "1.35.0"
FLAVOUR = "local-strict"  # strict: unknown fields are errors, as kubectl --validate=strict
# What the chart renders (kubeconform's file names: kind[-group]-version).
KINDS = ("statefulset-apps-v1", "deployment-apps-v1", "service-v1", "serviceaccount-v1",
         "secret-v1", "networkpolicy-networking-v1")
DEFINITIONS = "_definitions.json"
REF_PREFIX = f"/api/{DEFINITIONS}#/$defs/"
OUT = Path(__file__).resolve().parent / "schemas" / f"v{KUBERNETES_VERSION}-{FLAVOUR}"


def source() -> Any:
    return (resources.files("kubernetes_validate") / "kubernetes-json-schema"
            / f"v{KUBERNETES_VERSION}-{FLAVOUR}")


def local_refs(node: Any, reached: set[str]) -> Any:
    """A copy of ``node`` with definitions refs made relative, collecting the names."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$id":
                continue
            if key == "$ref" and isinstance(value, str):
                if value.startswith(REF_PREFIX):
                    name = value[len(REF_PREFIX):]
                elif value.startswith("#/$defs/"):
                    name = value[len("#/$defs/"):]
                else:
                    raise ValueError(f"unexpected $ref {value!r}")
                reached.add(name)
                out[key] = f"{DEFINITIONS}#/$defs/{name}"
                continue
            out[key] = local_refs(value, reached)
        return out
    if isinstance(node, list):
        return [local_refs(item, reached) for item in node]
    return node


def cut() -> dict[str, str]:
    """File name -> text of every schema to commit."""
    folder = source()
    files: dict[str, str] = {}
    pending: set[str] = set()
    for kind in KINDS:
        schema = json.loads((folder / f"{kind}.json").read_text())
        files[f"{kind}.json"] = dump(local_refs(schema, pending))
    all_defs = json.loads((folder / DEFINITIONS).read_text())["$defs"]
    kept: dict[str, Any] = {}
    while pending:
        name = pending.pop()
        if name in kept:
            continue
        reached: set[str] = set()
        kept[name] = local_refs(all_defs[name], reached)
        # Inside the definitions file a ref to itself by file name resolves the same.
        pending |= reached - kept.keys()
    files[DEFINITIONS] = dump({"$defs": dict(sorted(kept.items()))})
    return files


def dump(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    files = cut()
    if args.check:
        present = {p.name for p in OUT.glob("*.json")} if OUT.is_dir() else set()
        stale = sorted(name for name, text in files.items()
                       if not (OUT / name).is_file() or (OUT / name).read_text() != text)
        stale += sorted(present - files.keys())
        if stale:
            print(f"{OUT} is out of date: {', '.join(stale)} "
                  f"(run python tools/deploy/k8s_schemas.py)", file=sys.stderr)
            return 1
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.json"):
        if old.name not in files:
            old.unlink()
    for name, text in files.items():
        (OUT / name).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
