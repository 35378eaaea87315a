"""User administration for superusers: ``UsersAdmin`` (every action checked on the server against
the acting user as the store has them NOW) and ``admin_page`` (a Streamlit page of Streamlit's own
widgets built on it).

A superuser is a user with the role ``admin``: the reference server's meaning (``auth-admin
create-superuser`` gives that role), so one database has one set of superusers for both.

What protects the page is not that its widgets are hidden: ``admin_page`` first calls
``auth.require(superuser=True)`` (the session re-checked against the store in this run, roles
included), and stops the script for anyone else before a single widget of it exists in their run
(Streamlit ignores values sent for widgets a run does not create). Then each action re-reads the
acting user from the store before it writes: a superuser demoted or disabled in another tab,
process or by ``auth-admin`` can do nothing more, even with a form already on the screen. No
action runs in a widget callback (those run before the script, so before the check).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._backend import SUPERUSER_ROLE
from ._errors import AuthError
from ._records import DuplicateUserError, Identity, UserRecord

if TYPE_CHECKING:
    from ._auth import Auth
    from ._users_database import UsersDatabase


class NotAuthorizedError(PermissionError):
    """The acting user is not (or no longer) an enabled superuser."""


class UsersAdmin:
    """Administration acting as ``actor`` (an Identity or a user id). Every method first checks,
    in the store, that the actor exists, is enabled and has the superuser role."""

    def __init__(self, users: UsersDatabase, actor: Identity | str):
        self.users = users
        self.actor_id = actor.id if isinstance(actor, Identity) else actor

    def _check(self) -> UserRecord:
        me = self.users.store.user_by_id(self.actor_id)
        if me is None or me.disabled or SUPERUSER_ROLE not in me.roles:
            raise NotAuthorizedError("Only a superuser (role admin) may administer users.")
        return me

    def _user(self, user_id: str) -> UserRecord:
        user = self.users.store.user_by_id(user_id)
        if user is None:
            raise AuthError("invalid_input", "There is no such user.")
        return user

    def list_users(self) -> list[UserRecord]:
        self._check()
        return self.users.list_users()

    def create_user(
        self, username: str, password: str | None = None, *, name: str = "", email: str = "", roles: Sequence[str] = ()
    ) -> tuple[UserRecord, str | None]:
        """A new user. With ``password`` None, the account gets a random password nobody knows and
        a single-use reset code (returned, and mailed to the user when mail is configured): the
        administrator never chooses or sees the user's password."""
        self._check()
        if password is None:
            user = self.users.create_user(username, secrets.token_urlsafe(48), name=name, email=email, roles=roles)
            return user, self.users.issue_reset_code(user.id)
        return self.users.create_user(username, password, name=name, email=email, roles=roles), None

    def set_disabled(self, user_id: str, disabled: bool) -> UserRecord:
        me = self._check()
        user = self._user(user_id)
        if disabled and user.id == me.id:
            raise AuthError("invalid_input", "You cannot disable your own account.")
        self.users.set_disabled(user.id, disabled)
        return self._user(user.id)

    def set_roles(self, user_id: str, roles: Sequence[str]) -> UserRecord:
        me = self._check()
        user = self._user(user_id)
        if user.id == me.id and SUPERUSER_ROLE not in [r.strip() for r in roles]:
            raise AuthError("invalid_input", f"You cannot remove your own {SUPERUSER_ROLE} role.")
        self.users.set_roles(user.id, roles)
        return self._user(user.id)

    def issue_reset_code(self, user_id: str) -> str:
        """A single-use reset code for the user (mailed with its link when mail is configured);
        the password does not change until the code is used. Never a password."""
        self._check()
        return self.users.issue_reset_code(self._user(user_id).id)

    def preauthorize(self, emails: Sequence[str]) -> int:
        self._check()
        return self.users.preauthorize(emails)

    def unpreauthorize(self, emails: Sequence[str]) -> int:
        self._check()
        return self.users.unpreauthorize(emails)

    def preauthorized_emails(self) -> list[str]:
        self._check()
        return self.users.preauthorized_emails()


def _when(ms: int | None) -> str:
    if ms is None:
        return ""
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _roles(text: str) -> list[str]:
    return [r.strip() for r in text.split(",") if r.strip() != ""]


def _refusal(err: Exception) -> str:
    if isinstance(err, AuthError):
        return err.description or err.message
    if isinstance(err, DuplicateUserError):
        return "Another user has this email address." if err.field == "email" else "This username is taken, or looks like an existing one."
    return str(err)


