"""Write ``schemas/skms.proto`` from the command catalogue (``--check``: compare only)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from commands.service.proto_schema import proto_text

TARGET = Path(__file__).resolve().parents[1] / "schemas" / "skms.proto"


def main() -> int:
    text = proto_text()
    if "--check" in sys.argv:
        if not TARGET.is_file() or TARGET.read_text() != text:
            print(f"{TARGET} is not what the catalogue says: run python tools/gen_proto.py")
            return 1
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
