"""HTTP Message Signatures (RFC 9421) with Ed25519, and Content-Digest (RFC 9530).

Both sides use this one module: the SDK signs, the service verifies, so the signature base
is built by exactly one function (:func:`signature_base`).

The profile SKMS accepts, deliberately narrow so that there is one way to get it right:

1. One signature, labelled ``sig1``; ``alg="ed25519"``; ``keyid`` is the actor id.
2. Covered components, in this order: ``"@method" "@target-uri" "content-digest"`` for HTTP
   (``"@method" "@path" "content-digest"`` for gRPC, whose calls have no full URI).
   ``content-digest`` is always covered, also for an empty body, so a signature can never
   be moved onto another body.
3. Parameters ``created`` (Unix seconds) and ``nonce`` (16 to 64 URL-safe characters) are
   required; the verifier refuses a ``created`` outside its window and a nonce it has seen.
4. ``Content-Digest`` carries ``sha-256`` only.

Parsing is strict and small (no general Structured Fields parser): anything outside the
profile is refused with :class:`SignatureFormatError` naming what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from ledger.crypto.schemes import get_scheme
from ledger.errors import InvalidInput, InvalidSignature

LABEL = "sig1"
ALGORITHM = "ed25519"
HTTP_COMPONENTS = ("@method", "@target-uri", "content-digest")
GRPC_COMPONENTS = ("@method", "@path", "content-digest")
_TOKEN = re.compile(r"[A-Za-z0-9_\-]{16,64}")
_KEYID = re.compile(r"[A-Za-z0-9_\-.:]{1,128}")
_PARAM = re.compile(r';([a-z]+)=(?:"([^"\\]*)"|(-?[0-9]{1,15}))')
_INPUT = re.compile(r'^([a-z][a-z0-9_\-]*)=\(((?:"[^"\\]*"(?: "[^"\\]*")*)?)\)((?:;[^;]*)*)$')
_SIGNATURE = re.compile(r"^([a-z][a-z0-9_\-]*)=:([A-Za-z0-9+/=]*):$")
_DIGEST = re.compile(r"^sha-256=:([A-Za-z0-9+/=]+):$")


class SignatureFormatError(ValueError):
    """A signature header is outside the accepted profile; the message says what."""


class SignatureMismatch(ValueError):
    """The signature does not verify with the named actor's key."""


@dataclass(frozen=True, slots=True)
class SignatureInput:
    """The parsed ``Signature-Input`` member: covered components and parameters."""

    label: str
    components: tuple[str, ...]
    created: int
    nonce: str
    keyid: str
    alg: str

    def serialize(self) -> str:
        """The ``@signature-params`` value (also the ``Signature-Input`` member value)."""
        inner = " ".join(f'"{c}"' for c in self.components)
        return (f'({inner});created={self.created};nonce="{self.nonce}";'
                f'keyid="{self.keyid}";alg="{self.alg}"')


