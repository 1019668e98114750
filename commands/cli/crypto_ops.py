"""``skms encrypt``, ``decrypt``, ``datakey``, ``mac`` and ``derive``: using keys on data.

Each command reads its input, calls one :class:`~commands.session.Session` method and
prints. Secrets the ledger hands back (plaintexts, data keys, derived keys) arrive only
after their event is committed; this module writes them where asked and wipes its own
buffer afterwards. Under ``--json`` they are printed in hex, which makes immutable copies
this process cannot wipe: prefer ``--output`` for plaintexts.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from commands.cli.output import State, emit, guarded, json_option, read_input
from ledger.application import Outcome
from ledger.crypto.memory import zeroize
from ledger.errors import InvalidInput


def _write(path: str, data: bytes | bytearray) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror}", field="output") from None


def _from_hex(value: str, field: str) -> bytes:
    try:
        return bytes.fromhex(value.strip())
    except ValueError:
        raise InvalidInput("not hexadecimal", field=field) from None


def _result(outcome: Outcome[Any]) -> dict[str, Any]:
    """The handler's result; a replayed command (same id) would have none to give again."""
    if not isinstance(outcome.result, dict):
        raise InvalidInput("this command was already executed; its result is not repeated",
                           field="command_id")
    return outcome.result


def _common(state: State, key_id: str, outcome: Outcome[Any]) -> dict[str, Any]:
    found = state.session().ledger().key(key_id)
    return {"key_id": key_id, "algorithm": found.algorithm,
            "key_version": _result(outcome)["key_version"], "seq": outcome.seqs[-1],
            "chain": outcome.chain_id}


aad_option = click.option("--aad", default="", help="Associated data (text) the ciphertext is "
                          "bound to; decrypting needs the same value.")


@click.command()
@click.argument("key_id")
@click.option("--input", "input_path", required=True, help="File to encrypt ('-' = stdin).")
@aad_option
@click.option("--output", default=None, help="Write the binary ciphertext here instead of "
              "printing it in hex.")
@json_option
@click.pass_obj
@guarded
def encrypt(state: State, key_id: str, input_path: str, aad: str, output: str | None) -> None:
    """Encrypt a file (AES-256-GCM, or HPKE to an ML-KEM-768+X25519 key).

    The ciphertext names the key version, so it still decrypts after rotations. The
    ledger records its digest and sizes (DataEncrypted), never the plaintext.
    """
    outcome = state.session().encrypt(state.as_actor, key_id, read_input(input_path),
                                      aad.encode())
    ciphertext: bytes = _result(outcome)["ciphertext"]
    row = {**_common(state, key_id, outcome), "ciphertext_size": len(ciphertext)}
    if output is not None:
        _write(output, ciphertext)
        row["output"] = output
        emit(row, lambda r: f"wrote {r['ciphertext_size']} bytes to {output} "
                            f"(key version {r['key_version']}, seq {r['seq']})")
    else:
        row["ciphertext"] = ciphertext.hex()
        emit(row, lambda r: r["ciphertext"])


@click.command()
@click.argument("key_id")
@click.option("--input", "input_path", required=True, help="Ciphertext file ('-' = stdin).")
@click.option("--hex", "is_hex", is_flag=True, help="The input holds the ciphertext in hex.")
@aad_option
@click.option("--output", default=None, help="Write the plaintext here (else to stdout).")
@json_option
@click.pass_obj
@guarded
def decrypt(state: State, key_id: str, input_path: str, is_hex: bool, aad: str,
            output: str | None) -> None:
    """Decrypt with the key version the ciphertext names.

    The plaintext is released only after its DataDecrypted event is committed; a
    ciphertext that does not authenticate is refused, and the refusal is recorded.
    """
    raw = read_input(input_path)
    ciphertext = _from_hex(raw.decode("ascii", "replace"), "input") if is_hex else raw
    outcome = state.session().decrypt(state.as_actor, key_id, ciphertext, aad.encode())
    plaintext: bytearray = _result(outcome)["plaintext"]
    try:
        row = {**_common(state, key_id, outcome), "plaintext_size": len(plaintext)}
        if output is not None:
            _write(output, plaintext)
            row["output"] = output
            emit(row, lambda r: f"wrote {r['plaintext_size']} bytes to {output} "
                                f"(key version {r['key_version']}, seq {r['seq']})")
        elif state.json:
            emit({**row, "plaintext": plaintext.hex()})
        else:
            sys.stdout.buffer.write(plaintext)
            sys.stdout.buffer.flush()
    finally:
        zeroize(plaintext)


