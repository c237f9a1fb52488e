"""Console sessions: a signed cookie, a CSRF token bound to it, and sign-out.

The cookie is ``<session id>.<expiry>.<signature>``, signed with HMAC-SHA256 under a key
derived from the admin token. Nothing is kept per session in the process, so every worker
(and a restarted gateway) accepts a session until it expires, and changing the admin token
signs every session out. Sign-out records the session id in the state store until the
session would have expired, so with ``[state] backend = "redis"`` a signed-out cookie is
refused by every instance.

Every change (a POST) carries ``csrf``, an HMAC of the session id under the same key:
a page of this console can show it, another site cannot compute it, and ``SameSite=Strict``
keeps the cookie off cross-site requests in the first place.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

COOKIE = "sg_console"
LIFETIME = 8 * 3600.0  # an absolute limit: a session ends 8 hours after sign-in
SIGNED_OUT_PREFIX = "console:signed_out:"


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    expires: float
    csrf: str


class Sessions:
    def __init__(self, admin_token: str) -> None:
        self._key = hmac.new(admin_token.encode(), b"sluicegate-console-v1", "sha256").digest()
        self._token = admin_token.encode()

    def token_matches(self, offered: str) -> bool:
        return hmac.compare_digest(offered.encode(), self._token)

    def issue(self, now: float | None = None) -> tuple[Session, str]:
        """A new session and its cookie value."""
        session_id = secrets.token_urlsafe(18)
        expires = (now if now is not None else time.time()) + LIFETIME
        return self._session(session_id, expires), self.sign(session_id, expires)

    def sign(self, session_id: str, expires: float) -> str:
        payload = f"{session_id}.{int(expires)}"
        return f"{payload}.{self._mac('session:' + payload)}"

    def read(self, cookie: str | None, now: float | None = None) -> Session | None:
        """The session a cookie carries, or None when it is missing, forged or expired."""
        if not cookie or cookie.count(".") != 2:
            return None
        session_id, expires_text, signature = cookie.split(".")
        payload = f"{session_id}.{expires_text}"
        if not hmac.compare_digest(signature, self._mac("session:" + payload)):
            return None
        if not expires_text.isdigit():
            return None
        expires = float(expires_text)
        if expires <= (now if now is not None else time.time()):
            return None
        return self._session(session_id, expires)

    def csrf_ok(self, session: Session, offered: str | None) -> bool:
        return bool(offered) and hmac.compare_digest(str(offered), session.csrf)

    def _session(self, session_id: str, expires: float) -> Session:
        return Session(session_id, expires, self._mac("csrf:" + session_id))

    def _mac(self, text: str) -> str:
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()
