"""Catalogue entries: KEK rotation, authorized by an admin (and any approval quorum a policy
puts on it), recorded by the ledger itself.

Why a system command: the rotation needs the old and new KEK's secrets (passphrases, a
token PIN), which never travel in a signed request; ``skms kek rotate`` runs beside the home
and the ledger records its start and end with its own key, like checkpoints.
The *decision* to rotate is an ordinary signed command, though: ``AuthorizeKekRotation``
(admin, approval hook ``kek-rotation``), so a policy may require M approvers for it as for
any gated command, and the ledger refuses to record a rotation's start without an unused
authorization of the same kind (``KekRotationStarted`` uses one up; the fold, and so the
auditor, refuses a start with none).
"""

from __future__ import annotations

from ledger.catalogue.fields import hexa, integer, text
from ledger.catalogue.model import ChainRule, CliRoute, CommandSpec, Hooks, Route
from ledger.catalogue.shapes import SHAPES

NOBODY: frozenset[str] = frozenset()

KEK_KINDS = ("passphrase", "pkcs11")

COMMANDS = (
    CommandSpec(
        name="AuthorizeKekRotation", doc="Authorize one KEK rotation of this ledger's home "
        "(to a new passphrase KEK or a new key on its PKCS#11 token); 'skms kek rotate' "
        "runs it. Gated like any command by an approval policy naming it.",
        group="ledger", roles=frozenset({"admin"}), chain=ChainRule.SYSTEM,
        events=frozenset({"KekRotationAuthorized"}),
        args=(text("to", "The kind of the new KEK.", max_length=16, choices=KEK_KINDS),
              text("reason", "Why (recorded in the event).", required=False, default="",
                   max_length=500)),
        result=SHAPES["KekRotationAuthorization"],
        rest=Route("POST", "/v1/kek/rotation-authorizations"),
        cli=CliRoute(("kek", "authorize"), renderer="kek-authorization"),
        hooks=Hooks(approval="kek-rotation")),
    CommandSpec(
        name="RecordKekRotation", doc="The ledger's record of a KEK rotation starting or "
                                      "completing (``skms kek rotate``; never over the "
                                      "network).",
        group="ledger", roles=NOBODY, chain=ChainRule.SYSTEM,
        events=frozenset({"KekRotationStarted", "KekRotationCompleted"}),
        args=(text("phase", "started or completed.", max_length=16,
                   choices=("started", "completed")),
              hexa("rotation_id", "The rotation's id.", size=16),
              text("old_kek_id", "The KEK moved from.", max_length=100),
              text("new_kek_id", "The KEK moved to.", max_length=100),
              text("new_kek_provider", "The new KEK provider.", max_length=100),
              integer("data_keys", "Data keys in the key-ring at the start.", required=False,
                      default=0, minimum=0, maximum=2**31 - 1),
              integer("rewrapped", "Data keys rewrapped.", required=False, default=0,
                      minimum=0, maximum=2**31 - 1),
              integer("already_new", "Data keys already under the new KEK.", required=False,
                      default=0, minimum=0, maximum=2**31 - 1),
              integer("skipped", "Data keys shredded meanwhile.", required=False, default=0,
                      minimum=0, maximum=2**31 - 1),
              integer("home_secrets", "Home secrets rewrapped.", required=False, default=0,
                      minimum=0, maximum=2**31 - 1),
              hexa("digest", "The moved keys' digest.", required=False, size=32)),
        system=True),
)
