"""The core: one session manager for every door (this package's API, and the compatibility layers
for Streamlit-Authenticator and streamlit-jwt-authenticator built on it).

What it does in every script run, at the first call of any of its methods, before it renders
anything and before any user code after that call runs:

1. First run of a browser session: read the session cookie from ``st.context.cookies``, verify the
   token (signature, ``typ``, claims, expiry) and check its session in the store. A valid one is
   signed in at once: no login form is ever rendered first, no sleep, no extra rerun.
2. Later runs: check the session against the store again (one query): revoked (logout in another
   tab or process), expired, user disabled or deleted, password changed (which revokes sessions)
   -> signed out now.
3. Handle the requests of the widgets it rendered before (read from ``st.session_state[key]``,
   which holds a component's value before the component is called): each strictly validated, each
   id at most once per browser session; the reply goes out in this very run.
4. Set ``st.session_state`` keys ``authentication_status`` (None / False / True), ``name``,
   ``username``, ``email``, ``roles``.
5. Render the invisible ``session`` carrier, which takes a new cookie value to the browser.

Nothing the iframe sends is proof: a session exists only after the backend checked a password (or,
on reload, after the token verified and the store confirmed its session).
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, Protocol

import streamlit as st

from . import _component
from ._errors import AuthConfigError
from ._protocol import Request, error_reply, ok_reply, parse_request, render_args
from ._ratelimit import (
    ACCOUNT_POLICY,
    ADDRESS_POLICY,
    AttemptKey,
    AttemptResult,
    FailureRecord,
    RateLimitPolicy,
    account_key,
    address_group,
    address_key,
)
from ._identity import normalize_username
from ._records import Identity
from ._tokens import check_cookie_key, mint_session_token, new_session_id, verify_session_token
from ._users_database import now_ms

logger = logging.getLogger("streamlit_auth_elements")

Location = Literal["main", "sidebar", "unrendered"]
LOCATIONS = ("main", "sidebar", "unrendered")
COOKIE_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+\-.^_`|~]{1,64}$")
#: Browsers cap cookie lifetimes at 400 days.
MAX_EXPIRY_DAYS = 400
#: How many handled request ids a browser session remembers (oldest forgotten first).
MAX_HANDLED_IDS = 10_000

#: The session_state keys the core sets (Streamlit-Authenticator's).
STATE_KEYS = ("authentication_status", "name", "username", "email", "roles")

INVALID_CREDENTIALS = "Invalid username or password."
RATE_LIMITED = "Too many failed login attempts. Try again later."
SERVER_ERROR = "The server could not process the request."
UNSUPPORTED = "This operation is not available here."


class CredentialBackend(Protocol):
    """What the core needs from a credential backend (UsersDatabase; phase 2: a users file, a JWT
    API). Times are ms since the epoch."""

    def check_password(self, username: str, password: str, now: int) -> Identity | None:
        """The identity when the password is right and the account usable, else None."""
        ...

    def record_login(self, identity: Identity, now: int) -> None: ...

    def create_session(self, session_id: str, identity: Identity, absolute_expires_at: int, now: int) -> None: ...

    def resume_session(self, session_id: str, subject: str, now: int) -> Identity | None:
        """The identity while the session is live and its user may still sign in, else None."""
        ...

    def revoke_session(self, session_id: str, now: int) -> None: ...

    def reserve_attempt(self, keys: Sequence[AttemptKey], now: int) -> AttemptResult: ...

    def release_attempt(self, reservation: FailureRecord) -> None: ...

    def clear_failures(self, key: str) -> None: ...


class AuthStatus(NamedTuple):
    """``authentication_status`` as Streamlit-Authenticator has it (None: nobody signed in and no
    failed attempt; False: the last attempt failed; True: signed in), and who."""

    authentication_status: bool | None
    user: Identity | None


@dataclass
class _Session:
    sid: str
    sub: str
    #: Token expiry, seconds since the epoch (the store's absolute expiry is the same instant).
    exp: int
    identity: Identity


@dataclass
class _BrowserState:
    """Per browser session (kept in st.session_state; plain data only, so it pickles)."""

    restored: bool = False
    session: _Session | None = None
    failed: bool = False
    #: request id -> None, oldest first.
    handled: dict[str, None] = field(default_factory=dict)
    #: widget key -> the last reply to a request of that widget.
    replies: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: widget key -> widget name, for every widget rendered so far.
    widgets: dict[str, str] = field(default_factory=dict)
    #: A cookie instruction the next carrier render takes to the browser.
    pending_cookie: dict[str, Any] | None = None


@dataclass
class _RunState:
    """Per script run (module memory, keyed by session and cookie name)."""

    marker: object
    #: (event, widget key, identity) for the callbacks of the widget calls of this run.
    events: list[tuple[str, str, Identity | None]] = field(default_factory=list)


_runs: dict[tuple[str, str], _RunState] = {}
_runs_lock = threading.Lock()
#: (session id, the browser state's id) -> widget key -> the callback given with that widget's
#: last call. Functions cannot live in st.session_state (it may have to pickle); they live here.
_callbacks: dict[tuple[str, int], dict[str, Callable[[dict[str, Any]], None]]] = {}


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def _this_run(cookie_name: str) -> tuple[_RunState, bool]:
    """The run-local state and whether this call is the first of the run. A run is told apart by
    the identity of its ScriptRunContext's ``cursors`` dict, which Streamlit replaces at the start
    of every run (full or fragment); the dict is held here, so its id cannot be reused."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return _RunState(marker=object()), True
    marker = ctx.cursors
    key = (ctx.session_id, cookie_name)
    with _runs_lock:
        current = _runs.get(key)
        if current is not None and current.marker is marker:
            return current, False
        if len(_runs) > 10_000:
            for stale in list(_runs)[:5_000]:
                del _runs[stale]
        current = _RunState(marker=marker)
        _runs[key] = current
        return current, True


