"""The vocabulary of the command catalogue: fields, shapes, commands and reads.

Why data: a command's facts (its typed inputs, who may issue it, which chain it acts on,
which events it may emit, what it returns, how each front end reaches it) are declared
once, as values of the classes below, in :mod:`ledger.catalogue`. Authorization, the
auditor, the handlers' input checks, the REST routes and OpenAPI document, the gRPC
service and its proto, the SDK, the CLI and the docs are all derived from those values,
so none of them can drift from another (the way botocore's service models and Vault's
path declarations drive their clients and docs).

Representations, the same on every transport:

* ``TEXT``, ``INTEGER``, ``BOOLEAN``: JSON string, integer, boolean; proto string, int64,
  bool. ``TIME`` is an INTEGER of microseconds since the epoch (UTC); the CLI's text
  output shows it as RFC 3339.
* ``HEX``: bytes that are identifiers or public values (digests, keys, signatures), as
  lower-case hex text everywhere (also inside signed commands).
* ``BYTES``: data (messages, plaintexts, ciphertexts), base64 in JSON, raw bytes in proto,
  a file on the CLI. Data never goes into a signed command: it travels beside it as an
  *input*, and the command carries what the actor vouches for (a digest, a size).
* ``LIST`` of an item field; ``OBJECT`` of a named :class:`Shape`; ``JSON`` for free-form
  documents (policies, proofs, reports): JSON value; proto string holding JSON text.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Kind(enum.StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    TIME = "time"
    BOOLEAN = "boolean"
    HEX = "hex"
    BYTES = "bytes"
    LIST = "list"
    OBJECT = "object"
    JSON = "json"


class ChainRule(enum.StrEnum):
    """Which chain a command's events go to (and its signed ``chain_id`` must name)."""

    SYSTEM = "system"            # the system chain
    DOMAIN = "domain"            # a key domain the caller names (new keys, new wallets)
    KEY = "key"                  # the domain of the key named by ``key_id``
    WALLET = "wallet"            # the domain of the wallet named by ``wallet_id``
    ANY = "any"                  # the chain the caller names (checkpoints)
    SCOPE = "scope"              # the key's domain when ``key_id`` is named, else the
    #                              ``domain`` named, else the system chain (approval policies)
    APPROVAL = "approval"        # the chain of the approval request named by ``approval_id``


class Source(enum.StrEnum):
    """Where a REST or gRPC request carries a read's parameter (commands carry theirs in
    the signed command, except the path parameters that must repeat it)."""

    PATH = "path"
    QUERY = "query"
    BODY = "body"


@dataclass(frozen=True, slots=True)
class Derived:
    """How a client computes a signed argument from the command's inputs (a digest, a
    size, a fingerprint...): ``rule`` names a function of :mod:`commands.builders`."""

    rule: str
    inputs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Cli:
    """How the CLI spells a field: an option name (default ``--<name with dashes>``), a
    positional argument, a flag, or a file to read (``reader``: ``file`` reads bytes,
    ``text`` takes the option's text as UTF-8 bytes, ``secret-file`` reads a file or stdin
    and never takes the value on the command line, ``actor`` resolves actor names to ids,
    ``files`` reads one file per value). ``default`` is the CLI's own default of a field
    every other front end must name (``--chain default``). ``aliases`` are further option
    names for the same field (an older spelling kept working)."""

    option: str | None = None
    positional: bool = False
    reader: str | None = None
    hidden: bool = False
    default: Any = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Field:
    """One typed, validated value of a command, read or result."""

    name: str
    kind: Kind
    doc: str
    required: bool = True
    default: Any = None
    nullable: bool = False
    item: Field | None = None          # LIST
    shape: str | None = None           # OBJECT
    minimum: int | None = None         # INTEGER / TIME, or LIST length / BYTES size
    maximum: int | None = None
    max_length: int | None = None      # TEXT length
    size: int | None = None            # HEX: exactly this many bytes
    choices: tuple[Any, ...] = ()
    secret: bool = False               # results: wiped after use, warned about on the CLI
    derived: Derived | None = None     # command args computed from inputs by clients
    source: Source = Source.BODY       # reads: where the parameter travels
    cli: Cli = field(default_factory=Cli)

    def optional(self) -> bool:
        return not self.required


