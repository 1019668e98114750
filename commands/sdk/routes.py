"""Route ↔ command tables shared by the service and the SDK, so they cannot disagree."""

from __future__ import annotations

KEY_COMMANDS: dict[str, str] = {
    "activate": "ActivateKey", "rotate": "RotateKey", "suspend": "SuspendKey",
    "reactivate": "ReactivateKey", "compromise": "CompromiseKey", "revoke": "RevokeKey",
    "destroy": "DestroyKey", "cancel-destruction": "CancelDestruction",
    "policy": "ChangeKeyPolicy",
}
"""``POST /v1/keys/{key_id}/<action>`` → the command type it takes (also the gRPC method)."""
