"""Write (or check) schemas/openapi.json: the OpenAPI 3.1 document the service serves.

    python tools/gen_openapi.py          # regenerate
    python tools/gen_openapi.py --check  # exit 1 if the committed file is stale

The document is built by the same function the live server serves
(``commands.service.app.openapi_document``); ``tests/service/test_openapi.py`` checks the
committed file against a running server.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from commands.service.app import create_app, openapi_document, openapi_json

TARGET = Path(__file__).resolve().parents[1] / "schemas" / "openapi.json"


def render() -> str:
    return openapi_json(openapi_document(create_app(None)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="Only compare, do not write.")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not TARGET.is_file() or TARGET.read_text() != text:
            print(f"{TARGET} is stale: run python tools/gen_openapi.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
