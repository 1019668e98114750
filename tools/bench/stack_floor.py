"""The HTTP stack's own cost: uvicorn + httptools + TLS 1.3 answering a sign-sized request.

Why: the service benchmark reports the server's CPU per audited sign; this is the same
transport with nothing behind it (no authentication, no ledger), served the way
``skms serve`` serves REST (same uvicorn protocol, asyncio loop, TLS 1.3 context from the
home's certificate), so the report can show how much of a request is the stack itself.
Run by ``bench_service.py`` as a separate process: ``stack_floor.py PORT HOME``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import uvicorn

from commands.service.tls import ensure_server_files, server_context

REPLY = b'{"signature":"' + b"0" * 128 + b'"}'


async def answer(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Read the whole body, answer 200 with a sign-sized JSON document."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": REPLY})


def main() -> None:
    port, home = int(sys.argv[1]), Path(sys.argv[2])
    context = server_context(ensure_server_files(home), "none")
    context.set_alpn_protocols(["http/1.1"])
    print("ready", flush=True)
    uvicorn.run(answer, host="127.0.0.1", port=port, http="httptools", loop="asyncio",
                lifespan="off", log_config=None, access_log=False, proxy_headers=False,
                ssl_context_factory=lambda _config, _default: context)


if __name__ == "__main__":
    main()
