"""REST routes, made from the catalogue: one route per command and per read.

Every route but ``/healthz``, ``/readyz`` and ``/openapi.json`` needs an authenticated actor
(:func:`authenticated`); ``/metrics`` needs one allowed to see metrics. A command's route
takes the signed command and its inputs (:func:`commands.service.models.command_body`) and
answers its outcome; a read's route takes its parameters from the path, the query string
or a JSON body, as the catalogue places them, and answers its result. Both go to the
:class:`~commands.service.core.ServiceCore` (the same calls gRPC makes).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import MutableMapping
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from commands.service import models
from commands.service.auth import Principal, RequestFacts
from commands.service.core import RouteCheck, ServiceCore, parse_signed
from commands.service.errors import NotAuthenticated
from commands.service.tls import peer_certificate
from commands.wire import from_json
from ledger.catalogue import CATALOGUE, CommandSpec, Kind, ReadSpec
from ledger.catalogue.model import Source

router = APIRouter()

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", max_length=100,
    description="Must equal the command id; a retry returns the first outcome.")]


def core_of(request: Request | Any) -> ServiceCore:
    core: ServiceCore = request.app.state.core
    return core


def authorities_of(request: Request | Any) -> frozenset[str] | None:
    """The authorities the serving :class:`~commands.service.server.Server` answers to."""
    found = getattr(request.app.state, "authorities", None)
    return found if isinstance(found, frozenset) else None


def target_uri(scope: dict[str, Any], authorities: frozenset[str] | None = None) -> str:
    """The request's target URI as the client addressed it (RFC 9421 ``@target-uri``).

    ``authorities``: the ``host:port`` names this server answers to. The authority of the
    URI comes from the client's Host header, so without this check a request signed for
    another server (``https://evil.example/...``, sent with ``Host: evil.example``) would
    verify here; a Host outside the set is refused (401, ``authority``). None: no check
    (an application driven without a server, in tests and benchmarks)."""
    headers = dict(scope.get("headers") or [])
    host = headers.get(b"host", b"").decode("latin-1")
    if not host and scope.get("server"):
        server_host, server_port = scope["server"]
        host = f"{server_host}:{server_port}"
    if authorities is not None and host.lower() not in authorities:
        raise NotAuthenticated(f"the request is addressed to {host[:100]!r}, which is not "
                               "this server", reason_code="authority",
                               hint="sign and send the request for this server's URL")
    raw_path = scope.get("raw_path") or scope["path"].encode()
    uri = f"{scope.get('scheme', 'http')}://{host}{raw_path.decode('latin-1')}"
    query = scope.get("query_string") or b""
    return f"{uri}?{query.decode('latin-1')}" if query else uri


def header_map(scope: MutableMapping[str, Any]) -> dict[str, str]:
    """Lower-case header names to values (repeats joined by ", "), computed once per
    request: the middleware, authentication and the routes all ask."""
    cached: dict[str, str] | None = scope.get("skms.headers")
    if cached is not None:
        return cached
    found: dict[str, str] = {}
    for name, value in scope.get("headers") or []:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        found[key] = f"{found[key]}, {text}" if key in found else text
    scope["skms.headers"] = found
    return found


async def authenticated(request: Request) -> Principal:
    """The actor behind this request (signature or client certificate), rate-charged."""
    core = core_of(request)
    body = await request.body()
    scope: dict[str, Any] = dict(request.scope)
    facts = RequestFacts(method=request.method,
                         target_uri=target_uri(scope, authorities_of(request)),
                         path=scope.get("path", ""), headers=header_map(scope), body=body,
                         peer_certificate=peer_certificate(scope))
    principal = core.auth.authenticate(facts)
    structlog.contextvars.bind_contextvars(actor_id=principal.actor_id)
    return principal


Actor = Annotated[Principal, Depends(authenticated)]


# --- serving one command or read (the fast lane calls these too) ---------------------------

async def serve_command(request: Request, principal: Principal, spec: CommandSpec,
                        body: BaseModel, path: dict[str, str],
                        idempotency_key: str | None) -> dict[str, Any]:
    core = core_of(request)
    data = body.model_dump()
    signed = parse_signed(data.pop("command"), data.pop("signature"))
    inputs = {f.name: from_json(f, data.get(f.name)) for f in spec.inputs
              if data.get(f.name) is not None}
    correlation = signed.command.correlation_id or signed.command.command_id
    request.state.correlation_id = correlation
    structlog.contextvars.bind_contextvars(correlation_id=correlation,
                                           command_id=signed.command.command_id)
    check = RouteCheck(spec, path, idempotency_key,
                       f"{request.method} {request.scope['path']}")
    return await core.submit_async(principal, signed, inputs, check)


async def serve_read(request: Request, principal: Principal, spec: ReadSpec,
                     params: dict[str, Any]) -> Any:
    values = {f.name: from_json(f, params[f.name]) for f in spec.params
              if params.get(f.name) is not None}
    return await core_of(request).read_async(principal, spec, values)


# --- operations ----------------------------------------------------------------------------------

@router.get("/healthz", response_model=models.HealthOut, tags=["operations"])
async def healthz() -> dict[str, str]:
    """Liveness: the process serves requests (no dependency is checked)."""
    return {"status": "ok"}


@router.get("/readyz", response_model=models.HealthOut, tags=["operations"],
            responses={503: {"model": models.HealthOut}})
async def readyz(request: Request, response: Response) -> dict[str, str]:
    """Readiness: the store answers and holds an initialized ledger."""
    ready = await asyncio.get_running_loop().run_in_executor(None, core_of(request).ready)
    if not ready:
        response.status_code = 503
        return {"status": "unavailable"}
    return {"status": "ready"}


@router.get("/metrics", tags=["operations"], response_class=Response,
            responses={200: {"content": {"text/plain": {}}}})
async def metrics(request: Request, principal: Actor) -> Response:
    """Prometheus metrics (text exposition format); admins, auditors and analysts (the
    series name key domains and count their events)."""
    core = core_of(request)
    await core.run(core.authorize_metrics, principal)
    return Response(generate_latest(core.metrics.registry), media_type=CONTENT_TYPE_LATEST)


# --- the catalogue's routes ----------------------------------------------------------------------

def _path_parameter(name: str) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[
        str, Path(max_length=100, description=f"The {name.replace('_', ' ')}.")])


def _query_parameter(field: Any) -> inspect.Parameter:
    python: Any = {Kind.INTEGER: int, Kind.TIME: int, Kind.BOOLEAN: bool}.get(field.kind, str)
    constraints: dict[str, Any] = {"description": field.doc}
    if field.kind in (Kind.INTEGER, Kind.TIME):
        constraints.update(ge=field.minimum, le=field.maximum)
    elif field.max_length:
        constraints["max_length"] = field.max_length
    if field.choices and field.kind is Kind.TEXT:
        constraints["pattern"] = "^(" + "|".join(field.choices) + ")$"
    default = field.default if not field.required else ...
    return inspect.Parameter(field.name, inspect.Parameter.KEYWORD_ONLY,
                             annotation=Annotated[python | None if not field.required else
                                                  python, Query(**constraints)],
                             default=default if default is not ... else inspect.Parameter.empty)


def _common(principal: bool = True) -> list[inspect.Parameter]:
    params = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                annotation=Request)]
    if principal:
        params.append(inspect.Parameter("principal", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                        annotation=Actor))
    return params


def _command_route(spec: CommandSpec) -> None:
    assert spec.rest is not None
    placeholders = spec.rest.placeholders()
    body_model = models.command_body(spec)

    async def endpoint(request: Request, principal: Principal, body: BaseModel,
                       idempotency_key: str | None = None, **path: str) -> dict[str, Any]:
        return await serve_command(request, principal, spec, body, dict(path),
                                   idempotency_key)

    params = [
        *_common(),
        inspect.Parameter("body", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          annotation=Annotated[body_model, Body()]),
        inspect.Parameter("idempotency_key", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          annotation=IdempotencyKey, default=None),
        *(_path_parameter(name) for name in placeholders)]
    endpoint.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    endpoint.__name__ = spec.name
    status = 201 if spec.rest.method == "POST" and spec.name.startswith(
        ("Create", "Register", "Request", "Import")) else 200
    router.add_api_route(
        spec.rest.path, endpoint, methods=[spec.rest.method],
        response_model=models.command_out(spec), status_code=status, tags=[spec.group],
        operation_id=spec.name, summary=f"{spec.name} command", description=spec.doc,
        openapi_extra={"x-skms-command": command_extension(spec)})


def _read_route(spec: ReadSpec) -> None:
    assert spec.rest is not None
    body_model = models.read_body(spec)

    async def endpoint(request: Request, principal: Principal,
                       body: BaseModel | None = None, **values: Any) -> Any:
        params = dict(values)
        if body is not None:
            params.update(body.model_dump(exclude_none=True))
        return await serve_read(request, principal, spec, params)

    params = _common()
    if body_model is not None:
        params.append(inspect.Parameter("body", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                        annotation=Annotated[body_model, Body()]))
    for field in spec.params:
        if field.source is Source.PATH:
            params.append(_path_parameter(field.name))
        elif field.source is Source.QUERY:
            params.append(_query_parameter(field))
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        sorted(params, key=lambda p: (p.kind, p.default is not inspect.Parameter.empty)))
    endpoint.__name__ = spec.name
    router.add_api_route(spec.rest.path, endpoint, methods=[spec.rest.method],
                         response_model=models.read_out(spec), tags=[spec.group],
                         operation_id=spec.name, summary=spec.name, description=spec.doc)


def command_extension(spec: CommandSpec) -> dict[str, Any]:
    """What the OpenAPI document says of a command beyond its body: who may issue it, which
    chain it acts on, which events it may cause, and its signed arguments."""
    return {"type": spec.name, "roles": sorted(spec.roles), "chain": spec.chain.value,
            "events": sorted(spec.events),
            "args": [{"name": f.name, "kind": f.kind.value, "required": f.required,
                      "derived": f.derived.rule if f.derived else None, "doc": f.doc}
                     for f in spec.args]}


for _spec in CATALOGUE.client_commands():
    if _spec.rest is not None:
        _command_route(_spec)
for _read in CATALOGUE.reads:
    if _read.rest is not None:
        _read_route(_read)
