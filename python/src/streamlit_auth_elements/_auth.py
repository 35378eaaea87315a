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

The backend comes in two parts (``_backend.py``): the credentials (passwords, account operations)
and the session store (sessions, revocation, counters). ``UsersDatabase`` is both;
``Auth(backend, sessions=SessionDatabase())`` gives a backend without tables its session store.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, TypeVar, overload

import streamlit as st

from . import _codes, _component
from ._backend import (
    ACCOUNT_OPERATIONS,
    SUPERUSER_ROLE,
    AccountContext,
    CredentialBackend,
    Credentials,
    PasswordResetRequest,
    Registration,
    SessionStore,
    UsernameReminder,
    throttled_check,
    unsupported,
)
from ._errors import AuthConfigError, AuthError
from ._protocol import Request, error_reply, ok_reply, parse_request, render_args
from ._ratelimit import ACCOUNT_POLICY, ADDRESS_POLICY, RateLimitPolicy, address_group
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
#: With ``cookie_expiry_days=0`` (no cookie, Streamlit-Authenticator's meaning) a session lasts at
#: most this long, in the browser tab's Streamlit session only.
TAB_SESSION_SECONDS = 24 * 3600
#: How many handled request ids a browser session remembers (oldest forgotten first).
MAX_HANDLED_IDS = 10_000

#: The session_state keys the core sets (Streamlit-Authenticator's).
STATE_KEYS = ("authentication_status", "name", "username", "email", "roles")

INVALID_CREDENTIALS = "Invalid username or password."
RATE_LIMITED = "Too many failed login attempts. Try again later."
SERVER_ERROR = "The server could not process the request."
UNSUPPORTED = "This operation is not available here."
CODE_REFUSED = "The login could not be completed (the code is wrong, used or expired). Please log in again."
PASSWORD_THROUGH_ROUTE = "This app takes passwords through its sign-in route only, never through widget state."
#: Input fields that hold a password: in ASGI mode a request with one is refused from widget state.
PASSWORD_FIELDS = frozenset({"password", "current_password", "new_password"})


#: A link token (``?reset_token=`` / ``?verify_token=``): 43 base64url characters.
LINK_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
NOT_AUTHENTICATED = "Please log in first."

F = TypeVar("F", bound=Callable[..., Any])


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
    #: (page, widget key) -> widget name: on one page a key keeps its kind for the browser session.
    page_widgets: dict[tuple[str, str], str] = field(default_factory=dict)
    #: A cookie instruction the next carrier render takes to the browser.
    pending_cookie: dict[str, Any] | None = None
    #: widget key -> a link token (reset or registration) Python holds for that widget.
    tokens: dict[str, str] = field(default_factory=dict)
    #: widget key -> the last ``token=`` the app passed (a new value replaces the held token).
    given: dict[str, str | None] = field(default_factory=dict)
    #: widget key -> a reset code shown under a forgot-password widget (``show_code=True``).
    notes: dict[str, dict[str, str]] = field(default_factory=dict)
    #: widget key -> (request id, what the widget's call returned for it): the ``ack`` rerun that
    #: follows a reply to a request with a password returns it again (it is no user action).
    results: dict[str, tuple[str, Any]] = field(default_factory=dict)


@dataclass
class _RunState:
    """Per script run (module memory, keyed by session and cookie name)."""

    marker: object
    #: (widget key, callback info) for the callbacks of the widget calls of this run.
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: widget key -> what the widget's call returns in this run (the result of its request).
    results: dict[str, Any] = field(default_factory=dict)
    #: widget key -> widget name, for the widgets rendered in this run.
    rendered: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _WidgetCall:
    """What the app passed with a widget's last call, needed when its request is handled (in a
    later run, before the call): the callback, the roles of new accounts, whether to show codes."""

    callback: Callable[[dict[str, Any]], None] | None = None
    roles: tuple[str, ...] = ()
    show_code: bool = False
    options: Mapping[str, Any] | None = None


