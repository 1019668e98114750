"""Command builders: from what a caller gives to the signed arguments and inputs a command
needs, one implementation for the CLI session and the SDK.

A caller gives a catalogue command's non-derived arguments and its inputs by name
(``{"key_id": ..., "message": b"..."}``). The builder

1. takes the inputs (data that travels beside the command, never signed), with their
   defaults;
2. computes the derived arguments from the inputs, by the rule the catalogue names
   (``sha256`` of a message, ``size`` of a plaintext, the ``bip32-fingerprint`` of a
   mnemonic, ...), so that every client vouches for its data the same way;
3. takes the other arguments as given (the ledger fills defaults and checks them all);
4. works out the chain the command acts on from the catalogue's chain rule: the system
   chain, the domain the caller names (``domain``, default ``default``), the chain of the
   key or wallet the command names (asked of ``resolve``), or the chain the caller names
   (``chain_id``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.authorization import SYSTEM_CHAIN
from ledger.catalogue import ChainRule, CommandSpec, Field
from ledger.crypto import hd
from ledger.errors import InvalidInput, NotFound

DEFAULT_DOMAIN = "default"
REQUEST_DIGEST_RULE = "request-digest"
"""A derived argument read from the ledger: the digest of the approval request named."""


@dataclass(frozen=True, slots=True)
class Built:
    """A command ready to be signed: its chain, signed arguments and unsigned inputs."""

    chain_id: str
    args: dict[str, Any]
    inputs: dict[str, Any]


class Resolver:
    """How a builder learns the domain of a key or wallet, and the chain and digest of an
    approval request (a loaded ledger, or a server)."""

    def __init__(self, key_domain: Callable[[str], str],
                 wallet_domain: Callable[[str], str],
                 approval: Callable[[str], tuple[str, str]] | None = None) -> None:
        self.key_domain = key_domain
        self.wallet_domain = wallet_domain
        self.approval = approval

    def approval_of(self, approval_id: str) -> tuple[str, str]:
        """The request's chain and its request digest (hex)."""
        if self.approval is None:
            raise InvalidInput("this client cannot look approval requests up",
                               field="approval_id")
        return self.approval(approval_id)


def build(spec: CommandSpec, params: Mapping[str, Any], resolve: Resolver) -> Built:
    """The chain, arguments and inputs of ``spec`` from the caller's ``params``."""
    known = {f.name for f in spec.args} | {f.name for f in spec.inputs} | {"domain",
                                                                          "chain_id"}
    unknown = sorted(set(params) - known)
    if unknown:
        raise InvalidInput(f"{spec.name} takes no {', '.join(unknown)}", field=unknown[0])
    inputs = {f.name: params[f.name] for f in spec.inputs if params.get(f.name) is not None}
    for field in spec.inputs:
        if field.name not in inputs and field.default is not None:
            inputs[field.name] = field.default
    args: dict[str, Any] = {}
    for field in spec.args:
        if field.derived is not None and field.derived.rule == REQUEST_DIGEST_RULE:
            if params.get(field.name):  # the approver names the digest it reviewed
                args[field.name] = params[field.name]
            else:
                args[field.name] = resolve.approval_of(_named(params, "approval_id"))[1]
        elif field.derived is not None:
            value = derive(field, inputs)
            if value is not None:
                args[field.name] = value
        elif field.name in params and params[field.name] is not None:
            args[field.name] = params[field.name]
        elif field.name in params and field.nullable:
            args[field.name] = None
    return Built(_chain(spec, params, args, resolve), args, inputs)


