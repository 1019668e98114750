"""A refusal decided by a cluster member that does not write the refused command's chain,
recorded by the member that does.

Why: a refusal is a security event and belongs on the audit chain (the service records a
refused read on the system chain, a refused command on its own chain), but in a cluster
only a chain's owner may append to it. A member whose refusal falls on a chain it does not
write posts it to that chain's owner at ``/v1/cluster/refusals`` over the peer connections;
the owner records the same ``CommandRejected`` fact it would have recorded itself and
answers its seq, which the client then sees as ``recorded_seq``.

What makes the route safe to expose on the REST port: the request is a command signed with
the ledger's own key (``RelayRejection``, issued within the ledger's clock-skew window),
which only the members, sharing the home, hold; the owner checks that signature against
the ledger key the log names before recording anything, and a refused command already
recorded is answered with its first seq, never recorded twice. A refusal the owner cannot
take (it no longer writes the chain, or it cannot be reached) is still answered to the
client, without a seq, and logged by the member that decided it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from commands.service.asgi_body import read_body
from commands.service.errors import MethodNotAllowed
from ledger.application import Ledger
from ledger.command import SYSTEM_ACTOR, SignedCommand
from ledger.errors import CommandRejected, InvalidInput, NotChainOwner, SkmsError, Unauthorized
from ledger.refusals import refusal_chain

REFUSALS_PATH = "/v1/cluster/refusals"
RELAYED_TYPE = "RelayRejection"


def relayed_refusal(ledger: Ledger, refused: SignedCommand, refusal: CommandRejected
                    ) -> tuple[str, bytes]:
    """The chain the refusal belongs on, and the signed body to post to its owner."""
    chain_id = refusal_chain(refused.command)
    relay = ledger.system_command(RELAYED_TYPE, chain_id, {
        "refused": base64.b64encode(refused.canonical_bytes).decode("ascii"),
        "reason": refusal.message[:500], "reason_code": refusal.reason_code[:100]})
    return chain_id, json.dumps({
        "command": relay.canonical_bytes.decode("ascii"),
        "signature": base64.b64encode(relay.signature).decode("ascii")}).encode("ascii")


def _relay_of(body: bytes) -> SignedCommand:
    try:
        outer = json.loads(body)
        return SignedCommand.parse(outer["command"].encode("ascii"),
                                   base64.b64decode(outer["signature"], validate=True))
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        raise InvalidInput("not a relayed refusal", field="body") from None


def _text(args: Mapping[str, Any], name: str) -> str:
    value = args.get(name)
    if not isinstance(value, str):
        raise InvalidInput("missing or not text", field=name)
    return value


def record_relayed(ledger: Ledger, body: bytes) -> int | None:
    """Record the refusal another member posted here; its seq (None if it was counted into
    a refusal summary rather than recorded one by one)."""
    relay = _relay_of(body)
    command = relay.command
    meta = ledger.state.meta
    if meta is None:
        raise NotChainOwner("this member has no ledger yet")
    if command.actor_id != SYSTEM_ACTOR or command.command_type != RELAYED_TYPE:
        raise Unauthorized("only the ledger's own relayed refusals are taken here",
                           field="command", reason_code="not-relayed")
    relay.verify(meta.ledger_public_key)
    if abs(ledger.clock() - command.issued_at) > ledger.max_clock_skew_micros:
        raise Unauthorized("the relayed refusal is too old", field="issued_at",
                           reason_code="stale-command")
    try:
        refused = SignedCommand.parse(base64.b64decode(_text(command.args, "refused"),
                                                       validate=True), b"")
    except (ValueError, binascii.Error):
        raise InvalidInput("not a command", field="refused") from None
    if refusal_chain(refused.command) != command.chain_id:
        raise InvalidInput("the refusal names another chain than its command's",
                           field="chain_id")
    if not ledger.writes(command.chain_id):
        raise NotChainOwner(f"this member does not write chain {command.chain_id!r} now",
                            owner=ledger.owner_of(command.chain_id))
    earlier = ledger.state.rejections.get(refused.command.command_id)
    if earlier is not None:  # a repeated relay: the first record stands
        return earlier.seq
    refusal = CommandRejected(_text(command.args, "reason"),
                              reason_code=_text(command.args, "reason_code"))
    return ledger.record_refusal(refused, refusal, relay=False).seq


class RefusalRelay:
    """ASGI middleware of a cluster member: record refusals the other members hand here."""

    def __init__(self, app: ASGIApp, ledger: Ledger,
                 run: Callable[..., Awaitable[int | None]],
                 problem: Callable[[Scope, SkmsError], Response]) -> None:
        self.app = app
        self.ledger = ledger
        self.run = run  # ServiceCore.run: the worker pool, under the request timeout
        self.problem = problem

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != REFUSALS_PATH:
            await self.app(scope, receive, send)
            return
        response: Response
        try:
            if scope["method"] != "POST":
                raise MethodNotAllowed(f"{scope['method']} is not allowed on {REFUSALS_PATH}")
            body = await read_body(receive) or b""
            seq = await self.run(record_relayed, self.ledger, body)
            response = JSONResponse({"seq": seq})
        except SkmsError as error:
            response = self.problem(scope, error)
        await response(scope, receive, send)
