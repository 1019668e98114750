"""Generated gRPC code, produced from ``schemas/skms.proto`` when first needed.

Why generate at run time instead of committing: the generated modules must match the
installed protobuf runtime; generating with the installed grpcio-tools keeps them in step
and keeps machine-written code out of review. :func:`load` regenerates when the proto's
SHA-256 differs from the stamp in ``commands/service/_generated/`` (git-ignored), under a
file lock so parallel test workers do not race. ``python -m commands.service.protos``
does the same from a shell (``make protos``).
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import sys
from pathlib import Path
from types import ModuleType

from ledger.errors import ConfigurationError
from ledger.schema_files import proto_file

PROTO = proto_file()
GENERATED = Path(__file__).resolve().parent / "_generated"
PACKAGE = "commands.service._generated"
STAMP = "proto.sha256"


def generate(force: bool = False) -> Path:
    """Run protoc (grpcio-tools) into ``_generated/`` unless the stamp says it is current."""
    if not PROTO.is_file():
        raise ConfigurationError(f"the gRPC schema {PROTO} is missing")
    digest = hashlib.sha256(PROTO.read_bytes()).hexdigest()
    GENERATED.mkdir(exist_ok=True)
    with open(GENERATED / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = GENERATED / STAMP
        if not force and stamp.is_file() and stamp.read_text().strip() == digest:
            return GENERATED
        from grpc_tools import protoc

        include = Path(protoc.__file__).parent / "_proto"
        status = protoc.main(["grpc_tools.protoc", f"-I{PROTO.parent}", f"-I{include}",
                              f"--python_out={GENERATED}", f"--pyi_out={GENERATED}",
                              f"--grpc_python_out={GENERATED}", str(PROTO)])
        if status != 0:
            raise ConfigurationError(f"protoc failed on {PROTO} (exit {status})")
        grpc_module = GENERATED / "skms_pb2_grpc.py"
        text = grpc_module.read_text()
        grpc_module.write_text(text.replace("import skms_pb2 as", f"from {PACKAGE} import "
                                            "skms_pb2 as"))
        (GENERATED / "__init__.py").write_text('"""Generated from schemas/skms.proto; do not '
                                               'edit, do not commit."""\n')
        stamp.write_text(digest + "\n")
    return GENERATED


def load() -> tuple[ModuleType, ModuleType]:
    """``(skms_pb2, skms_pb2_grpc)``, generating them first when needed."""
    generate()
    importlib.invalidate_caches()
    messages = importlib.import_module(f"{PACKAGE}.skms_pb2")
    services = importlib.import_module(f"{PACKAGE}.skms_pb2_grpc")
    return messages, services


if __name__ == "__main__":
    print(generate(force="--force" in sys.argv))
