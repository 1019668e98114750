"""Write ``commands/sdk/operations.py`` from the command catalogue (``--check``: compare)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from commands.sdk.codegen import operations_source

TARGET = Path(__file__).resolve().parents[1] / "commands" / "sdk" / "operations.py"


def main() -> int:
    text = operations_source()
    if "--check" in sys.argv:
        if not TARGET.is_file() or TARGET.read_text() != text:
            print(f"{TARGET} is not what the catalogue says: run python tools/gen_sdk.py")
            return 1
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
