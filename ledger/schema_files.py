"""The one place that says where SKMS's schema files are, for every reader.

Requirements (``tests/packaging`` checks each):

1. The files are package data of the ``schemas`` package and are found through
   :func:`importlib.resources.files`, never through a path counted up from a module
   (``parents[2]``): an installed wheel reads the copy it shipped, from any working
   directory, and an editable install reads the checkout.
2. Callers get real file-system paths, because fastavro, protoc and the doc tools read
   files. pip installs wheels unpacked, so that always holds; a ``schemas`` package that is
   not a folder on disk (imported from a zip, or split as a namespace package) is refused
   with :class:`~ledger.errors.ConfigurationError` instead of being extracted somewhere.
3. Nothing here writes: an installed SKMS never changes its own folder.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import schemas
from ledger.errors import ConfigurationError

AVRO_FOLDER = "avro"
PROTO_FILE = "skms.proto"
OPENAPI_FILE = "openapi.json"


def schema_root() -> Path:
    """The folder of the installed ``schemas`` package."""
    root = files(schemas)
    if not isinstance(root, Path) or not root.is_dir():
        raise ConfigurationError(
            f"the schemas package is not a folder on disk ({root})",
            hint="install SKMS from its wheel or source with pip; zip imports are not supported")
    return root


def avro_dir() -> Path:
    """The folder of Avro schemas: ``<Name>.v<N>.avsc`` for every event and the envelope."""
    return schema_root() / AVRO_FOLDER


def proto_file() -> Path:
    """The gRPC API definition the committed ``commands/service/generated`` code comes from."""
    return schema_root() / PROTO_FILE


def openapi_file() -> Path:
    """The committed OpenAPI document of the REST API."""
    return schema_root() / OPENAPI_FILE