def admin_page(auth: Auth, *, users: UsersDatabase | None = None, key: str = "ae_admin", title: str = "Users") -> None:
    """The users page for superusers: the users (created, updated, last login, logins), and forms
    to create a user, disable or enable one, set roles, issue a reset code, and pre-authorize
    emails. Anyone else gets the login widget (signed out) or a refusal, and the script stops."""
    import streamlit as st

    from ._users_database import UsersDatabase as _UsersDatabase

    if users is None:
        if not isinstance(auth.backend, _UsersDatabase):
            raise TypeError("admin_page needs a UsersDatabase: admin_page(auth, users=UsersDatabase(...))")
        users = auth.backend
    me = auth.require(superuser=True, key=f"{key}:login")
    admin = UsersAdmin(users, me)

    st.header(title)
    flash_key = f"{key}:flash"
    # What the last action said (kept across the rerun that redraws the page with its effect).
    for kind, text, code in st.session_state.pop(flash_key, []):
        (st.success if kind == "success" else st.info)(text)
        if code:
            st.code(code, language=None)
    table = st.container()
    mailed = users.mail is not None

    def attempt(action: Any, done: str, then: Any = None) -> None:
        """Run an action; a refusal shows under its form, a success reruns the page (fresh data)
        with the message (and what ``then`` adds: a reset code to hand over)."""
        try:
            result = action()
        except NotAuthorizedError as err:
            st.error(str(err))
            st.stop()
        except (AuthError, DuplicateUserError) as err:
            st.error(_refusal(err))
            return
        st.session_state[flash_key] = [("success", done, None), *(then(result) if then is not None else [])]
        st.rerun()

    everyone = admin.list_users()
    by_name = {u.username: u for u in everyone}
    tab_user, tab_new, tab_pre = st.tabs(["Manage a user", "Create a user", "Pre-authorized emails"])

    with tab_user:
        if not everyone:
            st.write("No users yet.")
        else:
            chosen = st.selectbox("User", sorted(by_name, key=str.lower), key=f"{key}:user")
            user = by_name.get(chosen) if chosen is not None else None
            if user is not None:
                with st.form(f"{key}:status"):
                    st.write(f"**{user.username}** is {'disabled' if user.disabled else 'enabled'}.")
                    if st.form_submit_button("Enable" if user.disabled else "Disable"):
                        state = "enabled" if user.disabled else "disabled"
                        attempt(lambda: admin.set_disabled(user.id, not user.disabled), f"{user.username} {state}.")
                with st.form(f"{key}:roles"):
                    roles = st.text_input("Roles (comma-separated)", value=",".join(user.roles), key=f"{key}:roles:{user.id}")
                    if st.form_submit_button("Save roles"):
                        attempt(lambda: admin.set_roles(user.id, _roles(roles)), f"Roles of {user.username} saved.")
                with st.form(f"{key}:reset"):
                    st.write("Issue a single-use reset code: the password stays as it is until the code is used.")
                    if st.form_submit_button("Issue a reset code"):

                        def hand_over(code: str, user: UserRecord = user) -> list[tuple[str, str, str | None]]:
                            if mailed and user.email:
                                return [("info", f"A reset link was mailed to {user.email}.", None)]
                            minutes = users.settings.reset_token_ttl // 60
                            return [("info", f"Give this code to {user.username} (it works once, within {minutes} minutes):", code)]

                        attempt(lambda: admin.issue_reset_code(user.id), f"Reset code issued for {user.username}.", hand_over)

    with tab_new:
        with st.form(f"{key}:create", clear_on_submit=True):
            username = st.text_input("Username", key=f"{key}:new:username")
            name = st.text_input("Name", key=f"{key}:new:name")
            email = st.text_input("Email", key=f"{key}:new:email")
            roles_text = st.text_input("Roles (comma-separated)", key=f"{key}:new:roles")
            password = st.text_input(
                "Password (leave empty to send a reset code instead)", type="password", key=f"{key}:new:password"
            )
            if st.form_submit_button("Create"):

                def invite(made: tuple[UserRecord, str | None]) -> list[tuple[str, str, str | None]]:
                    user, code = made
                    if code is None:
                        return []
                    if mailed and user.email:
                        return [("info", f"A link to choose a password was mailed to {user.email}.", None)]
                    return [("info", f"Give this reset code to {user.username} to choose a password (it works once):", code)]

                attempt(
                    lambda: admin.create_user(username, password or None, name=name, email=email, roles=_roles(roles_text)),
                    f"User {username.strip()} created.",
                    invite,
                )

    with tab_pre:
        with st.form(f"{key}:preauth", clear_on_submit=True):
            emails = st.text_area("Emails to pre-authorize (one per line or comma-separated)", key=f"{key}:pre:add")
            if st.form_submit_button("Pre-authorize"):
                listed = [e.strip() for e in emails.replace(",", "\n").splitlines() if e.strip()]
                attempt(lambda: admin.preauthorize(listed), f"{len(listed)} email(s) pre-authorized.")
        current = admin.preauthorized_emails()
        if current:
            with st.form(f"{key}:unpreauth"):
                gone = st.multiselect("Pre-authorized emails", current, key=f"{key}:pre:remove")
                if st.form_submit_button("Remove"):
                    attempt(lambda: admin.unpreauthorize(gone), f"{len(gone)} email(s) removed.")
        else:
            st.write("No pre-authorized emails.")

    # The table last, so it shows what the actions above just did.
    rows = [
        {
            "username": u.username,
            "name": u.name,
            "email": u.email,
            "roles": ", ".join(u.roles),
            "disabled": u.disabled,
            "created_at": _when(u.created_at),
            "updated_at": _when(u.updated_at),
            "last_login": _when(u.last_login),
            "logins_count": u.logins_count,
        }
        for u in admin.list_users()
    ]
    with table:
        st.dataframe(rows, hide_index=True)
