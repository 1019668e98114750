"""No projected column holds a secret: sealed material, seeds, shares, wrapped or derived
keys, plaintexts, mnemonics or passphrases.

Three layers, each able to fail on its own:

1. Every schema field whose name says it is secret is declared in
   ``projections.models.SECRET_FIELDS`` (a new ``sealed_*`` field cannot slip by), and every
   declared name still exists in a schema.
2. No column is named after a secret field, and no column holds raw bytes.
3. The lifecycle ledger (every event type) is projected, then every cell of every table is
   searched for every secret the log holds (the values of the secret fields) and every
   secret its commands handed to callers (plaintexts, data keys, derived keys, seeds,
   shares, passphrases; mnemonics as three-word windows), in hex (whole and in 8-byte
   windows), base64 and raw text forms. A positive control proves the scan reads the
   cells: public values of the same events are found.
"""

from __future__ import annotations

import base64
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ledger.events import schemas_dir
from projections.models import READ_MODELS, SECRET_FIELDS
from projections.runner import ProjectionRunner
from tests.projections.conftest import Ledger

SECRET_NAME = re.compile(r"^(sealed_.*|private.*|secret|mnemonic|seed|passphrase|shares?|"
                         r"plaintext(_key)?|wrapped_(data_)?key|derived_key|shared_secret)$")
"""Field names that say "secret": what a schema author would call one."""


def _schema_fields() -> dict[str, set[str]]:
    """Field name -> the schema files that have it (every .avsc, shared types included)."""
    fields: dict[str, set[str]] = {}

    def walk(schema: Any, file_name: str) -> None:
        if isinstance(schema, dict):
            for item in schema.get("fields", []):
                fields.setdefault(item["name"], set()).add(file_name)
                walk(item["type"], file_name)
            walk(schema.get("items"), file_name)
        elif isinstance(schema, list):
            for branch in schema:
                walk(branch, file_name)

    for path in sorted(schemas_dir().glob("*.avsc")):
        walk(json.loads(path.read_text(encoding="utf-8")), path.name)
    return fields


def test_every_secret_schema_field_is_declared() -> None:
    fields = _schema_fields()
    assert "sealed_material" in fields and "sealed_seed" in fields  # the walk sees them
    looks_secret = {name for name in fields if SECRET_NAME.match(name)}
    undeclared = looks_secret - SECRET_FIELDS
    assert not undeclared, (f"schema fields {sorted(undeclared)} look secret: add them to "
                            "projections.models.SECRET_FIELDS and keep them out of every table")
    stale = SECRET_FIELDS - set(fields)
    assert not stale, f"SECRET_FIELDS names fields no schema has: {sorted(stale)}"


def test_no_column_is_named_after_a_secret_or_holds_bytes() -> None:
    forbidden = SECRET_FIELDS | {f"{name}_hex" for name in SECRET_FIELDS}
    for table in READ_MODELS:
        for column in table.columns:
            assert column.name not in forbidden, (table.name, column.name)
            assert not SECRET_NAME.match(column.name), (table.name, column.name)
            assert column.sql_type != "BLOB", (table.name, column.name)


def _secret_values(value: Any, inside_secret: bool = False) -> list[bytes]:
    """Byte values of secret fields anywhere in an event record."""
    found: list[bytes] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _secret_values(item, inside_secret or key in SECRET_FIELDS)
    elif isinstance(value, list):
        for item in value:
            found += _secret_values(item, inside_secret)
    elif inside_secret and isinstance(value, bytes | bytearray):
        found.append(bytes(value))
    return found


def _byte_forms(secret: bytes) -> list[str]:
    hexed = secret.hex()
    forms = [hexed, base64.b64encode(secret).decode()]
    forms += [hexed[i:i + 16] for i in range(0, len(hexed) - 15, 8)]
    text = secret.decode("latin-1")
    if len(secret) >= 8 and text.isprintable():
        forms.append(text)
    return forms


def _text_forms(text: str) -> list[str]:
    forms = []
    for normal in ("NFKD", "NFC"):
        words = unicodedata.normalize(normal, text).split()
        forms += [" ".join(words[i:i + 3]) for i in range(len(words) - 2)]
    return forms


def _cells(database: Path) -> dict[tuple[str, str], str]:
    """Every column of every table as one text (values cast to VARCHAR, one per line)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        columns = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                              "WHERE table_schema = 'main'").fetchall()
        cells = {}
        for table, column in columns:
            values = con.execute(f"SELECT CAST({column} AS VARCHAR) FROM {table} "
                                 f"WHERE {column} IS NOT NULL").fetchall()
            cells[(table, column)] = "\n".join(v[0] for v in values)
        return cells
    finally:
        con.close()


def test_no_secret_value_in_any_cell(lifecycle_ledger: Ledger, tmp_path: Path) -> None:
    database = tmp_path / "p.duckdb"
    with ProjectionRunner(lifecycle_ledger.memory_store(), database, batch_size=7) as runner:
        runner.update()
    events = lifecycle_ledger.events()
    logged = [s for e in events for s in _secret_values(e.record)]
    sealed_seeds = [e for e in events if e.event_type in ("WalletCreated", "SecretRecovered")]
    sealed_threshold = [e for e in events if e.event_type in (
        "ThresholdDkgStarted", "ThresholdDkgShared", "ThresholdKeyCreated",
        "ThresholdNoncesCommitted", "ThresholdDealAccepted")]
    assert len(logged) == lifecycle_ledger.count("KeyGenerated") + lifecycle_ledger.count(
        "KeyRotated") + len(sealed_seeds) + len(sealed_threshold) \
        + lifecycle_ledger.count("ImportTokenIssued") + lifecycle_ledger.count("KeyEscrowed")
    assert len(lifecycle_ledger.secrets) >= 15 and len(lifecycle_ledger.secret_texts) == 3
    # An HSM key's KeyGenerated seals nothing (empty sealed_material): nothing to look for.
    needles = [form for secret in logged + lifecycle_ledger.secrets if secret
               for form in _byte_forms(secret)]
    needles += [form for text in lifecycle_ledger.secret_texts for form in _text_forms(text)]
    cells = _cells(database)
    everything = "\n".join(cells.values())
    # Positive control: public values of the same events are in the scanned text.
    address = next(e.record["address"] for e in events
                   if e.event_type == "WalletAddressDerived" and e.record["address"])
    wrapped_digest = next(e.record["wrapped_key_digest"] for e in events
                          if e.event_type == "DataKeyGenerated")
    assert address in everything and wrapped_digest.hex() in everything
    for (table, column), text in cells.items():
        lowered = text.lower()
        assert "sealed_" not in lowered, (table, column)
        for needle in needles:
            if needle in text or needle.lower() in lowered:  # no assert: it would print it
                pytest.fail(f"a secret is projected in {table}.{column}")