def _chain(spec: CommandSpec, params: Mapping[str, Any], args: Mapping[str, Any],
           resolve: Resolver) -> str:
    rule = spec.chain
    if rule is ChainRule.SYSTEM:
        return SYSTEM_CHAIN
    if rule is ChainRule.DOMAIN:
        return str(params.get("domain") or DEFAULT_DOMAIN)
    if rule is ChainRule.KEY:
        return resolve.key_domain(_named(args, "key_id"))
    if rule is ChainRule.WALLET:
        return resolve.wallet_domain(_named(args, "wallet_id"))
    if rule is ChainRule.SCOPE:  # approval policies: a key's domain, a domain, ledger-wide
        if args.get("key_id"):
            try:
                return resolve.key_domain(_named(args, "key_id"))
            except NotFound:
                return resolve.wallet_domain(_named(args, "key_id"))
        return str(args.get("domain") or SYSTEM_CHAIN)
    if rule is ChainRule.APPROVAL:
        return resolve.approval_of(_named(args, "approval_id"))[0]
    chain = params.get("chain_id")
    if not isinstance(chain, str) or not chain:
        raise InvalidInput("name the chain", field="chain_id")
    return chain


def _named(args: Mapping[str, Any], name: str) -> str:
    value = args.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidInput("required text is missing", field=name)
    return value


# --- derivations ------------------------------------------------------------------------

def derive(field: Field, inputs: Mapping[str, Any]) -> Any:
    """The value of a derived argument (None when its inputs are absent)."""
    assert field.derived is not None
    rule = DERIVATIONS.get(field.derived.rule)
    if rule is None:
        raise RuntimeError(f"no derivation rule {field.derived.rule!r}")
    values = [inputs.get(name) for name in field.derived.inputs]
    return rule(field, values)


def _bytes(value: Any, name: str) -> bytes:
    if not isinstance(value, bytes | bytearray):
        raise InvalidInput("must be bytes", field=name)
    return bytes(value)


def _sha256(field: Field, values: Sequence[Any]) -> Any:
    return None if values[0] is None else hashlib.sha256(
        _bytes(values[0], field.derived.inputs[0] if field.derived else "")).hexdigest()


def _sha256_each(field: Field, values: Sequence[Any]) -> Any:
    if values[0] is None:
        return None
    return [hashlib.sha256(_bytes(v, "messages")).hexdigest() for v in values[0]]


def _size(field: Field, values: Sequence[Any]) -> Any:
    return None if values[0] is None else len(values[0])


def _present(field: Field, values: Sequence[Any]) -> Any:
    return bool(values[0])


def _text(value: Any, name: str) -> str:
    raw = _bytes(value, name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("must be UTF-8 text", field=name) from None


def _fingerprint(field: Field, values: Sequence[Any]) -> Any:
    if values[0] is None:
        return None
    mnemonic = hd.parse_mnemonic(_text(values[0], "mnemonic"))
    passphrase = _text(values[1], "passphrase") if values[1] else ""
    with hd.wiped(hd.seed_from_mnemonic(mnemonic, passphrase)) as seed:
        return hd.master_fingerprint(seed).hex()


def _language(field: Field, values: Sequence[Any]) -> Any:
    if values[0] is None:
        return None
    return hd.parse_mnemonic(_text(values[0], "mnemonic")).language


def _share_field(field: Field, values: Sequence[Any]) -> Any:
    """``wallet_id`` / ``split_id`` of the first share document, or every ``index``."""
    if not values[0]:
        raise InvalidInput("no share documents were given", field="shares")
    documents = []
    for raw in values[0]:
        try:
            document = json.loads(_text(raw, "shares"))
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise InvalidInput("a share is not a share document", field="shares")
        documents.append(document)
    if field.name == "share_indexes":
        return [d.get("index") for d in documents]
    value = documents[0].get(field.name)
    if not isinstance(value, str):
        raise InvalidInput(f"share documents name no {field.name}", field="shares")
    return value


def _from_ledger(field: Field, values: Sequence[Any]) -> Any:
    raise InvalidInput("read from the ledger by the builder, not derived from inputs",
                       field=field.name)


DERIVATIONS: dict[str, Callable[[Field, Sequence[Any]], Any]] = {
    REQUEST_DIGEST_RULE: _from_ledger,
    "sha256": _sha256,
    "sha256-each": _sha256_each,
    "size": _size,
    "present": _present,
    "bip32-fingerprint": _fingerprint,
    "mnemonic-language": _language,
    "share-field": _share_field,
}
