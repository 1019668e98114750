"""Who is asking (authentication) and may they read this (authorization of reads).

Authentication. Every request is made by a registered actor, proven by either:

* an RFC 9421 HTTP Message Signature made with the actor's Ed25519 identity key
  (``keyid`` = actor id; profile in :mod:`commands.sdk.httpsig`). ``created`` must be within
  ``window_s`` of the server clock and the nonce unseen within that window, else 401; or
* a TLS client certificate (mutual TLS) whose Ed25519 public key *is* the actor's registered
  identity key (the certificate chain itself was checked by TLS against the client CA); or
* a dashboard session (:mod:`commands.service.sessions`): a browser that proved the actor's
  key or certificate at sign-in, within the session's lifetime, from the page's own origin
  and with the session's CSRF token (never for gRPC).

When both are present they must name the same actor. Commands are additionally signed at
the SKMS level (the ledger checks that signature); the transport credential only decides
who is talking, so the service refuses a command signed by another actor.

Authorization comes from the ledger: commands are authorized by the ledger itself
(``ledger/authorization.py``), reads by :data:`READ_PERMISSIONS` below over the roles and
domains the ledger holds for the actor. A refused read is recorded in the ledger as a
``CommandRejected`` event (see :func:`record_refusal`) – the same fact a refused command
leaves – so refusals of either kind show in the ``refused-commands`` report.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from commands.refused_reads import record_read_refusal
from commands.sdk import httpsig
from commands.service.errors import NotAuthenticated, RateLimited
from commands.service.sessions import SessionStore
from commands.service.tls import certificate_public_key
from ledger.application import Ledger
from ledger.catalogue import READ_PERMISSIONS
from ledger.command import SYSTEM_ACTOR
from ledger.errors import CommandRejected, StoreUnavailable, Unauthorized

__all__ = ["READ_PERMISSIONS", "Authenticator", "NonceCache", "Principal", "RequestFacts",
           "authorize_read", "record_refusal"]

# Read capability -> roles allowing it (None: any actor, whatever its roles), derived from
# the catalogue's reads: public key material and verification are open to every role; an
# actor's own record to the actor; the actor list, the audit trail and the feed to admins
# and auditors; reports to analysts too; free SQL to auditors and analysts only. A revoked
# actor reads nothing, not even itself.


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated actor, with roles and domains as the ledger holds them now."""

    actor_id: str
    name: str
    roles: tuple[str, ...]
    domains: tuple[str, ...]
    revoked: bool
    authenticated_by: str
    nonce: str = ""

    def may_see_domain(self, domain: str) -> bool:
        return "*" in self.domains or domain in self.domains

    def as_dict(self) -> dict[str, Any]:
        """What WhoAmI answers."""
        return {"actor_id": self.actor_id, "name": self.name, "roles": list(self.roles),
                "domains": list(self.domains), "authenticated_by": self.authenticated_by}


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What authentication needs of a request, independent of HTTP or gRPC."""

    method: str
    target_uri: str | None
    path: str
    headers: Mapping[str, str]
    body: bytes
    peer_certificate: bytes | None


class NonceCache:
    """Nonces seen within the freshness window, per actor; bounded in size, and bounded per
    actor so that one actor cannot fill it for everyone.

    When full of unexpired nonces it refuses new ones (503) rather than forgetting one
    early, which would reopen a replay window; an actor over its share is refused (429)
    while others go on. Only requests that passed the rate limit are stored here.
    """

    def __init__(self, capacity: int = 200_000, per_actor: int | None = None) -> None:
        self.capacity = capacity
        self.per_actor = per_actor if per_actor is not None else max(1, capacity // 4)
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(self, actor_id: str, nonce: str, expires_at: float, now: float) -> bool:
        """Remember a nonce; False if it was already seen (a replay)."""
        with self._lock:
            while self._seen:
                oldest_key, oldest_expiry = next(iter(self._seen.items()))
                if oldest_expiry > now:
                    break
                del self._seen[oldest_key]
                self._uncount(oldest_key[0])
            key = (actor_id, nonce)
            if key in self._seen:
                return False
            if self._counts.get(actor_id, 0) >= self.per_actor:
                raise RateLimited(f"actor {actor_id} has {self.per_actor} signed requests "
                                  "within the freshness window", retry_after=1)
            if len(self._seen) >= self.capacity:
                raise StoreUnavailable("too many signed requests within the freshness window",
                                       hint="retry in a few seconds")
            self._seen[key] = expires_at
            self._counts[actor_id] = self._counts.get(actor_id, 0) + 1
            # Entries are kept in expiry order: every entry gets now + the same window.
            return True

    def _uncount(self, actor_id: str) -> None:
        left = self._counts.get(actor_id, 1) - 1
        if left > 0:
            self._counts[actor_id] = left
        else:
            self._counts.pop(actor_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)


class Authenticator:
    """Turns request facts into a :class:`Principal` or raises ``NotAuthenticated``."""

    def __init__(self, ledger: Callable[[], Ledger], *, window_s: int = 60,
                 clock: Callable[[], float] = time.time,
                 on_failure: Callable[[str], None] | None = None,
                 charge: Callable[[str], None] | None = None,
                 nonces: NonceCache | None = None,
                 sessions: SessionStore | None = None) -> None:
        """``charge(actor_id)`` applies the rate limit (raising when over): it runs once per
        authenticated request, after the credential checked out and before a nonce is
        stored, so a rate-limited request never takes a slot of the nonce cache."""
        self._ledger = ledger
        self.window_s = window_s
        self._clock = clock
        self._nonces = nonces or NonceCache()
        self._on_failure = on_failure
        self._charge = charge or (lambda actor_id: None)
        self._keys: dict[bytes, list[str]] = {}
        self._keys_for = -1
        self.sessions = sessions

    def _fail(self, reason: str, message: str, hint: str = "") -> NotAuthenticated:
        if self._on_failure is not None:
            self._on_failure(reason)
        return NotAuthenticated(message, reason_code=reason, hint=hint)

    def authenticate(self, facts: RequestFacts, *, grpc: bool = False) -> Principal:
        by_signature: Principal | None = None
        if "signature-input" in facts.headers or "signature" in facts.headers:
            by_signature = self._by_signature(facts, grpc)
        by_certificate = (self._by_certificate(facts.peer_certificate)
                          if facts.peer_certificate else None)
        if by_signature and by_certificate and by_signature.actor_id != by_certificate.actor_id:
            raise self._fail("credential-mismatch", "the request signature and the client "
                             "certificate name different actors")
        if by_signature is not None:
            return by_signature  # charged before its nonce was stored
        by_session = None if grpc else self._by_session(facts)
        if by_session is not None:
            if by_certificate is not None and by_certificate.actor_id != by_session.actor_id:
                raise self._fail("credential-mismatch", "the dashboard session and the client "
                                 "certificate name different actors")
            self._charge(by_session.actor_id)
            return by_session
        if by_certificate is None:
            raise self._fail("missing", "the request is not signed and carries no client "
                             "certificate")
        self._charge(by_certificate.actor_id)
        return by_certificate

    def _principal(self, actor_id: str, method: str, nonce: str = "") -> Principal:
        actor = self._ledger().actors.get(actor_id)
        if actor is None or actor_id == SYSTEM_ACTOR:
            raise self._fail("unknown-actor", f"no registered actor {actor_id!r}")
        return Principal(actor.actor_id, actor.name, tuple(actor.roles), tuple(actor.domains),
                         bool(actor.revoked), method, nonce)

    def _by_signature(self, facts: RequestFacts, grpc: bool) -> Principal:
        try:
            params = httpsig.parse_signature_input(facts.headers.get("signature-input"))
            signature = httpsig.parse_signature(facts.headers.get("signature"))
        except httpsig.SignatureFormatError as exc:
            raise self._fail("malformed", str(exc)) from None
        required = httpsig.GRPC_COMPONENTS if grpc else httpsig.HTTP_COMPONENTS
        if params.components != required:
            raise self._fail("components", "the signature must cover exactly "
                             + " ".join(f'"{c}"' for c in required))
        now = self._clock()
        if abs(now - params.created) > self.window_s:
            raise self._fail("stale", f"the signature was created {int(now - params.created)} "
                             f"s from the server clock (limit {self.window_s} s)")
        actor = self._ledger().actors.get(params.keyid)
        if actor is None:
            raise self._fail("unknown-actor", f"no registered actor {params.keyid!r}")
        try:
            httpsig.check_content_digest(facts.headers.get("content-digest"), facts.body)
        except httpsig.SignatureFormatError as exc:
            raise self._fail("content-digest", str(exc)) from None
        values = {"@method": facts.method.upper(), "@path": facts.path,
                  "content-digest": facts.headers.get("content-digest", "").strip()}
        if facts.target_uri is not None:
            values["@target-uri"] = facts.target_uri
        try:
            httpsig.verify(actor.public_key, params, values, signature)
        except (httpsig.SignatureMismatch, httpsig.SignatureFormatError) as exc:
            raise self._fail("bad-signature", str(exc)) from None
        self._charge(actor.actor_id)
        if not self._nonces.add(actor.actor_id, params.nonce, now + 2 * self.window_s, now):
            raise self._fail("replayed", "this request signature (nonce) was already used")
        return self._principal(actor.actor_id, "signature", params.nonce)

    def _by_session(self, facts: RequestFacts) -> Principal | None:
        if self.sessions is None:
            return None
        try:
            session = self.sessions.authenticate(facts.headers, facts.target_uri,
                                                 facts.peer_certificate)
        except NotAuthenticated as refused:
            raise self._fail(refused.reason_code, refused.message, refused.hint) from None
        if session is None:
            return None
        return self._principal(session.actor_id, f"session:{session.method}")

    def actor_by_key(self, public_key: bytes) -> str:
        """The one registered actor whose identity key this is (sign-in by key or
        certificate); refused unless exactly one holds it."""
        ledger = self._ledger()
        if len(ledger.actors) != self._keys_for:
            index: dict[bytes, list[str]] = {}
            for actor in list(ledger.actors.values()):
                index.setdefault(bytes(actor.public_key), []).append(actor.actor_id)
            self._keys, self._keys_for = index, len(ledger.actors)
        matches = self._keys.get(public_key, [])
        if len(matches) != 1 or matches[0] == SYSTEM_ACTOR:
            raise self._fail("unknown-actor", "the key is not the identity key of exactly one "
                             "registered actor")
        return matches[0]

    def _by_certificate(self, der: bytes) -> Principal:
        public_key = certificate_public_key(der)
        if public_key is None:
            raise self._fail("certificate", "the client certificate does not hold an Ed25519 "
                             "identity key")
        ledger = self._ledger()
        if len(ledger.actors) != self._keys_for:
            index: dict[bytes, list[str]] = {}
            for actor in list(ledger.actors.values()):
                index.setdefault(bytes(actor.public_key), []).append(actor.actor_id)
            self._keys, self._keys_for = index, len(ledger.actors)
        matches = self._keys.get(public_key, [])
        if len(matches) != 1:
            raise self._fail("certificate", "the client certificate's key is not the identity "
                             "key of exactly one registered actor")
        return self._principal(matches[0], "mtls")


def authorize_read(ledger: Ledger, principal: Principal, capability: str, *,
                   target: str | None = None, domain: str | None = None,
                   what: str = "") -> None:
    """Raise ``Unauthorized`` (recorded in the ledger) unless the actor may read this."""
    allowed = READ_PERMISSIONS[capability]
    refusal: Unauthorized | None = None
    if principal.revoked:
        refusal = Unauthorized(f"actor {principal.actor_id} is revoked",
                               reason_code="revoked-actor")
    elif allowed is not None and not allowed & set(principal.roles):
        need = " or ".join(sorted(allowed))
        refusal = Unauthorized(f"actor {principal.actor_id} lacks the role for {capability} "
                               f"(needs {need})", reason_code="missing-role")
    elif domain is not None and not principal.may_see_domain(domain):
        refusal = Unauthorized(f"actor {principal.actor_id} may not read key domain "
                               f"{domain!r}", reason_code="domain")
    if refusal is not None:
        raise record_refusal(ledger, principal, f"Read:{capability}", refusal, target=target,
                             what=what)


def record_refusal(ledger: Ledger, principal: Principal, command_type: str,
                   refusal: CommandRejected, *, target: str | None = None,
                   what: str = "") -> CommandRejected:
    """Record a refusal the ledger did not see (a read, or a command sent by another
    actor), under the request's HTTP nonce (:mod:`commands.refused_reads`)."""
    return record_read_refusal(ledger, principal.actor_id, command_type, refusal,
                               target=target, what=what, nonce=principal.nonce)
