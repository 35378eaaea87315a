# A credentials backend without tables (users in a dict, as a users file would give them) on a
# SessionDatabase: sessions, revocation and throttling live there.
import dataclasses

import streamlit as st

from streamlit_auth_elements import AccountContext, Auth, Identity, SessionDatabase, UsernameReminder
from streamlit_auth_elements._passwords import hash_password, verify_password_or_dummy


@st.cache_resource
def hashes() -> dict[str, str]:
    return {"alice": hash_password("correct horse battery staple")}


class DictUsers:
    def __init__(self, disabled: list[str]):
        self.disabled = set(disabled)

    def _identity(self, username: str) -> Identity:
        return Identity(id=f"yaml:{username}", username=username, name=username.title(), roles=("member",), extra={"source": "dict"})

    def check_password(self, username: str, password: str, now: int) -> Identity | None:
        name = username.strip().lower()
        ok = verify_password_or_dummy(hashes().get(name), password)
        return self._identity(name) if ok and name not in self.disabled else None

    def record_login(self, identity: Identity, now: int) -> None:
        pass

    def current_identity(self, identity: Identity, now: int, *, session_id: str = "") -> Identity | None:
        if identity.username in self.disabled:
            return None
        return dataclasses.replace(identity, extra={**identity.extra, "session": session_id})

    # The one account operation it has: it answers with what the widget call gave it.
    def request_username_reminder(self, ctx: AccountContext, *, email: str) -> UsernameReminder:
        return UsernameReminder(str(ctx.options.get("tag")), email)


auth = Auth(
    DictUsers(list(st.secrets.get("disabled", []))),
    sessions=SessionDatabase(st.secrets["sessions_db"]),
    cookie_key=st.secrets["cookie_key"],
    cookie_name=st.secrets["cookie_name"],
)
auth.login(key="login")
auth.register_user(key="register")
reminded = auth.forgot_username(key="forgot_username", options={"tag": "from-the-call"})
if reminded is not None:
    st.text(f"reminded {reminded.username} {reminded.email}")
if st.session_state["authentication_status"]:
    st.text(f"hello {st.session_state['name']} {auth.user.extra['source']}")
    st.text(f"session {auth.user.extra.get('session')}")
    auth.logout(key="logout")
