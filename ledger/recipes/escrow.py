"""Recipe: key escrow copies and their release packages.

Requirements:

1. An escrowed key version's material is sealed with HPKE to the escrow agent's hybrid
   ML-KEM-768+X25519 public key (:mod:`ledger.recipes.custody_keys`), bound to the key
   id, the version and the agent id. That blob is then sealed *again* like any secret of
   the ledger (AES-256-GCM under a data key in the key-ring) before it goes into the
   ``KeyEscrowed`` event: the log alone never gives the agent anything, and destroying the
   key shreds that data key too, so crypto-shredding covers the escrow copy.
2. A release (after its approval) opens the outer layer only and hands the agent a
   *package*: JSON naming the ledger, the key, its algorithm, the agent's public key and,
   per version, the public key and the HPKE blob; the ledger signs
   ``"SKMS-ESCROW-RELEASE-v1\\0" || canonical_json(package without signature)`` with its
   Ed25519 key, and the ``EscrowReleased`` event records SHA-256 of the signed package.
3. :func:`open_package` is the agent's side, offline: it checks the signature (against a
   pinned ledger key when given), that the private key is the package's agent, opens each
   blob and checks the material derives the recorded public key, so a package whose
   blob and public key were swapped is refused.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.canonical import canonical_json
from ledger.crypto.algorithms import material_maker
from ledger.crypto.memory import zeroize
from ledger.crypto.schemes import get_scheme
from ledger.errors import InvalidInput, InvalidSignature
from ledger.recipes import custody_keys
from ledger.recipes.custody_keys import CustodyKey
from ledger.recipes.key_material import KeyMaterial

__all__ = [
    "PACKAGE_FORMAT",
    "EscrowCopy",
    "Opened",
    "escrow_aad",
    "escrow_copy",
    "make_package",
    "open_copy",
    "open_package",
    "package_digest",
    "seal_for_agent",
]

PACKAGE_FORMAT = "skms-escrow-release/v1"
SIGNING_LABEL = b"SKMS-ESCROW-RELEASE-v1\x00"
MAX_VERSIONS = 10_000


def _context(key_id: str, version: int, agent_id: str) -> bytes:
    return f"skms-escrow:v1:{key_id}:{version}:{agent_id}".encode()


def escrow_aad(key_id: str, version: int, agent_id: str) -> bytes:
    """Binds the outer (ledger) sealing of an escrow copy to its key, version and agent."""
    return b"skms-escrow-copy:v1:" + _context(key_id, version, agent_id)


def seal_for_agent(agent: CustodyKey, material: bytes | bytearray, *, key_id: str,
                   version: int, agent_id: str) -> bytes:
    """The agent-only HPKE blob of one key version's material."""
    return custody_keys.seal_to(agent, material, context=_context(key_id, version, agent_id))


@dataclass(frozen=True, slots=True)
class EscrowCopy:
    """What ``KeyEscrowed`` records: the doubly sealed copy, its data-key reference, and
    the digest of the agent's blob inside."""

    sealed_escrow: bytes
    escrow_ref: str
    escrow_digest: bytes


def escrow_copy(material: KeyMaterial, *, key_id: str, version: int,
                record: Mapping[str, Any], agent_id: str, agent: CustodyKey) -> EscrowCopy:
    """Seal one key version (``record``: its ``Key.versions`` entry) for the agent, then
    under a fresh data key of the ledger (requirement 1)."""
    blob = bytearray(material.use(key_id, version, dict(record), lambda secret: seal_for_agent(
        agent, secret, key_id=key_id, version=version, agent_id=agent_id)))
    ref = f"{key_id}/v{version}/escrow/{agent_id}"
    try:
        sealed = material.seal_secret(blob, ref, escrow_aad(key_id, version, agent_id))
        return EscrowCopy(sealed, ref, hashlib.sha256(blob).digest())
    finally:
        zeroize(blob)


def open_copy(material: KeyMaterial, *, key_id: str, version: int,
              entry: Mapping[str, Any]) -> bytes:
    """The agent's blob of one escrowed version (the ledger's layer removed; only the
    agent opens what is left). Raises ``KeyMaterialDestroyed`` once shredded."""
    blob = material.open_secret(entry["sealed_escrow"], entry["escrow_ref"],
                                escrow_aad(key_id, version, entry["agent_id"]))
    try:
        if not hmac.compare_digest(hashlib.sha256(blob).digest(), entry["escrow_digest"]):
            raise InvalidInput("the escrow copy differs from its recorded digest",
                               field="key_id")
        return bytes(blob)
    finally:
        zeroize(blob)


