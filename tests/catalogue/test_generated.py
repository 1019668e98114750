"""What is generated from the catalogue and committed (the SDK's methods, the gRPC proto,
the OpenAPI document) is what the catalogue says now."""

from __future__ import annotations

import json

from commands.sdk.codegen import operations_source
from commands.service.proto_schema import proto_text
from tests.vectors import REPO_ROOT


def test_sdk_operations_are_generated_from_the_catalogue() -> None:
    committed = (REPO_ROOT / "commands" / "sdk" / "operations.py").read_text()
    assert committed == operations_source(), "run: python tools/gen_catalogue.py"


def test_proto_is_generated_from_the_catalogue() -> None:
    committed = (REPO_ROOT / "schemas" / "skms.proto").read_text()
    assert committed == proto_text(), "run: python tools/gen_catalogue.py"


def test_openapi_names_every_rest_route_of_the_catalogue() -> None:
    from ledger.catalogue import CATALOGUE

    document = json.loads((REPO_ROOT / "schemas" / "openapi.json").read_text())
    for spec in CATALOGUE.entries():
        if spec.rest is not None:
            operations = document["paths"][spec.rest.path]
            assert spec.rest.method.lower() in operations, spec.name
