"""The committed OpenAPI document is the one the server serves, and it is OpenAPI 3.1."""

from __future__ import annotations

import importlib.util
import json
import ssl

import httpx

from tests.service.conftest import Running
from tests.vectors import REPO_ROOT

_spec = importlib.util.spec_from_file_location("gen_catalogue", REPO_ROOT / "tools" /
                                               "gen_catalogue.py")
assert _spec is not None and _spec.loader is not None
gen_catalogue = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen_catalogue)
TARGET, render = REPO_ROOT / "schemas" / "openapi.json", gen_catalogue.openapi_text


def test_committed_document_equals_the_served_one(service: Running) -> None:
    context = ssl.create_default_context(cafile=str(service.ca))
    with httpx.Client(verify=context) as http:
        served = http.get(service.url + "/openapi.json").json()
    committed = json.loads(TARGET.read_text())
    assert served == committed, "run: python tools/gen_catalogue.py"
    assert TARGET.read_text() == render()
    assert TARGET == REPO_ROOT / "schemas" / "openapi.json"


def test_document_is_openapi_31_with_security_and_problems() -> None:
    document = json.loads(TARGET.read_text())
    assert document["openapi"] == "3.1.0"
    schemes = document["components"]["securitySchemes"]
    assert schemes["mutualTLS"]["type"] == "mutualTLS"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "default" in operation["responses"], (method, path)
            assert "422" not in operation["responses"], (method, path)
    assert document["paths"]["/healthz"]["get"]["security"] == []
