"""The ASGI application: routes, middleware (limits, correlation, metrics, traces, logs),
error handlers (problem+json) and the OpenAPI 3.1 document.

``create_app(core)`` is the only factory; ``tools/gen_catalogue.py`` calls it with no core to
write ``schemas/openapi.json``, which ``tests/service/test_openapi.py`` keeps equal to what a
live server serves.
"""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commands.service import feed, rest
from commands.service.asgi_body import read_body, replay
from commands.service.core import ServiceCore
from commands.service.dashboard import routes as dashboard
from commands.service.errors import (
    PROBLEM_JSON,
    HttpStatusError,
    MethodNotAllowed,
    PayloadTooLarge,
)
from commands.service.fast_lane import FastLane
from commands.service.forwarding import Forwarding
from commands.service.grpc_relay import Answer, GrpcRelay
from commands.service.models import Problem
from commands.service.observability import (
    CORRELATION_HEADER,
    bound_correlation,
    logger,
    new_correlation_id,
    valid_correlation_id,
)
from commands.service.refusal_relay import RefusalRelay
from commands.service.responses import (
    ACCEPT_SIGNATURE,
    correlation_of,
    internal_error_response,
    problem_response,
)
from ledger.decimal_text import is_decimal
from ledger.errors import InvalidInput, NotFound, SkmsError

API_VERSION = "1.0.0"
UNAUTHENTICATED_PATHS = ("/healthz", "/readyz", "/openapi.json")


class ServiceMiddleware:
    """Per request: correlation id, body limit, span, metrics and one log line."""

    def __init__(self, app: ASGIApp, core: ServiceCore | None) -> None:
        self.app = app
        self.core = core

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.core is None:
            await self.app(scope, receive, send)
            return
        core = self.core
        headers = rest.header_map(scope)
        correlation = (valid_correlation_id(headers.get(CORRELATION_HEADER))
                       or new_correlation_id())
        scope.setdefault("state", {})["correlation_id"] = correlation
        started = time.perf_counter()
        status: dict[str, int] = {"code": 500}
        limit = core.limits.max_body_bytes

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                extra = [(CORRELATION_HEADER.encode(), correlation_of(scope).encode("latin-1"))]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        core.metrics.request_started()
        with bound_correlation(correlation), core.tracer.start_as_current_span(
                f"{scope['method']} {scope['path']}", kind=SpanKind.SERVER,
                attributes={"http.request.method": scope["method"],
                            "url.path": scope["path"]}) as span:
            try:
                declared = headers.get("content-length", "")
                body = None if is_decimal(declared) and int(declared) > limit else (
                    await read_body(receive, limit))
                if body is None:
                    error = PayloadTooLarge(f"the body has more than {limit} bytes",
                                            field="body", hint="split the request")
                    await problem_response(scope, error)(scope, receive, send_wrapper)
                else:
                    await self.app(scope, replay(body, receive), send_wrapper)
            finally:
                core.metrics.request_finished()
                route = scope.get("route")
                template = getattr(route, "path", None) or "unmatched"
                span.update_name(f"{scope['method']} {template}")
                span.set_attribute("http.route", template)
                span.set_attribute("http.response.status_code", status["code"])
                if status["code"] >= 500:
                    span.set_status(Status(StatusCode.ERROR))
                elapsed = time.perf_counter() - started
                core.metrics.observe("rest", template, scope["method"], status["code"],
                                     elapsed)
                logger().info("request", api="rest", method=scope["method"], route=template,
                              status=status["code"], ms=round(elapsed * 1000, 3),
                              correlation_id=correlation_of(scope))


def _validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    first = errors[0] if errors else {}
    location = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path",
                                                                      "header")]
    kind = first.get("type", "")
    message = "the body is not valid JSON" if kind == "json_invalid" else str(
        first.get("msg", "invalid request"))
    error = InvalidInput(message, field=".".join(location) or None)
    return problem_response(request, error)