def content_digest(body: bytes) -> str:
    """``Content-Digest`` header value (RFC 9530) of ``body``."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def check_content_digest(header: str | None, body: bytes) -> None:
    """Raise :class:`SignatureFormatError` unless ``header`` is the SHA-256 digest of body."""
    if header is None:
        raise SignatureFormatError("the Content-Digest header is missing")
    match = _DIGEST.match(header.strip())
    if match is None:
        raise SignatureFormatError("Content-Digest must be sha-256=:BASE64:")
    try:
        claimed = base64.b64decode(match.group(1), validate=True)
    except (ValueError, binascii.Error):
        raise SignatureFormatError("Content-Digest is not base64") from None
    if not hmac.compare_digest(claimed, hashlib.sha256(body).digest()):
        raise SignatureFormatError("Content-Digest does not match the body")


def signature_base(params: SignatureInput, values: Mapping[str, str]) -> bytes:
    """The exact bytes signed (RFC 9421 section 2.5) for the covered component values."""
    lines = []
    for component in params.components:
        value = values.get(component)
        if value is None:
            raise SignatureFormatError(f"covered component {component!r} has no value")
        if "\n" in value or "\r" in value:
            raise SignatureFormatError(f"component {component!r} contains a line break")
        lines.append(f'"{component}": {value}')
    lines.append(f'"@signature-params": {params.serialize()}')
    try:
        return "\n".join(lines).encode("ascii")
    except UnicodeEncodeError:
        raise SignatureFormatError("covered values must be ASCII") from None


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def sign(private_key: bytes | bytearray, keyid: str, values: Mapping[str, str], *,
         components: tuple[str, ...] = HTTP_COMPONENTS, created: int | None = None,
         nonce: str | None = None) -> dict[str, str]:
    """The ``Signature-Input`` and ``Signature`` headers over ``values`` (component → value)."""
    params = SignatureInput(LABEL, components, int(time.time()) if created is None else created,
                            nonce or new_nonce(), keyid, ALGORITHM)
    signature = get_scheme("ed25519").sign(private_key, signature_base(params, values))
    return {"signature-input": f"{LABEL}={params.serialize()}",
            "signature": f"{LABEL}=:{base64.b64encode(signature).decode()}:"}


def sign_http(private_key: bytes | bytearray, keyid: str, method: str, target_uri: str,
              body: bytes, **options: object) -> dict[str, str]:
    """Headers to add to an HTTP request: Content-Digest, Signature-Input, Signature."""
    digest = content_digest(body)
    values = {"@method": method.upper(), "@target-uri": target_uri, "content-digest": digest}
    return {"content-digest": digest,
            **sign(private_key, keyid, values, **options)}  # type: ignore[arg-type]


def parse_signature_input(header: str | None) -> SignatureInput:
    """Parse a one-member ``Signature-Input`` within the profile."""
    if header is None:
        raise SignatureFormatError("the Signature-Input header is missing")
    match = _INPUT.match(header.strip())
    if match is None:
        raise SignatureFormatError("Signature-Input is not one member label=(...);params")
    label, inner, raw_params = match.groups()
    if label != LABEL:
        raise SignatureFormatError(f"the signature label must be {LABEL!r}")
    components = tuple(item.strip('"') for item in inner.split(" ")) if inner else ()
    params: dict[str, str | int] = {}
    position = 0
    while position < len(raw_params):
        found = _PARAM.match(raw_params, position)
        if found is None:
            raise SignatureFormatError("a Signature-Input parameter is malformed")
        name, text, number = found.groups()
        if name in params:
            raise SignatureFormatError(f"parameter {name!r} appears twice")
        params[name] = text if text is not None else int(number)
        position = found.end()
    unknown = set(params) - {"created", "nonce", "keyid", "alg"}
    if unknown:
        raise SignatureFormatError(f"unsupported parameter(s): {', '.join(sorted(unknown))}")
    created, nonce, keyid, alg = (params.get("created"), params.get("nonce"),
                                  params.get("keyid"), params.get("alg"))
    if not isinstance(created, int):
        raise SignatureFormatError("the created parameter (integer) is required")
    if not isinstance(nonce, str) or not _TOKEN.fullmatch(nonce):
        raise SignatureFormatError("the nonce parameter must be 16-64 URL-safe characters")
    if not isinstance(keyid, str) or not _KEYID.fullmatch(keyid):
        raise SignatureFormatError("the keyid parameter (the actor id) is required")
    if alg != ALGORITHM:
        raise SignatureFormatError(f'alg must be "{ALGORITHM}"')
    return SignatureInput(label, components, created, nonce, keyid, alg)


def parse_signature(header: str | None) -> bytes:
    """The raw signature bytes of the ``sig1`` member of a ``Signature`` header."""
    if header is None:
        raise SignatureFormatError("the Signature header is missing")
    match = _SIGNATURE.match(header.strip())
    if match is None or match.group(1) != LABEL:
        raise SignatureFormatError(f"Signature must be {LABEL}=:BASE64:")
    try:
        raw = base64.b64decode(match.group(2), validate=True)
    except (ValueError, binascii.Error):
        raise SignatureFormatError("the signature is not base64") from None
    if len(raw) != 64:
        raise SignatureFormatError("an Ed25519 signature has 64 bytes")
    return raw


def verify(public_key: bytes, params: SignatureInput, values: Mapping[str, str],
           signature: bytes) -> None:
    """Raise :class:`SignatureMismatch` unless ``signature`` is the actor's Ed25519
    signature of the signature base."""
    base = signature_base(params, values)
    try:
        get_scheme("ed25519").verify(public_key, base, signature)
    except (InvalidSignature, InvalidInput):
        raise SignatureMismatch("the request signature does not verify with the key of "
                                f"actor {params.keyid}") from None