@dataclass(frozen=True, slots=True)
class Shape:
    """A named record of fields: what a read or a command returns."""

    name: str
    doc: str
    fields: tuple[Field, ...]


@dataclass(frozen=True, slots=True)
class Route:
    """A REST route: method and path template (``{name}`` placeholders)."""

    method: str
    path: str

    def placeholders(self) -> tuple[str, ...]:
        parts = [p[1:-1] for p in self.path.split("/") if p.startswith("{")]
        return tuple(parts)


@dataclass(frozen=True, slots=True)
class CliRoute:
    """Where a command or read sits in the ``skms`` command tree.

    ``selector`` lets two catalogue entries share one CLI command: the entry with a
    selector runs instead of the other when its selecting option is given (``--cancel``
    makes ``skms key destroy`` a CancelDestruction), or, for ``many:<input>``, when that
    input is given more than once (``skms sign`` with several ``--input`` signs a batch).
    """

    path: tuple[str, ...]
    selector: str | None = None
    renderer: str | None = None


@dataclass(frozen=True, slots=True)
class Hooks:
    """What later capabilities attach to a command, declared here so that every front end
    and the auditor see the same facts.

    ``approval`` marks a command an approval policy may gate (its value names the kind of
    decision, for people: ``destroy``, ``roles``...; policies name the command itself);
    ``value_field`` names the numeric argument a policy may compare with a limit (``--when-
    above``: a quorum only for large values, e.g. a transaction's ``value``);
    ``exports_material`` marks commands that let key material leave the ledger (wrapped),
    ``reveals_secret`` those whose result holds a secret."""

    approval: str | None = None
    value_field: str | None = None
    exports_material: bool = False
    reveals_secret: bool = False


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A command: a signed request to change the ledger, recorded as events."""

    name: str
    doc: str
    group: str
    roles: frozenset[str]
    chain: ChainRule
    events: frozenset[str]
    args: tuple[Field, ...]
    inputs: tuple[Field, ...] = ()
    result: Shape | None = None
    rest: Route | None = None
    cli: CliRoute | None = None
    hooks: Hooks = field(default_factory=Hooks)
    system: bool = False       # only the ledger's own identity issues it
    scheduled: bool = False    # the ledger's scheduler issues it (signed by the ledger key)
    bootstrap: bool = False    # the ledger's identity may issue it once, to bootstrap
    sdk: str | None = None     # the SDK method name (default: snake_case of the name)

    @property
    def kind(self) -> str:
        return "write"

    def arg(self, name: str) -> Field:
        return _named(self.args, name, self.name)


@dataclass(frozen=True, slots=True)
class ReadSpec:
    """A read: a question answered from the ledger, the store or the read models, with no
    event (a refused read is recorded, like a refused command)."""

    name: str
    doc: str
    group: str
    capability: str
    roles: frozenset[str] | None       # None: any actor (its own record, say)
    params: tuple[Field, ...]
    result: Field
    rest: Route | None = None
    cli: CliRoute | None = None
    read_models: bool = False           # answered from DuckDB on the query pool
    offline: bool = False               # answered from its parameters alone (no ledger)
    sdk: str | None = None
    self_capability: str | None = None  # the capability when the caller reads itself

    @property
    def kind(self) -> str:
        return "read"

    def param(self, name: str) -> Field:
        return _named(self.params, name, self.name)


Spec = CommandSpec | ReadSpec


def _named(fields: tuple[Field, ...], name: str, owner: str) -> Field:
    for candidate in fields:
        if candidate.name == name:
            return candidate
    raise KeyError(f"{owner} has no field {name!r}")


def snake(name: str) -> str:
    """``CreateKey`` -> ``create_key`` (SDK method names)."""
    out = []
    for index, char in enumerate(name):
        if char.isupper() and index and not name[index - 1].isupper():
            out.append("_")
        out.append(char.lower())
    return "".join(out)
