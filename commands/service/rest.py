"""REST routes: parse, authenticate, call one :class:`ServiceCore` method, answer JSON.

Every route but ``/healthz``, ``/readyz`` and ``/openapi.json`` needs an
authenticated actor (:func:`authenticated`). Work runs on the core's worker pool under the
request timeout; the event loop only parses and checks signatures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import structlog
from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from commands.sdk.routes import KEY_COMMANDS
from commands.service import models
from commands.service.auth import Principal, RequestFacts
from commands.service.core import ServiceCore, b64decode, hexdecode, parse_signed
from commands.service.errors import AuthenticationFailed
from commands.service.tls import peer_certificate

T = TypeVar("T")
router = APIRouter()

KeyId = Annotated[str, Path(max_length=100, description="Key id (UUID).")]
ActorId = Annotated[str, Path(max_length=100, description="Actor id (UUID).")]
ChainId = Annotated[str, Path(max_length=64, description="Chain: 'system' or a key domain.")]
IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", max_length=100,
    description="Must equal the command id; a retry returns the first outcome.")]


def core_of(request: Request) -> ServiceCore:
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
        raise AuthenticationFailed(f"the request is addressed to {host[:100]!r}, which is not "
                                   "this server", reason_code="authority",
                                   hint="sign and send the request for this server's URL")
    raw_path = scope.get("raw_path") or scope["path"].encode()
    uri = f"{scope.get('scheme', 'http')}://{host}{raw_path.decode('latin-1')}"
    query = scope.get("query_string") or b""
    return f"{uri}?{query.decode('latin-1')}" if query else uri


def header_map(scope: dict[str, Any]) -> dict[str, str]:
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


async def run(request: Request, function: Callable[..., T], *args: Any) -> T:
    """Run blocking work on the core's pool; give up (504) after the request timeout."""
    return await core_of(request).run(function, *args)


