"""A credentials backend that signs users in through a JWT API (SimpleJWT, the reference server,
WordPress's JWT plugin, any "POST username and password, get a token" endpoint).

Python makes every call to the API itself, so what the calls carry (an ``X-API-KEY`` header, the
access and refresh tokens) never reaches the browser: the browser holds only this package's own
session cookie. The API's answer is kept with the session in the session store
(``SessionDatabase``, as ``Identity.extra``), on the server side.

- **Login**: the credentials are posted to ``url`` (JSON or form-encoded) with ``headers``; the
  answer goes through ``response_handler`` (streamlit-jwt-authenticator's: it gets the
  ``requests.Response``) and the token is taken at ``token_key`` (a dotted path). 400/401/403 mean
  wrong credentials; 429 is passed on as ``rate_limited`` (with ``Retry-After``); a network error,
  a time-out, a redirect, a 5xx or another 4xx is ``server_error`` with a message saying which.
- **Checking the token**: ``verify=TokenVerification(...)`` checks its signature with PyJWT
  (an algorithm allowlist, a JWKS URL or a key, issuer, audience, ``typ``); ``verify_url`` asks the
  API (the token as Bearer, the same headers) at login and again every ``verify_interval`` seconds.
- **Every script run** (``current_identity``): the token is refreshed with ``refresh_url`` before it
  expires (the refresh token never leaves the server; a rotated one replaces it in the store);
  without a refresh URL the session ends when the token expires.
- **Logout** (``end_session``): ``logout_url`` is told (the access token as Bearer, the refresh
  token in the body: SimpleJWT's blacklist, the reference server's logout).

Redirects are never followed: a redirect would carry the password and the headers (an API key) to
wherever it points.
"""

from __future__ import annotations

import contextlib
import dataclasses
import email.utils
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import requests

from ._errors import AuthConfigError, AuthError
from ._identity import normalize_username
from ._records import Identity

logger = logging.getLogger("streamlit_auth_elements")

BodyFormat = Literal["json", "form"]

#: Algorithms a token may be signed with when verifying; ``none`` never.
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"})
SYMMETRIC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})

RATE_LIMITED = "Too many failed login attempts. Try again later."
UNREACHABLE = "The sign-in service cannot be reached. Try again in a moment."
NOT_VERIFIED = "The sign-in service's token could not be verified."
BAD_ANSWER = "The sign-in service's answer could not be read."


def _service_error(message: str) -> AuthError:
    return AuthError("server_error", message)


class ServiceUnavailable(AuthError):
    """``server_error`` because the API could not answer (network, time-out, 5xx, its JWKS out of
    reach): a session whose token is still valid goes on."""

    def __init__(self, message: str):
        super().__init__("server_error", message)


def get_path(data: Any, path: str) -> Any:
    """``data`` at a dotted path (``"data.token"``), or None."""
    current = data
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def _without_path(data: Mapping[str, Any], path: str) -> dict[str, Any]:
    """A copy of ``data`` without the value at a dotted path (the refresh token)."""
    head, _, rest = path.partition(".")
    out = dict(data)
    if head not in out:
        return out
    if rest and isinstance(out[head], Mapping):
        out[head] = _without_path(out[head], rest)
    elif not rest:
        del out[head]
    return out


def _with_path(data: Mapping[str, Any], path: str, value: Any) -> dict[str, Any]:
    head, _, rest = path.partition(".")
    out = dict(data)
    if rest:
        inner = out.get(head)
        out[head] = _with_path(inner if isinstance(inner, Mapping) else {}, rest, value)
    else:
        out[head] = value
    return out


def _where(url: str) -> str:
    """A URL for the logs: scheme, host and path, never a query (it could hold a key)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def retry_after(response: requests.Response, default: int = 60) -> int:
    """Retry-After in seconds (a number or an HTTP date), at least 1."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return max(1, int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(1, math.ceil(when.timestamp() - time.time()))


