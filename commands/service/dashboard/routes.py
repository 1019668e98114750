"""``/ui``: the dashboard's page, its two documents, and sign-in.

Routes (none is in the OpenAPI document: they serve a browser, not API clients):

* ``GET /ui`` (and ``/ui/``): the page; ``GET /ui/assets/NAME``: its files, only
  those shipped in ``assets/`` (with the esbuild bundle of ``ui/src``, docs/dashboard.md).
  Every answer carries a strict Content-Security-Policy (scripts, styles and connections
  from this origin only, no inline script or style, Trusted Types for the DOM sinks, no
  framing), so nothing but the shipped bundle runs.
* ``GET /ui/catalogue.json`` (:mod:`.catalogue`), ``GET /ui/schemas.json`` (every Avro
  schema file): public facts, as ``/openapi.json`` is, which the page needs to build
  commands and to decode the envelope bytes it verifies.
* ``POST /ui/session/challenge``, ``POST /ui/session`` (sign in by key signature or client
  certificate), ``GET /ui/session``, ``DELETE /ui/session`` (sign out); see
  :mod:`commands.service.sessions` for what each proves.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response

from commands.service import rest
from commands.service.dashboard.catalogue import catalogue_document
from commands.service.errors import NotAuthenticated
from commands.service.observability import logger
from commands.service.sessions import (
    COOKIE,
    check_same_origin,
    clear_cookie_header,
    cookie_value,
    origin_of,
    set_cookie_header,
    sign_in_message,
)
from commands.service.tls import certificate_public_key, peer_certificate
from ledger.crypto.schemes import get_scheme
from ledger.errors import InvalidInput, InvalidSignature, NotFound
from ledger.schema_files import avro_dir

router = APIRouter(include_in_schema=False)

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'")
"""Only this origin's shipped files run or load; ``connect-src 'self'`` covers the feed's
``wss:`` on the same host and port. ``trusted-types 'none'``: the page never writes HTML
from strings, so every string-to-DOM sink (``innerHTML``...) is refused outright."""

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "X-Frame-Options": "DENY",
    "Strict-Transport-Security": "max-age=31536000",
}
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".html": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8",
                 ".json": "application/json", ".svg": "image/svg+xml"}
# Upper case too: the bundle's shared chunks are named by esbuild's content hash.
_ASSET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_HEX_KEY = re.compile(r"^[0-9a-f]{64}$")


def assets_folder() -> Path:
    """The page, shipped as package data of this package."""
    return Path(str(files("commands.service.dashboard") / "assets"))


@cache
def shipped_assets() -> dict[str, bytes]:
    """Every file the page may load, read once: a request can only name one of these (so
    no path, and no name a client makes up, reaches the file system or a cache)."""
    return {path.name: path.read_bytes() for path in sorted(assets_folder().iterdir())
            if path.is_file() and _ASSET_NAME.fullmatch(path.name)
            and path.suffix in CONTENT_TYPES}


def _asset(name: str) -> bytes | None:
    return shipped_assets().get(name)


def _headers(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**SECURITY_HEADERS, **(extra or {})}


def _file(name: str, cache_control: str) -> Response:
    body = _asset(name)
    if body is None:
        raise NotFound(f"no dashboard file {name[:64]!r}", field="name")
    return Response(body, media_type=CONTENT_TYPES[Path(name).suffix],
                    headers=_headers({"Cache-Control": cache_control}))


@router.get("/ui")
@router.get("/ui/")
async def index() -> Response:
    """The page (one HTML file; everything else it loads is under ``/ui/assets``)."""
    return _file("index.html", "no-store")


@router.get("/ui/assets/{name}")
async def asset(name: str) -> Response:
    # Revalidated each time: a new SKMS version ships new files under the same names.
    return _file(name, "no-cache")


@cache
def _catalogue_bytes() -> bytes:
    return json.dumps(catalogue_document(), sort_keys=True, separators=(",", ":")).encode()


@cache
def _schemas_bytes() -> bytes:
    schemas = {path.name.removesuffix(".avsc"): json.loads(path.read_text(encoding="utf-8"))
               for path in sorted(avro_dir().glob("*.avsc"))}
    return json.dumps({"format": "skms-avro-schemas-v1", "schemas": schemas},
                      sort_keys=True, separators=(",", ":")).encode()


@router.get("/ui/catalogue.json")
async def catalogue() -> Response:
    return Response(_catalogue_bytes(), media_type="application/json",
                    headers=_headers({"Cache-Control": "no-cache"}))


@router.get("/ui/schemas.json")
async def schemas() -> Response:
    return Response(_schemas_bytes(), media_type="application/json",
                    headers=_headers({"Cache-Control": "no-cache"}))


# --- sign-in ---------------------------------------------------------------------------------

def _addressed_origin(request: Request) -> str:
    """This server's origin as the browser addressed it; refuses a foreign Host and a
    request from another origin (a sign-in needs its Origin header)."""
    scope: dict[str, Any] = dict(request.scope)
    target = rest.target_uri(scope, rest.authorities_of(request))
    headers = rest.header_map(request.scope)
    if "origin" not in headers:
        raise NotAuthenticated("a sign-in must come from the dashboard page (no Origin)",
                               reason_code="origin")
    check_same_origin(headers, target)
    return origin_of(target)


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise InvalidInput("the body is not valid JSON", field="body") from None
    if not isinstance(body, dict):
        raise InvalidInput("must be a JSON object", field="body")
    return body


@router.post("/ui/session/challenge")
async def challenge(request: Request) -> Response:
    """A fresh single-use challenge to sign (valid 60 s)."""
    origin = _addressed_origin(request)
    value, expires_at = rest.core_of(request).sessions.challenge()
    return _json({"challenge": value, "expires_at": expires_at, "origin": origin})


def _json(document: dict[str, Any], status: int = 200,
          extra: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(document), status_code=status, media_type="application/json",
                    headers=_headers({"Cache-Control": "no-store", **(extra or {})}))


def _signature(value: Any) -> bytes:
    if not isinstance(value, str):
        raise InvalidInput("missing or not base64 text", field="signature")
    try:
        raw = base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        raise InvalidInput("not valid base64", field="signature") from None
    if len(raw) != 64:
        raise InvalidInput("an Ed25519 signature has 64 bytes", field="signature")
    return raw


@router.post("/ui/session")
async def sign_in(request: Request) -> Response:
    """Open a session: ``{"method": "key", "public_key", "challenge", "signature"}`` (the
    browser signed :func:`~commands.service.sessions.sign_in_message`), or
    ``{"method": "certificate"}`` (the connection's client certificate)."""
    core = rest.core_of(request)
    origin = _addressed_origin(request)
    body = await _json_body(request)
    method = body.get("method")
    certificate = None
    if method == "key":
        public_key_hex = body.get("public_key")
        if not isinstance(public_key_hex, str) or not _HEX_KEY.fullmatch(public_key_hex):
            raise InvalidInput("must be 64 lower-case hex digits (an Ed25519 key)",
                               field="public_key")
        signature = _signature(body.get("signature"))
        core.sessions.take_challenge(body.get("challenge"))
        message = sign_in_message(str(body["challenge"]), origin, public_key_hex)
        try:
            get_scheme("ed25519").verify(bytes.fromhex(public_key_hex), message, signature)
        except (InvalidSignature, InvalidInput):
            core.metrics.auth_failures.labels("bad-signature").inc()
            raise NotAuthenticated("the sign-in signature does not verify with that key",
                                   reason_code="bad-signature") from None
        public_key = bytes.fromhex(public_key_hex)
    elif method == "certificate":
        certificate = peer_certificate(request.scope)
        found = certificate_public_key(certificate) if certificate else None
        if found is None:
            raise NotAuthenticated("this connection carries no client certificate with an "
                                   "Ed25519 identity key", reason_code="certificate")
        public_key = found
    else:
        raise InvalidInput("must be key or certificate", field="method")
    actor_id = await core.run(core.auth.actor_by_key, public_key)
    actor = core.ledger.actors[actor_id]
    if actor.revoked:
        raise NotAuthenticated(f"actor {actor_id} is revoked", reason_code="revoked-actor")
    core.charge(actor_id)
    opened = core.sessions.open(actor_id, str(method), certificate)
    logger().info("dashboard sign-in", actor_id=actor_id, method=method)
    session = opened.session
    return _json({"actor": {"actor_id": actor.actor_id, "name": actor.name,
                            "roles": list(actor.roles), "domains": list(actor.domains),
                            "public_key": bytes(actor.public_key).hex(),
                            "authenticated_by": f"session:{method}"},
                  "csrf": session.csrf, "expires_at": session.expires_at,
                  "lifetime_s": core.sessions.lifetime_s},
                 extra={"Set-Cookie": set_cookie_header(opened.token,
                                                        core.sessions.lifetime_s)})


@router.get("/ui/session")
async def current(request: Request) -> Response:
    """The signed-in actor and when the session ends (authenticated by the session)."""
    principal = await rest.authenticated(request)
    token = cookie_value(rest.header_map(request.scope).get("cookie", ""), COOKIE) or ""
    session = rest.core_of(request).sessions.session_of(token)
    return _json({"actor": principal.as_dict(), "expires_at": session.expires_at})


@router.delete("/ui/session")
async def sign_out(request: Request) -> Response:
    """End the session now (needs the session and its CSRF token, like any request)."""
    principal = await rest.authenticated(request)
    token = cookie_value(rest.header_map(request.scope).get("cookie", ""), COOKIE) or ""
    rest.core_of(request).sessions.close(token)
    logger().info("dashboard sign-out", actor_id=principal.actor_id)
    return _json({"signed_out": True}, extra={"Set-Cookie": clear_cookie_header()})
