"""``Authenticate``: Streamlit-Authenticator's class, as a thin layer over ``Auth`` (the core: the
widgets, sessions, the signed cookie) and ``UsersFile`` (the users of its ``credentials``).

What this layer does itself is only the translation: the old positional forms of every call (0.2 and
0.3: ``Authenticate(credentials, cookie_name, key, expiry_days, preauthorized)``,
``login('Login', 'main')``, ``register_user('Register', preauthorization=True)``, ...) next to
0.4's keyword forms, its default widget keys ('Login', 'Register user', ...), its return shapes,
and its exceptions for a misuse of the API (``LogoutError``, ``ResetError``, ``UpdateError``).
Options of that library that this package does not implement are accepted and ignored (the README
lists each, with the reason)."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any, TypeVar

import streamlit as st

from ..._auth import LOCATIONS, Auth
from ..._errors import AuthConfigError
from ..._identity import normalize_email, normalize_username
from ..._session_database import SessionDatabase
from ..._users_file import UsersFile, remove_email
from .utilities.exceptions import (
    AuthenticateConfigError,
    CloudError,
    DeprecationError,
    LoginError,
    LogoutError,
    RegisterError,
    ResetError,
    UpdateError,
)
from .utilities.validator import Validator

logger = logging.getLogger("streamlit_auth_elements")

LOCATION_ERROR = "Location must be one of 'main' or 'sidebar' or 'unrendered'"
#: Options of Streamlit-Authenticator that mean nothing here (see the README: "what differs").
IGNORED_OPTIONS = ("api_key", "server_url", "login_sleep_time", "password_instructions")
#: Options handed on to ``UsersFile``.
USERS_FILE_OPTIONS = ("registration", "allowed_domains", "password_min_length", "app_url", "mail", "mail_from", "hash_scheme", "bcrypt_rounds", "env")

_noted: set[str] = set()


def _note_ignored(what: str, why: str) -> None:
    """Log once per process that an option is accepted and ignored."""
    if what not in _noted:
        _noted.add(what)
        logger.warning("auth-elements (Streamlit-Authenticator layer): %s is ignored: %s", what, why)


F = TypeVar("F", bound=Callable[..., Any])


def _form_name_at(index: int) -> Callable[[F], F]:
    """Accept 0.2's calls, whose argument ``index`` (after ``self``) is the form's title:
    ``login('Login', 'main')``, ``login('Login', location='sidebar')``, ``login(form_name='Login')``,
    ``reset_password(username, 'Reset password', 'main')``. The title is taken out before Python
    binds the rest to today's parameters (so ``location`` lands where it belongs) and goes to
    ``fields['Form name']``; the method learns of it by ``_form_name``. A value that is a location
    ('main', 'sidebar', 'unrendered') is today's form."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            form_name = kwargs.pop("form_name", None)
            if form_name is None and len(args) > index and isinstance(args[index], str) and args[index] not in LOCATIONS:
                form_name, args = args[index], args[:index] + args[index + 1 :]
            if form_name is not None:
                fields = kwargs.get("fields")
                kwargs["fields"] = {**(fields if isinstance(fields, Mapping) else {}), "Form name": str(form_name)}
                kwargs["_form_name"] = str(form_name)
            return method(self, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _form_location(location: Any, *, unrendered: bool = False) -> str:
    allowed = LOCATIONS if unrendered else ("main", "sidebar")
    if location not in allowed:
        raise ValueError(LOCATION_ERROR if unrendered else "Location must be one of 'main' or 'sidebar'")
    return str(location)


def _preauthorized_list(value: Any) -> list[Any] | None:
    """The list of emails of 0.2's ``preauthorized`` (``{'emails': [...]}``) or a list: the very
    list object, so that registrations use it up in place (the app saves its config)."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        emails = value.get("emails")
        if emails is None:
            return None
        value = emails
    if not isinstance(value, list):
        raise DeprecationError("preauthorized must be a list of emails (or {'emails': [...]}, as in config['pre-authorized'])")
    return value


class Authenticate:
    """Streamlit-Authenticator's ``Authenticate``: login, logout, register, reset password, forgot
    password / username and update details widgets over a users ``credentials`` dict (changed in
    place: save it as that library's README does) or the path of its YAML config file (saved
    atomically by this package at every change).

    ``Authenticate(credentials, cookie_name, cookie_key, cookie_expiry_days)`` (0.4), with the 0.2
    and 0.3 forms: a 5th positional ``preauthorized`` (``config['preauthorized']`` /
    ``config['pre-authorized']``, or a list of emails) and ``key=`` for the cookie key. With a path
    the file's ``cookie:`` section gives the cookie's name, key and lifetime. The cookie key must be
    a random secret of at least 32 bytes: the example keys of that library's README are refused
    with a message saying how to make one.

    Extra keywords: ``sessions`` (where sessions and counters live; default a ``SessionDatabase``
    beside the YAML file, or ``SessionDatabase()`` for a dict), and the ``UsersFile`` options
    ``registration``, ``allowed_domains``, ``password_min_length``, ``app_url``, ``mail`` (an
    smtp:// URL, for reset links and registration mails), ``mail_from``, ``hash_scheme``,
    ``bcrypt_rounds``. ``auto_hash`` hashes plain text passwords when they are loaded, as there.
    ``api_key``, ``server_url``, ``login_sleep_time``, ``password_instructions``: ignored (logged).
    """

    def __init__(
        self,
        credentials: MutableMapping[str, Any] | str | os.PathLike[str],
        cookie_name: str = "some_cookie_name",
        cookie_key: str | None = None,
        cookie_expiry_days: float = 30.0,
        validator: Validator | Mapping[str, Any] | list[Any] | None = None,
        auto_hash: bool = True,
        api_key: str | None = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(credentials, (list, tuple)):
            raise DeprecationError(
                "Authenticate(names, usernames, passwords, ...) is the 0.1 form: give a credentials dict "
                "({'usernames': {username: {'email': ..., 'name': ..., 'password': ...}}}) or the path of a config.yaml"
            )
        preauthorized = kwargs.pop("preauthorized", None)
        if preauthorized is None:
            preauthorized = kwargs.pop("pre_authorized", None)
        if isinstance(validator, (Mapping, list)):  # 0.2/0.3: the 5th positional is `preauthorized`
            preauthorized, validator = validator, None
        if "key" in kwargs:  # 0.2/0.3 named the cookie key `key`
            given = kwargs.pop("key")
            cookie_key = given if cookie_key is None else cookie_key
        sessions = kwargs.pop("sessions", None)
        options = {name: kwargs.pop(name) for name in USERS_FILE_OPTIONS if name in kwargs}
        if api_key is not None:
            _note_ignored("api_key", "mail goes through your own SMTP server here (mail='smtp://...' or AUTH_SMTP_URL)")
        for name in [n for n in kwargs if n in IGNORED_OPTIONS]:
            kwargs.pop(name)
            _note_ignored(name, "not used by streamlit-auth-elements")
        if kwargs:
            raise TypeError(f"Authenticate() got unexpected keyword arguments: {', '.join(sorted(kwargs))}")
        self.validator = validator
        try:
            if isinstance(credentials, (str, os.PathLike)):
                self.users = UsersFile(credentials, auto_hash=auto_hash, **options)
                config = self.users.config()
                cookie = config.get("cookie") if isinstance(config, Mapping) else None
                if isinstance(cookie, Mapping):
                    cookie_name = cookie.get("name") or cookie_name
                    cookie_key = cookie.get("key") or cookie_key
                    if cookie.get("expiry_days") is not None:
                        cookie_expiry_days = cookie["expiry_days"]
                self._preauthorized = _preauthorized_list(preauthorized)
            else:
                self._preauthorized = _preauthorized_list(preauthorized)
                # The README loads config.yaml in every run and saves it at the end: the journal makes
                # a change again in the next run's dict when its run was stopped before the save.
                self.users = UsersFile(
                    credentials, pre_authorized=self._preauthorized, auto_hash=auto_hash, journal=f"streamlit-authenticator:{cookie_name}", **options
                )
            self.auth = Auth(
                self.users,
                cookie_key=cookie_key,
                cookie_name=str(cookie_name),
                cookie_expiry_days=cookie_expiry_days,
                sessions=sessions if sessions is not None else self.users.default_sessions(),
            )
        except AuthConfigError as err:
            raise AuthenticateConfigError(str(err)) from None

    # ------------------------------------------------------------------ helpers

    @property
    def credentials(self) -> MutableMapping[str, Any]:
        """The credentials dict (the app's own, or a copy of the file's ``credentials``)."""
        return self.users.credentials

    def _signed_in(self) -> bool:
        return self.auth.authentication_status is True

    def _options(self, **extra: Any) -> dict[str, Any]:
        options = {k: v for k, v in extra.items() if v is not None}
        if self.validator is not None:
            options["validator"] = self.validator
        return options

    def _form_checks(self, *, send_email: bool = False, owner: tuple[str | None, type[Exception], str] | None = None) -> None:
        """``owner``: the widget is for that signed-in user only; ``send_email`` needs mail."""
        if owner is not None:
            self._own_username(*owner)
        if send_email and self.users.mail is None:
            raise CloudError("send_email needs mail: give Authenticate(..., mail='smtp://...', app_url='https://your.app/') or set AUTH_SMTP_URL and AUTH_APP_URL")

    def _own_username(self, username: str | None, error: type[Exception], what: str) -> None:
        """The user a widget is for must be the one signed in (that library took any username)."""
        if not self._signed_in():
            raise error(f"User must be logged in to use the {what} widget")
        user = self.auth.user
        if username is not None and user is not None and normalize_username(str(username)) != user.id:
            raise error(f"The {what} widget is for the signed-in user ({user.username}) only")

    # ------------------------------------------------------------------ the widgets

    @_form_name_at(0)
    def login(
        self,
        location: str = "main",
        max_concurrent_users: int | str | None = None,
        max_login_attempts: int | None = None,
        fields: Mapping[str, str] | None = None,
        captcha: bool = False,
        single_session: bool = False,
        clear_on_submit: bool = False,
        key: str = "Login",
        callback: Callable[[dict[str, Any]], None] | None = None,
        _form_name: str | None = None,
    ) -> tuple[str | None, bool | None, str | None]:
        """The login widget; returns ``(name, authentication_status, username)`` whatever the
        location (0.2/0.3 returned it always, 0.4 only unrendered). ``login('Login', 'main')``:
        the 0.2 form (form name, location). ``max_concurrent_users``, ``max_login_attempts``,
        ``captcha``, ``single_session``, ``clear_on_submit``: ignored (failed logins are always
        throttled per account and per client)."""
        location = _form_location(location, unrendered=True)
        self.auth.login(location, key=key, fields=fields, callback=callback)  # type: ignore[arg-type]
        ss = st.session_state
        return ss["name"], ss["authentication_status"], ss["username"]

    def logout(
        self,
        button_name: str = "Logout",
        location: str = "main",
        key: str = "Logout",
        use_container_width: bool = False,
        callback: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        """The logout button (``location='unrendered'``: sign out now). ``LogoutError`` while
        nobody is signed in, as there. ``use_container_width``: ignored."""
        if not self._signed_in():
            raise LogoutError("User must be logged in to use the logout button")
        if location not in LOCATIONS:
            raise ValueError(LOCATION_ERROR)
        self.auth.logout(location, key=key or "Logout", button_name=button_name, callback=callback)  # type: ignore[arg-type]

    @_form_name_at(0)
    def register_user(
        self,
        location: str = "main",
        pre_authorized: list[str] | bool | None = None,
        domains: list[str] | None = None,
        fields: Mapping[str, str] | None = None,
        captcha: bool = True,
        roles: list[str] | None = None,
        merge_username_email: bool = False,
        password_hint: bool = True,
        two_factor_auth: bool = False,
        clear_on_submit: bool = False,
        key: str = "Register user",
        callback: Callable[[dict[str, Any]], None] | None = None,
        *,
        preauthorization: bool | None = None,
        pre_authorization: bool | None = None,
        _form_name: str | None = None,
    ) -> tuple[str | None, str | None, str | None] | bool:
        """The registration widget; ``(email, username, name)`` in the run that created the user,
        else ``(None, None, None)`` (also while a mailed link is awaited). 0.2's
        ``register_user('Register user', 'main', preauthorization=True)`` returns True/False.

        ``pre_authorized``: a list of emails allowed to register, each used up (removed from that
        very list) by its registration; True (0.2/0.3's ``preauthorization``): the list given to
        ``Authenticate``; None: that list when there was one, else the file's
        ``pre-authorized: emails:``, else anyone may register; False: anyone. ``domains``: allowed
        email domains. ``roles``: given to the new user. ``captcha``, ``merge_username_email``,
        ``password_hint``, ``two_factor_auth``, ``clear_on_submit``: ignored."""
        legacy = _form_name is not None
        legacy_flag = preauthorization if preauthorization is not None else pre_authorization
        if legacy_flag is not None:
            pre_authorized = legacy_flag
        elif legacy and pre_authorized is None:
            pre_authorized = True  # 0.2's default: pre-authorization on
        if roles is not None and not isinstance(roles, list):
            raise RegisterError("Roles must be provided as a list")
        location = _form_location(location)
        given: list[Any] | None = None
        mode: str | None = None
        if pre_authorized is False:
            mode = "open"
        elif pre_authorized is True or pre_authorized is None:
            # Authenticate's own list (or the file's) is the backend's: named by the mode only.
            if self._preauthorized is not None or self.users.has_preauthorized_list():
                mode = "preauthorized"
            else:
                if pre_authorized is True:
                    raise RegisterError("Pre-authorization is on but there is no pre-authorized list: give pre_authorized=[emails]")
                mode = "open"
        else:
            given = _preauthorized_list(pre_authorized)
        for email in self.users.consumed_emails():  # used up in a run stopped before the app's save
            for emails in (self._preauthorized, given):
                remove_email(emails, email)
        registration = self.auth.register_user(
            location,  # type: ignore[arg-type]
            key=key,
            fields=fields,
            callback=callback,
            roles=roles,
            options=self._options(pre_authorized=given, registration=mode, domains=domains),
        )
        done = registration is not None and not registration.verification_sent
        if done and registration is not None:
            # The request was handled at the start of this run, with the list of the run that
            # rendered the form; an app that loads its config every run passes a new list now:
            # the email is used up in this one too (the one the app saves).
            for emails in (given, self._preauthorized):
                remove_email(emails, normalize_email(registration.email))
        if legacy:
            return done
        if not done:
            return None, None, None
        assert registration is not None
        return registration.email, registration.username, registration.name

    @_form_name_at(1)
    def reset_password(
        self,
        username: str,
        location: str = "main",
        fields: Mapping[str, str] | None = None,
        clear_on_submit: bool = False,
        key: str = "Reset password",
        callback: Callable[[dict[str, Any]], None] | None = None,
        _form_name: str | None = None,
    ) -> bool | None:
        """The signed-in user changes their password (current password, new one): True in the run
        it changed, else None. ``ResetError`` while nobody (or another user) is signed in. 0.2's
        ``reset_password(username, 'Reset password', 'main')`` too. A forgotten password is reset
        with the code of ``forgot_password``, in the form that widget shows under itself."""
        location = _form_location(location)
        self._form_checks(owner=(username, ResetError, "reset password"))
        changed = self.auth.reset_password(location, key=key, fields=fields, callback=callback, options=self._options())  # type: ignore[arg-type]
        return True if changed else None

    @_form_name_at(0)
    def forgot_password(
        self,
        location: str = "main",
        fields: Mapping[str, str] | None = None,
        captcha: bool = False,
        send_email: bool = False,
        two_factor_auth: bool = False,
        clear_on_submit: bool = False,
        key: str = "Forgot password",
        callback: Callable[[dict[str, Any]], None] | None = None,
        _form_name: str | None = None,
    ) -> tuple[str | None, str | None, str | None]:
        """The forgot password widget, and under it (while nobody is signed in) the form that
        takes a reset code and a new password. Returns ``(username, email, code)`` in the run that
        handled a request for an existing account, else ``(None, None, None)`` (an unknown
        username gives the same: the app cannot tell the visitor which usernames exist).

        **The third item is a single-use reset code, never a new password** (that library made and
        stored a new random password): deliver it to the user (the README's "transfer it
        securely"); it works once, within 30 minutes, in the reset form. With mail configured
        (``mail=`` / ``AUTH_SMTP_URL``) the code and a link are mailed and the third item is None;
        ``send_email=True`` without mail raises ``CloudError``. ``captcha``,
        ``two_factor_auth``, ``clear_on_submit``: ignored."""
        location = _form_location(location)
        self._form_checks(send_email=send_email)
        asked = self.auth.forgot_password(location, key=key, fields=fields, callback=callback, options=self._options())  # type: ignore[arg-type]
        if not self._signed_in():
            self.auth.reset_password(location, key=f"{key} code", callback=callback, options=self._options())  # type: ignore[arg-type]
        if asked is None or asked.username is None:
            return None, None, None
        return asked.username, asked.email, asked.code

    @_form_name_at(0)
    def forgot_username(
        self,
        location: str = "main",
        fields: Mapping[str, str] | None = None,
        captcha: bool = False,
        send_email: bool = False,
        two_factor_auth: bool = False,
        clear_on_submit: bool = False,
        key: str = "Forgot username",
        callback: Callable[[dict[str, Any]], None] | None = None,
        _form_name: str | None = None,
    ) -> tuple[str | None, str | None]:
        """The forgot username widget: ``(username, email)`` in the run that found the account,
        else ``(None, None)`` (an unknown email too). With mail configured the username is mailed
        as well. ``captcha``, ``two_factor_auth``, ``clear_on_submit``: ignored."""
        location = _form_location(location)
        self._form_checks(send_email=send_email)
        reminded = self.auth.forgot_username(location, key=key, fields=fields, callback=callback, options=self._options())  # type: ignore[arg-type]
        if reminded is None or reminded.username is None:
            return None, None
        return reminded.username, reminded.email

    @_form_name_at(1)
    def update_user_details(
        self,
        username: str,
        location: str = "main",
        fields: Mapping[str, str] | None = None,
        clear_on_submit: bool = False,
        key: str = "Update user details",
        callback: Callable[[dict[str, Any]], None] | None = None,
        _form_name: str | None = None,
    ) -> bool | None:
        """Name and email of the signed-in user: True in the run they changed (``st.session_state``
        has them already), else None. ``UpdateError`` while nobody (or another user) is signed in.
        An email change asks for the current password."""
        location = _form_location(location)
        self._form_checks(owner=(username, UpdateError, "update user details"))
        changed = self.auth.update_user_details(location, key=key, fields=fields, callback=callback, options=self._options())  # type: ignore[arg-type]
        return True if changed else None

    def experimental_guest_login(self, *args: Any, **kwargs: Any) -> None:
        """OAuth2 guest login is not part of this package yet."""
        raise LoginError("experimental_guest_login (OAuth2) is not supported by streamlit-auth-elements")


__all__ = ["Authenticate", "SessionDatabase"]
