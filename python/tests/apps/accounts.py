# Every account widget of the users database, as an app writes them; the results of each call are
# printed as text so the tests can read them.
import json

import streamlit as st

from streamlit_auth_elements import Auth, UsersDatabase

users = UsersDatabase(
    st.secrets["db"],
    registration=st.secrets.get("registration", "open"),
    mail=st.secrets.get("mail") or None,
    app_url=st.secrets.get("app_url") or None,
    env={},
)
auth = Auth(users, cookie_key=st.secrets["cookie_key"], cookie_name=st.secrets["cookie_name"])
events = st.session_state.setdefault("events", [])
auth.status(key="status")
auth.login(key="login", callback=events.append)
registered = auth.register_user(key="register", callback=events.append, roles=["member"])
if registered is not None:
    st.text("registered " + json.dumps(registered._asdict()))
asked = auth.forgot_password(key="forgot", show_code=bool(st.secrets.get("show_code", False)), callback=events.append)
if asked is not None:
    st.text("forgot " + json.dumps(asked._asdict()))
if auth.reset_password(key="reset", callback=events.append, token=st.secrets.get("given_code") or None):
    st.text("password changed")
reminded = auth.forgot_username(key="forgot_username", callback=events.append)
if reminded is not None:
    st.text("reminded " + json.dumps(reminded._asdict()))
if auth.update_user_details(key="details", callback=events.append):
    st.text("details saved " + st.session_state["name"])
if st.session_state["authentication_status"]:
    auth.logout(key="logout")
