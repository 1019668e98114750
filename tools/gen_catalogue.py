"""Write (or check) the files generated from the command catalogue.

    python tools/gen_catalogue.py          # regenerate all three
    python tools/gen_catalogue.py --check  # exit 1 naming each stale file

* ``commands/sdk/operations.py``: one SDK method per entry (:mod:`commands.sdk.codegen`);
* ``schemas/skms.proto``: the gRPC service (:mod:`commands.service.proto_schema`);
* ``schemas/openapi.json``: the OpenAPI 3.1 document, built by the function the live
  server serves (``tests/service/test_openapi.py`` compares it with a running server).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from commands.sdk.codegen import operations_source
from commands.service.app import create_app, openapi_document, openapi_json
from commands.service.proto_schema import proto_text

ROOT = Path(__file__).resolve().parents[1]


def openapi_text() -> str:
    return openapi_json(openapi_document(create_app(None)))


ARTIFACTS: dict[Path, Callable[[], str]] = {
    ROOT / "commands" / "sdk" / "operations.py": operations_source,
    ROOT / "schemas" / "skms.proto": proto_text,
    ROOT / "schemas" / "openapi.json": openapi_text,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="Only compare, do not write.")
    args = parser.parse_args()
    stale = []
    for target, render in ARTIFACTS.items():
        text = render()
        if args.check:
            if not target.is_file() or target.read_text() != text:
                stale.append(target)
            continue
        target.write_text(text)
        print(f"wrote {target.relative_to(ROOT)}")
    for target in stale:
        print(f"{target.relative_to(ROOT)} is stale: run python tools/gen_catalogue.py",
              file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
