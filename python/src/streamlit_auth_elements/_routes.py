"""ASGI mode: the routes the iframe posts credentials to (``st.App(..., routes=routes(auth))``).

python/PROTOCOL.md "ASGI mode". Passwords go from the widget to these same-origin routes with
``fetch``, never through Streamlit's widget state or websocket. A route checks them exactly as the
widget path does (``attempt_login``: the same throttling rows), sets the session cookie itself,
``HttpOnly; SameSite=Strict; Path=/`` (+ ``Secure`` on https), and answers a one-time code
(``_codes``) that Python redeems to learn of the login. So no script of the page (another
component, an injected one) can read the session token, and no password sits in widget state.

Every route is ``POST <prefix>/<binding>/<op>``: ``<binding>`` names the Streamlit browser session
whose ``args.route`` it came in (only that session can redeem the code). ``POST <prefix>/logout``
also works without one. Requests must:

- come from the app's own origin: an ``Origin`` header whose scheme is http(s) and whose host and
  port are the request's ``Host`` (or one of ``allowed_origins``), and no ``Sec-Fetch-Site`` other
  than ``same-origin``. A missing ``Origin`` is refused: every browser sends one with a POST, and
  nothing but the kit's iframe has a use for these routes (stricter than the reference server,
  which lets non-browser clients omit it);
- be JSON (``application/json`` or ``application/*+json``; a cross-site form cannot send that
  without a CORS preflight, which these routes never grant), at most ``max_body_bytes`` (64 KiB,
  the reference server's limit), valid UTF-8, one object with exactly the op's fields (PROTOCOL.md's
  table), each a string of at most 1024 characters, no duplicate key, no lone surrogate.

Errors are ``{"error": <kit code>, "error_description": "..."}`` with the HTTP status, as from the
reference server; an unexpected failure is logged and answered ``500 server_error``, never with a
stack trace.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import _codes
from ._auth import INVALID_CREDENTIALS, RATE_LIMITED, SERVER_ERROR, UNSUPPORTED, Auth, attempt_login
from ._errors import AuthError
from ._protocol import OPS, input_problem
from ._tokens import verify_session_token

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import BaseRoute

logger = logging.getLogger("streamlit_auth_elements")

#: The HTTP status of an AuthError raised by a backend (others: 400).
AUTH_ERROR_STATUS = {"rate_limited": 429, "server_error": 502, "invalid_credentials": 401, "unsupported": 404}
#: The reference server's body limit.
MAX_BODY_BYTES = 64 * 1024
PREFIX = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")
#: Streamlit's own route prefixes (st.App refuses user routes under them).
RESERVED_PREFIXES = ("/_stcore", "/media", "/component", "/static")
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
LOOPBACK = frozenset({"127.0.0.1", "::1"})


class _Refusal(Exception):
    def __init__(self, status: int, error: str, description: str, headers: Mapping[str, str] | None = None):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.headers = dict(headers or {})


@dataclass
class _Answer:
    """A handler's answer: the JSON body, and the cookie to set (a token) or clear ("")."""

    body: dict[str, Any]
    cookie: str | None = None
    status: int = 200


@dataclass(frozen=True)
class _Call:
    """One checked request, as a handler sees it."""

    fields: Mapping[str, str]
    binding: str | None
    #: The session cookie the browser sent (unverified), or None.
    cookie: str | None
    #: The client address for throttling: the TCP peer (or a trusted proxy's X-Forwarded-For, as
    #: the ASGI server resolved it); None on loopback, as st.context.ip_address has it.
    client: str | None


@dataclass
class _Context:
    auth: Auth
    codes: _codes.CodeStore


