"""``skms kek rotate``: move every data key and home secret to a new KEK, resumably.

Passphrase to a new passphrase, passphrase to a KEK on the home's PKCS#11 token, or the
token's KEK to a new key on it. The work is :mod:`ledger.recipes.kek_change`; this command
signs the decision as the ``--as`` admin (``AuthorizeKekRotation``: held for approvers
when a policy requires a quorum, then exiting 0 with ``{"status": "pending", ...}``; run it
again once approved), opens both KEKs, records the rotation through the ledger
(system-signed ``RecordKekRotation``, which uses the authorization up) and prints what
moved. A running ``skms serve`` on the home is fenced meanwhile
(:mod:`ledger.recipes.kek_fence`). Running it again after a crash resumes the
same rotation (the new KEK is read back from the home's ``kek_next``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from commands.cli.local import pkcs11_options
from commands.cli.printer import emit, guarded, json_option
from commands.cli.state import CliState
from commands.handlers import execute
from ledger.authorization import SYSTEM_CHAIN
from ledger.crypto.entropy import random_bytes
from ledger.crypto.kek import KEKProvider, PassphraseKEK
from ledger.crypto.memory import zeroize
from ledger.domain.ledger_meta import authorization_for, kek_kind
from ledger.errors import ConfigurationError, InvalidInput
from ledger.home import Home
from ledger.hsm.pkcs11_kek import Pkcs11KEK
from ledger.recipes.kek_change import rotate_key_ring
from ledger.recipes.kek_rotation import FileProgressStore

PROGRESS_FILE = "kek-rotation.json"
NEXT_KEK_ENV = "SKMS_NEW_PASSPHRASE"


def _new_passphrase(path: Path | None) -> bytearray | None:
    if path is not None:
        try:
            return bytearray(path.read_bytes().rstrip(b"\r\n"))
        except OSError as exc:
            raise ConfigurationError(f"cannot read the new passphrase file: {exc.strerror}",
                                     field="new-passphrase-file") from None
    value = os.environ.get(NEXT_KEK_ENV)
    return bytearray(value.encode()) if value else None


def _create_kek(home: Home, to: str, passphrase: bytearray | None) -> KEKProvider:
    """A new KEK of kind ``to``, its parameters saved as the home's ``kek_next``."""
    kek: KEKProvider
    if to == "passphrase":
        if not passphrase:
            raise InvalidInput("a passphrase KEK needs the new passphrase",
                               field="new-passphrase-file",
                               hint=f"--new-passphrase-file F or ${NEXT_KEK_ENV}")
        kek, params = PassphraseKEK.create(passphrase)
    else:
        pkcs11 = home.pkcs11_config()
        if pkcs11 is None:
            raise ConfigurationError("this home names no PKCS#11 token", field="pkcs11-module",
                                     hint="give --pkcs11-module, --token-label and --pin-file")
        pin = pkcs11.read_pin()
        try:
            kek, params = Pkcs11KEK.create(
                pkcs11.module, pkcs11.token_label, pin,
                key_label=f"skms-kek-{home.config()['ledger_id']}-{random_bytes(4).hex()}")
        finally:
            zeroize(pin)
    home.begin_kek_change(params)
    return kek


def add_kek_commands(root: click.Group) -> None:
    """``skms kek rotate`` beside the catalogue's ``skms kek authorize``."""
    group = root.commands.get("kek")
    if not isinstance(group, click.Group):
        group = click.Group("kek", help="The key-encryption key that wraps every data key.")
        root.add_command(group)
    group.add_command(rotate)


@click.command("rotate")
@click.option("--to", "to", type=click.Choice(["passphrase", "pkcs11"]), default=None,
              help="The new KEK: from a new passphrase, or a new AES key on the home's "
                   "PKCS#11 token (needed unless resuming).")
@click.option("--new-passphrase-file", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help=f"File holding the new passphrase (else ${NEXT_KEK_ENV}).")
@click.option("--pkcs11-module", default=None,
              help="With --to pkcs11 on a home that names no token yet: the PKCS#11 library.")
@click.option("--token-label", default=None, help="...the token's label.")
@click.option("--pin-file", default=None, help="...and the file holding its PIN (0600).")
@click.option("--reason", default="", help="Why (recorded with the authorization).")
@click.option("--checkpoint-every", default=64, show_default=True,
              type=click.IntRange(1, 100_000), help="Save progress every N data keys.")