_runs: dict[tuple[str, str], _RunState] = {}
_runs_lock = threading.Lock()
#: (session id, the browser state's id) -> widget key -> the widget's last call. Functions cannot
#: live in st.session_state (it may have to pickle); they live here.
_calls: dict[tuple[str, int], dict[str, _WidgetCall]] = {}


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def _page_id() -> str:
    """The page this run is of (its script hash; one id outside Streamlit's pages manager)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    manager = getattr(ctx, "pages_manager", None) if ctx is not None else None
    return str(getattr(manager, "current_page_script_hash", "") or "")


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
    backend: Credentials,
    username: str,
    password: str,
    *,
    client: str | None,
    account_policy: RateLimitPolicy = ACCOUNT_POLICY,
    address_policy: RateLimitPolicy = ADDRESS_POLICY,
    now: int,
    sessions: SessionStore | None = None,
) -> LoginOutcome:
    """One password check, throttled as the reference server throttles it: the attempt is counted
    as a failure on the account (and on the client address, when Streamlit knows it) BEFORE the
    password is verified, atomically in the session store (``sessions``, default: the backend
    itself), or refused while a key is blocked; so a burst of concurrent guesses gets at most the
    limit's number of verifications. A right password gives the account's failures and the
    address's reservation back. Does not create a session."""
    store: SessionStore = sessions if sessions is not None else backend  # type: ignore[assignment]
    identity, retry_after = throttled_check(
        store,
        normalize_username(username),
        address_group(client),
        lambda: backend.check_password(username, password, now),
        account_policy=account_policy,
        address_policy=address_policy,
        now=now,
    )
    if retry_after is not None:
        return LoginOutcome(None, "rate_limited", retry_after)
    if identity is None:
        return LoginOutcome(None, "invalid_credentials")
    return LoginOutcome(identity)


def has_access(identity: Identity | None, *, role: str | Sequence[str] | None = None, superuser: bool = False) -> bool:
    """Whether ``identity`` is signed in with one of the roles (any one) and, with ``superuser``,
    the superuser role (``admin``, as the reference server's ``create-superuser`` gives it)."""
    if identity is None:
        return False
    roles = set(identity.roles)
    if superuser and SUPERUSER_ROLE not in roles:
        return False
    if role is None:
        return True
    wanted = [role] if isinstance(role, str) else list(role)
    return any(r in roles for r in wanted)