Signer = Callable[[bytes], bytes]


def _header(package: Mapping[str, Any]) -> bytes:
    return SIGNING_LABEL + canonical_json({k: v for k, v in package.items()
                                           if k != "signature"})


def make_package(*, ledger_id: str, ledger_public_key: bytes, key_id: str, algorithm: str,
                 agent_id: str, agent: CustodyKey, versions: Sequence[tuple[int, bytes, bytes]],
                 reason: str, released_at: int, released_by: str,
                 sign: Signer) -> dict[str, Any]:
    """A signed release package; ``versions``: (version, public key, agent blob)."""
    package: dict[str, Any] = {
        "format": PACKAGE_FORMAT, "ledger_id": ledger_id,
        "ledger_public_key": ledger_public_key.hex(), "key_id": key_id,
        "algorithm": algorithm, "agent_id": agent_id, "agent": agent.to_dict(),
        "versions": [{"version": v, "public_key": p.hex(), "sealed": b.hex()}
                     for v, p, b in versions],
        "reason": reason, "released_at": released_at, "released_by": released_by}
    package["signature"] = sign(_header(package)).hex()
    return package


def package_digest(package: Mapping[str, Any]) -> bytes:
    """SHA-256 of the signed package (canonical JSON): what the event records."""
    return hashlib.sha256(canonical_json(dict(package))).digest()


@dataclass(frozen=True, slots=True, repr=False)
class Opened:
    """One released key version: its public key and material (wipe ``material``)."""

    version: int
    public_key: bytes
    material: bytearray

    def __repr__(self) -> str:
        return f"Opened(v{self.version})"


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidInput(message, field="package")


def _hex(value: object, what: str) -> bytes:
    raw: bytes | None = None
    if isinstance(value, str):
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            raw = None
    _require(raw is not None, f"the package's {what} is not hex")
    assert raw is not None
    return raw


def open_package(package: Mapping[str, Any], private_key: Mapping[str, Any] | str | bytes,
                 *, ledger_public_key: bytes | None = None) -> list[Opened]:
    """The agent's side: every released version's material, checked (see requirement 3)."""
    _require(isinstance(package, Mapping) and package.get("format") == PACKAGE_FORMAT,
             f"not a {PACKAGE_FORMAT} document")
    for name in ("ledger_id", "key_id", "algorithm", "agent_id"):
        _require(isinstance(package.get(name), str) and bool(package[name]),
                 f"the package lacks {name}")
    named = _hex(package.get("ledger_public_key"), "ledger_public_key")
    if ledger_public_key is not None and not hmac.compare_digest(named, ledger_public_key):
        raise InvalidSignature("the package names another ledger key than the pinned one")
    try:
        get_scheme("ed25519").verify(named, _header(package),
                                     _hex(package.get("signature"), "signature"))
    except InvalidInput:
        raise InvalidSignature("the package's signature is malformed") from None
    agent = custody_keys.parse_public(package.get("agent") or {}, field="package")
    public, secret = custody_keys.parse_private(private_key)
    opened: list[Opened] = []
    try:
        if public.public_key != agent.public_key or public.kem != agent.kem:
            raise InvalidInput("this private key is not the package's escrow agent",
                               field="private_key")
        versions = package.get("versions")
        _require(isinstance(versions, list) and 1 <= len(versions) <= MAX_VERSIONS,
                 "the package holds no versions")
        assert isinstance(versions, list)
        maker = material_maker(package["algorithm"])
        for entry in versions:
            _require(isinstance(entry, Mapping) and isinstance(entry.get("version"), int),
                     "a version entry is malformed")
            version = int(entry["version"])
            recorded = _hex(entry.get("public_key"), "public_key")
            material = custody_keys.open_with(
                public, secret, _hex(entry.get("sealed"), "sealed"),
                context=_context(package["key_id"], version, package["agent_id"]))
            opened.append(Opened(version, recorded, material))
            if not hmac.compare_digest(maker.public_key(material), recorded):
                raise InvalidInput(f"version {version}'s material is not the key the package "
                                   "names", field="package")
    except BaseException:
        for item in opened:
            zeroize(item.material)
        raise
    finally:
        zeroize(secret)
    return opened