async def submit(request: Request, principal: Principal, body: models.SignedCommandIn,
                 expect: tuple[str, ...], *, expect_args: dict[str, str] | None = None,
                 expect_chain: str | None = None, idempotency_key: str | None = None,
                 message: bytes | None = None,
                 messages: list[bytes] | None = None) -> dict[str, Any]:
    core = core_of(request)
    signed = parse_signed(body.command, body.signature)
    correlation = signed.command.correlation_id or signed.command.command_id
    request.state.correlation_id = correlation
    structlog.contextvars.bind_contextvars(correlation_id=correlation,
                                           command_id=signed.command.command_id)
    route = f"{request.method} {request.scope['path']}"
    return await core.submit_async(
        principal, signed, expect=expect, expect_args=expect_args, expect_chain=expect_chain,
        idempotency_key=idempotency_key, message=message, messages=messages, route=route)


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
    await run(request, core.authorize_metrics, principal)
    return Response(generate_latest(core.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/v1/whoami", response_model=models.PrincipalOut, tags=["actors"])
async def whoami(request: Request, principal: Actor) -> dict[str, Any]:
    """The authenticated actor, its roles and domains as the ledger holds them."""
    return await run(request, core_of(request).whoami, principal)


@router.get("/v1/algorithms", response_model=list[models.AlgorithmOut], tags=["keys"])
async def algorithms(request: Request, principal: Actor) -> list[dict[str, Any]]:
    """The signature algorithms with their metadata."""
    return await run(request, core_of(request).algorithms, principal)


# --- keys ----------------------------------------------------------------------------------------

@router.get("/v1/keys", response_model=list[models.KeyOut], tags=["keys"])
async def list_keys(request: Request, principal: Actor,
                    domain: Annotated[str | None, Query(max_length=64)] = None,
                    state: Annotated[str | None, Query(max_length=32)] = None
                    ) -> list[dict[str, Any]]:
    """Keys in the actor's domains, oldest first."""
    return await run(request, core_of(request).list_keys, principal, domain, state)


@router.post("/v1/keys", response_model=models.CommandOut, status_code=201, tags=["keys"])
async def create_key(request: Request, principal: Actor, body: models.SignedCommandIn,
                     idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    """Generate a key (CreateKey command); its private material never leaves the ledger."""
    return await submit(request, principal, body, ("CreateKey",),
                        idempotency_key=idempotency_key)


@router.get("/v1/keys/{key_id}", response_model=models.KeyOut, tags=["keys"])
async def get_key(request: Request, principal: Actor, key_id: KeyId) -> dict[str, Any]:
    """One key's state, versions and policy."""
    return await run(request, core_of(request).get_key, principal, key_id)


@router.get("/v1/keys/{key_id}/public", response_model=models.PublicKeyOut, tags=["keys"])
async def public_key(request: Request, principal: Actor, key_id: KeyId,
                     format: Annotated[str, Query(pattern="^(pem|hex)$")] = "pem",
                     version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None
                     ) -> dict[str, Any]:
    """A public key: PEM SubjectPublicKeyInfo or hex."""
    return await run(request, core_of(request).public_key, principal, key_id, format, version)


def _key_command_route(action: str, command_type: str) -> None:
    async def key_command(request: Request, principal: Actor, key_id: KeyId,
                          body: models.SignedCommandIn,
                          idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
        return await submit(request, principal, body, (command_type,),
                            expect_args={"key_id": key_id}, idempotency_key=idempotency_key)

    key_command.__name__ = f"key_{action.replace('-', '_')}"
    router.add_api_route(f"/v1/keys/{{key_id}}/{action}", key_command, methods=["POST"],
                         response_model=models.CommandOut, tags=["keys"],
                         operation_id=f"key_{action.replace('-', '_')}",
                         summary=f"{command_type} command",
                         description=f"Submit a signed {command_type} command for the key.")


for _action, _command_type in KEY_COMMANDS.items():
    _key_command_route(_action, _command_type)


@router.post("/v1/keys/{key_id}/sign", response_model=models.CommandOut, tags=["signing"])
async def sign(request: Request, principal: Actor, key_id: KeyId, body: models.SignIn,
               idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    """Sign a message (Sign command); the signature is returned after its event commits."""
    return await submit(request, principal, body, ("Sign",), expect_args={"key_id": key_id},
                        idempotency_key=idempotency_key,
                        message=b64decode(body.message, "message"))


@router.post("/v1/keys/{key_id}/sign-batch", response_model=models.CommandOut,
             tags=["signing"])
async def sign_batch(request: Request, principal: Actor, key_id: KeyId,
                     body: models.SignBatchIn,
                     idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    """Sign many messages under one command and one SignatureBatchIssued event."""
    messages = [b64decode(m, f"messages[{i}]") for i, m in enumerate(body.messages)]
    return await submit(request, principal, body, ("SignBatch",),
                        expect_args={"key_id": key_id}, idempotency_key=idempotency_key,
                        messages=messages)


def _verify_items(items: list[models.VerifyIn]) -> list[tuple[bytes, bytes, int | None]]:
    return [(b64decode(item.message, f"items[{i}].message"),
             hexdecode(item.signature, f"items[{i}].signature"), item.version)
            for i, item in enumerate(items)]


@router.post("/v1/keys/{key_id}/verify", response_model=models.VerifyOut, tags=["signing"])
async def verify(request: Request, principal: Actor, key_id: KeyId,
                 body: models.VerifyIn) -> dict[str, Any]:
    """Verify a signature with the key's public versions (valid: false if none verifies)."""
    results = await run(request, core_of(request).verify, principal, key_id,
                        _verify_items([body]))
    return results[0]


@router.post("/v1/keys/{key_id}/verify-batch", response_model=models.VerifyBatchOut,
             tags=["signing"])
async def verify_batch(request: Request, principal: Actor, key_id: KeyId,
                       body: models.VerifyBatchIn) -> dict[str, Any]:
    """Verify many signatures; one result per item, in order."""
    results = await run(request, core_of(request).verify, principal, key_id,
                        _verify_items(body.items))
    return {"results": results}


# --- actors --------------------------------------------------------------------------------------

@router.get("/v1/actors", response_model=list[models.ActorOut], tags=["actors"])
async def list_actors(request: Request, principal: Actor) -> list[dict[str, Any]]:
    """Registered actors (admins and auditors)."""
    return await run(request, core_of(request).list_actors, principal)


@router.post("/v1/actors", response_model=models.CommandOut, status_code=201, tags=["actors"])
async def register_actor(request: Request, principal: Actor, body: models.SignedCommandIn,
                         idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    """Register an actor (RegisterActor command) with the public key it generated itself."""
    return await submit(request, principal, body, ("RegisterActor",),
                        idempotency_key=idempotency_key)


@router.get("/v1/actors/{actor_id}", response_model=models.ActorOut, tags=["actors"])
async def get_actor(request: Request, principal: Actor, actor_id: ActorId) -> dict[str, Any]:
    """One actor (any actor may read itself)."""
    return await run(request, core_of(request).get_actor, principal, actor_id)


@router.post("/v1/actors/{actor_id}/roles", response_model=models.CommandOut, tags=["actors"])
async def change_roles(request: Request, principal: Actor, actor_id: ActorId,
                       body: models.SignedCommandIn,
                       idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    """Replace an actor's roles (ChangeActorRoles command)."""
    return await submit(request, principal, body, ("ChangeActorRoles",),
                        expect_args={"actor_id": actor_id}, idempotency_key=idempotency_key)


@router.post("/v1/actors/{actor_id}/revoke", response_model=models.CommandOut,
             tags=["actors"])
async def revoke_actor(request: Request, principal: Actor, actor_id: ActorId,
                       body: models.SignedCommandIn,
                       idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    """Revoke an actor (RevokeActor command): its later requests are refused."""
    return await submit(request, principal, body, ("RevokeActor",),
                        expect_args={"actor_id": actor_id}, idempotency_key=idempotency_key)


# --- audit ---------------------------------------------------------------------------------------

@router.get("/v1/chains", response_model=list[models.ChainOut], tags=["audit"])
async def chains(request: Request, principal: Actor) -> list[dict[str, Any]]:
    """Every chain with its head and latest checkpoint size."""
    return await run(request, core_of(request).chains, principal)


@router.get("/v1/chains/{chain_id}/checkpoint", response_model=models.CheckpointOut,
            tags=["audit"])
async def checkpoint(request: Request, principal: Actor, chain_id: ChainId) -> dict[str, Any]:
    """The latest signed checkpoint (C2SP signed note) of a chain."""
    return await run(request, core_of(request).checkpoint, principal, chain_id)


@router.post("/v1/chains/{chain_id}/checkpoints", response_model=models.CommandOut,
             status_code=201, tags=["audit"])
async def request_checkpoint(request: Request, principal: Actor, chain_id: ChainId,
                             body: models.SignedCommandIn,
                             idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    """Publish a checkpoint now (RequestCheckpoint command; auditors and admins)."""
    return await submit(request, principal, body, ("RequestCheckpoint",),
                        expect_chain=chain_id, idempotency_key=idempotency_key)


@router.get("/v1/chains/{chain_id}/proofs/inclusion", tags=["audit"],
            response_model=dict[str, Any])
async def inclusion_proof(request: Request, principal: Actor, chain_id: ChainId,
                          seq: Annotated[int, Query(ge=0, le=2**62)],
                          size: Annotated[int | None, Query(ge=1, le=2**62)] = None
                          ) -> dict[str, Any]:
    """An inclusion proof document of event ``seq`` (skms-proof-v1, hashes in base64)."""
    return await run(request, core_of(request).inclusion, principal, chain_id, seq, size)


@router.get("/v1/chains/{chain_id}/proofs/consistency", tags=["audit"],
            response_model=dict[str, Any])
async def consistency_proof(request: Request, principal: Actor, chain_id: ChainId,
                            old_size: Annotated[int, Query(ge=1, le=2**62)],
                            size: Annotated[int | None, Query(ge=1, le=2**62)] = None
                            ) -> dict[str, Any]:
    """A consistency proof document between two tree sizes."""
    return await run(request, core_of(request).consistency, principal, chain_id, old_size,
                     size)


@router.post("/v1/proofs/verify", response_model=models.ProofVerifyOut, tags=["audit"])
async def verify_proof(request: Request, principal: Actor,
                       body: models.ProofVerifyIn) -> dict[str, Any]:
    """Check an inclusion or consistency proof document (422 problem when invalid)."""
    return await run(request, core_of(request).verify_proof, principal, body.document,
                     body.ledger_key)


@router.post("/v1/audit/verify", response_model=dict[str, Any], tags=["audit"])
async def audit_verify(request: Request, principal: Actor,
                       body: models.AuditVerifyIn) -> dict[str, Any]:
    """Verify every chain of the store (the offline auditor, run by the server)."""
    return await run(request, core_of(request).audit_verify, principal,
                     body.trusted_checkpoints, body.ledger_key)


# --- read models ---------------------------------------------------------------------------------

@router.get("/v1/reports", response_model=list[models.ReportInfoOut], tags=["reports"])
async def reports(request: Request, principal: Actor) -> list[dict[str, Any]]:
    """The named compliance reports."""
    return await run(request, core_of(request).reports, principal)


@router.get("/v1/reports/{name}", response_model=models.ReportOut, tags=["reports"])
async def report(request: Request, principal: Actor,
                 name: Annotated[str, Path(max_length=64)],
                 since: Annotated[str | None, Query(max_length=64)] = None,
                 at: Annotated[str | None, Query(max_length=64)] = None) -> dict[str, Any]:
    """Run one report on freshly updated read models."""
    core = core_of(request)
    return await core.read_models(principal, core.report, name, since, at)


@router.post("/v1/query", response_model=models.TableOut, tags=["reports"])
async def query(request: Request, principal: Actor, body: models.QueryIn) -> dict[str, Any]:
    """One read-only SQL statement in the sandbox (no file or network access)."""
    core = core_of(request)
    return await core.read_models(principal, core.query, body.sql, body.timeout)


@router.get("/v1/projections/status", response_model=models.ProjectionStatusOut,
            tags=["reports"])
async def projection_status(request: Request, principal: Actor) -> dict[str, Any]:
    """Per chain: projected position, store head and lag."""
    core = core_of(request)
    return await core.read_models(principal, core.projection_status)
