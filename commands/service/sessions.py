"""Dashboard sessions: a browser proves an actor once, then reads with a short-lived token.

Why sessions at all: a browser cannot put a signature on a WebSocket handshake, and signing
every read in the page would keep the actor's key busy for nothing. The actor's key still
signs every *command* in the page (the ledger checks that signature, as for any client), so
a stolen session can read what the actor may read, for at most its lifetime, and can never
make the ledger record anything in the actor's name.

Requirements:

1. Sign-in proves possession of an actor's registered Ed25519 identity key: the browser
   signs ``SKMS-DASHBOARD-SIGN-IN-v1\\0 || canonical JSON {challenge, origin, public_key,
   purpose}`` over a fresh server challenge (32 random bytes, single use, 60 s), naming the
   origin it runs on, so a signature made for another site is refused here. Or the TLS
   client certificate of the connection proves it (mutual TLS); such a session is then
   bound to that certificate: every request using it must present the same one.
2. The session token is signed: ``v1.<session id>.<expiry>.<HMAC-SHA256>`` under a key
   that lives only in this process (a restart ends every session), and it must also be in
   the table of open sessions (so signing out ends it at once). It travels only in a
   ``__Host-`` cookie (Secure, HttpOnly, SameSite=Strict, Path=/), 15 minutes at most.
3. CSRF: every request authenticated by a session must carry the session's CSRF token in
   the ``X-SKMS-CSRF`` header (a WebSocket handshake, which cannot, in its ``csrf`` query
   parameter), and must come from the page's own origin: an ``Origin`` other than the
   server's, or a ``Sec-Fetch-Site`` other than ``same-origin``, is refused. Another site,
   or another port of the same host, can neither read the token nor send the header
   without a CORS preflight, which this server never answers.
4. Bounded: at most ``capacity`` open challenges and sessions; past that sign-ins are
   refused (503) until some expire, never by forgetting one early.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from commands.errors import NotAuthenticated
from ledger.canonical import canonical_json
from ledger.errors import StoreUnavailable

SIGN_IN_DOMAIN = b"SKMS-DASHBOARD-SIGN-IN-v1\x00"
SIGN_IN_PURPOSE = "skms-dashboard-sign-in"
COOKIE = "__Host-skms-session"
CSRF_HEADER = "x-skms-csrf"
CSRF_QUERY = "csrf"
TOKEN_VERSION = "v1"  # noqa: S105 - the token format's version, not a secret
_TOKEN = re.compile(r"^v1\.([A-Za-z0-9_-]{22})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
SIGN_IN_HINT = "sign in again on the dashboard (/ui)"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign_in_message(challenge: str, origin: str, public_key_hex: str) -> bytes:
    """The exact bytes a browser signs to sign in (domain-separated canonical JSON)."""
    return SIGN_IN_DOMAIN + canonical_json({"challenge": challenge, "origin": origin,
                                            "public_key": public_key_hex,
                                            "purpose": SIGN_IN_PURPOSE})


def origin_of(target_uri: str) -> str:
    """The web origin a request was addressed to (``wss://h:p/...`` -> ``https://h:p``)."""
    parts = urllib.parse.urlsplit(target_uri)
    scheme = {"wss": "https", "ws": "http"}.get(parts.scheme, parts.scheme)
    return f"{scheme}://{parts.netloc}".lower()


@dataclass(frozen=True, slots=True)
class Session:
    """One open session; ``certificate`` is the SHA-256 of the client certificate it is
    bound to (mutual-TLS sign-in), else ``None``."""

    session_id: str
    actor_id: str
    expires_at: int
    csrf: str
    method: str
    certificate: bytes | None


@dataclass(frozen=True, slots=True)
class Opened:
    """A new session and the token that names it (the token is shown to nobody but the
    browser, in a cookie)."""

    session: Session
    token: str


class SessionStore:
    """Challenges and open sessions of one service process (thread-safe)."""

    def __init__(self, *, lifetime_s: int = 900, challenge_s: int = 60,
                 capacity: int = 10_000, clock: Callable[[], float] = time.time) -> None:
        self.lifetime_s = lifetime_s
        self.challenge_s = challenge_s
        self.capacity = capacity
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._challenges: dict[str, float] = {}
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    # --- challenges ----------------------------------------------------------------------

    def challenge(self) -> tuple[str, int]:
        """A fresh single-use challenge and its expiry (Unix seconds)."""
        now = self._clock()
        with self._lock:
            self._expire(now)
            if len(self._challenges) >= self.capacity:
                raise StoreUnavailable("too many sign-ins in progress", hint="retry shortly")
            value = _b64url(secrets.token_bytes(32))
            self._challenges[value] = now + self.challenge_s
        return value, int(now + self.challenge_s)

    def take_challenge(self, value: object) -> None:
        """Consume a challenge; refuse an unknown, used or expired one."""
        if not isinstance(value, str) or not _CHALLENGE.fullmatch(value):
            raise NotAuthenticated("the challenge is malformed", reason_code="challenge",
                                   hint=SIGN_IN_HINT)
        now = self._clock()
        with self._lock:
            expires = self._challenges.pop(value, None)
        if expires is None or expires < now:
            raise NotAuthenticated("the challenge is unknown, used or expired: ask for a new "
                                   "one", reason_code="challenge", hint=SIGN_IN_HINT)

    # --- sessions ------------------------------------------------------------------------

    def open(self, actor_id: str, method: str, certificate: bytes | None = None) -> Opened:
        """Open a session for an actor whose key (or certificate) was just proven."""
        now = self._clock()
        session = Session(_b64url(secrets.token_bytes(16)), actor_id,
                          int(now + self.lifetime_s), _b64url(secrets.token_bytes(32)),
                          method,
                          hashlib.sha256(certificate).digest() if certificate else None)
        with self._lock:
            self._expire(now)
            if len(self._sessions) >= self.capacity:
                raise StoreUnavailable("too many open dashboard sessions", hint="retry later")
            self._sessions[session.session_id] = session
        return Opened(session, self._token(session))

    def close(self, token: str) -> None:
        """Sign out: the session ends now, whatever its expiry."""
        match = _TOKEN.match(token)
        if match is not None:
            with self._lock:
                self._sessions.pop(match.group(1), None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def _token(self, session: Session) -> str:
        signed = f"{TOKEN_VERSION}.{session.session_id}.{session.expires_at}"
        mac = hmac.new(self._key, signed.encode("ascii"), hashlib.sha256).digest()
        return f"{signed}.{_b64url(mac)}"

    def _expire(self, now: float) -> None:
        """Drop expired challenges and sessions (under the lock)."""
        for value in [v for v, expires in self._challenges.items() if expires < now]:
            del self._challenges[value]
        for session_id in [s for s, session in self._sessions.items()
                           if session.expires_at < now]:
            del self._sessions[session_id]

    def session_of(self, token: str) -> Session:
        """The open session a token names, checking its signature and expiry."""
        match = _TOKEN.match(token)
        if match is None:
            raise NotAuthenticated("the session token is malformed", reason_code="session",
                                   hint=SIGN_IN_HINT)
        signed = token[: token.rindex(".")]
        try:
            claimed = base64.urlsafe_b64decode(match.group(3) + "=")
        except (ValueError, binascii.Error):
            raise NotAuthenticated("the session token is malformed",
                                   reason_code="session", hint=SIGN_IN_HINT) from None
        expected = hmac.new(self._key, signed.encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(claimed, expected):
            raise NotAuthenticated("the session token was not issued by this server "
                                   "(or it restarted): sign in again",
                                   reason_code="session", hint=SIGN_IN_HINT)
        with self._lock:
            session = self._sessions.get(match.group(1))
        if session is None or session.expires_at < self._clock():
            raise NotAuthenticated("the session has ended: sign in again",
                                   reason_code="session-expired", hint=SIGN_IN_HINT)
        return session

    # --- authenticating a request ----------------------------------------------------------

    def authenticate(self, headers: Mapping[str, str], target_uri: str | None,
                     certificate: bytes | None) -> Session | None:
        """The session a browser request carries (None: it carries none), after the CSRF,
        origin and certificate-binding checks; raises ``NotAuthenticated`` otherwise."""
        token = cookie_value(headers.get("cookie", ""), COOKIE)
        if token is None:
            return None
        session = self.session_of(token)
        check_same_origin(headers, target_uri)
        csrf = headers.get(CSRF_HEADER)
        websocket = headers.get("upgrade", "").lower() == "websocket"
        if csrf is None and websocket and target_uri is not None:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(target_uri).query)
            found = query.get(CSRF_QUERY)
            csrf = found[0] if found else None
        if csrf is None or not hmac.compare_digest(csrf.encode(), session.csrf.encode()):
            raise NotAuthenticated("a dashboard session needs its CSRF token (X-SKMS-CSRF)",
                                   reason_code="csrf", hint=SIGN_IN_HINT)
        if session.certificate is not None and (
                certificate is None
                or not hmac.compare_digest(hashlib.sha256(certificate).digest(),
                                           session.certificate)):
            raise NotAuthenticated("this session is bound to the client certificate it was "
                                   "opened with", reason_code="session-binding", hint=SIGN_IN_HINT)
        return session


def check_same_origin(headers: Mapping[str, str], target_uri: str | None) -> None:
    """Refuse a browser request sent by another origin (``Origin``, ``Sec-Fetch-Site``)."""
    site = headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        raise NotAuthenticated(f"a dashboard request must come from its own page "
                               f"(Sec-Fetch-Site: {site[:32]})", reason_code="origin",
                               hint=SIGN_IN_HINT)
    origin = headers.get("origin")
    websocket = headers.get("upgrade", "").lower() == "websocket"
    if origin is None and not websocket:
        return
    if origin is None or target_uri is None or origin.lower() != origin_of(target_uri):
        raise NotAuthenticated("a dashboard request must come from this server's own origin",
                               reason_code="origin", hint=SIGN_IN_HINT)


def cookie_value(header: str, name: str) -> str | None:
    """One cookie's value from a ``Cookie`` header (the first of that name)."""
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def set_cookie_header(token: str, max_age: int) -> str:
    """The ``Set-Cookie`` value of a session token (``__Host-``: Secure, Path=/, no Domain)."""
    return (f"{COOKIE}={token}; Max-Age={max_age}; Path=/; Secure; HttpOnly; "
            "SameSite=Strict")


def clear_cookie_header() -> str:
    return f"{COOKIE}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict"