def _context_value(name: str) -> Any:
    try:
        return getattr(st.context, name)
    except Exception:  # older Streamlit, bare mode, or no client
        return None


def request_cookie(name: str) -> str | None:
    """The cookie as the browser sent it with the page's websocket (st.context.cookies)."""
    cookies = _context_value("cookies")
    try:
        value = cookies.get(name) if cookies is not None else None
    except Exception:
        return None
    return value if isinstance(value, str) else None


def client_address() -> str | None:
    """What Streamlit says of the remote address (``st.context.ip_address``, Streamlit 1.45+):
    the TCP peer, or what a proxy on 127.0.0.1 put in X-Forwarded-For (uvicorn's proxy headers).
    None on loopback and on older Streamlit: then attempts count per account only."""
    value = _context_value("ip_address")
    return value if isinstance(value, str) else None


def page_is_https() -> bool:
    url = _context_value("url")
    if isinstance(url, str) and url:
        return url.lower().startswith("https:")
    headers = _context_value("headers")
    try:
        origin = headers.get("origin") if headers is not None else None
    except Exception:
        origin = None
    return isinstance(origin, str) and origin.lower().startswith("https:")


class LoginOutcome(NamedTuple):
    """``identity`` when the password was right; else ``code`` (``invalid_credentials`` or
    ``rate_limited``, with ``retry_after`` seconds)."""

    identity: Identity | None
    code: str | None = None
    retry_after: int | None = None


def attempt_login(
    backend: CredentialBackend,
    username: str,
    password: str,
    *,
    client: str | None,
    account_policy: RateLimitPolicy = ACCOUNT_POLICY,
    address_policy: RateLimitPolicy = ADDRESS_POLICY,
    now: int,
) -> LoginOutcome:
    """One password check, throttled as the reference server throttles it: the attempt is counted
    as a failure on the account (and on the client address, when Streamlit knows it) BEFORE the
    password is verified, atomically in the store, or refused while a key is blocked; so a burst
    of concurrent guesses gets at most the limit's number of verifications. A right password gives
    the account's failures and the address's reservation back. Does not create a session."""
    keys = [AttemptKey(account_key(normalize_username(username)), account_policy)]
    group = address_group(client)
    if group is not None:
        keys.append(AttemptKey(address_key(group), address_policy))
    attempt = backend.reserve_attempt(keys, now)
    if not attempt.ok:
        retry_after = max(1, math.ceil(((attempt.blocked_until or now) - now) / 1000))
        return LoginOutcome(None, "rate_limited", retry_after)
    identity = backend.check_password(username, password, now)
    if identity is None:
        return LoginOutcome(None, "invalid_credentials")
    backend.clear_failures(keys[0].key)
    if len(attempt.reservations) > 1:
        backend.release_attempt(attempt.reservations[1])
    return LoginOutcome(identity)


