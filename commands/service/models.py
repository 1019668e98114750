"""Request and response bodies of the REST API, made from the catalogue (they are the
OpenAPI schemas).

Representations are the catalogue's (``ledger/catalogue/model.py``): HEX values are hex
text, BYTES values base64 text, times microseconds. A command's body is the canonical
command exactly as the actor signed it, the signature, and the command's inputs (the data
that travels beside it); its arguments are inside the signed command, and their schema is
in the operation's ``x-skms-command`` extension.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from ledger.catalogue import SHAPES, CommandSpec, Kind, ReadSpec
from ledger.catalogue import Field as CatalogueField
from ledger.catalogue.model import Source

STRICT = ConfigDict(extra="forbid")
MAX_COMMAND_TEXT = 1_048_576


def _python_type(field: CatalogueField, *, constrained: bool) -> Any:
    kind = field.kind
    if kind is Kind.TEXT:
        base: Any = Annotated[str, Field(max_length=field.max_length)] if (
            constrained and field.max_length) else str
    elif kind in (Kind.INTEGER, Kind.TIME):
        base = Annotated[int, Field(ge=field.minimum, le=field.maximum)] if constrained else int
    elif kind is Kind.BOOLEAN:
        base = bool
    elif kind is Kind.HEX:
        base = Annotated[str, Field(pattern="^([0-9a-fA-F]{2})*$")] if constrained else str
    elif kind is Kind.BYTES:
        base = str  # base64
    elif kind is Kind.LIST:
        assert field.item is not None
        base = list[_python_type(field.item, constrained=constrained)]  # type: ignore[misc]
    elif kind is Kind.OBJECT:
        assert field.shape is not None
        base = shape_model(field.shape)
    else:
        base = Any
    return base | None if field.nullable or not field.required else base


def _definitions(fields: tuple[CatalogueField, ...], *, constrained: bool
                 ) -> dict[str, Any]:
    definitions: dict[str, Any] = {}
    for field in fields:
        described = Field(description=field.doc) if field.required else Field(
            default=None, description=field.doc)
        definitions[field.name] = (_python_type(field, constrained=constrained), described)
    return definitions


@functools.cache
def shape_model(name: str) -> type[BaseModel]:
    """The model of a catalogue shape (a response record)."""
    shape = SHAPES[name]
    model: type[BaseModel] = create_model(
        name, __doc__=shape.doc, **_definitions(shape.fields, constrained=False))
    return model


def _by_name(make: Any) -> Any:
    """Cache a model maker by its entry's name (entries themselves hold lists)."""
    made: dict[str, Any] = {}

    @functools.wraps(make)
    def cached(spec: Any) -> Any:
        if spec.name not in made:
            made[spec.name] = make(spec)
        return made[spec.name]

    return cached


@_by_name
def command_body(spec: CommandSpec) -> type[BaseModel]:
    """``{command, signature, <inputs>}``: what a client sends for ``spec``."""
    fields: dict[str, Any] = {
        "command": (str, Field(description="The canonical command JSON exactly as signed "
                                           "(ASCII).", max_length=MAX_COMMAND_TEXT)),
        "signature": (str, Field(description="Base64 Ed25519 signature by the actor over "
                                             "'SKMS-COMMAND-v1\\0' || command.",
                                 max_length=128)),
        **_definitions(spec.inputs, constrained=True)}
    model: type[BaseModel] = create_model(
        f"{spec.name}In", __config__=STRICT, __doc__=f"A signed {spec.name} command.",
        **fields)
    return model


@_by_name
def command_out(spec: CommandSpec) -> type[BaseModel]:
    """The outcome of ``spec``: where its events went and its typed result."""
    result: Any = (shape_model(spec.result.name) | None, Field(
        default=None, description="What the command produced; null for a replay past "
                                  "the cache.")) if spec.result else (
        Any, Field(default=None, description="Nothing."))
    model: type[BaseModel] = create_model(
        f"{spec.name}Out", __doc__=f"The outcome of a {spec.name} command.",
        command_id=(str, ...), chain=(str, ...),
        seqs=(list[int], Field(description="Seqs of the events the command appended.")),
        seq=(int | None, Field(description="The last of seqs.")),
        replayed=(bool, Field(description="True when this answers a retry of an earlier "
                                          "command.")),
        correlation_id=(str, ...),
        status=(str, Field(default="done", description="done, or pending: the command was "
                                                       "held for an approval quorum")),
        approval_id=(str | None, Field(default=None, description="The approval request of "
                                                                 "a held command.")),
        result=result)
    return model


@_by_name
def read_body(spec: ReadSpec) -> type[BaseModel] | None:
    """The JSON body of a POST read (its BODY parameters), or None."""
    fields = tuple(f for f in spec.params if f.source is Source.BODY)
    if not fields:
        return None
    model: type[BaseModel] = create_model(
        f"{spec.name}In", __config__=STRICT, __doc__=f"The parameters of {spec.name}.",
        **_definitions(fields, constrained=True))
    return model


@_by_name
def read_out(spec: ReadSpec) -> Any:
    """The response type of a read: a shape, a list of shapes, or a JSON document."""
    return _python_type(spec.result, constrained=False) if spec.result.kind is not Kind.JSON \
        else dict[str, Any]


class HealthOut(BaseModel):
    status: str


class Problem(BaseModel):
    """An RFC 9457 problem document (every error, as ``application/problem+json``)."""

    type: str = Field(description="urn:skms:problem:<error>")
    title: str
    status: int
    detail: str
    error: str = Field(description="The SKMS error class.")
    instance: str | None = None
    field: str | None = Field(default=None, description="The input field at fault.")
    hint: str | None = Field(default=None, description="What to try.")
    reason_code: str | None = None
    recorded_seq: int | None = Field(default=None, description="Seq of the CommandRejected "
                                                               "event recording a refusal.")
    correlation_id: str | None = None