def _login(ctx: _Context, call: _Call) -> _Answer:
    auth = ctx.auth
    now = auth._clock()
    outcome = attempt_login(
        auth.backend,
        call.fields["username"],
        call.fields["password"],
        client=call.client,
        account_policy=auth.account_policy,
        address_policy=auth.address_policy,
        now=now,
        sessions=auth.sessions,
    )
    identity = outcome.identity
    if identity is None:
        if outcome.code == "rate_limited":
            retry = str(outcome.retry_after or 1)
            raise _Refusal(429, "rate_limited", RATE_LIMITED, {"Retry-After": retry})
        raise _Refusal(401, "invalid_credentials", INVALID_CREDENTIALS)
    # A session this browser already had (its cookie) ends: one browser, one session.
    previous = verify_session_token(auth._key, call.cookie, now=now // 1000) if call.cookie else None
    session, token = auth._open_session(identity, now, replaces=previous.sid if previous is not None else None)
    assert call.binding is not None
    issued = _codes.Issued(op="login", session_id=session.sid, user_id=session.sub, session_expires_at=session.exp, result={})
    return _Answer({"code": ctx.codes.issue(call.binding, issued, now)}, cookie=token)


def _logout(ctx: _Context, call: _Call) -> _Answer:
    auth = ctx.auth
    now = auth._clock()
    claims = verify_session_token(auth._key, call.cookie, now=now // 1000) if call.cookie else None
    if claims is not None:
        auth.end_session(claims.sid, auth.sessions.resume_session(claims.sid, claims.sub, now), now)
    return _Answer({}, cookie="")


@dataclass(frozen=True)
class RouteOp:
    """One operation of the routes. ``handler`` None: not offered yet (answered ``404
    unsupported``). ``bound``: the answer is a code, so the path must name a browser session."""

    handler: Callable[[_Context, _Call], _Answer] | None
    bound: bool = True


#: The operations the routes take: every op that carries a password (PROTOCOL.md "ASGI mode"),
#: and logout. The one table: the paths, the checks and the handlers all come from here.
#: register, change_password, reset_password and update_details (with a password) are wired when
#: the backends offer them (the account operations of phase 2); until then: unsupported.
ROUTE_OPS: dict[str, RouteOp] = {
    "login": RouteOp(_login),
    "logout": RouteOp(_logout, bound=False),
    "register": RouteOp(None),
    "change_password": RouteOp(None),
    "reset_password": RouteOp(None),
    "update_details": RouteOp(None),
}
# The bodies are checked against PROTOCOL.md's table of ops (_protocol.OPS): every route op is one.
assert set(ROUTE_OPS) <= set(OPS)


# ------------------------------------------------------------------------ request checks


def _authority(scheme: str, netloc: str) -> tuple[str, int] | None:
    """(host, port) of ``netloc`` with the scheme's default port filled in; None if malformed."""
    try:
        parts = urlsplit(f"//{netloc}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or parts.username is not None or parts.password is not None:
        return None
    return parts.hostname, port if port is not None else (443 if scheme == "https" else 80)


def _same_origin(request: Request, allowed: frozenset[str] | None) -> bool:
    """The app's own origin: exactly one Origin header, http(s), naming the host and port the
    request was sent to (its Host header), or one of ``allowed``; and a browser's Sec-Fetch-Site,
    when sent, says same-origin."""
    origins = request.headers.getlist("origin")
    if len(origins) != 1:
        return False
    origin = origins[0].strip().lower()
    site = request.headers.get("sec-fetch-site")
    if site is not None and site.strip().lower() != "same-origin":
        return False
    if allowed is not None:
        return origin in allowed
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or parts.path or parts.query or parts.fragment:
        return False
    mine = _authority(parts.scheme, parts.netloc)
    return mine is not None and mine == _authority(parts.scheme, request.headers.get("host", "").strip().lower())


def _is_json(request: Request) -> bool:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media == "application/json" or bool(re.fullmatch(r"application/[a-z0-9.+-]+\+json", media))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refusal(400, "invalid_request", "A field is given more than once.")
        out[key] = value
    return out


async def _read_body(request: Request, limit: int) -> bytes:
    too_large = _Refusal(413, "payload_too_large", f"The request body is larger than {limit} bytes.", {"Connection": "close"})
    declared = request.headers.get("content-length")
    if declared is not None:
        if not re.fullmatch(r"\d{1,15}", declared.strip()):
            raise _Refusal(400, "invalid_request", "The Content-Length header is not a number.")
        if int(declared) > limit:
            raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def _fields(request: Request, op: str, limit: int) -> dict[str, str]:
    """The JSON body as the op's input, or a refusal saying what is wrong (never echoing values)."""
    if not _is_json(request):
        raise _Refusal(415, "unsupported_media_type", "The request body must be application/json.")
    raw = await _read_body(request, limit)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refusal(400, "invalid_request", "The request body is not valid UTF-8.") from None
    if text.strip() == "":
        data: Any = {}
    else:
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicates)
        except (ValueError, RecursionError):
            raise _Refusal(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise _Refusal(400, "invalid_request", "The request body must be a JSON object.")
    problem = input_problem(op, data)
    if problem is not None:
        raise _Refusal(400, "invalid_request", f"The request body is not a valid {op} request: {problem}.")
    return data


def _client(request: Request) -> str | None:
    host = request.client.host if request.client is not None else None
    return None if host is None or host in LOOPBACK else host


# ------------------------------------------------------------------------ responses


@dataclass(frozen=True)
class _CookieSettings:
    name: str
    max_age: int
    #: None: Secure when the page is https (its Origin, or the request's own scheme).
    secure: bool | None

    def header(self, request: Request, value: str) -> str:
        """The Set-Cookie value (the reference server's order of attributes)."""
        secure = self.secure
        if secure is None:
            origin = request.headers.get("origin", "").strip().lower()
            secure = origin.startswith("https://") or request.url.scheme in ("https", "wss")
        parts = [f"{self.name}={value}", "HttpOnly"]
        if secure:
            parts.append("Secure")
        parts += ["Path=/", "SameSite=Strict", f"Max-Age={self.max_age if value else 0}"]
        return "; ".join(parts)


def _json(status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> Response:
    from starlette.responses import JSONResponse

    return JSONResponse(
        dict(body),
        status_code=status,
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", **(headers or {})},
    )


@dataclass
class _Endpoint:
    ctx: _Context
    cookie: _CookieSettings
    allowed_origins: frozenset[str] | None
    max_body_bytes: int
    log: logging.Logger = field(default=logger)

    async def handle(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        op = str(request.path_params.get("op", ""))
        binding = request.path_params.get("binding")
        try:
            entry = ROUTE_OPS.get(op)
            if entry is None or (binding is not None and not _codes.BINDING.match(binding)):
                raise _Refusal(404, "not_found", "No such route.")
            if request.method != "POST":
                raise _Refusal(405, "method_not_allowed", "Use POST for this route.", {"Allow": "POST"})
            if not _same_origin(request, self.allowed_origins):
                raise _Refusal(403, "forbidden_origin", "Requests from this origin are not allowed.")
            if entry.handler is None:
                raise _Refusal(404, "unsupported", UNSUPPORTED)
            if entry.bound and binding is None:
                raise _Refusal(404, "not_found", f"Post {op} to the route the widget was given (it names the browser session).")
            fields = await _fields(request, op, self.max_body_bytes)
            call = _Call(fields=fields, binding=binding, cookie=request.cookies.get(self.cookie.name), client=_client(request))
            answer = await run_in_threadpool(entry.handler, self.ctx, call)
        except _Refusal as refusal:
            return _json(refusal.status, {"error": refusal.error, "error_description": refusal.description}, refusal.headers)
        except AuthError as err:
            # From the credentials backend (a JWT API's 429 or outage), with its own message.
            status = AUTH_ERROR_STATUS.get(err.code, 400)
            headers = {"Retry-After": str(err.retry_after)} if err.retry_after is not None else None
            return _json(status, {**(err.details or {}), "error": err.code, "error_description": err.message}, headers)
        except Exception:
            self.log.exception("auth-elements: the %s route failed", op)
            return _json(500, {"error": "server_error", "error_description": SERVER_ERROR})
        response = _json(answer.status, answer.body)
        if answer.cookie is not None:
            response.headers.append("Set-Cookie", self.cookie.header(request, answer.cookie))
        return response


async def _not_found(request: Request) -> Response:
    return _json(404, {"error": "not_found", "error_description": "No such route."})


def _normalize_origin(origin: str) -> str:
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"not an origin (scheme://host[:port], no path): {origin!r}")
    return f"{parts.scheme}://{parts.netloc}".lower()


def routes(
    auth_or_config: Auth | Mapping[str, Any],
    prefix: str = "/_auth",
    *,
    allowed_origins: Sequence[str] | None = None,
    secure: bool | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> list[BaseRoute]:
    """The routes of ASGI mode, to give to ``st.App(script, routes=...)``.

    ``auth_or_config``: the ``Auth`` your script uses (best: one object in a module both import),
    or the keyword arguments to build one (``{"backend": UsersDatabase(...), "cookie_key": ...}``).
    Once built, every ``Auth`` of this process with the same cookie name runs in ASGI mode: its
    widgets post passwords to these routes, and a password in widget state is refused.

    ``prefix``: where they are mounted (default ``/_auth``). ``allowed_origins``: the origins the
    app is reached at, when the ``Host`` header the app sees is not the browser's (a proxy that
    rewrites it); default: the request's own host. ``secure``: force the cookie's ``Secure``
    attribute on or off; default: on when the page is https (its ``Origin``, or the request's
    scheme as the ASGI server sees it: uvicorn takes ``X-Forwarded-Proto`` from the proxies in
    ``FORWARDED_ALLOW_IPS``, default 127.0.0.1). ``max_body_bytes``: default 64 KiB.
    """
    from starlette.routing import Route

    auth = auth_or_config if isinstance(auth_or_config, Auth) else Auth(**dict(auth_or_config))
    if not isinstance(prefix, str) or not PREFIX.match(prefix):
        raise ValueError(f"prefix must be a path such as '/_auth' (no trailing slash), got {prefix!r}")
    if any(prefix == p or prefix.startswith(p + "/") for p in RESERVED_PREFIXES):
        raise ValueError(f"prefix {prefix!r} is under one of Streamlit's own routes {RESERVED_PREFIXES}")
    allowed = frozenset(_normalize_origin(o) for o in allowed_origins) if allowed_origins is not None else None
    ctx = _Context(auth=auth, codes=_codes.code_store_for(auth.sessions))
    endpoint = _Endpoint(
        ctx=ctx,
        cookie=_CookieSettings(name=auth.cookie_name, max_age=auth.cookie_expiry_seconds, secure=secure),
        allowed_origins=allowed,
        max_body_bytes=max_body_bytes,
    )
    _codes.mount(auth.cookie_name, prefix, auth._key)
    handler: Callable[[Request], Awaitable[Response]] = endpoint.handle  # a method: Starlette passes the Request
    return [
        Route(prefix + "/{binding}/{op}", handler, methods=ALL_METHODS),
        Route(prefix + "/{op}", handler, methods=ALL_METHODS),
        Route(prefix + "/{rest:path}", _not_found, methods=ALL_METHODS),
    ]
