"""``skms sign`` and ``skms verify``."""

from __future__ import annotations

import sys

import click

from commands.cli.output import State, emit, guarded, json_option, read_input
from ledger.crypto.scheme import get_scheme
from ledger.errors import InvalidInput, InvalidSignature


@click.command()
@click.argument("key_id")
@click.option("--input", "input_path", required=True, help="File to sign ('-' = stdin).")
@json_option
@click.pass_obj
@guarded
def sign(state: State, key_id: str, input_path: str) -> None:
    """Sign a file. ECDSA: DER over SHA-256 of the input; Ed25519: over the raw input.

    The signature is printed only after its SignatureIssued event is durably committed.
    """
    message = read_input(input_path)
    session = state.session()
    outcome = session.sign(state.as_actor, key_id, message)
    found = session.ledger().key(key_id)
    signature = outcome.result
    emit({"key_id": key_id, "algorithm": found.algorithm, "key_version": found.current_version,
          "signature": signature.hex() if signature else None, "seq": outcome.seqs[-1],
          "chain": outcome.chain_id},
         lambda r: r["signature"])


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
             lambda r: f"valid (key version {candidate}, key {r['state']})")
        return
    emit({"valid": False, "key_id": key_id}, "invalid signature")
    sys.exit(1)
