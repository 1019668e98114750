"""Write (or check) the files generated from the command catalogue.

    python tools/gen_catalogue.py          # regenerate every file below (make generate)
    python tools/gen_catalogue.py --check  # exit 1 naming each stale, missing or extra file

* ``commands/sdk/operations.py``: one SDK method per entry (:mod:`commands.sdk.codegen`);
* ``schemas/skms.proto``: the gRPC service (:mod:`commands.service.proto_schema`);
* ``schemas/openapi.json``: the OpenAPI 3.1 document, built by the function the live
  server serves (``tests/service/test_openapi.py`` compares it with a running server);
* ``commands/service/generated/``: what protoc (grpcio-tools, from the locked ``dev`` extra)
  makes of that proto, committed so an installed SKMS never writes into its own folder
  (see :mod:`commands.service.protos`). It is generated from the proto text rendered in
  the same run, so ``--check`` also catches a proto and gRPC code that agree with each
  other but not with the catalogue.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grpc_tools import protoc

from commands.sdk.codegen import operations_source
from commands.service.app import create_app, openapi_document, openapi_json
from commands.service.proto_schema import proto_text
from commands.service.protos import GENERATED, MESSAGES_MODULE, PACKAGE, SERVICES_MODULE

ROOT = Path(__file__).resolve().parents[1]
PROTO_NAME = "skms.proto"  # recorded in the generated descriptor: keep the shipped name
GRPC_NOTE = ('"""Generated from schemas/skms.proto by python tools/gen_catalogue.py; '
             'do not edit."""\n')


def openapi_text() -> str:
    return openapi_json(openapi_document(create_app(None)))


ARTIFACTS: dict[Path, Callable[[], str]] = {
    ROOT / "commands" / "sdk" / "operations.py": operations_source,
    ROOT / "schemas" / PROTO_NAME: proto_text,
    ROOT / "schemas" / "openapi.json": openapi_text,
}


def grpc_modules(proto: str) -> dict[str, str]:
    """The files of ``commands/service/generated/`` for ``proto``, by name."""
    with tempfile.TemporaryDirectory(prefix="skms-protos-") as scratch:
        source = Path(scratch) / "proto"
        out = Path(scratch) / "out"
        source.mkdir()
        out.mkdir()
        (source / PROTO_NAME).write_text(proto, encoding="utf-8")
        include = Path(protoc.__file__).parent / "_proto"
        status = protoc.main(["grpc_tools.protoc", f"-I{source}", f"-I{include}",
                              f"--python_out={out}", f"--pyi_out={out}",
                              f"--grpc_python_out={out}", str(source / PROTO_NAME)])
        if status != 0:
            raise SystemExit(f"protoc failed on the catalogue's proto (exit {status})")
        files = {path.name: path.read_text(encoding="utf-8") for path in out.iterdir()}
    services = f"{SERVICES_MODULE}.py"
    # protoc writes a top-level import; the modules live in a package.
    files[services] = files[services].replace(
        f"import {MESSAGES_MODULE} as", f"from {PACKAGE} import {MESSAGES_MODULE} as")
    files["__init__.py"] = GRPC_NOTE
    return files


def rendered() -> dict[Path, str]:
    """Every generated file, by path, as the catalogue says it should be now."""
    files = {target: render() for target, render in ARTIFACTS.items()}
    files.update({GENERATED / name: text for name, text in grpc_modules(proto_text()).items()})
    return files


def leftovers(expected: dict[Path, str]) -> list[Path]:
    """Files in the generated gRPC folder that the catalogue no longer generates."""
    if not GENERATED.is_dir():
        return []
    return sorted(path for path in GENERATED.iterdir()
                  if path.is_file() and path not in expected)


def stale_files(expected: dict[Path, str]) -> list[Path]:
    """Generated files that are missing, different, or no longer generated."""
    differ = [target for target, text in expected.items()
              if not target.is_file() or target.read_text(encoding="utf-8") != text]
    return sorted(differ + leftovers(expected))


def shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="Only compare, do not write.")
    args = parser.parse_args(argv)
    expected = rendered()
    if args.check:
        stale = stale_files(expected)
        for target in stale:
            print(f"{shown(target)} is stale: run python tools/gen_catalogue.py",
                  file=sys.stderr)
        return 1 if stale else 0
    GENERATED.mkdir(exist_ok=True)
    for target, text in expected.items():
        target.write_text(text, encoding="utf-8")
        print(f"wrote {shown(target)}")
    for extra in leftovers(expected):
        extra.unlink()
        print(f"removed {shown(extra)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
