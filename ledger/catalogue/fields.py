"""Short constructors for catalogue fields, and the fields many entries share."""

from __future__ import annotations

import dataclasses
from typing import Any

from ledger.catalogue.model import Cli, Derived, Field, Kind, Source


def text(name: str, doc: str, **options: Any) -> Field:
    options.setdefault("max_length", 500)
    return Field(name, Kind.TEXT, doc, **options)


def integer(name: str, doc: str, **options: Any) -> Field:
    return Field(name, Kind.INTEGER, doc, **options)


def time(name: str, doc: str, **options: Any) -> Field:
    return Field(name, Kind.TIME, doc, **options)


def boolean(name: str, doc: str, **options: Any) -> Field:
    return Field(name, Kind.BOOLEAN, doc, **options)


def hexa(name: str, doc: str, **options: Any) -> Field:
    return Field(name, Kind.HEX, doc, **options)


def data(name: str, doc: str, **options: Any) -> Field:
    return Field(name, Kind.BYTES, doc, **options)


def listing(name: str, doc: str, item: Field, **options: Any) -> Field:
    return Field(name, Kind.LIST, doc, item=item, **options)


def shaped(name: str, doc: str, shape: str, **options: Any) -> Field:
    return Field(name, Kind.OBJECT, doc, shape=shape, **options)


def document(name: str, doc: str, **options: Any) -> Field:
    return Field(name, Kind.JSON, doc, **options)


def sha256_of(name: str, source: str, doc: str) -> Field:
    """A signed SHA-256 digest of an input (clients compute it; handlers check it)."""
    return hexa(name, doc, size=32, derived=Derived("sha256", (source,)),
                cli=Cli(hidden=True))


def in_path(field: Field) -> Field:
    """The same field, carried in a REST path (reads)."""
    return dataclasses.replace(field, source=Source.PATH)


def in_query(field: Field) -> Field:
    """The same field, carried in a REST query string (reads)."""
    return dataclasses.replace(field, source=Source.QUERY)


KEY_ID = text("key_id", "The key's id (a UUID).", max_length=100,
              cli=Cli(positional=True))
WALLET_ID = text("wallet_id", "The wallet's id (a UUID).", max_length=100,
                 cli=Cli(positional=True))
ACTOR_ID = text("actor_id", "The actor's id (a UUID); the CLI also takes a name.",
                max_length=100, cli=Cli(positional=True, reader="actor"))
CHAIN_ID = text("chain_id", "A chain: 'system' or a key domain.", max_length=64)
DOMAIN = text("domain", "The key domain (chain) the new object lives in.", max_length=64,
              required=False, default="default")
REASON = text("reason", "Why (recorded in the event).", required=False, max_length=500)
KEY_VERSION = integer("key_version", "A key version (default: the current one, or every "
                      "version newest first where that is how checks work).",
                      required=False, nullable=True, minimum=1, maximum=2**31 - 1,
                      cli=Cli(option="--version"))