@dataclass(frozen=True)
class TokenVerification:
    """How Python checks the API's access tokens itself (PyJWT).

    ``jwks_url``: the API's public keys (asymmetric algorithms only); or ``key``: a PEM public key,
    or the shared secret of an HS256 API (SimpleJWT's default ``SIGNING_KEY``, WordPress's
    ``JWT_AUTH_SECRET_KEY``). ``algorithms``: the allowlist (never ``none``; HS* only with a
    ``key``, and then nothing else). ``issuer`` / ``audience``: required exactly when given.
    ``typ``: the header ``typ`` required (``"at+jwt"``), None accepts any. ``leeway``: clock skew in
    seconds. A token must have ``exp``; a ``token_type`` claim other than ``access`` (a SimpleJWT
    refresh token) is refused.
    """

    jwks_url: str | None = None
    key: str | bytes | None = None
    algorithms: Sequence[str] = ("RS256", "ES256")
    issuer: str | None = None
    audience: str | Sequence[str] | None = None
    typ: str | None = None
    leeway: int = 30

    def __post_init__(self) -> None:
        algorithms = tuple(self.algorithms)
        object.__setattr__(self, "algorithms", algorithms)
        if (self.jwks_url is None) == (self.key is None):
            raise AuthConfigError("TokenVerification needs exactly one of jwks_url= (the API's public keys) or key= (a PEM public key or an HS secret)")
        if not algorithms:
            raise AuthConfigError("TokenVerification needs at least one algorithm")
        unknown = [a for a in algorithms if a not in ASYMMETRIC_ALGORITHMS | SYMMETRIC_ALGORITHMS]
        if unknown:
            raise AuthConfigError(f"TokenVerification: algorithm(s) {unknown} not allowed (never 'none'); use {sorted(ASYMMETRIC_ALGORITHMS | SYMMETRIC_ALGORITHMS)}")
        symmetric = [a for a in algorithms if a in SYMMETRIC_ALGORITHMS]
        if symmetric and (self.jwks_url is not None or len(symmetric) != len(algorithms)):
            raise AuthConfigError("TokenVerification: HS256/HS384/HS512 go with key= (the shared secret) alone, never mixed with public-key algorithms or a JWKS")
        if not symmetric:
            try:
                import cryptography  # noqa: F401  (PyJWT's RSA/EC/EdDSA keys)
            except ImportError:
                raise AuthConfigError(
                    f"TokenVerification with {list(algorithms)} needs the cryptography package: pip install 'streamlit-auth-elements[jwks]'"
                ) from None
        if isinstance(self.audience, str) or self.audience is None:
            return
        object.__setattr__(self, "audience", tuple(self.audience))


_jwks_clients: dict[tuple[str, float], Any] = {}
_jwks_lock = threading.Lock()


def _jwks_client(url: str, timeout: float) -> Any:
    """One PyJWKClient per JWKS URL per process (it caches the keys for 5 minutes and refetches
    for an unknown ``kid`` at most every 30 s)."""
    import jwt

    with _jwks_lock:
        client = _jwks_clients.get((url, timeout))
        if client is None:
            client = jwt.PyJWKClient(url, cache_keys=True, timeout=timeout)
            _jwks_clients[(url, timeout)] = client
        return client


def _jwks_key(client: Any, header: Mapping[str, Any], algorithms: Sequence[str]) -> Any:
    """The JWKS key for a token: the one its ``kid`` names; a token without ``kid`` (SimpleJWT's)
    takes the set's only signing key for an allowed algorithm, and is refused when there are
    several."""
    import jwt

    kid = header.get("kid")
    if isinstance(kid, str):
        return client.get_signing_key(kid).key
    families = {"RSA": ("RS", "PS"), "EC": ("ES",), "OKP": ("EdDSA",)}
    candidates = [k for k in client.get_signing_keys() if any(a.startswith(families.get(k.key_type, ("-",))) for a in algorithms)]
    if len(candidates) != 1:
        raise jwt.InvalidTokenError(f"the token names no key (kid) and the JWKS has {len(candidates)} candidate keys")
    return candidates[0].key