class ServiceApp(FastAPI):
    """FastAPI with SKMS's front layers (``ServiceMiddleware``, ``FastLane``) outside it.

    Why outside Starlette's middleware stack: its layers (error, telemetry and body-limit
    middleware, the app and router calls) cost a tenth of a whole audited sign in event-loop
    CPU per request (docs/performance.md), and the signing routes the lane serves need
    none of them. Every request still passes ``ServiceMiddleware`` (correlation id, body
    limit, span, metrics, log line); what the lane does not take goes on to FastAPI.
    """

    front: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = self  # what Starlette sets; the lane's endpoints look up the core
        if self.front is None:
            await self.application(scope, receive, send)
        else:
            await self.front(scope, receive, send)

    async def application(self, scope: Scope, receive: Receive, send: Send) -> None:
        """FastAPI itself (routing, validation, exception handlers)."""
        await super().__call__(scope, receive, send)


def create_app(core: ServiceCore | None, *, fast_lane: bool = True,
               grpc_answer: Answer | None = None) -> ServiceApp:
    """The REST + WebSocket application over ``core`` (``None``: only for the schema).

    ``fast_lane=False`` leaves the signing routes to FastAPI alone; the tests use it to show
    that both ways answer alike (commands/service/fast_lane.py). ``grpc_answer`` answers the
    gRPC calls other cluster members relay here (commands/service/grpc_relay.py); served
    only when ``core`` is a cluster member."""
    app = ServiceApp(title="SKMS", version=API_VERSION, openapi_url="/openapi.json",
                     docs_url=None, redoc_url=None,
                     description="An audit-first cryptographic key ledger. See docs/api.md.")
    app.state.core = core
    app.state.hub = feed.FeedHub()
    app.state.authorities = None  # set by the Server once its port is known
    # "/v1/whoami/" is a 404 problem like any unknown path, not a redirect before
    # authentication.
    app.router.redirect_slashes = False
    if core is not None:
        core.on_append(app.state.hub.notify)
    app.include_router(rest.router)
    app.include_router(feed.router)
    app.include_router(dashboard.router)

    @app.exception_handler(SkmsError)
    async def skms_error(request: Request, exc: SkmsError) -> JSONResponse:
        return problem_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation_problem(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            return problem_response(request, MethodNotAllowed(
                f"{request.method} is not allowed on {request.url.path}"))
        if exc.status_code == 404:
            return problem_response(request, NotFound(f"no route {request.url.path}"))
        return problem_response(request, HttpStatusError(str(exc.detail), exc.status_code))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        return internal_error_response(request.scope, exc)

    if core is not None:
        inner: ASGIApp = app.application
        if fast_lane:
            inner = FastLane(inner, problem=problem_response, internal=internal_error_response)
        if core.cluster is not None:
            inner = Forwarding(inner, core, problem_response)
            inner = RefusalRelay(inner, core.ledger, core.run, problem_response)
            if grpc_answer is not None:
                inner = GrpcRelay(inner, grpc_answer, problem_response,
                                  internal_error_response)
        app.front = ServiceMiddleware(inner, core=core)
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    return app


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI 3.1 document: FastAPI's, with SKMS security schemes and problem errors."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(title=app.title, version=app.version, openapi_version="3.1.0",
                           description=app.description, routes=app.routes)
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components["securitySchemes"] = {
        "httpMessageSignature": {
            "type": "apiKey", "in": "header", "name": "Signature",
            "description": "RFC 9421 HTTP Message Signature with the actor's Ed25519 key: "
                           "Signature-Input " + ACCEPT_SIGNATURE.replace("ACTOR_ID", "<id>")
                           + ";created=<unix s>;nonce=<random>, plus Content-Digest "
                           "(RFC 9530, sha-256). See docs/api.md."},
        "mutualTLS": {"type": "mutualTLS",
                      "description": "A client certificate whose Ed25519 key is the actor's "
                                     "registered identity key."},
    }
    document["security"] = [{"httpMessageSignature": []}, {"mutualTLS": []}]
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses["default"] = {"description": "An RFC 9457 problem.",
                                    "content": {PROBLEM_JSON: {"schema": problem_ref}}}
            if path in UNAUTHENTICATED_PATHS:
                operation["security"] = []
    app.openapi_schema = document
    return document


def openapi_json(document: dict[str, Any]) -> str:
    """The committed form of the document (sorted keys, stable across runs)."""
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
