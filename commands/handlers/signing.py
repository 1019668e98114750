"""Handlers: signing a message, or a batch under one command and one event."""

from __future__ import annotations

import hmac
from typing import Any

from commands.handlers.lookups import key_in_chain, matching_digest, sha256
from commands.handlers.registry import handles
from ledger.application import Decision
from ledger.errors import InvalidInput


@handles("Sign")
def sign(decision: Decision) -> dict[str, Any]:
    """Sign the message; the actor signed only its digest, which must match."""
    message = decision.inputs["message"]
    claimed = matching_digest(decision, "message_digest", message)
    key = key_in_chain(decision)
    actor = decision.command.actor_id
    key.check_can_sign(actor, decision.now)
    version = key.current_version
    signature = decision.ledger.material.sign(key.algorithm, key.key_id, version,
                                              key.versions[version], message)
    key.record_signature(actor_id=actor, message_digest=claimed,
                         signature_digest=sha256(signature), at=decision.now)
    return {"key_id": key.key_id, "signature": signature.hex(), "key_version": version,
            "algorithm": key.algorithm}


@handles("SignBatch")
def sign_batch(decision: Decision) -> dict[str, Any]:
    """Sign many messages under one signed command; one event lists every digest."""
    messages = decision.inputs["messages"]
    digests = decision.args["message_digests"]
    if len(digests) != len(messages):
        raise InvalidInput("one message per digest is required", field="messages")
    claimed = [bytes.fromhex(d) for d in digests]
    for index, message in enumerate(messages):
        if not hmac.compare_digest(sha256(message), claimed[index]):
            raise InvalidInput(f"message {index} does not match its signed digest",
                               field=f"message_digests[{index}]")
    key = key_in_chain(decision)
    actor = decision.command.actor_id
    key.check_can_sign(actor, decision.now, len(messages))
    version = key.current_version
    signatures = decision.ledger.material.sign_many(key.algorithm, key.key_id, version,
                                                    key.versions[version], messages)
    key.record_signature_batch(actor_id=actor, message_digests=claimed,
                               signature_digests=[sha256(s) for s in signatures],
                               at=decision.now)
    return {"key_id": key.key_id, "signatures": [s.hex() for s in signatures],
            "key_version": version, "algorithm": key.algorithm}
