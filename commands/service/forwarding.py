"""ASGI middleware: a REST command for a chain another cluster member writes goes there.

See :mod:`commands.service.cluster` for the rules. It runs inside the service middleware
(so the body limit, correlation id, metrics and log line apply to a forwarded request as to
any other) and in front of the fast lane and FastAPI, before anything authenticates: the
owner does that, once.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from commands.service import rest
from commands.service.asgi_body import read_body, replay
from commands.service.cluster import FORWARDED_HEADER, Cluster, command_chain
from commands.service.core import ServiceCore
from ledger.errors import NotChainOwner, SkmsError

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Forwarding:
    def __init__(self, app: ASGIApp, core: ServiceCore,
                 problem: Callable[[Scope, SkmsError], Response]) -> None:
        self.app = app
        self.core = core
        self.problem = problem

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cluster: Cluster | None = self.core.cluster
        if cluster is None or scope["type"] != "http" or scope["method"] not in WRITES:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive) or b""
        chain = command_chain(body)
        if chain is None or cluster.owns(chain):
            await self.app(scope, replay(body, receive), send)
            return
        try:
            if FORWARDED_HEADER in rest.header_map(scope):
                owner = await self.core.run(cluster.owner, chain)
                raise NotChainOwner(f"this member does not write chain {chain!r} now (a "
                                    "forwarded request is not forwarded again)", owner=owner,
                                    hint="retry with the same command id in a second")
            raw_path = scope.get("raw_path") or scope["path"].encode()
            query = scope.get("query_string") or b""
            target = raw_path.decode("latin-1") + (
                "?" + query.decode("latin-1") if query else "")
            answer = await self.core.run(cluster.forward, chain, scope["method"], target,
                                         list(scope.get("headers") or []), body)
        except SkmsError as error:
            await self.problem(scope, error)(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": answer.status,
                    "headers": [*answer.headers,
                                (b"content-length", str(len(answer.body)).encode())]})
        await send({"type": "http.response.body", "body": answer.body})
