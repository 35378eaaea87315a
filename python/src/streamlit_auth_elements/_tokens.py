"""The session token Python mints for itself, and the cookie key it is signed with.

The token is a JWT (PyJWT), HS256 with the app's ``cookie_key``, header ``typ`` = SESSION_TYP and
the claims ``sub`` (user id), ``sid`` (session id in the store), ``iat`` and ``exp`` (seconds).
Nothing else is accepted: another algorithm (``none``, RS256, ...), another key, another ``typ``,
a missing or mistyped claim, an expired token, or a token some other library signed with the same
key (Streamlit-Authenticator's cookie, say) are all refused. A valid token is still only a claim
until the store confirms its session (see ``Auth``): logout, a password change or a disabled user
end a session there, and every script run looks.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

import jwt

from ._errors import AuthConfigError

SESSION_TYP = "ae-st-session+jwt"
ALGORITHM = "HS256"
MIN_KEY_BYTES = 32
#: Clock difference tolerated for ``iat`` between processes (several machines share a database).
IAT_LEEWAY_SECONDS = 60

#: Keys from documentation and examples (Streamlit-Authenticator's README and config.yaml, tutorials).
KNOWN_DEFAULT_KEYS = frozenset(
    {
        "some_signature_key",
        "random_signature_key",
        "some_cookie_key",
        "abcdef",
        "secret",
        "secret_key",
        "secretkey",
        "signature_key",
        "cookie_key",
        "changeme",
        "change_me",
        "change-me",
        "your_secret_key",
        "your-secret-key",
        "mysecret",
        "my_secret_key",
        "supersecret",
        "key",
        "password",
        "streamlit",
    }
)

HOW_TO_MAKE_ONE = (
    'Make one with: python -c "import secrets; print(secrets.token_urlsafe(32))" '
    'and keep it out of your code, e.g. in .streamlit/secrets.toml (cookie_key = "...") read with '
    'st.secrets["cookie_key"], or in an environment variable.'
)

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{22,128}$")


def check_cookie_key(key: object) -> bytes:
    """The key's bytes, or AuthConfigError saying what is wrong and how to make a good one."""
    if key is None or (isinstance(key, (str, bytes)) and len(key) == 0):
        raise AuthConfigError(f"cookie_key is missing: sessions are signed with it. {HOW_TO_MAKE_ONE}")
    if not isinstance(key, (str, bytes)):
        raise AuthConfigError(f"cookie_key must be a string, got {type(key).__name__}. {HOW_TO_MAKE_ONE}")
    data = key.encode("utf-8") if isinstance(key, str) else key
    text = data.decode("utf-8", "replace").strip().lower()
    if text in KNOWN_DEFAULT_KEYS:
        raise AuthConfigError(
            f'cookie_key "{text}" is a published example key: anyone can sign a session cookie with it '
            f"and be logged in as any user. {HOW_TO_MAKE_ONE}"
        )
    if len(data) < MIN_KEY_BYTES:
        raise AuthConfigError(
            f"cookie_key is too short ({len(data)} bytes): it must be a random secret of at least "
            f"{MIN_KEY_BYTES} bytes, or sessions can be forged by guessing it. {HOW_TO_MAKE_ONE}"
        )
    if len(set(data)) < 8:
        raise AuthConfigError(
            f"cookie_key has only {len(set(data))} different characters: it is not a random secret. {HOW_TO_MAKE_ONE}"
        )
    return data


def new_session_id() -> str:
    """128 random bits, base64url."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class SessionClaims:
    sub: str
    sid: str
    iat: int
    exp: int


def mint_session_token(key: bytes, *, sub: str, sid: str, iat: int, exp: int) -> str:
    return jwt.encode({"sub": sub, "sid": sid, "iat": iat, "exp": exp}, key, algorithm=ALGORITHM, headers={"typ": SESSION_TYP})


def verify_session_token(key: bytes, token: object, *, now: int) -> SessionClaims | None:
    """The claims of a token this app minted and that has not expired at ``now`` (seconds), else
    None (never raises for a bad token)."""
    if not isinstance(token, str) or not 0 < len(token) <= 4096:
        return None
    try:
        decoded: dict[str, Any] = jwt.api_jwt.decode_complete(
            token,
            key,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "sid", "iat", "exp"], "verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    header, claims = decoded.get("header", {}), decoded.get("payload", {})
    if header.get("typ") != SESSION_TYP or header.get("alg") != ALGORITHM or "crit" in header:
        return None
    sub, sid, iat, exp = claims.get("sub"), claims.get("sid"), claims.get("iat"), claims.get("exp")
    if not (isinstance(sub, str) and 0 < len(sub) <= 256 and isinstance(sid, str) and SESSION_ID.match(sid)):
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (iat, exp)):
        return None
    assert isinstance(iat, int) and isinstance(exp, int)
    if exp <= now or iat > now + IAT_LEEWAY_SECONDS or exp <= iat:
        return None
    return SessionClaims(sub=sub, sid=sid, iat=iat, exp=exp)