class Auth:
    """The session manager.

    ``backend``: the credentials (``UsersDatabase(...)``, or a users file or JWT API backend).
    ``sessions``: where sessions and failure counters live; default the backend itself (a
    ``UsersDatabase`` is its own session store); a backend without tables needs a
    ``SessionDatabase(...)``. ``cookie_name``: the session cookie's name. ``cookie_key``: the
    secret the session token is signed with (at least 32 random bytes; see ``check_cookie_key``).
    ``cookie_expiry_days``: how long a login lasts (cookie and session; at most 400 days); 0: no
    cookie, the login lasts while the tab's Streamlit session does (at most a day; a reload signs
    out), as in Streamlit-Authenticator.
    ``account_policy`` / ``address_policy``: login throttling (default: the reference server's).
    """

    def __init__(
        self,
        backend: Credentials | CredentialBackend,
        *,
        cookie_key: str | bytes | None,
        cookie_name: str = "ae_session",
        cookie_expiry_days: float = 30.0,
        account_policy: RateLimitPolicy = ACCOUNT_POLICY,
        address_policy: RateLimitPolicy = ADDRESS_POLICY,
        clock: Callable[[], int] = now_ms,
        sessions: SessionStore | None = None,
    ):
        self._key = check_cookie_key(cookie_key)
        if not isinstance(cookie_name, str) or not COOKIE_NAME.match(cookie_name):
            raise AuthConfigError(
                f"cookie_name {cookie_name!r} is not a valid cookie name (1-64 letters, digits and !#$%&'*+-.^_`|~)"
            )
        if not isinstance(cookie_expiry_days, (int, float)) or isinstance(cookie_expiry_days, bool):
            raise AuthConfigError("cookie_expiry_days must be a number of days")
        if not 0 <= cookie_expiry_days <= MAX_EXPIRY_DAYS:
            raise AuthConfigError(
                f"cookie_expiry_days must be from 0 (no cookie: a reload signs out) to {MAX_EXPIRY_DAYS} (browsers keep cookies 400 days at most)"
            )
        if not callable(getattr(backend, "check_password", None)):
            raise AuthConfigError(f"the backend ({type(backend).__name__}) has no check_password: it is not a credentials backend")
        store = sessions if sessions is not None else backend
        if not isinstance(store, SessionStore):
            raise AuthConfigError(
                f"{type(store).__name__} keeps no sessions: give it a session store, "
                "Auth(backend, sessions=SessionDatabase('sessions.db'), cookie_key=...)"
            )
        self.backend = backend
        self.sessions: SessionStore = store
        bind = getattr(backend, "bind_sessions", None)
        if callable(bind):  # a backend that keeps data with its sessions (a JWT API's tokens)
            bind(store)
        self.cookie_name = cookie_name
        #: False with cookie_expiry_days=0: no session cookie is set or read.
        self.remember = cookie_expiry_days > 0
        self.cookie_expiry_seconds = max(1, int(cookie_expiry_days * 86400)) if self.remember else TAB_SESSION_SECONDS
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
        fields: Mapping[str, str | Mapping[str, str]] | None = None,
        lang: str | None = None,
        callback: Callable[[dict[str, Any]], None] | None = None,
    ) -> AuthStatus:
        """The login widget, while nobody is signed in (once signed in it is not rendered, so
        Streamlit drops its state, the password included). ``location="unrendered"`` renders
        nothing: only a session restored from the cookie signs in."""
        self._start(location, key, _WidgetCall(callback))
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
        fields: Mapping[str, str | Mapping[str, str]] | None = None,
        lang: str | None = None,
        callback: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        """The logout button, while someone is signed in. ``location="unrendered"`` signs out at
        once (as Streamlit-Authenticator's does). ``button_name``: the button's text; by default
        the widget's own, in the page's language ("Log out", "Se déconnecter")."""
        self._start(location, key, _WidgetCall(callback))
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
        fields: Mapping[str, str | Mapping[str, str]] | None = None,
        lang: str | None = None,
    ) -> AuthStatus:
        """The login status header ("Logged in as ..." with the role badges / "Not logged in")."""
        self._check_location(location)
        self._prepare()
        if location != "unrendered":
            self._render("status", key, location, fields=fields, lang=lang, options={})
        return self.status_now()

    def register_user(
        self,
        location: Location = "main",
        *,
        key: str = "register",
        fields: Mapping[str, str | Mapping[str, str]] | None = None,
        lang: str | None = None,
        callback: Callable[[dict[str, Any]], None] | None = None,
        roles: Sequence[str] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Registration | None:
        """The registration form (name, email, username, password), shown while nobody is signed
        in. The backend's rules decide (open, pre-authorized or closed registration, allowed
        domains, the password policy, look-alike usernames, a limit per client). With mail
        configured the account is created by the link (or code) mailed to the address: a
        ``?verify_token=`` in the page address is taken by this widget, which finishes the
        registration with one click. ``roles``: given to the accounts it creates. ``options``
        (every account widget): handed to the backend's operation as ``ctx.options`` (a
        compatibility layer's per-call settings). Returns the ``Registration`` in the run that
        registered (or finished) one, else None."""
        self._start(location, key, _WidgetCall(callback, roles=tuple(roles or ()), options=options))
        if location != "unrendered":
            shown = self._password_options()
            token = self._link_token(key, "verify_token", None)
            if token is not None:
                shown["token"] = token
            self._render("register", key, location, fields=fields, lang=lang, options=shown)
        result: Registration | None = self._run_results().get(key)
        return result

    def reset_password(
        self,
        location: Location = "main",
        *,
        key: str = "reset_password",
        fields: Mapping[str, str | Mapping[str, str]] | None = None,
        lang: str | None = None,
        callback: Callable[[dict[str, Any]], None] | None = None,
        token: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> bool:
        """Signed in: change the password (current password checked through the login throttle;
        every other session ends). With a reset code: set a new password (every session of the
        user ends). The code comes from ``token=`` (e.g. ``forgot_password(...).code``), from
        ``?reset_token=`` in the page address (the mailed link; taken once and removed from the
        address), or is pasted by the user. True in the run the password changed."""
        self._start(location, key, _WidgetCall(callback, options=options))
        if location != "unrendered":
            shown = self._password_options()
            held = self._link_token(key, "reset_token", token)
            if held is not None:
                shown["token"] = held
            self._render("reset_password", key, location, fields=fields, lang=lang, options=shown)
        return bool(self._run_results().get(key, False))

    def forgot_password(
        self,
        location: Location = "main",
        *,
        key: str = "forgot_password",
        fields: Mapping[str, str | Mapping[str, str]] | None = None,
        lang: str | None = None,
        callback: Callable[[dict[str, Any]], None] | None = None,
        show_code: bool = False,
        options: Mapping[str, Any] | None = None,
    ) -> PasswordResetRequest | None:
        """"Forgot password": username or email. The widget answers the same whatever happened
        ("If an account matches, we have sent an email…"). With mail configured a single-use
        link and code go to the account's address. Without mail the app receives the code in the
        returned ``PasswordResetRequest(username, email, code)`` (in the run that handled the
        request; None in other runs) and delivers it; never a new password.

        ``show_code=True`` (without mail only) also shows the code under the widget to whoever
        asked. Then anyone who can reach this form can reset any account: only for an app whose
        visitors are all trusted (local development, a single-user tool), or a page the app
        already restricts."""
        self._start(location, key, _WidgetCall(callback, show_code=show_code, options=options))
        state = self._state()
        if location != "unrendered":
            self._render("forgot_password", key, location, fields=fields, lang=lang, options={})
            note = state.notes.get(key) if show_code else None
            if note is not None:
                with st.sidebar if location == "sidebar" else nullcontext():
                    st.info(f"Reset code for `{note['username']}`: it works once, within {note['minutes']} minutes. Paste it into the reset form.")
                    st.code(note["code"], language=None)
        result: PasswordResetRequest | None = self._run_results().get(key)
        return result

    def forgot_username(
        self,
        location: Location = "main",
        *,
        key: str = "forgot_username",
        fields: Mapping[str, str | Mapping[str, str]] | None = None,
        lang: str | None = None,
        callback: Callable[[dict[str, Any]], None] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> UsernameReminder | None:
        """"Forgot username": an email. The widget answers the same whatever happened; the
        username goes by mail when mail is configured. Returns ``UsernameReminder(username,
        email)`` (None, None when nothing matched) in the run that handled the request, for an
        app that delivers it itself; None in other runs."""
        self._start(location, key, _WidgetCall(callback, options=options))
        if location != "unrendered":
            self._render("forgot_username", key, location, fields=fields, lang=lang, options={})
        result: UsernameReminder | None = self._run_results().get(key)
        return result

    def update_user_details(
        self,
        location: Location = "main",
        *,
        key: str = "update_details",
        fields: Mapping[str, str | Mapping[str, str]] | None = None,
        lang: str | None = None,
        callback: Callable[[dict[str, Any]], None] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> bool:
        """Name and email of the signed-in user (rendered only while someone is signed in). An
        email change needs the current password and notifies the old address; pending reset codes
        die with it. True in the run the details changed (``st.session_state`` already has them)."""
        self._start(location, key, _WidgetCall(callback, options=options))
        if self._state().session is not None and location != "unrendered":
            self._render("update_details", key, location, fields=fields, lang=lang, options={})
        return bool(self._run_results().get(key, False))

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
        self.end_session(session.sid, session.identity, self._clock())
        self._forget_session(state)
        return session.identity

    def end_session(self, sid: str, identity: Identity | None, now: int) -> None:
        """Revoke a session in the store; a backend with an ``end_session`` hook (a JWT API's
        logout URL) is told first. A failing hook is logged; the session ends regardless."""
        hook = getattr(self.backend, "end_session", None)
        if callable(hook) and identity is not None:
            try:
                hook(identity, now, session_id=sid)
            except Exception:
                logger.exception("auth-elements: the backend's end_session failed; the session ends here anyway")
        self.sessions.revoke_session(sid, now)

    # ------------------------------------------------------------------ access control

    def require(
        self,
        *,
        role: str | Sequence[str] | None = None,
        superuser: bool = False,
        location: Location = "main",
        key: str = "login",
        fields: Mapping[str, str | Mapping[str, str]] | None = None,
        lang: str | None = None,
    ) -> Identity:
        """Stop the page unless someone is signed in (with ``role``, any of several, or the
        superuser role): signed out, the login widget shows and the page stops (st.stop) after
        it; signed in without the role, a refusal shows and the page stops. Returns the user.
        Checked on the server every run, against roles read from the store in this run."""
        self.login(location, key=key, fields=fields, lang=lang)
        user = self.user
        if user is None:
            st.stop()
        assert user is not None
        if not has_access(user, role=role, superuser=superuser):
            wanted = "the superuser role" if superuser and role is None else (
                "the role " + (repr(role) if isinstance(role, str) else " or ".join(repr(r) for r in (role or ())))
            )
            st.error(f"You are signed in as {user.username}, but this page needs {wanted}.")
            st.stop()
        return user

    @overload
    def requires_auth(self, func: F, /) -> F: ...

    @overload
    def requires_auth(
        self,
        func: None = None,
        /,
        *,
        role: str | Sequence[str] | None = None,
        superuser: bool = False,
        location: Location = "main",
        key: str = "login",
        fields: Mapping[str, str | Mapping[str, str]] | None = None,
        lang: str | None = None,
    ) -> Callable[[F], F]: ...

    def requires_auth(
        self,
        func: F | None = None,
        /,
        *,
        role: str | Sequence[str] | None = None,
        superuser: bool = False,
        location: Location = "main",
        key: str = "login",
        fields: Mapping[str, str | Mapping[str, str]] | None = None,
        lang: str | None = None,
    ) -> F | Callable[[F], F]:
        """A decorator for a page (or any function drawing protected content): ``@auth.requires_auth``,
        ``@auth.requires_auth(role="analyst")``, ``@auth.requires_auth(superuser=True)``. Before the
        function runs, ``require`` (above): the login widget and a stop while signed out, a refusal
        and a stop without the role."""

        def decorate(fn: F) -> F:
            @functools.wraps(fn)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                self.require(role=role, superuser=superuser, location=location, key=key, fields=fields, lang=lang)
                return fn(*args, **kwargs)

            return wrapper  # type: ignore[return-value]

        return decorate(func) if func is not None else decorate

    # ------------------------------------------------------------------ the run

    def _state(self) -> _BrowserState:
        state = st.session_state.get(self._state_key)
        if not isinstance(state, _BrowserState):
            state = _BrowserState()
            st.session_state[self._state_key] = state
        return state

    def _run_results(self) -> dict[str, Any]:
        run, _first = _this_run(self.cookie_name)
        return run.results

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
        # with the widget's call in an earlier run, called once per operation it made.
        remembered = _calls.get((_session_id(), id(state)), {})
        events, run.events = run.events, []
        for key, info in events:
            call = remembered.get(key)
            if call is not None and call.callback is not None:
                call.callback(info)

    def _resume(self, sid: str, sub: str, now: int) -> Identity | None:
        """The session's user now: the session store confirms the session, the credentials say who
        the user is now (None: deleted, disabled). Any failure signs out (logged)."""
        try:
            identity = self.sessions.resume_session(sid, sub, now)
            if identity is None:
                return None
            current = getattr(self.backend, "current_identity", None)
            return current(identity, now, session_id=sid) if current is not None else identity
        except Exception:
            logger.exception("auth-elements: checking a session in the store failed; signed out")
            return None

    def _restore(self, state: _BrowserState, now: int) -> None:
        token = request_cookie(self.cookie_name) if self.remember else None
        if token is None:
            return
        claims = verify_session_token(self._key, token, now=now // 1000)
        if claims is None:
            logger.info("auth-elements: the session cookie is not a valid session token of this app; ignored")
            return
        identity = self._resume(claims.sid, claims.sub, now)
        if identity is not None:
            state.session = _Session(sid=claims.sid, sub=claims.sub, exp=claims.exp, identity=identity)

    def _recheck(self, state: _BrowserState, now: int) -> None:
        session = state.session
        assert session is not None
        identity = None if session.exp * 1000 <= now else self._resume(session.sid, session.sub, now)
        if identity is None:
            state.session = None
        else:
            state.session = _Session(sid=session.sid, sub=session.sub, exp=session.exp, identity=identity)

    def _forget_session(self, state: _BrowserState) -> None:
        """Signed out here (the store was told already): the cookie is cleared by the carrier."""
        state.session = None
        state.failed = False
        state.pending_cookie = {"name": self.cookie_name, "clear": True}
        self._publish(state)

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
        except AuthError as err:
            reply = error_reply(request.id, err.code, err.message, retry_after=err.retry_after, description=err.description, details=err.details)
        except Exception:
            logger.exception("auth-elements: the %s request of widget %r failed", request.op, key)
            reply = error_reply(request.id, "server_error", SERVER_ERROR)
        if reply is not None:
            state.replies[key] = reply
        if request.op != "ack":
            if key in run.results:
                state.results[key] = (request.id, run.results[key])
            else:
                state.results.pop(key, None)

    def _dispatch(self, state: _BrowserState, run: _RunState, key: str, request: Request) -> dict[str, Any] | None:
        if PASSWORD_FIELDS & request.input.keys() and _codes.mounted(self.cookie_name) is not None:
            # ASGI mode: the iframe posts passwords to the routes; one in widget state is a forgery
            # or an outdated page, and is not checked.
            return error_reply(request.id, "unsupported", PASSWORD_THROUGH_ROUTE)
        if request.op == "redeem":
            return self._redeem(state, run, key, request)
        if request.op == "login":
            return self._login(state, run, key, request)
        if request.op == "logout":
            identity = self.sign_out()
            run.events.append((key, self._event_info("logout", key, identity)))
            return ok_reply(request.id)
        if request.op in ("ack", "sync"):
            # ack: the iframe replaced a value that carried a password; sync: another tab signed
            # in or out. Nothing to do: this run re-checked the session already. The ack's rerun
            # returns the acknowledged request's result again (no callback: nothing happened).
            last = state.results.get(key)
            if request.op == "ack" and last is not None and last[0] == request.input.get("of"):
                run.results[key] = last[1]
            return None
        if request.op in ACCOUNT_OPERATIONS:
            return self._account(state, run, key, request)
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
            sessions=self.sessions,
        )
        identity = outcome.identity
        if identity is None:
            state.failed = True
            if outcome.code == "rate_limited":
                return error_reply(request.id, "rate_limited", RATE_LIMITED, retry_after=outcome.retry_after)
            return error_reply(request.id, "invalid_credentials", INVALID_CREDENTIALS)
        state.session, token = self._open_session(identity, now, replaces=state.session.sid if state.session is not None else None)
        state.failed = False
        if self.remember:
            state.pending_cookie = {"name": self.cookie_name, "value": token, "max_age": self.cookie_expiry_seconds, "secure": page_is_https()}
        run.events.append((key, self._event_info("login", key, identity)))
        return ok_reply(request.id)

    def _open_session(self, identity: Identity, now: int, *, replaces: str | None) -> tuple[_Session, str]:
        """After a checked password: the login recorded, the session ``replaces`` names (if any)
        revoked, a new one opened in the store; returns it and its token (the cookie's value)."""
        self.backend.record_login(identity, now)
        if replaces is not None:
            self.sessions.revoke_session(replaces, now)
        sid = new_session_id()
        iat = now // 1000
        exp = iat + self.cookie_expiry_seconds
        self.sessions.create_session(sid, identity, exp * 1000, now)
        token = mint_session_token(self._key, sub=identity.id, sid=sid, iat=iat, exp=exp)
        return _Session(sid=sid, sub=identity.id, exp=exp, identity=identity), token

    # ------------------------------------------------------------------ ASGI mode

    def _route(self) -> str | None:
        """``args.route``: None in plain mode; in ASGI mode (routes() built in this process for
        this cookie name) the routes' prefix and this browser session's binding."""
        mounted = _codes.mounted(self.cookie_name)
        if mounted is None:
            return None
        if mounted.key_digest != _codes.key_digest(self._key):
            raise AuthConfigError(
                f"the routes for the cookie {self.cookie_name!r} sign sessions with another cookie_key than this Auth: "
                "build both from the same settings (e.g. one Auth object imported by the script and the st.App file)"
            )
        return f"{mounted.prefix}/{self._binding()}"

    def _binding(self) -> str:
        """This browser session's binding (see _codes): codes issued for it are redeemable here only."""
        key = f"{self._state_key}:binding"
        binding = st.session_state.get(key)
        if not isinstance(binding, str) or not _codes.BINDING.match(binding):
            binding = _codes.new_binding()
            st.session_state[key] = binding
        return binding

    def _redeem(self, state: _BrowserState, run: _RunState, key: str, request: Request) -> dict[str, Any]:
        """A route's one-time code: what the route did becomes this browser session's (a login:
        its session). Unknown, used, expired or another browser session's code -> refused, and
        nothing changes."""
        now = self._clock()
        issued = _codes.code_store_for(self.sessions).redeem(request.input["code"], self._binding(), now)
        if issued is None:
            logger.info("auth-elements: a one-time code was refused (unknown, used, expired or another browser session's)")
            return error_reply(request.id, "session_expired", CODE_REFUSED)
        if issued.op == "login":
            sid, sub, exp = issued.session_id, issued.user_id, issued.session_expires_at
            identity = None
            if sid is not None and sub is not None and exp is not None and exp * 1000 > now:
                identity = self.sessions.resume_session(sid, sub, now)
            if identity is None:
                return error_reply(request.id, "session_expired", CODE_REFUSED)
            assert sid is not None and sub is not None and exp is not None
            if state.session is not None and state.session.sid != sid:
                self.sessions.revoke_session(state.session.sid, now)
            state.session = _Session(sid=sid, sub=sub, exp=exp, identity=identity)
            state.failed = False
            run.events.append((key, self._event_info("login", key, identity)))
        return ok_reply(request.id, issued.result)

    def _context(self, state: _BrowserState, options: Mapping[str, Any] | None = None) -> AccountContext:
        return AccountContext(
            sessions=self.sessions,
            client=address_group(client_address()),
            now=self._clock(),
            session_id=state.session.sid if state.session is not None else "",
            account_policy=self.account_policy,
            address_policy=self.address_policy,
            options=dict(options or {}),
        )

    def _account(self, state: _BrowserState, run: _RunState, key: str, request: Request) -> dict[str, Any]:
        """An account operation of PROTOCOL.md, by the backend's method of the same name; a
        backend without it answers ``unsupported``. Its result goes to the widget call's return
        value in this run, and to the widget's callback."""
        op, data = request.op, request.input
        method = getattr(self.backend, op, None)
        if method is None:
            raise unsupported()
        call = _calls.get((_session_id(), id(state)), {}).get(key, _WidgetCall())
        ctx = self._context(state, call.options)
        session = state.session
        if op in ("change_password", "update_details") and session is None:
            raise AuthError("not_authenticated", NOT_AUTHENTICATED)
        reply: dict[str, Any] = {}
        info: dict[str, Any]
        try:
            if op == "register":
                registration: Registration = method(
                    ctx, username=data["username"], email=data["email"], password=data["password"], name=data["name"], roles=call.roles
                )
                run.results[key] = registration
                reply = {"verification_sent": registration.verification_sent, "username": registration.username}
                info = registration._asdict()
            elif op == "verify_registration":
                registration = method(ctx, token=data["token"], roles=call.roles)
                run.results[key] = registration
                reply = {"username": registration.username}
                info = registration._asdict()
            elif op == "change_password":
                assert session is not None
                method(ctx, session.identity, current_password=data["current_password"], new_password=data["new_password"])
                run.results[key] = True
                info = self._event_info(op, key, session.identity)
            elif op == "request_password_reset":
                asked: PasswordResetRequest = method(ctx, login=data["login"])
                run.results[key] = asked
                state.notes.pop(key, None)
                if call.show_code and asked.code is not None and asked.username is not None:
                    minutes = str(round(getattr(getattr(self.backend, "settings", None), "reset_token_ttl", 1800) / 60))
                    state.notes[key] = {"username": asked.username, "code": asked.code, "minutes": minutes}
                info = asked._asdict()
            elif op == "reset_password":
                whose: Identity = method(ctx, token=data["token"], password=data["password"])
                run.results[key] = True
                if session is not None and session.identity.id == whose.id:
                    self._forget_session(state)  # every session of the user ended, this one too
                info = self._event_info(op, key, whose)
            elif op == "request_username_reminder":
                reminded: UsernameReminder = method(ctx, email=data["email"])
                run.results[key] = reminded
                info = reminded._asdict()
            else:  # update_details
                assert session is not None
                changes = {name: data[name] for name in ("name", "email", "current_password") if name in data}
                updated: Identity = method(ctx, session.identity, **changes)
                state.session = _Session(sid=session.sid, sub=session.sub, exp=session.exp, identity=updated)
                self._publish(state)
                run.results[key] = True
                info = self._event_info(op, key, updated)
        except AuthError as err:
            if op in ("reset_password", "verify_registration") and err.code in ("reset_token_invalid", "verification_token_invalid"):
                state.tokens.pop(key, None)  # the element drops a refused token too
            raise
        if op in ("reset_password", "verify_registration"):
            state.tokens.pop(key, None)  # used up
        info = {"event": op, "widget": key, **{k: v for k, v in info.items() if k not in ("event", "widget")}}
        run.events.append((key, info))
        return ok_reply(request.id, reply)

    # ------------------------------------------------------------------ rendering

    @staticmethod
    def _check_location(location: str) -> None:
        if location not in LOCATIONS:
            raise ValueError(f"location must be one of 'main', 'sidebar' or 'unrendered', got {location!r}")

    def _password_options(self) -> dict[str, Any]:
        minimum = getattr(self.backend, "password_min_length", None)
        return {"password_min_length": minimum} if isinstance(minimum, int) else {}

    def _link_token(self, key: str, param: str, given: str | None) -> str | None:
        """The link token this widget holds: a new ``token=`` from the app, else one taken (once)
        from the page address (``?reset_token=`` / ``?verify_token=``, then removed from it, so it
        stays out of the history and of links shared from the page)."""
        state = self._state()
        if given is not None and state.given.get(key) != given:
            state.given[key] = given
            state.tokens[key] = given
        try:
            found = st.query_params.get(param)
        except Exception:  # no query params outside a script run
            found = None
        if isinstance(found, str):
            try:
                del st.query_params[param]
            except Exception:
                pass
            if LINK_TOKEN.match(found.strip()):
                state.tokens[key] = found.strip()
        return state.tokens.get(key)

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
        fields: Mapping[str, str | Mapping[str, str]] | None,
        lang: str | None,
        options: Mapping[str, Any],
    ) -> None:
        if not isinstance(key, str) or key == "" or key.startswith("_auth_elements:"):
            raise ValueError(f"key must be a non-empty string of your choosing, got {key!r}")
        state = self._state()
        # One key, one widget per run (page). Across runs a key may change widget: the pages of a
        # multipage app are scripts of their own, and Streamlit keeps their elements apart.
        rendered = _this_run(self.cookie_name)[0].rendered
        known = rendered.get(key)
        if known is not None:
            raise ValueError(
                f"key {key!r} is given to two widgets on this page (a {known} widget and a {widget} widget): "
                f"give each its own key, e.g. key={key + '_sidebar'!r}"
            )
        rendered[key] = widget
        # On one page a key keeps its kind from run to run: Streamlit would hand the new widget the
        # old one's value (a login's request to a logout button), so that is refused too.
        page = (_page_id(), key)
        before = state.page_widgets.get(page)
        if before is not None and before != widget:
            raise ValueError(
                f"key {key!r} was a {before} widget on this page in an earlier run; give the {widget} widget its own key"
            )
        state.page_widgets[page] = widget
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
            route=self._route(),
        )
        _component.render(key, args, sidebar=location == "sidebar")

    def _render_carrier(self, state: _BrowserState) -> None:
        state.widgets[self._carrier_key] = "session"
        cookie, state.pending_cookie = state.pending_cookie, None
        if _codes.mounted(self.cookie_name) is not None:
            cookie = None  # ASGI mode: the routes set and clear the HttpOnly cookie; a script cannot
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

    def _start(self, location: str, key: str, call: _WidgetCall) -> None:
        """The start of every widget call: a valid location, this run prepared (restore, re-check,
        requests handled), and the call remembered for the run that handles its next request."""
        self._check_location(location)
        self._prepare()
        self._remember(key, call)

    def _remember(self, key: str, call: _WidgetCall) -> None:
        """Keep what the app passed with the widget's call for the run in which its request is
        handled (a later one)."""
        with _runs_lock:
            slot = _calls.setdefault((_session_id(), id(self._state())), {})
            slot[key] = call
            if len(_calls) > 10_000:
                for stale in list(_calls)[:5_000]:
                    del _calls[stale]
