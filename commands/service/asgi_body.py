"""Reading an ASGI request body once and handing it on.

The service middleware reads every body (to enforce the size limit before anything parses
it) and the fast lane reads it again to decide whether it can serve the request; whoever
comes next still expects to ``receive`` the body. These two helpers are the one way both do
it.
"""

from __future__ import annotations

from starlette.types import Message, Receive


async def read_body(receive: Receive, limit: int | None = None) -> bytes | None:
    """The whole body; ``None`` as soon as it exceeds ``limit`` bytes (never buffered)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A receive channel that yields ``body`` once, then the real channel's messages."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
