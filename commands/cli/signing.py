"""``skms sign`` and ``skms verify``."""

from __future__ import annotations

import sys

import click

from commands.cli.output import State, emit, guarded, json_option, read_input
from ledger.crypto.algorithms import profile
from ledger.crypto.scheme import get_scheme
from ledger.errors import InvalidInput, InvalidSignature


@click.command()
@click.argument("key_id")
@click.option("--input", "input_paths", required=True, multiple=True,
              help="File to sign ('-' = stdin). Repeat to sign a batch under one command.")
@json_option
@click.pass_obj
@guarded
def sign(state: State, key_id: str, input_paths: tuple[str, ...]) -> None:
    """Sign a file. ECDSA: DER over SHA-256 of the input; Ed25519: over the raw input.

    The signature is printed only after its event is durably committed. Several --input
    options sign a batch with one command and one SignatureBatchIssued event.
    """
    session = state.session()
    messages = [read_input(path) for path in input_paths]
    if len(messages) == 1:
        outcome = session.sign(state.as_actor, key_id, messages[0])
        signatures = [outcome.result]
    else:
        outcome = session.sign_batch(state.as_actor, key_id, messages)
        signatures = list(outcome.result or [])
    found = session.ledger().key(key_id)
    common = {"key_id": key_id, "algorithm": found.algorithm,
              "key_version": found.current_version, "seq": outcome.seqs[-1],
              "chain": outcome.chain_id}
    if len(messages) == 1:
        emit({**common, "signature": signatures[0].hex() if signatures[0] else None},
             lambda r: r["signature"])
    else:
        rows = [{"input": p, "signature": s.hex()} for p, s in zip(input_paths, signatures,
                                                                   strict=True)]
        emit({**common, "signatures": rows},
             lambda r: "\n".join(f"{x['signature']}  {x['input']}" for x in r["signatures"]))


@click.command()
@click.argument("key_id")
@click.option("--input", "input_path", required=True, help="Signed file ('-' = stdin).")
@click.option("--signature", "signature_hex", required=True, help="Signature in hex.")
@click.option("--version", type=int, default=None, help="Only try this key version.")
@json_option
@click.pass_obj
@guarded
def verify(state: State, key_id: str, input_path: str, signature_hex: str,
           version: int | None) -> None:
    """Verify a signature with a key's public versions. Exit 0 if valid, 1 if not."""
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError:
        raise InvalidInput("not hexadecimal", field="signature") from None
    message = read_input(input_path)
    found = state.session().read_only_ledger().key(key_id)
    if profile(found.algorithm).purpose != "signature":
        raise InvalidInput(f"key {key_id} is a {found.algorithm} key, not a signing key",
                           field="key_id", hint="MACs are checked with skms mac --verify")
    scheme = get_scheme(found.algorithm)
    versions = [version] if version is not None else sorted(found.versions, reverse=True)
    for candidate in versions:
        if candidate not in found.versions:
            raise InvalidInput(f"key has versions {sorted(found.versions)}", field="version")
        try:
            scheme.verify(found.versions[candidate]["public_key"], message, signature)
        except InvalidSignature:
            continue
        emit({"valid": True, "key_id": key_id, "version": candidate, "state": found.state.value},
             lambda r: f"valid (key version {r['version']}, key {r['state']})")
        return
    emit({"valid": False, "key_id": key_id}, "invalid signature")
    sys.exit(1)
