"""The gRPC code generated from ``schemas/skms.proto``: committed, imported, never written.

Requirements (``tests/packaging/test_generated_grpc.py`` checks each):

1. The generated modules live in ``commands/service/generated/`` and are committed, so an
   installed SKMS imports them as they are and never writes into its own folder (a
   wheel's site-packages may be read-only, shared between users, or checked against the
   wheel's RECORD).
2. They are written only by ``python tools/gen_catalogue.py`` (``make generate``), from the
   proto it writes from the catalogue in the same run, with grpcio-tools from the locked
   ``dev`` extra; regenerating from an unchanged catalogue gives the committed bytes exactly.
3. ``python tools/gen_catalogue.py --check`` regenerates them into a temporary folder and
   names every file that differs, so a catalogue edit without regenerating, or a lock
   refresh that moves grpcio-tools, cannot land unnoticed.
4. The generated code refuses a protobuf or grpcio runtime older than the one it was
   generated for; pyproject's lower bounds for both follow the committed code.

Why committed rather than generated when the wheel is built: a build hook runs in pip's
isolated build environment, which resolves grpcio-tools afresh and unpinned; its protobuf
gencode can then be newer than the locked protobuf runtime, which protobuf refuses at
import (``VersionError``). An editable install would also still need a generated copy in
the source tree. Committing keeps one set of bytes for the checkout and every install, and
keeps the compiler (grpcio-tools) out of the runtime dependencies.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

GENERATED = Path(__file__).resolve().parent / "generated"
PACKAGE = "commands.service.generated"
MESSAGES_MODULE = "skms_pb2"
SERVICES_MODULE = "skms_pb2_grpc"


def load() -> tuple[ModuleType, ModuleType]:
    """``(skms_pb2, skms_pb2_grpc)``: the committed modules, imported as they are."""
    messages = importlib.import_module(f"{PACKAGE}.{MESSAGES_MODULE}")
    services = importlib.import_module(f"{PACKAGE}.{SERVICES_MODULE}")
    return messages, services
