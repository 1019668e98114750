"""The signing routes without FastAPI's per-request routing and dependency resolution.

Why: profiling ``POST /v1/keys/{key_id}/sign`` showed FastAPI's route matching (every route
tried, twice) and dependency solving costing more CPU than the audited sign itself. The
lane serves the four hot routes (sign, sign-batch, verify, verify-batch) for well-formed
requests and hands everything else to the FastAPI application unchanged.

It adds no second implementation: it validates the body with the route's own pydantic
model, authenticates with :func:`commands.service.rest.authenticated` (signature or
certificate, rate limit), calls the route's own endpoint function and serialises with the
route's response model. Errors raised there become the same problem+json as in FastAPI
(:func:`commands.service.app.problem_response`). A request the lane cannot take as it is
(another content type, a body that does not validate, an over-long path id or
``Idempotency-Key``) goes to FastAPI, whose validation writes the error response, so
refusals read the same whichever way a request came. It runs inside
:class:`commands.service.app.ServiceMiddleware` and in front of FastAPI's own middleware
stack, so correlation ids, body limits, spans, metrics and log lines are the same too (the
lane sets ``scope["route"]`` to the FastAPI route it stands in for); an unexpected error
becomes the same 500 problem document as FastAPI's handler writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from commands.service import models, rest
from commands.service.asgi_body import read_body, replay
from ledger.catalogue import CATALOGUE, CommandSpec, ReadSpec
from ledger.errors import SkmsError

PATH = re.compile(r"^/v1/keys/([^/]{1,100})/(sign|sign-batch|verify|verify-batch)$")
MAX_HEADER_ID = 100  # rest.IdempotencyKey's max_length
LANES = {"sign": "Sign", "sign-batch": "SignBatch", "verify": "Verify",
         "verify-batch": "VerifyBatch"}


@dataclass(frozen=True)
class _Lane:
    route: APIRoute
    spec: CommandSpec | ReadSpec
    body_model: type[BaseModel]
    output: TypeAdapter[Any]


def _lanes() -> dict[str, _Lane]:
    """The routes the lane stands in for, found in :data:`rest.router` by operation."""
    found: dict[str, _Lane] = {}
    for route in rest.router.routes:
        if not isinstance(route, APIRoute) or "POST" not in (route.methods or ()):
            continue
        for action, name in LANES.items():
            if route.path != f"/v1/keys/{{key_id}}/{action}":
                continue
            spec = CATALOGUE.find(name)
            assert spec is not None
            body = (models.command_body(spec) if isinstance(spec, CommandSpec)
                    else models.read_body(spec))
            assert body is not None
            found[action] = _Lane(route, spec, body, TypeAdapter(route.response_model))
    missing = set(LANES) - set(found)
    if missing:
        raise RuntimeError(f"fast lane: no FastAPI route for {sorted(missing)}")
    return found


def _header(scope: Scope, name: bytes) -> bytes | None:
    """The header's only value; None when absent. Repeated: raises LookupError."""
    found = [bytes(value) for key, value in scope.get("headers") or () if key.lower() == name]
    if len(found) > 1:
        raise LookupError(name)
    return found[0] if found else None


class FastLane:
    """ASGI middleware: serve the signing routes directly, pass the rest to ``app``."""

    def __init__(self, app: ASGIApp, problem: Callable[[Scope, SkmsError], Response],
                 internal: Callable[[Scope, BaseException], Response] | None = None) -> None:
        self.app = app
        self.problem = problem
        self.internal = internal
        self._lanes = _lanes()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = (PATH.match(scope["path"])
                 if scope["type"] == "http" and scope["method"] == "POST" else None)
        if match is None:
            await self.app(scope, receive, send)
            return
        lane = self._lanes[match.group(2)]
        body = await read_body(receive) or b""
        arguments = self._arguments(scope, lane, body)
        if arguments is None:  # FastAPI validates and answers
            await self.app(scope, replay(body, receive), send)
            return
        parsed, idempotency = arguments
        scope["route"] = lane.route
        request = Request(scope, replay(body, receive))
        response: Response
        try:
            principal = await rest.authenticated(request)
            path = {"key_id": match.group(1)}
            if isinstance(lane.spec, CommandSpec):
                result: Any = await rest.serve_command(request, principal, lane.spec, parsed,
                                                       path, idempotency)
            else:
                result = await rest.serve_read(request, principal, lane.spec,
                                               {**path, **parsed.model_dump(exclude_none=True)})
            response = Response(lane.output.dump_json(lane.output.validate_python(result)),
                                media_type="application/json")
        except SkmsError as error:
            response = self.problem(scope, error)
        except Exception as exc:  # a bug: answered like FastAPI's handler for Exception
            if self.internal is None:
                raise
            response = self.internal(scope, exc)
        await response(scope, receive, send)

    @staticmethod
    def _arguments(scope: Scope, lane: _Lane, body: bytes
                   ) -> tuple[BaseModel, str | None] | None:
        """The parsed body and Idempotency-Key, or None to let FastAPI decide."""
        try:
            content_type = _header(scope, b"content-type") or b""
            idempotency = _header(scope, b"idempotency-key")
        except LookupError:
            return None
        if content_type.split(b";")[0].strip().lower() != b"application/json":
            return None
        try:
            parsed = lane.body_model.model_validate_json(body)
        except ValidationError:
            return None
        if idempotency is not None and (isinstance(lane.spec, ReadSpec)
                                        or len(idempotency) > MAX_HEADER_ID):
            return None
        return parsed, idempotency.decode("latin-1") if idempotency is not None else None