#: One lock per session: two runs of one process never refresh one session's token together.
_refresh_locks: dict[str, threading.Lock] = {}
_refresh_locks_guard = threading.Lock()


def _refresh_lock(session_id: str) -> threading.Lock:
    with _refresh_locks_guard:
        lock = _refresh_locks.get(session_id)
        if lock is None:
            if len(_refresh_locks) > 10_000:
                for stale in [k for k, v in list(_refresh_locks.items())[:5_000] if not v.locked()]:
                    del _refresh_locks[stale]
            lock = _refresh_locks[session_id] = threading.Lock()
        return lock


class JwtApiBackend:
    """Credentials checked by a JWT API. Give ``Auth`` a ``SessionDatabase`` with it (the tokens
    live there): ``Auth(JwtApiBackend(url, ...), sessions=SessionDatabase(), cookie_key=...)``.

    ``url``: the token (login) endpoint. ``method``: its HTTP method. ``headers``: sent with every
    call to the API (login, verify, refresh, logout), e.g. ``{"X-API-KEY": st.secrets["api_key"]}``;
    they stay on the server. ``body_format``: ``"json"`` or ``"form"`` (urlencoded), with the
    credentials under ``username_field`` / ``password_field`` and ``extra_body`` besides (the
    reference server: ``{"refresh_in_body": True}``). ``response_handler``: gets the
    ``requests.Response`` of a successful login and returns the answer as a dict (raise
    ``AuthError`` to refuse it). ``token_key``: dotted path of the access token in that answer.

    ``refresh_url``: POST ``{"<last part of refresh_key>": <refresh token>}`` (JSON) renews the token
    ``refresh_leeway`` seconds before it expires (not before the last quarter of its life); the
    answer's token (``token_key``) and rotated refresh token (``refresh_key``) replace the stored
    ones. ``logout_url``: POSTed at logout with the token as Bearer and the refresh token in the
    body. ``verify`` (``TokenVerification``) / ``verify_url`` (+ ``verify_method``,
    ``verify_token_in`` ``"header"`` (Bearer) or ``"body"`` (``{"token": …}``),
    ``verify_interval`` seconds between checks, 0: every script run): see the module's doc.

    Who the user is: ``subject_claim``, ``username_claim``, ``name_claim``, ``email_claim``,
    ``roles_claim`` (dotted paths, looked up in the token's claims, then in the answer); by default
    the usual places (``sub`` / SimpleJWT's ``user_id`` / WordPress's ``data.user.id``, the answer's
    ``user`` object, WordPress's ``user_email`` and ``user_display_name``), and the username typed.
    """

    def __init__(
        self,
        url: str,
        *,
        method: str = "POST",
        headers: Mapping[str, str] | None = None,
        body_format: BodyFormat = "json",
        username_field: str = "username",
        password_field: str = "password",
        extra_body: Mapping[str, Any] | None = None,
        response_handler: Callable[[requests.Response], Mapping[str, Any]] | None = None,
        token_key: str = "access",
        refresh_url: str | None = None,
        refresh_key: str = "refresh",
        logout_url: str | None = None,
        verify: TokenVerification | None = None,
        verify_url: str | None = None,
        verify_method: str = "POST",
        verify_token_in: Literal["header", "body"] = "header",
        verify_interval: float = 60.0,
        subject_claim: str | None = None,
        username_claim: str | None = None,
        name_claim: str | None = None,
        email_claim: str | None = None,
        roles_claim: str | None = None,
        refresh_leeway: float = 60.0,
        timeout: float = 10.0,
    ):
        for name, value in (("url", url), ("refresh_url", refresh_url), ("logout_url", logout_url), ("verify_url", verify_url)):
            if value is None and name != "url":
                continue
            if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc:
                raise AuthConfigError(f"{name} must be an http(s) URL, got {value!r}")
            parts = urlsplit(value)
            if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
                logger.warning(
                    "auth-elements: %s %s is plain http: passwords, tokens and headers cross the network unencrypted; use https",
                    name,
                    _where(value),
                )
        if body_format not in ("json", "form"):
            raise AuthConfigError(f"body_format must be 'json' or 'form', got {body_format!r}")
        if verify_token_in not in ("header", "body"):
            raise AuthConfigError(f"verify_token_in must be 'header' or 'body', got {verify_token_in!r}")
        if not isinstance(token_key, str) or not token_key or not isinstance(refresh_key, str) or not refresh_key:
            raise AuthConfigError("token_key and refresh_key must be non-empty (dotted) paths")
        if verify is not None and not isinstance(verify, TokenVerification):
            raise AuthConfigError("verify must be a TokenVerification(...)")
        self.url = url
        self.method = method.upper()
        self.headers = {str(k): str(v) for k, v in (headers or {}).items()}
        self.body_format = body_format
        self.username_field = username_field
        self.password_field = password_field
        self.extra_body = dict(extra_body or {})
        self.response_handler = response_handler
        self.token_key = token_key
        self.refresh_url = refresh_url
        self.refresh_key = refresh_key
        self.logout_url = logout_url
        self.verify = verify
        self.verify_url = verify_url
        self.verify_method = verify_method.upper()
        self.verify_token_in = verify_token_in
        self.verify_interval_ms = max(0, int(verify_interval * 1000))
        self.claims = {"subject": subject_claim, "username": username_claim, "name": name_claim, "email": email_claim, "roles": roles_claim}
        self.refresh_leeway_ms = max(0, int(refresh_leeway * 1000))
        self.timeout = timeout
        self._sessions: Any = None

    # ------------------------------------------------------------------ Auth's hooks

    def bind_sessions(self, sessions: Any) -> None:
        """Called by ``Auth`` with its session store: the tokens are kept (and refreshed) there."""
        if not callable(getattr(sessions, "update_session_identity", None)):
            raise AuthConfigError(
                "a JWT API backend keeps its tokens with the session: give Auth a SessionDatabase, "
                "Auth(JwtApiBackend(...), sessions=SessionDatabase(), cookie_key=...)"
            )
        self._sessions = sessions

    def check_password(self, username: str, password: str, now: int) -> Identity | None:
        """Post the credentials to the API. None for 400/401/403 (wrong credentials); raises
        ``AuthError`` ``rate_limited`` for a 429, ``server_error`` for everything else that is
        not a usable token."""
        body = {**self.extra_body, self.username_field: username, self.password_field: password}
        response = self._call("login", self.method, self.url, body=body, body_format=self.body_format)
        status = response.status_code
        if status in (400, 401, 403):
            logger.info("auth-elements: the sign-in service refused a login (HTTP %s%s)", status, _error_code(response))
            return None
        self._raise_for(response, "login")
        answer = self._answer(response)
        token = get_path(answer, self.token_key)
        if not isinstance(token, str) or token == "":
            logger.warning("auth-elements: the login answer of %s has no token at %r (keys: %s)", _where(self.url), self.token_key, sorted(answer))
            raise _service_error(f"The sign-in service's answer has no token at {self.token_key!r}.")
        claims = self._claims(token, now)
        if self.verify_url is not None and self._ask_verify_url(token) is False:
            logger.warning("auth-elements: %s refused the token %s just issued", _where(self.verify_url), _where(self.url))
            raise _service_error(NOT_VERIFIED)
        refresh = get_path(answer, self.refresh_key)
        kept = _without_path(answer, self.refresh_key)
        extra = {
            "response": kept,
            "token": token,
            "refresh": refresh if isinstance(refresh, str) and refresh else None,
            **self._times(claims, answer, now),
            "checked": now,
        }
        return Identity(
            id=self._subject(claims, answer, username),
            username=self._text("username", claims, answer, ("username", "preferred_username", "user.username")) or username,
            name=self._text("name", claims, answer, ("name", "user.name", "user_display_name")) or _full_name(answer, claims),
            email=self._text("email", claims, answer, ("email", "user.email", "user_email")),
            roles=self._roles(claims, answer),
            extra=extra,
        )

    def record_login(self, identity: Identity, now: int) -> None:
        """The API counts its own logins."""

    def current_identity(self, identity: Identity, now: int, *, session_id: str = "") -> Identity | None:
        """Every script run: the token is still good (refreshed first when it is due, re-checked
        with ``verify`` / ``verify_url``), or None (the session ends). Network trouble keeps the
        session while the token has not expired."""
        if not isinstance(identity.extra.get("token"), str):
            return None
        with _refresh_lock(session_id) if session_id else contextlib.nullcontext():
            if session_id and self._sessions is not None:
                # Another run (another tab of this browser) may have refreshed since this run read it.
                fresh = self._sessions.resume_session(session_id, identity.id, now)
                if fresh is None:
                    return None
                identity = fresh
            extra = identity.extra
            if self._refresh_due(extra, now):
                renewed = self._refresh(identity, now, session_id)
                if renewed is None:
                    return None
                identity, extra = renewed, renewed.extra
            exp = extra.get("exp")
            if isinstance(exp, int) and exp <= now:
                logger.info("auth-elements: the API token of a session expired and cannot be refreshed; signed out")
                return self._revoked(session_id, now)
            if self.verify is not None:
                try:
                    self._verified_claims(extra["token"], now)
                except ServiceUnavailable:
                    pass  # the keys cannot be fetched now: the token was verified before and has not expired
                except AuthError:
                    return self._revoked(session_id, now)
            if self.verify_url is not None and now - int(extra.get("checked") or 0) >= self.verify_interval_ms:
                verdict = self._check_with_verify_url(extra["token"])
                if verdict is False:
                    logger.info("auth-elements: %s refused the token of a session; signed out", _where(self.verify_url))
                    return self._revoked(session_id, now)
                if verdict is True:
                    identity = dataclasses.replace(identity, extra={**extra, "checked": now})
                    self._store(session_id, identity)
            return identity

    def end_session(self, identity: Identity, now: int, *, session_id: str = "") -> None:
        """Logout: tell ``logout_url`` (the access token as Bearer, the newest refresh token in
        the body). Its answer is logged; the session ends here whatever it says."""
        if self.logout_url is None:
            return
        if session_id and self._sessions is not None:
            fresh = self._sessions.resume_session(session_id, identity.id, now)
            identity = fresh if fresh is not None else identity
        token, refresh = identity.extra.get("token"), identity.extra.get("refresh")
        body = {self._refresh_field: refresh} if isinstance(refresh, str) else {}
        try:
            response = self._call("logout", "POST", self.logout_url, body=body, body_format="json", bearer=token if isinstance(token, str) else None)
        except AuthError:
            return
        if not response.ok:
            logger.warning("auth-elements: %s answered the logout with HTTP %s%s", _where(self.logout_url), response.status_code, _error_code(response))

    # ------------------------------------------------------------------ HTTP

    def _call(
        self, what: str, method: str, url: str, *, body: Mapping[str, Any] | None, body_format: BodyFormat, bearer: str | None = None
    ) -> requests.Response:
        headers = {k: v for k, v in self.headers.items() if k.lower() != "content-type"}
        headers.setdefault("Accept", "application/json")
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        kwargs: dict[str, Any] = {}
        if body is not None:
            if body_format == "json":
                kwargs["json"] = dict(body)
            else:
                kwargs["data"] = {k: _form_value(v) for k, v in body.items()}
        try:
            # No redirects: one would carry the password and the headers to wherever it points.
            # No session: no cookie of the API is kept between users.
            return requests.request(method, url, headers=headers, timeout=self.timeout, allow_redirects=False, **kwargs)
        except requests.Timeout:
            logger.warning("auth-elements: %s: %s did not answer within %s s", what, _where(url), self.timeout)
            raise ServiceUnavailable(f"The sign-in service did not answer within {self.timeout:g} seconds.") from None
        except requests.RequestException as err:
            logger.warning("auth-elements: %s: %s cannot be reached (%s)", what, _where(url), type(err).__name__)
            raise ServiceUnavailable(UNREACHABLE) from None

    def _raise_for(self, response: requests.Response, what: str) -> None:
        """Nothing for a 2xx; else the AuthError for it (429 -> rate_limited, others -> server_error)."""
        status = response.status_code
        if 200 <= status < 300:
            return
        where = _where(response.request.url or "") if response.request is not None else ""
        logger.warning("auth-elements: %s: %s answered HTTP %s%s", what, where, status, _error_code(response))
        if status == 429:
            raise AuthError("rate_limited", RATE_LIMITED, retry_after=retry_after(response))
        if 300 <= status < 400:
            raise _service_error(f"The sign-in service answered with a redirect (HTTP {status}); configure its final URL.")
        if status >= 500:
            raise ServiceUnavailable(f"The sign-in service failed (HTTP {status}). Try again in a moment.")
        raise _service_error(f"The sign-in service refused the request (HTTP {status}); check the app's API settings.")

    def _answer(self, response: requests.Response) -> Mapping[str, Any]:
        try:
            answer = self.response_handler(response) if self.response_handler is not None else response.json()
        except AuthError:
            raise
        except Exception:
            logger.exception("auth-elements: reading the login answer of %s failed", _where(self.url))
            raise _service_error(BAD_ANSWER) from None
        if not isinstance(answer, Mapping):
            logger.warning("auth-elements: the login answer of %s is a %s, not a JSON object", _where(self.url), type(answer).__name__)
            raise _service_error(BAD_ANSWER)
        return answer

    @property
    def _refresh_field(self) -> str:
        return self.refresh_key.rpartition(".")[2]

    # ------------------------------------------------------------------ tokens

    def _claims(self, token: str, now: int) -> dict[str, Any]:
        """The token's claims: verified with ``verify``; else read without a signature check (the
        token came straight from the API over the connection Python opened), refusing what is
        unsigned, a refresh token or expired already. An opaque (non-JWT) token has none."""
        if self.verify is not None:
            return self._verified_claims(token, now)
        import jwt

        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False, "verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False})
        except jwt.PyJWTError:
            return {}
        if str(header.get("alg", "")).lower() == "none":
            raise self._unverified("it is unsigned (alg none)")
        self._check_claims(claims, now, leeway=30)
        return claims

    def _verified_claims(self, token: str, now: int) -> dict[str, Any]:
        import jwt

        verify = self.verify
        assert verify is not None
        try:
            header = jwt.get_unverified_header(token)
            if verify.typ is not None and str(header.get("typ", "")).lower() != verify.typ.lower():
                raise self._unverified(f"its typ is {header.get('typ')!r}, not {verify.typ!r}")
            key: Any = verify.key
            if verify.jwks_url is not None:
                key = _jwks_key(_jwks_client(verify.jwks_url, self.timeout), header, verify.algorithms)
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=list(verify.algorithms),
                issuer=verify.issuer,
                audience=verify.audience,
                leeway=verify.leeway,
                options={"require": ["exp"], "verify_exp": False, "verify_aud": verify.audience is not None, "verify_iss": verify.issuer is not None},
            )
        except jwt.PyJWKClientConnectionError as err:
            logger.warning("auth-elements: the JWKS %s cannot be fetched (%s)", _where(verify.jwks_url or ""), err)
            raise ServiceUnavailable(UNREACHABLE) from None
        except jwt.PyJWTError as err:
            raise self._unverified(f"{type(err).__name__}: {err}") from None
        self._check_claims(claims, now, leeway=verify.leeway)
        return claims

    def _check_claims(self, claims: Mapping[str, Any], now: int, *, leeway: int) -> None:
        token_type = claims.get("token_type")
        if token_type is not None and token_type != "access":
            raise self._unverified(f"its token_type is {token_type!r} (token_key {self.token_key!r} names another token than the access token?)")
        exp = claims.get("exp")
        if exp is not None and (not isinstance(exp, (int, float)) or exp * 1000 + leeway * 1000 <= now):
            raise self._unverified("it has expired already (are the clocks right?)")

    @staticmethod
    def _unverified(reason: str) -> AuthError:
        logger.warning("auth-elements: an API token was refused: %s", reason)
        return _service_error(NOT_VERIFIED)

    def _times(self, claims: Mapping[str, Any], answer: Mapping[str, Any], now: int) -> dict[str, int | None]:
        """When the token expires (its ``exp``, else the answer's ``expires_in``) and was issued."""
        exp: int | None = None
        if isinstance(claims.get("exp"), (int, float)):
            exp = int(claims["exp"] * 1000)
        elif isinstance(answer.get("expires_in"), (int, float)) and answer["expires_in"] > 0:
            exp = now + int(answer["expires_in"] * 1000)
        iat = int(claims["iat"] * 1000) if isinstance(claims.get("iat"), (int, float)) else now
        return {"exp": exp, "iat": min(iat, now)}

    def _refresh_due(self, extra: Mapping[str, Any], now: int) -> bool:
        exp, iat = extra.get("exp"), extra.get("iat")
        if self.refresh_url is None or not isinstance(extra.get("refresh"), str) or not isinstance(exp, int):
            return False
        lifetime = max(0, exp - (iat if isinstance(iat, int) else now))
        return now >= max(exp - self.refresh_leeway_ms, exp - lifetime // 4)

    def _refresh(self, identity: Identity, now: int, session_id: str) -> Identity | None:
        """A new token from ``refresh_url``; None when the API refuses the refresh token (the
        session ends); the identity unchanged when the API cannot be reached while the token is
        still valid."""
        assert self.refresh_url is not None
        extra = identity.extra
        used = extra["refresh"]
        try:
            response = self._call("refresh", "POST", self.refresh_url, body={self._refresh_field: used}, body_format="json")
            if response.status_code in (400, 401, 403):
                logger.info("auth-elements: the refresh token of a session was refused (HTTP %s%s)", response.status_code, _error_code(response))
                return self._refused_refresh(identity, used, now, session_id)
            self._raise_for(response, "refresh")
            answer = response.json()
            if not isinstance(answer, Mapping):
                raise _service_error(BAD_ANSWER)
            token = get_path(answer, self.token_key)
            if not isinstance(token, str) or token == "":
                logger.warning("auth-elements: the refresh answer of %s has no token at %r", _where(self.refresh_url), self.token_key)
                raise _service_error(BAD_ANSWER)
            claims = self._claims(token, now)
        except ValueError:
            return identity if _still_valid(extra, now) else None
        except AuthError as err:
            if _transient(err):
                return identity if _still_valid(extra, now) else None
            return self._refused_refresh(identity, used, now, session_id)
        rotated = get_path(answer, self.refresh_key)
        response_now = {**extra.get("response", {}), **_without_path(answer, self.refresh_key)}
        renewed = dataclasses.replace(
            identity,
            extra={
                **extra,
                "response": _with_path(response_now, self.token_key, token),
                "token": token,
                "refresh": rotated if isinstance(rotated, str) and rotated else used,
                **self._times(claims, answer, now),
                "checked": now,
            },
        )
        self._store(session_id, renewed)
        return renewed

    def _refused_refresh(self, identity: Identity, used: str, now: int, session_id: str) -> Identity | None:
        """The API refused the refresh token. If another process rotated it meanwhile (its newer
        token is in the store), go on with that; else the session is over, for every tab."""
        if session_id and self._sessions is not None:
            stored = self._sessions.resume_session(session_id, identity.id, now)
            if stored is not None and stored.extra.get("refresh") not in (None, used):
                return stored
        self._revoked(session_id, now)
        return None

    def _revoked(self, session_id: str, now: int) -> None:
        """The API's token is no good any more: the session ends in the store, for every tab."""
        if session_id and self._sessions is not None:
            self._sessions.revoke_session(session_id, now)

    def _store(self, session_id: str, identity: Identity) -> None:
        if session_id and self._sessions is not None:
            self._sessions.update_session_identity(session_id, identity)

    def _ask_verify_url(self, token: str) -> bool:
        """At login: True when ``verify_url`` accepts the token; False when it refuses it;
        raises ``server_error`` when it cannot say."""
        assert self.verify_url is not None
        if self.verify_token_in == "header":
            response = self._call("verify", self.verify_method, self.verify_url, body=None, body_format="json", bearer=token)
        else:
            response = self._call("verify", self.verify_method, self.verify_url, body={"token": token}, body_format="json")
        if response.status_code in (400, 401, 403):
            return False
        self._raise_for(response, "verify")
        return True

    def _check_with_verify_url(self, token: str) -> bool | None:
        """On a later run: True (accepted), False (refused: the session ends), None (no answer:
        the session goes on while its token has not expired)."""
        try:
            return self._ask_verify_url(token)
        except AuthError as err:
            return None if _transient(err) else False

    # ------------------------------------------------------------------ who

    def _lookup(self, what: str, claims: Mapping[str, Any], answer: Mapping[str, Any], defaults: Sequence[str]) -> Any:
        configured = self.claims[what]
        for path in [configured] if configured is not None else defaults:
            for source in (claims, answer):
                value = get_path(source, path)
                if value not in (None, "", []):
                    return value
        return None

    def _text(self, what: str, claims: Mapping[str, Any], answer: Mapping[str, Any], defaults: Sequence[str]) -> str:
        value = self._lookup(what, claims, answer, defaults)
        return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""

    def _subject(self, claims: Mapping[str, Any], answer: Mapping[str, Any], username: str) -> str:
        subject = self._text("subject", claims, answer, ("sub", "user_id", "data.user.id", "user.id"))
        return subject or "user:" + normalize_username(username)

    def _roles(self, claims: Mapping[str, Any], answer: Mapping[str, Any]) -> tuple[str, ...]:
        value = self._lookup("roles", claims, answer, ("roles", "user.roles", "groups", "user.groups"))
        if isinstance(value, str):
            return (value,)
        if isinstance(value, Sequence):
            return tuple(str(v.get("name") if isinstance(v, Mapping) else v) for v in value)
        return ()


def _transient(err: AuthError) -> bool:
    """The API could not answer now (network, 5xx, 429), as opposed to refusing."""
    return isinstance(err, ServiceUnavailable) or err.code == "rate_limited"


def _still_valid(extra: Mapping[str, Any], now: int) -> bool:
    exp = extra.get("exp")
    return isinstance(exp, int) and exp > now


def _full_name(answer: Mapping[str, Any], claims: Mapping[str, Any]) -> str:
    for source in (answer.get("user") if isinstance(answer.get("user"), Mapping) else {}, claims):
        first, last = source.get("first_name"), source.get("last_name")
        parts = [p for p in (first, last) if isinstance(p, str) and p]
        if parts:
            return " ".join(parts)
    return ""


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _error_code(response: requests.Response) -> str:
    """The API's error code for the logs (``error`` / ``code`` / ``detail``), never its full body."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, Mapping):
        return ""
    for key in ("error", "code", "detail"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return f": {value[:80]}"
    return ""