@json_option
@click.pass_obj
@guarded
def rotate(state: CliState, to: str | None, new_passphrase_file: Path | None,
           pkcs11_module: str | None, token_label: str | None, pin_file: str | None,
           reason: str, checkpoint_every: int) -> None:
    """Rewrap every data key (and the home's own secrets) under a new KEK.

    Authorized by the --as admin (AuthorizeKekRotation, with the approvals a policy
    requires: until they are given this prints the pending request), recorded by the
    ledger (KekRotationStarted / KekRotationCompleted); refused while another rotation is
    in progress; after a crash, run it again to resume. A running skms serve waits while
    data keys move and is refused new secrets until the rotation completes."""
    home = state.home
    session = state.session()
    ledger = session.ledger()
    old = session.kek()
    finished = _finish_recording(home, ledger, old)
    if finished is not None:
        emit(finished, lambda r: f"KEK rotation {r['rotation_id']} was already applied; its "
                                 "completion is now recorded")
        return
    new_passphrase = _new_passphrase(new_passphrase_file)
    try:
        pending_params = home.pending_kek()
        if pending_params is not None:
            if ledger.meta is not None and ledger.meta.kek_rotation is None:
                # crashed before its start was recorded
                held = _authorize(state, ledger, kek_kind(home.kek_description(
                    pending_params)), reason)
                if held is not None:
                    emit(held, lambda r: f"resuming needs {r['required']} approval(s): "
                                         f"request {r['approval_id']}")
                    return
            new = home.open_pending_kek(new_passphrase)
        else:
            if to is None:
                raise InvalidInput("say which KEK to rotate to", field="to")
            pending = _authorize(state, ledger, to, reason)
            if pending is not None:
                emit(pending, lambda r: f"KEK rotation to {to} needs {r['required']} "
                                        f"approval(s): request {r['approval_id']}; run "
                                        "'skms kek rotate' again once it is approved")
                return
            configured = pkcs11_options(pkcs11_module, token_label, pin_file)
            if configured is not None:
                home.name_hsm(configured)
            new = _create_kek(home, to, new_passphrase)
    finally:
        if new_passphrase is not None:
            zeroize(new_passphrase)
    try:
        result = _run(home, ledger, old, new, checkpoint_every)
    finally:
        new.close()
    emit(result, lambda r: f"KEK rotation {r['rotation_id']} complete: {r['rewrapped']} data "
                           f"keys rewrapped ({r['already_new']} already moved, {r['skipped']} "
                           f"shredded meanwhile), {r['home_secrets']} home secrets; the KEK "
                           f"is now {r['new_kek_id']}")


def _authorize(state: CliState, ledger: Any, to: str, reason: str) -> dict[str, Any] | None:
    """Make sure an unused authorization for a ``to`` KEK exists (one approved by a quorum
    earlier is used as it is); ``None`` when it does, else the pending request."""
    if authorization_for(ledger.meta.kek_authorizations, to) is not None:
        return None
    outcome = state.session().run(state.as_actor, "AuthorizeKekRotation", to=to,
                                  reason=reason)
    if outcome.approval_id is not None:
        return dict(outcome.result or {})
    return None


def _run(home: Home, ledger: Any, old: KEKProvider, new: KEKProvider,
         checkpoint_every: int) -> dict[str, Any]:
    pending = home.pending_kek()
    assert pending is not None
    provider = home.kek_description(pending)

    def record(args: dict[str, Any]) -> None:
        running = ledger.meta.kek_rotation
        if args["phase"] == "started" and running is not None and (
                running["rotation_id"] == args["rotation_id"]):
            return  # a resumed rotation: its start is already in the log
        execute(ledger, ledger.system_command("RecordKekRotation", SYSTEM_CHAIN, args))

    # Processes using this home's KEK (skms serve) wait while keys move and the home
    # switches; from kek_next on they seal nothing new (ledger/recipes/kek_fence.py).
    with home.kek_fence(old).exclusive():
        moved = rotate_key_ring(ledger.keyring, old, new, FileProgressStore(
            home.path / PROGRESS_FILE), new_kek_provider=provider, record=record,
            checkpoint_every=checkpoint_every)
        home_secrets = home.rewrap_secrets(old, new)
        home.finish_kek_change()
    ledger.reconcile_keyring()  # a key destroyed meanwhile stays shredded
    progress = moved.progress
    result = {"rotation_id": progress.rotation_id, "old_kek_id": progress.old_kek_id,
              "new_kek_id": progress.new_kek_id, "new_kek_provider": provider,
              "rewrapped": progress.rewrapped, "already_new": progress.already_new,
              "skipped": progress.skipped, "home_secrets": home_secrets,
              "digest": progress.digest.hex()}
    record({"phase": "completed", **result})
    return result


def _finish_recording(home: Home, ledger: Any, current: KEKProvider) -> dict[str, Any] | None:
    """A rotation whose home switch happened but whose completion was not recorded (a
    crash in between): record it from the saved progress, or ``None`` if there is none."""
    assert ledger.meta is not None
    running = ledger.meta.kek_rotation
    if running is None or home.pending_kek() is not None or (
            running["new_kek_id"] != current.kek_id):
        return None
    progress = FileProgressStore(home.path / PROGRESS_FILE).load()
    if progress is None or progress.rotation_id != running["rotation_id"]:
        raise ConfigurationError(f"KEK rotation {running['rotation_id']} switched this home "
                                 "but its progress record is gone",
                                 hint="restore kek-rotation.json from a backup")
    result = {"rotation_id": progress.rotation_id, "old_kek_id": progress.old_kek_id,
              "new_kek_id": progress.new_kek_id,
              "new_kek_provider": running["new_kek_provider"],
              "rewrapped": progress.rewrapped, "already_new": progress.already_new,
              "skipped": progress.skipped, "home_secrets": 0,
              "digest": progress.digest.hex()}
    execute(ledger, ledger.system_command("RecordKekRotation", SYSTEM_CHAIN,
                                          {"phase": "completed", **result}))
    return result