@click.command()
@click.argument("key_id")
@aad_option
@json_option
@click.pass_obj
@guarded
def datakey(state: State, key_id: str, aad: str) -> None:
    """Generate a data key for envelope encryption: shown once in clear, plus wrapped.

    Encrypt bulk data locally with the clear key (AES-256), keep only the wrapped key
    beside the data, and unwrap it later with 'skms decrypt KEY --hex --input FILE'.
    """
    outcome = state.session().generate_data_key(state.as_actor, key_id, aad.encode())
    plaintext_key: bytearray = _result(outcome)["plaintext_key"]
    try:
        row = {**_common(state, key_id, outcome), "plaintext_key": plaintext_key.hex(),
               "wrapped_key": _result(outcome)["wrapped_key"].hex()}
        emit(row, lambda r: f"plaintext_key: {r['plaintext_key']}\n"
                            f"wrapped_key: {r['wrapped_key']}")
    finally:
        zeroize(plaintext_key)


@click.command()
@click.argument("key_id")
@click.option("--input", "input_path", required=True, help="Message file ('-' = stdin).")
@click.option("--verify", "tag_hex", default=None, help="Check this tag (hex) instead of "
              "making one. Exit 0 if valid, 1 if not (the failure is recorded).")
@click.option("--version", type=int, default=None, help="With --verify: only this version.")
@json_option
@click.pass_obj
@guarded
def mac(state: State, key_id: str, input_path: str, tag_hex: str | None,
        version: int | None) -> None:
    """Compute (or, with --verify, check) an HMAC-SHA256 tag of a file."""
    message = read_input(input_path)
    session = state.session()
    if tag_hex is None:
        outcome = session.generate_mac(state.as_actor, key_id, message)
        emit({**_common(state, key_id, outcome), "mac": _result(outcome)["mac"].hex()},
             lambda r: r["mac"])
        return
    outcome = session.verify_mac(state.as_actor, key_id, message, _from_hex(tag_hex, "verify"),
                                 version)
    emit({**_common(state, key_id, outcome), "valid": True},
         lambda r: f"valid (key version {r['key_version']})")


@click.command()
@click.argument("key_id")
@click.option("--peer-public", "peer_hex", required=True,
              help="Peer public key in hex (X25519: 32 bytes; P-256: SEC1 point).")
@click.option("--salt", "salt_hex", default="", help="HKDF salt in hex (default empty).")
@click.option("--info", default="", help="HKDF info (context text); bind it to the purpose.")
@click.option("--length", type=click.IntRange(16, 64), default=32, show_default=True,
              help="Bytes of key to derive.")
@click.option("--version", type=int, default=None, help="Key version (default current).")
@json_option
@click.pass_obj
@guarded
def derive(state: State, key_id: str, peer_hex: str, salt_hex: str, info: str, length: int,
           version: int | None) -> None:
    """Derive a shared key with a peer: HKDF-SHA256 over X25519 / P-256 ECDH.

    The raw Diffie-Hellman output never leaves the ledger; the peer derives the same key
    with its private key, this key's public key and the same salt and info.
    """
    outcome = state.session().derive_shared_secret(
        state.as_actor, key_id, _from_hex(peer_hex, "peer-public"),
        salt=_from_hex(salt_hex, "salt"), info=info.encode(), length=length, version=version)
    derived: bytearray = _result(outcome)["derived_key"]
    try:
        emit({**_common(state, key_id, outcome), "derived_key": derived.hex()},
             lambda r: r["derived_key"])
    finally:
        zeroize(derived)


COMMANDS = (encrypt, decrypt, datakey, mac, derive)