class Auth:
    """The session manager.

    ``backend``: where passwords are checked and sessions live (``UsersDatabase(...)``).
    ``cookie_name``: the session cookie's name. ``cookie_key``: the secret the session token is
    signed with (at least 32 random bytes; see ``check_cookie_key``). ``cookie_expiry_days``: how
    long a login lasts (cookie and session; at most 400 days). ``account_policy`` /
    ``address_policy``: login throttling (default: the reference server's).
    """

    def __init__(
        self,
        backend: CredentialBackend,
        *,
        cookie_key: str | bytes | None,
        cookie_name: str = "ae_session",
        cookie_expiry_days: float = 30.0,
        account_policy: RateLimitPolicy = ACCOUNT_POLICY,
        address_policy: RateLimitPolicy = ADDRESS_POLICY,
        clock: Callable[[], int] = now_ms,
    ):
        self._key = check_cookie_key(cookie_key)
        if not isinstance(cookie_name, str) or not COOKIE_NAME.match(cookie_name):
            raise AuthConfigError(
                f"cookie_name {cookie_name!r} is not a valid cookie name (1-64 letters, digits and !#$%&'*+-.^_`|~)"
            )
        if not isinstance(cookie_expiry_days, (int, float)) or isinstance(cookie_expiry_days, bool):
            raise AuthConfigError("cookie_expiry_days must be a number of days")
        if not 0 < cookie_expiry_days <= MAX_EXPIRY_DAYS:
            raise AuthConfigError(f"cookie_expiry_days must be more than 0 and at most {MAX_EXPIRY_DAYS} (browsers keep cookies 400 days at most)")
        self.backend = backend
        self.cookie_name = cookie_name
        self.cookie_expiry_seconds = max(1, int(cookie_expiry_days * 86400))
        self.account_policy = account_policy
        self.address_policy = address_policy
        self._clock = clock
        self._state_key = f"_auth_elements:{cookie_name}"
        self._carrier_key = f"_auth_elements:{cookie_name}:session"

    # ------------------------------------------------------------------ public API

    @property
    def user(self) -> Identity | None:
        """Who is signed in (after the first call of this run), else None."""
        self._prepare()
        session = self._state().session
        return session.identity if session is not None else None

    @property
    def authentication_status(self) -> bool | None:
        self._prepare()
        state = self._state()
        return True if state.session is not None else (False if state.failed else None)

    def login(
        self,
        location: Location = "main",
        *,
        key: str = "login",
        fields: Mapping[str, str] | None = None,
        lang: str | None = None,
        callback: Callable[[dict[str, Any]], None] | None = None,
    ) -> AuthStatus:
        """The login widget, while nobody is signed in (once signed in it is not rendered, so
        Streamlit drops its state, the password included). ``location="unrendered"`` renders
        nothing: only a session restored from the cookie signs in."""
        self._check_location(location)
        self._prepare()
        self._remember(key, callback)
        state = self._state()
        if state.session is None and location != "unrendered":
            self._render("login", key, location, fields=fields, lang=lang, options={})
        return self.status_now()

    def logout(
        self,
        location: Location = "main",
        *,
        key: str = "logout",
        button_name: str | None = None,
        fields: Mapping[str, str] | None = None,
        lang: str | None = None,
        callback: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        """The logout button, while someone is signed in. ``location="unrendered"`` signs out at
        once (as Streamlit-Authenticator's does). ``button_name``: the button's text; by default
        the widget's own, in the page's language ("Logout", "Se déconnecter")."""
        self._check_location(location)
        self._prepare()
        self._remember(key, callback)
        if self._state().session is None:
            return
        if location == "unrendered":
            identity = self.sign_out()
            if callback is not None and identity is not None:
                callback(self._event_info("logout", key, identity))
            return
        options = {} if button_name is None else {"button_name": button_name}
        self._render("logout", key, location, fields=fields, lang=lang, options=options)

    def status(
        self,
        location: Location = "main",
        *,
        key: str = "status",
        fields: Mapping[str, str] | None = None,
        lang: str | None = None,
    ) -> AuthStatus:
        """The login status header ("Signed in as ..." / "Not signed in")."""
        self._check_location(location)
        self._prepare()
        if location != "unrendered":
            self._render("status", key, location, fields=fields, lang=lang, options={})
        return self.status_now()

    def status_now(self) -> AuthStatus:
        self._prepare()
        state = self._state()
        if state.session is not None:
            return AuthStatus(True, state.session.identity)
        return AuthStatus(False if state.failed else None, None)

    def sign_out(self) -> Identity | None:
        """End the session now (revoked in the store: every tab and process sees it at its next
        run); the cookie is cleared by the next carrier render. Returns who was signed in."""
        self._prepare()
        state = self._state()
        session = state.session
        if session is None:
            return None
        self.backend.revoke_session(session.sid, self._clock())
        state.session = None
        state.failed = False
        state.pending_cookie = {"name": self.cookie_name, "clear": True}
        self._publish(state)
        return session.identity

    # ------------------------------------------------------------------ the run

    def _state(self) -> _BrowserState:
        state = st.session_state.get(self._state_key)
        if not isinstance(state, _BrowserState):
            state = _BrowserState()
            st.session_state[self._state_key] = state
        return state

    def _prepare(self) -> None:
        run, first = _this_run(self.cookie_name)
        if not first:
            return
        state = self._state()
        now = self._clock()
        if not state.restored:
            state.restored = True
            self._restore(state, now)
        elif state.session is not None:
            self._recheck(state, now)
        for key, widget in list(state.widgets.items()):
            self._handle(state, run, key, widget)
        self._publish(state)
        self._render_carrier(state)
        # Like Streamlit's own widget callbacks, before the rest of the script: the callback given
        # with the widget's call in an earlier run, called once per login or logout it made.
        remembered = _callbacks.get((_session_id(), id(state)), {})
        events, run.events = run.events, []
        for event, key, identity in events:
            callback = remembered.get(key)
            if callback is not None:
                callback(self._event_info(event, key, identity))

    def _restore(self, state: _BrowserState, now: int) -> None:
        token = request_cookie(self.cookie_name)
        if token is None:
            return
        claims = verify_session_token(self._key, token, now=now // 1000)
        if claims is None:
            logger.info("auth-elements: the session cookie is not a valid session token of this app; ignored")
            return
        try:
            identity = self.backend.resume_session(claims.sid, claims.sub, now)
        except Exception:
            logger.exception("auth-elements: checking a session in the store failed; signed out")
            return
        if identity is not None:
            state.session = _Session(sid=claims.sid, sub=claims.sub, exp=claims.exp, identity=identity)

    def _recheck(self, state: _BrowserState, now: int) -> None:
        session = state.session
        assert session is not None
        try:
            identity = None if session.exp * 1000 <= now else self.backend.resume_session(session.sid, session.sub, now)
        except Exception:
            logger.exception("auth-elements: checking a session in the store failed; signed out")
            identity = None
        if identity is None:
            state.session = None
        else:
            state.session = _Session(sid=session.sid, sub=session.sub, exp=session.exp, identity=identity)

    def _publish(self, state: _BrowserState) -> None:
        ss = st.session_state
        session = state.session
        ss["authentication_status"] = True if session is not None else (False if state.failed else None)
        identity = session.identity if session is not None else None
        ss["name"] = identity.name if identity is not None else None
        ss["username"] = identity.username if identity is not None else None
        ss["email"] = identity.email if identity is not None else None
        ss["roles"] = list(identity.roles) if identity is not None else None

    # ------------------------------------------------------------------ requests

    def _handle(self, state: _BrowserState, run: _RunState, key: str, widget: str) -> None:
        value = st.session_state[key] if key in st.session_state else None
        request = parse_request(value, widget)
        if request is None or request.id in state.handled:
            return
        state.handled[request.id] = None
        while len(state.handled) > MAX_HANDLED_IDS:
            del state.handled[next(iter(state.handled))]
        try:
            reply = self._dispatch(state, run, key, request)
        except Exception:
            logger.exception("auth-elements: the %s request of widget %r failed", request.op, key)
            reply = error_reply(request.id, "server_error", SERVER_ERROR)
        if reply is not None:
            state.replies[key] = reply

    def _dispatch(self, state: _BrowserState, run: _RunState, key: str, request: Request) -> dict[str, Any] | None:
        if request.op == "login":
            return self._login(state, run, key, request)
        if request.op == "logout":
            identity = self.sign_out()
            run.events.append(("logout", key, identity))
            return ok_reply(request.id)
        if request.op in ("ack", "sync"):
            # ack: the iframe replaced a value that carried a password; sync: another tab signed
            # in or out. Nothing to do: this run re-checked the session already.
            return None
        return error_reply(request.id, "unsupported", UNSUPPORTED)

    def _login(self, state: _BrowserState, run: _RunState, key: str, request: Request) -> dict[str, Any]:
        now = self._clock()
        outcome = attempt_login(
            self.backend,
            request.input["username"],
            request.input["password"],
            client=client_address(),
            account_policy=self.account_policy,
            address_policy=self.address_policy,
            now=now,
        )
        identity = outcome.identity
        if identity is None:
            state.failed = True
            if outcome.code == "rate_limited":
                return error_reply(request.id, "rate_limited", RATE_LIMITED, retry_after=outcome.retry_after)
            return error_reply(request.id, "invalid_credentials", INVALID_CREDENTIALS)
        self.backend.record_login(identity, now)
        if state.session is not None:
            self.backend.revoke_session(state.session.sid, now)
        sid = new_session_id()
        iat = now // 1000
        exp = iat + self.cookie_expiry_seconds
        self.backend.create_session(sid, identity, exp * 1000, now)
        token = mint_session_token(self._key, sub=identity.id, sid=sid, iat=iat, exp=exp)
        state.session = _Session(sid=sid, sub=identity.id, exp=exp, identity=identity)
        state.failed = False
        state.pending_cookie = {"name": self.cookie_name, "value": token, "max_age": self.cookie_expiry_seconds, "secure": page_is_https()}
        run.events.append(("login", key, identity))
        return ok_reply(request.id)

    # ------------------------------------------------------------------ rendering

    @staticmethod
    def _check_location(location: str) -> None:
        if location not in LOCATIONS:
            raise ValueError(f"location must be one of 'main', 'sidebar' or 'unrendered', got {location!r}")

    def _session_display(self, state: _BrowserState) -> dict[str, Any] | None:
        if state.session is None:
            return None
        return {"user": state.session.identity.public(), "expires_at": state.session.exp * 1000}

    def _render(
        self,
        widget: str,
        key: str,
        location: str,
        *,
        fields: Mapping[str, str] | None,
        lang: str | None,
        options: Mapping[str, Any],
    ) -> None:
        if not isinstance(key, str) or key == "" or key.startswith("_auth_elements:"):
            raise ValueError(f"key must be a non-empty string of your choosing, got {key!r}")
        state = self._state()
        known = state.widgets.get(key)
        if known is not None and known != widget:
            raise ValueError(f"key {key!r} is the key of a {known} widget already; give the {widget} widget its own key")
        state.widgets[key] = widget
        args = render_args(
            widget=widget,
            location="sidebar" if location == "sidebar" else "main",
            lang=lang,
            fields=fields,
            options=options,
            session=self._session_display(state),
            reply=state.replies.get(key),
            cookie=None,
        )
        _component.render(key, args, sidebar=location == "sidebar")

    def _render_carrier(self, state: _BrowserState) -> None:
        state.widgets[self._carrier_key] = "session"
        cookie, state.pending_cookie = state.pending_cookie, None
        args = render_args(
            widget="session",
            location="main",
            lang=None,
            fields=None,
            options={},
            session=self._session_display(state),
            reply=None,
            cookie=cookie,
        )
        _component.render(self._carrier_key, args)

    # ------------------------------------------------------------------ callbacks

    @staticmethod
    def _event_info(event: str, key: str, identity: Identity | None) -> dict[str, Any]:
        info: dict[str, Any] = {"event": event, "widget": key}
        if identity is not None:
            info.update(username=identity.username, name=identity.name, email=identity.email, roles=list(identity.roles))
        return info

    def _remember(self, key: str, callback: Callable[[dict[str, Any]], None] | None) -> None:
        """Keep the widget's callback for the run in which its request is handled (a later one)."""
        with _runs_lock:
            slot = _callbacks.setdefault((_session_id(), id(self._state())), {})
            if callback is None:
                slot.pop(key, None)
            else:
                slot[key] = callback
            if len(_callbacks) > 10_000:
                for stale in list(_callbacks)[:5_000]:
                    del _callbacks[stale]
